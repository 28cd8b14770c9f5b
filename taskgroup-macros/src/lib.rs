//! Procedural macros of [`taskgroup`](https://docs.rs/taskgroup): `task_group!`
//! and `#[except_star]`. Use them through the `taskgroup` crate, whose docs
//! describe them; generated code refers to `taskgroup::__private` only.
//!
//! The stages run one way, each in its own file (as thiserror's and
//! serde_derive's): `ast` (the typed AST and the grammar) ← `parse`, `attr`,
//! `from_match` (tokens and `syn` nodes into the AST) ← `valid` (read-only
//! checks) and `repair` (the error path's rewrites) ← `expand` (lowering, which
//! cannot fail) ← `visit` (drives the stages over a function body). Every stage
//! records user errors in one `ctxt::Ctxt`; the entry points always return
//! tokens: on a user error, the errors plus a best-effort expansion.
#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod escapes;
mod expand;
mod from_match;
mod marker;
mod parse;
mod repair;
mod valid;
mod visit;

use proc_macro::TokenStream;

/// The implementation of `taskgroup::task_group!`; call that macro instead.
///
/// It expects `__taskgroup` to name `taskgroup::__private`, which the public
/// `macro_rules!` wrapper brings into scope (so the expansion works through a
/// renamed or re-exported crate).
#[doc(hidden)]
#[proc_macro]
pub fn task_group_impl(input: TokenStream) -> TokenStream {
    visit::task_group(input.into()).into()
}

/// Turns the `#[except_star] match` expressions in a function into except*
/// dispatch. See `taskgroup::except_star` for the full documentation.
#[proc_macro_attribute]
pub fn except_star(args: TokenStream, item: TokenStream) -> TokenStream {
    visit::except_star(args.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
