//! Where a lowered dispatch runs: async context (arms can await) or a sync
//! function or closure, whose header rustc names when an arm cannot do there
//! what it does.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{ExprClosure, ReturnType, Signature};

/// Where a marked `match` runs, which decides how its arms are lowered.
#[derive(Clone, Copy)]
pub(crate) enum Context {
    /// In an `async fn`, `async` closure or block, or `task_group!`: arms can await.
    Async,
    /// In a sync function or closure, whose header (`fn run() -> T`, `|x| -> T`)
    /// goes from `first` to `last`: rustc points there when an arm awaits.
    Sync { first: Span, last: Span },
}

impl Context {
    /// The context of a function's body.
    pub(crate) fn of_fn(sig: &Signature) -> Self {
        if sig.asyncness.is_some() {
            return Context::Async;
        }
        let tokens: Vec<_> = sig.to_token_stream().into_iter().collect();
        let first = tokens.first().map_or_else(Span::call_site, |tt| tt.span());
        let last = tokens.last().map_or(first, |tt| tt.span());
        Context::Sync { first, last }
    }

    /// The context of a closure's body.
    pub(crate) fn of_closure(closure: &ExprClosure) -> Self {
        if closure.asyncness.is_some() {
            return Context::Async;
        }
        let first = closure.or1_token.span;
        let last = match &closure.output {
            ReturnType::Type(_, ty) => ty
                .to_token_stream()
                .into_iter()
                .last()
                .map_or(closure.or2_token.span, |tt| tt.span()),
            ReturnType::Default => closure.or2_token.span,
        };
        Context::Sync { first, last }
    }
}
