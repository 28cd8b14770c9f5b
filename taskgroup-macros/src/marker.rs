//! The inert `#[except_star]` markers: finding them on syn nodes and in raw
//! tokens (a macro call's input, which is not parsed as Rust), and taking them off.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::{Attribute, Expr};

/// Whether an attribute is an `#[except_star]` marker (any path ending in
/// `except_star`, so `#[taskgroup::except_star]` counts too).
pub(crate) fn is_marker(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "except_star")
}

/// Finds `#[...except_star]` in raw tokens (a macro call's input, which is not
/// parsed as Rust), returning the span of the first one.
pub(crate) fn find_marker_in_tokens(tokens: TokenStream) -> Option<Span> {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                if let Some(TokenTree::Group(group)) = iter.peek() {
                    if group.delimiter() == Delimiter::Bracket && tokens_are_marker(group.stream())
                    {
                        return Some(punct.span());
                    }
                }
            }
            TokenTree::Group(group) => {
                if let Some(span) = find_marker_in_tokens(group.stream()) {
                    return Some(span);
                }
            }
            _ => {}
        }
    }
    None
}

/// If `trees[index..]` starts with a marker `# [..except_star..]`, the index
/// just after it.
pub(crate) fn marker_at(trees: &[TokenTree], index: usize) -> Option<usize> {
    match (trees.get(index), trees.get(index + 1)) {
        (Some(TokenTree::Punct(punct)), Some(TokenTree::Group(group)))
            if punct.as_char() == '#'
                && group.delimiter() == Delimiter::Bracket
                && tokens_are_marker(group.stream()) =>
        {
            Some(index + 2)
        }
        _ => None,
    }
}

/// Whether the inside of `#[...]` is a path ending in `except_star`.
fn tokens_are_marker(tokens: TokenStream) -> bool {
    let mut last_ident = None;
    for tt in tokens {
        match tt {
            TokenTree::Ident(ident) => last_ident = Some(ident),
            TokenTree::Punct(punct) if punct.as_char() == ':' => {}
            TokenTree::Group(group) if group.delimiter() == Delimiter::Parenthesis => break,
            _ => return false,
        }
    }
    last_ident.is_some_and(|ident| ident == "except_star")
}

/// Removes and returns the markers among `attrs`.
pub(crate) fn take_markers(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    if !attrs.iter().any(is_marker) {
        return Vec::new();
    }
    let (markers, rest) = std::mem::take(attrs).into_iter().partition(is_marker);
    *attrs = rest;
    markers
}

/// Defines a function returning the outer attributes of an expression (syn
/// keeps them per variant), for `&` and for `&mut`.
macro_rules! expr_attrs {
    ($(#[$doc:meta])* $name:ident, $($ref:tt)*) => {
        $(#[$doc])*
        pub(crate) fn $name(expr: $($ref)* Expr) -> Option<$($ref)* Vec<Attribute>> {
            Some(match expr {
                Expr::Array(e) => $($ref)* e.attrs,
                Expr::Assign(e) => $($ref)* e.attrs,
                Expr::Async(e) => $($ref)* e.attrs,
                Expr::Await(e) => $($ref)* e.attrs,
                Expr::Binary(e) => $($ref)* e.attrs,
                Expr::Block(e) => $($ref)* e.attrs,
                Expr::Break(e) => $($ref)* e.attrs,
                Expr::Call(e) => $($ref)* e.attrs,
                Expr::Cast(e) => $($ref)* e.attrs,
                Expr::Closure(e) => $($ref)* e.attrs,
                Expr::Const(e) => $($ref)* e.attrs,
                Expr::Continue(e) => $($ref)* e.attrs,
                Expr::Field(e) => $($ref)* e.attrs,
                Expr::ForLoop(e) => $($ref)* e.attrs,
                Expr::Group(e) => $($ref)* e.attrs,
                Expr::If(e) => $($ref)* e.attrs,
                Expr::Index(e) => $($ref)* e.attrs,
                Expr::Infer(e) => $($ref)* e.attrs,
                Expr::Let(e) => $($ref)* e.attrs,
                Expr::Lit(e) => $($ref)* e.attrs,
                Expr::Loop(e) => $($ref)* e.attrs,
                Expr::Macro(e) => $($ref)* e.attrs,
                Expr::Match(e) => $($ref)* e.attrs,
                Expr::MethodCall(e) => $($ref)* e.attrs,
                Expr::Paren(e) => $($ref)* e.attrs,
                Expr::Path(e) => $($ref)* e.attrs,
                Expr::Range(e) => $($ref)* e.attrs,
                Expr::RawAddr(e) => $($ref)* e.attrs,
                Expr::Reference(e) => $($ref)* e.attrs,
                Expr::Repeat(e) => $($ref)* e.attrs,
                Expr::Return(e) => $($ref)* e.attrs,
                Expr::Struct(e) => $($ref)* e.attrs,
                Expr::Try(e) => $($ref)* e.attrs,
                Expr::TryBlock(e) => $($ref)* e.attrs,
                Expr::Tuple(e) => $($ref)* e.attrs,
                Expr::Unary(e) => $($ref)* e.attrs,
                Expr::Unsafe(e) => $($ref)* e.attrs,
                Expr::While(e) => $($ref)* e.attrs,
                Expr::Yield(e) => $($ref)* e.attrs,
                _ => return None,
            })
        }
    };
}

expr_attrs!(
    /// The outer attributes of an expression, to take markers out of them.
    attrs_mut, &mut
);
expr_attrs!(
    /// The outer attributes of an expression, to look for markers.
    attrs, &
);
