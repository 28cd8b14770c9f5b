//! Procedural macros of [`taskgroup`](https://docs.rs/taskgroup): `task_group!`
//! and `#[except_star]`. Use them through the `taskgroup` crate, whose docs
//! describe them; generated code refers to `taskgroup::__private` only.
//!
//! One file per stage: `parse` (syn `Parse` impls into a typed AST),
//! `valid` (cross-cutting checks), `visit` (finding and lowering the
//! `#[except_star]` markers), `expand` (lowering). The entry points always
//! return tokens: on a user error, the errors plus a best-effort expansion.
#![forbid(unsafe_code)]

mod expand;
mod parse;
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
    expand::task_group(input.into()).into()
}

/// Turns the `#[except_star] match` expressions in a function into except*
/// dispatch. See `taskgroup::except_star` for the full documentation.
#[proc_macro_attribute]
pub fn except_star(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::except_star(args.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
