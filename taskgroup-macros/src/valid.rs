//! Read-only checks on the parsed input: the mistakes that need more than one
//! token to see (duplicates, arm order, patterns, control flow leaving an arm).
//!
//! Every check records its errors in the [`Ctxt`] and goes on, so one compile
//! shows all the mistakes. Nothing here changes the input: what the
//! best-effort expansion needs changed after a mistake is the repair's job.

use std::collections::{HashMap, HashSet};

use quote::ToTokens;
use syn::{Expr, Pat, Type};

use crate::ast::{display, key, Catch, ExceptArm, ExceptMatch, TaskGroupInput, VariantPat};
use crate::ctxt::Ctxt;
use crate::escapes::for_each_escape;

impl TaskGroupInput {
    /// Checks a parsed `task_group!`: duplicate options, the arms, and control
    /// flow in the body and the arms.
    pub(crate) fn validate(&self, cx: &Ctxt) {
        let mut seen = HashSet::new();
        for option in &self.options {
            let name = option.name.to_string();
            if !seen.insert(name.clone()) {
                cx.error_spanned_by(
                    &option.name,
                    format!("duplicate option `{name}`; each option can be given once"),
                );
            }
        }
        if let Some(body) = &self.body {
            check_control_flow(&body.expr, Place::Body, cx);
        }
        validate_arms(&self.arms, cx);
    }
}

impl ExceptMatch {
    /// Checks an `#[except_star] match`: it has an `Ok` arm, and its except* arms are sound.
    pub(crate) fn validate(&self, cx: &Ctxt) {
        if self.ok_arms.is_empty() {
            cx.error_spanned_by(
                self.match_token,
                "`#[except_star] match` needs an `Ok(..)` arm for the success value, \
                 such as `Ok(value) => value`",
            );
        }
        validate_arms(&self.arms, cx);
    }
}

/// What earlier arms took, to find the arms that can never run.
#[derive(Default)]
struct Taken {
    catch_all: bool,
    /// Types taken whole by a type arm.
    types: HashSet<String>,
    /// Patterns taken by pattern arms, by the type they are of.
    patterns: HashMap<String, HashSet<String>>,
}

/// Checks except* arms: the catch-all is last, every arm can run, no type or
/// pattern is listed twice, patterns are of one nameable type and bind
/// nothing, no arm catches `ErrorGroup` or has a guard, and no arm leaves
/// with `return`, `break` or `continue`.
fn validate_arms(arms: &[ExceptArm], cx: &Ctxt) {
    let mut taken = Taken::default();
    for arm in arms {
        if taken.catch_all {
            cx.error_spanned_by(
                &arm.head,
                "this arm can never run: the catch-all arm before it takes every error; \
                 the catch-all must be the last arm",
            );
        }
        if let Some((if_token, guard)) = &arm.guard {
            cx.error_spanned_by(
                quote::quote!(#if_token #guard),
                "except* arms cannot have guards; test the errors inside the arm \
                 and re-raise what you do not handle with `eg.reraise()?`",
            );
        }
        match &arm.catch {
            Catch::All => taken.catch_all = true,
            Catch::Types(types) if types.is_empty() => {}
            Catch::Types(types) => check_types(arm, types, &mut taken, cx),
            Catch::Patterns(patterns) => check_patterns(arm, patterns, &mut taken, cx),
        }
        if let Some((_, guard)) = &arm.guard {
            check_control_flow(guard, Place::Arm, cx);
        }
        if let Some(body) = &arm.body {
            check_control_flow(body, Place::Arm, cx);
        }
    }
}

fn check_types(arm: &ExceptArm, types: &[Type], taken: &mut Taken, cx: &Ctxt) {
    let mut in_arm = HashSet::new();
    let mut new_type = false;
    for ty in types {
        let key = key(ty);
        if is_error_group(ty) {
            cx.error_spanned_by(
                ty,
                "except* arms take leaf errors and never a whole group, \
                 so an `ErrorGroup` arm would never run; \
                 use a catch-all `except* _` (or a bare `eg =>` in a match)",
            );
        }
        if !in_arm.insert(key.clone()) {
            cx.error_spanned_by(ty, format!("`{}` is listed twice in this arm", display(ty)));
        }
        new_type |= !taken.types.contains(&key);
    }
    if !new_type && !taken.catch_all {
        cx.error_spanned_by(
            &arm.head,
            "this arm can never run: earlier arms take all of its error types",
        );
    }
    taken.types.extend(in_arm);
}

fn check_patterns(arm: &ExceptArm, patterns: &[VariantPat], taken: &mut Taken, cx: &Ctxt) {
    let mut arm_type: Option<(&Type, String)> = None;
    let mut in_arm = HashSet::new();
    let mut new_pattern = false;
    for pattern in patterns {
        let Some(ty) = &pattern.ty else {
            let pat = display(&pattern.pat);
            cx.error_spanned_by(
                &pattern.pat,
                format!(
                    "the error type of the pattern `{pat}` cannot be named: write the \
                     pattern with its type's path, such as `JobError::{pat}`, so the arm \
                     knows which errors to take (an import such as `use JobError::*` does \
                     not tell it)"
                ),
            );
            continue;
        };
        let type_key = key(ty);
        match &arm_type {
            None => arm_type = Some((ty, type_key.clone())),
            Some((first, first_key)) if *first_key != type_key => {
                cx.error_spanned_by(
                    &pattern.pat,
                    format!(
                        "the patterns of one except* arm must be of one error type: this one \
                         is a `{}`, the first a `{}`; give each type its own arm",
                        display(ty),
                        display(first)
                    ),
                );
                continue;
            }
            Some(_) => {}
        }
        if let Some(binding) = first_binding(&pattern.pat) {
            cx.error_spanned_by(
                binding,
                format!(
                    "a pattern in an except* arm cannot bind `{binding}`: the arm receives \
                     the group of every matching error; write `..` or `_` here and read the \
                     errors in the arm (`for e in &eg {{ .. }}`)"
                ),
            );
        }
        let pattern_key = key(&pattern.pat);
        if !in_arm.insert(pattern_key.clone()) {
            cx.error_spanned_by(
                &pattern.pat,
                format!("`{}` is listed twice in this arm", display(&pattern.pat)),
            );
        }
        let by_type = taken.patterns.get(&type_key);
        new_pattern |= !taken.types.contains(&type_key)
            && by_type.is_none_or(|patterns| !patterns.contains(&pattern_key));
    }
    let Some((ty, type_key)) = arm_type else {
        return;
    };
    if !new_pattern && !taken.catch_all {
        let message = if taken.types.contains(&type_key) {
            format!(
                "this arm can never run: an earlier arm takes every `{}`",
                display(ty)
            )
        } else {
            "this arm can never run: earlier arms take all of its patterns".to_owned()
        };
        cx.error_spanned_by(&arm.head, message);
    }
    taken.patterns.entry(type_key).or_default().extend(in_arm);
}

/// The first name a pattern binds. A lone identifier starting with an
/// upper-case letter is a constant or a unit variant (`None`, `MAX`), as
/// rustc reads it too; any other is a binding.
fn first_binding(pat: &Pat) -> Option<&syn::Ident> {
    match pat {
        Pat::Ident(ident) => {
            let starts_upper = ident.ident.to_string().starts_with(char::is_uppercase);
            if ident.by_ref.is_some() || ident.mutability.is_some() || !starts_upper {
                return Some(&ident.ident);
            }
            ident
                .subpat
                .as_ref()
                .and_then(|(_, sub)| first_binding(sub))
        }
        Pat::TupleStruct(tuple) => tuple.elems.iter().find_map(first_binding),
        Pat::Tuple(tuple) => tuple.elems.iter().find_map(first_binding),
        Pat::Slice(slice) => slice.elems.iter().find_map(first_binding),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .find_map(|field| first_binding(&field.pat)),
        Pat::Or(or) => or.cases.iter().find_map(first_binding),
        Pat::Paren(paren) => first_binding(&paren.pat),
        Pat::Reference(reference) => first_binding(&reference.pat),
        Pat::Type(typed) => first_binding(&typed.pat),
        _ => None,
    }
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
enum Place {
    /// A `task_group!` body, which runs in its own async closure.
    Body,
    /// An except* arm, which must not skip the arms after it.
    Arm,
}

/// Reports each `return`, and each `break`/`continue` that would leave `expr`.
///
/// The lowering relies on it: an arm with neither a `?` nor a macro call is
/// inlined, which is sound only because no written-out `return`, `break` or
/// `continue` is left in it to leave the function or a loop (the repair
/// replaces the ones reported here).
fn check_control_flow(expr: &Expr, place: Place, cx: &Ctxt) {
    for_each_escape(expr, |found, keyword| {
        let message = match (place, keyword) {
            (Place::Arm, _) => format!(
                "`{keyword}` is not allowed in an except* arm: it would skip the remaining \
                 arms and lose the unhandled errors (Python forbids it too); \
                 give the arm a value instead"
            ),
            (Place::Body, "return") => "`return` cannot leave the enclosing function from a \
                 task_group! body; make the value the body's result, or fail the body with `?`"
                .to_owned(),
            (Place::Body, _) => format!(
                "`{keyword}` cannot leave a task_group! body; the body runs as its own async closure"
            ),
        };
        match found {
            Expr::Return(node) => cx.error_spanned_by(node.return_token, message),
            other => cx.error_spanned_by(other.to_token_stream(), message),
        }
    });
}
