//! Driving the stages over a function body (or a `task_group!` input): parse,
//! check, repair on the error path, lower the nested markers, expand.
//!
//! The `VisitMut` here finds the inert `#[except_star]` markers, strips them,
//! and lowers each marked `match` in place. It does not recurse into nested
//! items: a nested function is expanded by its own `#[except_star]`, and a
//! marker in an item without one gets a clear error. Markers inside other macro
//! calls cannot be seen as Rust syntax, so they get a clear error too, except
//! inside `task_group!`, which lowers its own.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Block, Expr, ExprMatch, ItemFn, Meta};

use crate::ctxt::Ctxt;
use crate::expand::{self, Context};
use crate::marker::{attrs, attrs_mut, find_marker_in_tokens, is_marker, marker_at, take_markers};
use crate::{attr, from_match, parse};

/// `task_group_impl!`: parse, check, repair, lower the markers in the body and
/// arms, expand; the errors found on the way come first.
pub(crate) fn task_group(input: TokenStream) -> TokenStream {
    let private = quote!(__taskgroup);
    let cx = Ctxt::new();
    let parsed = match parse::fast::task_group(&input) {
        Some(input) => Ok(input),
        None => (|stream: ParseStream<'_>| Ok(parse::task_group(stream, &cx))).parse2(input),
    };
    let expansion = match parsed {
        Ok(mut input) => {
            input.validate(&cx);
            if cx.has_errors() {
                input.repair();
            }
            if let Some(body) = &mut input.body {
                lower_expr(&mut body.expr, &private, Context::Async, &cx);
            }
            for arm in &mut input.arms {
                if let Some(body) = &mut arm.body {
                    lower_expr(body, &private, Context::Async, &cx);
                }
            }
            expand::task_group(&input, &private)
        }
        Err(error) => {
            cx.syn_error(error);
            TokenStream::new()
        }
    };
    match cx.check() {
        Ok(()) => expansion,
        Err(error) => {
            let errors = error.to_compile_error();
            quote!({ #errors #expansion })
        }
    }
}

/// `#[except_star]`: lower every marked `match` in the function body.
pub(crate) fn except_star(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let krate = match (|stream: ParseStream<'_>| Ok(attr::attr_args(stream, &cx))).parse2(args) {
        Ok(args) => args.krate,
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let private = match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::taskgroup::__private),
    };
    let output = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(mut function) => {
            let context = Context::of_fn(&function.sig);
            lower_block(&mut function.block, &private, context, &cx);
            function.into_token_stream()
        }
        Err(_) => {
            cx.error_at(
                Span::call_site(),
                "`#[except_star]` goes on a function with a body (sync or async, free or method)",
            );
            item
        }
    };
    let errors = cx.check().err().map(|error| error.to_compile_error());
    quote!(#errors #output)
}

/// Lowers every marked `match` in `block`.
///
/// `private` is the path to the facade's `__private` module; `context` says
/// whether the block runs in async context (an `async fn`).
fn lower_block(block: &mut Block, private: &TokenStream, context: Context, cx: &Ctxt) {
    Markers {
        private,
        context,
        cx,
    }
    .visit_block_mut(block);
}

/// Lowers every marked `match` in `expr` (a `task_group!` body or arm).
fn lower_expr(expr: &mut Expr, private: &TokenStream, context: Context, cx: &Ctxt) {
    Markers {
        private,
        context,
        cx,
    }
    .visit_expr_mut(expr);
}

/// The visitor. `context` tracks the context at the current node: a closure
/// resets it to the closure's own, an `async` block makes it async.
struct Markers<'a> {
    private: &'a TokenStream,
    context: Context,
    cx: &'a Ctxt,
}

impl Markers<'_> {
    fn with_context(&mut self, context: Context, visit: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.context, context);
        visit(self);
        self.context = outer;
    }

    /// Reports markers with arguments and repeated markers; the first one counts.
    fn check_markers(&mut self, markers: &[Attribute]) {
        for (index, marker) in markers.iter().enumerate() {
            if index > 0 {
                self.cx.syn_error(syn::Error::new_spanned(
                    marker,
                    "duplicate `#[except_star]` marker on this `match`",
                ));
            } else if !matches!(marker.meta, Meta::Path(_)) {
                self.cx.syn_error(syn::Error::new_spanned(
                    marker,
                    "the `#[except_star]` marker on a `match` takes no arguments; \
                     options such as `crate = \"..\"` go on the function's `#[except_star]`",
                ));
            }
        }
    }

    /// Lowers one marked `match`: parse, validate, lower the markers nested in
    /// it (after validation, which must see them), then expand.
    fn lower_match(&mut self, expr: ExprMatch) -> Expr {
        let mut except = from_match::except_match(expr, self.cx);
        except.validate(self.cx);
        if self.cx.has_errors() {
            except.repair();
        }
        self.visit_expr_mut(&mut except.scrutinee);
        for arm in &mut except.ok_arms {
            self.visit_arm_mut(arm);
        }
        for body in except.arms.iter_mut().filter_map(|arm| arm.body.as_mut()) {
            self.visit_expr_mut(body);
        }
        Expr::Verbatim(expand::except_match(&except, self.private, self.context))
    }

    fn misplaced(&mut self, markers: &[Attribute], what: &str) {
        if let Some(marker) = markers.first() {
            self.cx.syn_error(syn::Error::new_spanned(
                marker,
                format!("`#[except_star]` goes on a `match`, not on {what}"),
            ));
        }
    }
}

impl VisitMut for Markers<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let markers = attrs_mut(expr).map(take_markers).unwrap_or_default();
        if markers.is_empty() {
            return match expr {
                Expr::Closure(closure) => {
                    self.with_context(Context::of_closure(closure), |this| {
                        syn::visit_mut::visit_expr_closure_mut(this, closure)
                    });
                }
                Expr::Async(block) => self.with_context(Context::Async, |this| {
                    syn::visit_mut::visit_expr_async_mut(this, block)
                }),
                _ => syn::visit_mut::visit_expr_mut(self, expr),
            };
        }
        self.check_markers(&markers);
        if let Expr::Match(_) = expr {
            let placeholder = Expr::Verbatim(TokenStream::new());
            if let Expr::Match(matched) = std::mem::replace(expr, placeholder) {
                *expr = self.lower_match(matched);
            }
        } else {
            self.misplaced(&markers, "this expression");
            // Visit the expression again, now without its markers.
            self.visit_expr_mut(expr);
        }
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let markers = take_markers(&mut local.attrs);
        if !markers.is_empty() {
            // `#[except_star] let x = match ..;` means the initializer.
            match local.init.as_mut().map(|init| &mut *init.expr) {
                Some(Expr::Match(matched)) => matched.attrs.extend(markers),
                _ => self.misplaced(&markers, "a `let` without a `match` initializer"),
            }
        }
        syn::visit_mut::visit_local_mut(self, local);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let markers = take_markers(&mut arm.attrs);
        self.misplaced(&markers, "a match arm; put it before the `match` keyword");
        syn::visit_mut::visit_arm_mut(self, arm);
    }

    fn visit_stmt_macro_mut(&mut self, node: &mut syn::StmtMacro) {
        let markers = take_markers(&mut node.attrs);
        self.misplaced(&markers, "a macro call");
        self.visit_macro_mut(&mut node.mac);
    }

    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        // A nested item is not part of this function: it runs in its own context
        // and is expanded by its own `#[except_star]`, if it has one.
        let mut finder = NestedMarker(None);
        finder.visit_item(item);
        let Some(marker) = finder.0 else {
            return;
        };
        self.cx.syn_error(syn::Error::new_spanned(
            marker,
            "this `#[except_star]` marker is inside a nested item, which the outer \
             `#[except_star]` does not reach; put `#[except_star]` on the nested function",
        ));
        // Lower the nested functions' markers anyway, so that rustc does not go on
        // to report each marker as an attribute on an expression.
        NestedFunctions {
            private: self.private,
            cx: self.cx,
        }
        .visit_item_mut(item);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string());
        if name.as_deref() == Some("task_group") {
            return; // `task_group!` lowers the markers in its body and arms itself
        }
        let Some(span) = find_marker_in_tokens(mac.tokens.clone()) else {
            return;
        };
        self.cx.syn_error(syn::Error::new(
            span,
            format!(
                "`#[except_star]` inside a `{}!` call is not expanded; \
                 move the `match` out of the macro call, for example into a `let`",
                name.unwrap_or_default()
            ),
        ));
        // Lower what can be lowered anyway, so that rustc does not go on to
        // report the marker and the arms of the unlowered match.
        let tokens = std::mem::take(&mut mac.tokens);
        mac.tokens = self.lower_tokens(tokens);
    }
}

impl Markers<'_> {
    /// Strips the markers in raw tokens, lowering each marked `match` that
    /// parses as one.
    fn lower_tokens(&mut self, tokens: TokenStream) -> TokenStream {
        let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = TokenStream::new();
        let mut index = 0;
        while index < trees.len() {
            if let Some(after) = marker_at(&trees, index) {
                index = after;
                if let Some((matched, end)) = parse_match_prefix(&trees[index..]) {
                    out.extend(self.lower_match(matched).into_token_stream());
                    index += end;
                }
                continue;
            }
            if let TokenTree::Group(group) = &mut trees[index] {
                let mut lowered = Group::new(group.delimiter(), self.lower_tokens(group.stream()));
                lowered.set_span(group.span());
                *group = lowered;
            }
            out.extend([trees[index].clone()]);
            index += 1;
        }
        out
    }
}

/// Parses a `match` at the start of `trees`, returning it and how many trees
/// it spans. The scrutinee ends at a top-level `{..}` group; trying each one in
/// turn finds the match even when the scrutinee contains a block.
fn parse_match_prefix(trees: &[TokenTree]) -> Option<(ExprMatch, usize)> {
    if !matches!(trees.first(), Some(TokenTree::Ident(ident)) if ident == "match") {
        return None;
    }
    trees
        .iter()
        .enumerate()
        .find_map(|(index, tree)| match tree {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                let prefix: TokenStream = trees[..=index].iter().cloned().collect();
                syn::parse2::<ExprMatch>(prefix)
                    .ok()
                    .map(|matched| (matched, index + 1))
            }
            _ => None,
        })
}

/// Lowers the markers of the functions in a nested item as if each had its
/// own `#[except_star]` (after the missing attribute was reported).
struct NestedFunctions<'a> {
    private: &'a TokenStream,
    cx: &'a Ctxt,
}

impl VisitMut for NestedFunctions<'_> {
    fn visit_item_fn_mut(&mut self, node: &mut syn::ItemFn) {
        if !node.attrs.iter().any(is_marker) {
            let context = Context::of_fn(&node.sig);
            lower_block(&mut node.block, self.private, context, self.cx);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, node: &mut syn::ImplItemFn) {
        if !node.attrs.iter().any(is_marker) {
            let context = Context::of_fn(&node.sig);
            lower_block(&mut node.block, self.private, context, self.cx);
        }
    }

    fn visit_trait_item_fn_mut(&mut self, node: &mut syn::TraitItemFn) {
        if let (false, Some(block)) = (node.attrs.iter().any(is_marker), &mut node.default) {
            let context = Context::of_fn(&node.sig);
            lower_block(block, self.private, context, self.cx);
        }
    }
}

/// Finds the first marker inside a nested item, skipping nested functions that
/// carry their own `#[except_star]`.
struct NestedMarker(Option<Attribute>);

impl NestedMarker {
    fn check(&mut self, attrs: &[Attribute]) {
        if self.0.is_none() {
            self.0 = attrs.iter().find(|attr| is_marker(attr)).cloned();
        }
    }
}

impl<'ast> Visit<'ast> for NestedMarker {
    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        if !node.attrs.iter().any(is_marker) {
            self.visit_block(&node.block);
        }
    }

    fn visit_impl_item_fn(&mut self, node: &'ast syn::ImplItemFn) {
        if !node.attrs.iter().any(is_marker) {
            self.visit_block(&node.block);
        }
    }

    fn visit_trait_item_fn(&mut self, node: &'ast syn::TraitItemFn) {
        if let (false, Some(block)) = (node.attrs.iter().any(is_marker), &node.default) {
            self.visit_block(block);
        }
    }

    fn visit_expr(&mut self, node: &'ast Expr) {
        if let Some(attrs) = attrs(node) {
            self.check(attrs);
        }
        syn::visit::visit_expr(self, node);
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        self.check(&node.attrs);
        syn::visit::visit_local(self, node);
    }
}
