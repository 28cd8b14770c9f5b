//! Cross-cutting checks on the parsed input: the mistakes that need more than one
//! token to see (duplicates, arm order, control flow leaving an arm).
//!
//! Every check records its errors in [`Errors`] and goes on, so one compile shows
//! all the mistakes (serde's `Ctxt`). Checks also mark arms that must not be
//! expanded, so the best-effort expansion adds no rustc errors of its own.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Lifetime, Type};

use crate::parse::{display, is_marker, is_ok_arm, Catch, ExceptArm, ExceptMatch, TaskGroupInput};

/// The user errors found so far, combined into one `syn::Error` at the end.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// Records all the errors of `other`.
    pub(crate) fn append(&mut self, other: Errors) {
        self.0.extend(other.0);
    }

    /// All errors as one `compile_error!` per error (empty if there are none).
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        let mut combined: Option<syn::Error> = None;
        for error in &self.0 {
            match &mut combined {
                Some(combined) => combined.combine(error.clone()),
                None => combined = Some(error.clone()),
            }
        }
        combined
            .map(|error| error.to_compile_error())
            .unwrap_or_default()
    }
}

/// Checks a parsed `task_group!`: duplicate options, the arms, and control flow
/// in the body and the arms.
pub(crate) fn task_group(input: &mut TaskGroupInput, errors: &mut Errors) {
    let mut seen = HashMap::new();
    input.options.retain(|option| {
        let name = option.name.to_string();
        if seen.insert(name.clone(), ()).is_some() {
            errors.push(syn::Error::new(
                option.name.span(),
                format!("duplicate option `{name}`; each option can be given once"),
            ));
            return false;
        }
        true
    });
    if let Some(body) = &mut input.body {
        ControlFlow::check(&mut body.expr, Context::Body, errors);
    }
    arms(&mut input.arms, errors);
}

/// Checks an `#[except_star] match`: it has an `Ok` arm, and its except* arms are sound.
pub(crate) fn except_match(input: &mut ExceptMatch, errors: &mut Errors) {
    if input.ok_arms.is_empty() {
        errors.push(syn::Error::new(
            input.match_token.span,
            "`#[except_star] match` needs an `Ok(..)` arm for the success value, \
             such as `Ok(value) => value`",
        ));
    }
    arms(&mut input.arms, errors);
}

/// Checks except* arms: the catch-all is last, every arm can run, no type is
/// listed twice, no arm catches `ErrorGroup`, and no arm leaves with
/// `return`, `break` or `continue`.
///
/// Arms with these mistakes are still expanded (they are well-typed code, and
/// leaving them out would add "unused" warnings); only an arm with no type at
/// all is skipped.
fn arms(arms: &mut [ExceptArm], errors: &mut Errors) {
    let mut taken: HashMap<String, ()> = HashMap::new();
    let mut catch_all_seen = false;
    for arm in arms.iter_mut() {
        if catch_all_seen {
            errors.push(syn::Error::new_spanned(
                &arm.head,
                "this arm can never run: the catch-all arm before it takes every error; \
                 the catch-all must be the last arm",
            ));
        }
        match &arm.catch {
            Catch::All => catch_all_seen = true,
            Catch::Types(types) if types.is_empty() => arm.skip = true,
            Catch::Types(types) => {
                let mut in_arm: HashMap<String, ()> = HashMap::new();
                let mut new_type = false;
                for ty in types {
                    let key = type_key(ty);
                    if is_error_group(ty) {
                        errors.push(syn::Error::new_spanned(
                            ty,
                            "except* arms take leaf errors and never a whole group, \
                             so an `ErrorGroup` arm would never run; \
                             use a catch-all `except* _` (or a bare `eg =>` in a match)",
                        ));
                    }
                    if in_arm.insert(key.clone(), ()).is_some() {
                        errors.push(syn::Error::new_spanned(
                            ty,
                            format!("`{}` is listed twice in this arm", display(ty)),
                        ));
                    }
                    new_type |= !taken.contains_key(&key);
                }
                if !new_type && !catch_all_seen {
                    errors.push(syn::Error::new_spanned(
                        &arm.head,
                        "this arm can never run: earlier arms take all of its error types",
                    ));
                }
                taken.extend(in_arm);
            }
        }
        ControlFlow::check(&mut arm.body, Context::Arm, errors);
    }
}

/// A type as text without spaces, to compare types written the same way.
fn type_key(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

fn is_error_group(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "ErrorGroup"),
        _ => false,
    }
}

/// Where control flow is checked, which decides the message.
#[derive(Clone, Copy)]
enum Context {
    /// A `task_group!` body, which runs in its own async closure.
    Body,
    /// An except* arm, which must not skip the arms after it.
    Arm,
}

/// Finds `return`, and `break`/`continue` that would leave the checked
/// expression, reports each, and replaces it with `unreachable!()` so that the
/// best-effort expansion type-checks without follow-up errors. It does not enter
/// closures, async blocks or items (their control flow is their own), nor the
/// except* arms of a nested `#[except_star] match` (checked when that match is
/// lowered). The lowering relies on it: an arm with neither a `?` nor a macro
/// call is inlined, which is sound only because no written-out `return`,
/// `break` or `continue` is left in it to leave the function or a loop.
struct ControlFlow<'a> {
    context: Context,
    /// Loops entered inside the checked expression.
    loops: usize,
    /// Labels of loops and blocks entered inside the checked expression.
    labels: Vec<String>,
    errors: &'a mut Errors,
}

impl<'a> ControlFlow<'a> {
    fn check(expr: &mut Expr, context: Context, errors: &'a mut Errors) {
        let mut visitor = ControlFlow {
            context,
            loops: 0,
            labels: Vec::new(),
            errors,
        };
        visitor.visit_expr_mut(expr);
    }

    /// Reports `expr` (a `return`, `break` or `continue`) and replaces it.
    fn refuse(&mut self, expr: &mut Expr, keyword: &str) {
        let message = match (self.context, keyword) {
            (Context::Arm, _) => format!(
                "`{keyword}` is not allowed in an except* arm: it would skip the remaining \
                 arms and lose the unhandled errors (Python forbids it too); \
                 give the arm a value instead"
            ),
            (Context::Body, "return") => "`return` cannot leave the enclosing function from a \
                 task_group! body; make the value the body's result, or fail the body with `?`"
                .to_owned(),
            (Context::Body, _) => format!(
                "`{keyword}` cannot leave a task_group! body; the body runs as its own async closure"
            ),
        };
        let keyword_tokens = match &*expr {
            Expr::Return(node) => node.return_token.to_token_stream(),
            other => other.to_token_stream(),
        };
        self.errors
            .push(syn::Error::new_spanned(keyword_tokens, message));
        let span = expr.span();
        *expr = Expr::Verbatim(quote::quote_spanned!(span=> ::core::unreachable!()));
    }

    fn known_label(&self, label: &Option<Lifetime>) -> bool {
        match label {
            Some(label) => self.labels.contains(&label.ident.to_string()),
            None => self.loops > 0,
        }
    }

    fn in_loop(&mut self, label: Option<&syn::Label>, body: impl FnOnce(&mut Self)) {
        let pushed = label.map(|label| self.labels.push(label.name.ident.to_string()));
        self.loops += 1;
        body(self);
        self.loops -= 1;
        if pushed.is_some() {
            self.labels.pop();
        }
    }
}

impl VisitMut for ControlFlow<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Return(_) => self.refuse(expr, "return"),
            Expr::Break(node) if !self.known_label(&node.label) => self.refuse(expr, "break"),
            Expr::Continue(node) if !self.known_label(&node.label) => self.refuse(expr, "continue"),
            Expr::Loop(node) => {
                let body = &mut node.body;
                self.in_loop(node.label.as_ref(), |this| this.visit_block_mut(body));
            }
            Expr::While(node) => {
                self.visit_expr_mut(&mut node.cond);
                let body = &mut node.body;
                self.in_loop(node.label.as_ref(), |this| this.visit_block_mut(body));
            }
            Expr::ForLoop(node) => {
                self.visit_expr_mut(&mut node.expr);
                let body = &mut node.body;
                self.in_loop(node.label.as_ref(), |this| this.visit_block_mut(body));
            }
            Expr::Block(node) => {
                let pushed = node
                    .label
                    .as_ref()
                    .map(|label| self.labels.push(label.name.ident.to_string()));
                self.visit_block_mut(&mut node.block);
                if pushed.is_some() {
                    self.labels.pop();
                }
            }
            Expr::Match(node) if node.attrs.iter().any(is_marker) => {
                // A nested `#[except_star] match`: its except* arms are checked when
                // it is lowered; its scrutinee and `Ok` arms run here.
                self.visit_expr_mut(&mut node.expr);
                for arm in node.arms.iter_mut().filter(|arm| is_ok_arm(arm)) {
                    self.visit_arm_mut(arm);
                }
            }
            Expr::Closure(_) | Expr::Async(_) => {}
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
