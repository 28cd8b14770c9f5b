//! The fast path: a `task_group!` input in the common forms, read straight from
//! its tokens without parsing the Rust code inside it.
//!
//! `cargo check` runs this crate as a debug build, where `syn`'s expression
//! parser is most of what a use of the macro costs. The body, the option values
//! and the arms' values are passed through as the user's own tokens (rustc
//! parses them once, where they land). Anything this path does not recognise
//! (a mistake, a pattern arm, a guard, a typed `|tg: T|`, a `;` in the body, a
//! `#[except_star]` marker or a `return`, `break` or `continue` that the checks
//! must look at) makes it give up, and the full parser reads the input instead,
//! so every error message comes from one place.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::{Expr, Ident, Type};

use crate::ast::{Body, Catch, ExceptArm, GroupOption, OptionKind, Param, TaskGroupInput};

/// The input, if it is in the common forms; `None` sends it to the full parser.
pub(crate) fn task_group(input: &TokenStream) -> Option<TaskGroupInput> {
    let trees: Vec<TokenTree> = input.clone().into_iter().collect();
    let mut rest = &trees[..];
    let options = options(&mut rest)?;
    let body = body(&mut rest)?;
    let mut arms = Vec::new();
    while !rest.is_empty() {
        arms.push(arm(&mut rest)?);
    }
    Some(TaskGroupInput {
        options,
        body: Some(body),
        arms,
    })
}

fn is_ident(tree: Option<&TokenTree>, name: &str) -> bool {
    matches!(tree, Some(TokenTree::Ident(ident)) if ident == name)
}

fn is_punct(tree: Option<&TokenTree>, c: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(punct)) if punct.as_char() == c)
}

/// Whether `trees` starts with the two-character operator `first second`.
fn is_joint(trees: &[TokenTree], first: char, second: char) -> bool {
    matches!(trees.first(), Some(TokenTree::Punct(p)) if p.as_char() == first && p.spacing() == Spacing::Joint)
        && is_punct(trees.get(1), second)
}

/// `(NAME = VALUE ,)*` and `supervise ,`, each known option at most once.
fn options(rest: &mut &[TokenTree]) -> Option<Vec<GroupOption>> {
    let mut options: Vec<GroupOption> = Vec::new();
    while let Some(TokenTree::Ident(name)) = rest.first() {
        if name == "move" || name == "async" {
            break;
        }
        let kind = OptionKind::from_ident(name)?;
        if options.iter().any(|option| option.kind == kind) {
            return None;
        }
        let value = if kind.takes_value() {
            // `=` alone: not `==` or `=>`.
            if !is_punct(rest.get(1), '=')
                || is_joint(&rest[1..], '=', '=')
                || is_joint(&rest[1..], '=', '>')
            {
                return None;
            }
            let end = rest[2..]
                .iter()
                .position(|tree| is_punct(Some(tree), ','))?
                + 2;
            let value = &rest[2..end];
            if value.is_empty() || value.iter().any(|tree| is_punct(Some(tree), '|')) {
                return None;
            }
            // Option values are short: parsed, so a malformed one is reported
            // by the full parser as before.
            let value = Some(syn::parse2::<Expr>(value.iter().cloned().collect()).ok()?);
            *rest = &rest[end + 1..];
            value
        } else {
            if !is_punct(rest.get(1), ',') {
                return None;
            }
            *rest = &rest[2..];
            None
        };
        options.push(GroupOption {
            kind,
            name: name.clone(),
            value,
        });
    }
    Some(options)
}

/// `(async)? (move)? |PARAM| BODY` or `|| BODY`, the body up to the first arm.
fn body(rest: &mut &[TokenTree]) -> Option<Body> {
    if is_ident(rest.first(), "async") {
        *rest = &rest[1..];
    }
    let capture = match rest.first() {
        Some(TokenTree::Ident(ident)) if ident == "move" => {
            let capture = syn::token::Move(ident.span());
            *rest = &rest[1..];
            Some(capture)
        }
        _ => None,
    };
    let param = if is_joint(rest, '|', '|') {
        *rest = &rest[2..];
        None
    } else {
        if !is_punct(rest.first(), '|') {
            return None;
        }
        let (param, used) = param(&rest[1..])?;
        if !is_punct(rest.get(1 + used), '|') {
            return None;
        }
        *rest = &rest[2 + used..];
        Some(param)
    };
    let end = rest
        .iter()
        .position(|tree| is_ident(Some(tree), "except"))
        .unwrap_or(rest.len());
    let expr = passed_through(&rest[..end])?;
    *rest = &rest[end..];
    Some(Body {
        capture,
        param,
        param_ty: None,
        expr,
        implicit: false,
    })
}

/// `IDENT`, `mut IDENT` or `_`, and how many trees it took.
fn param(trees: &[TokenTree]) -> Option<(Param, usize)> {
    match (trees.first(), trees.get(1)) {
        (Some(TokenTree::Ident(ident)), _) if ident == "_" => {
            Some((Param::Wild(syn::token::Underscore(ident.span())), 1))
        }
        (Some(TokenTree::Ident(mutability)), Some(TokenTree::Ident(ident)))
            if mutability == "mut" =>
        {
            Some((
                Param::Name(Some(syn::token::Mut(mutability.span())), ident.clone()),
                2,
            ))
        }
        (Some(TokenTree::Ident(ident)), _) if is_plain_name(ident) => {
            Some((Param::Name(None, ident.clone()), 1))
        }
        _ => None,
    }
}

fn is_plain_name(ident: &Ident) -> bool {
    syn::parse2::<Ident>(TokenTree::Ident(ident.clone()).into()).is_ok()
}

/// `except* TYPE (| TYPE)* (as BINDING)? => VALUE ,?` or `except* _ ...`.
fn arm(rest: &mut &[TokenTree]) -> Option<ExceptArm> {
    if !is_ident(rest.first(), "except") || !is_punct(rest.get(1), '*') {
        return None;
    }
    let head: TokenStream = rest[..2].iter().cloned().collect();
    *rest = &rest[2..];
    let end = rest.iter().enumerate().position(|(index, tree)| {
        is_ident(Some(tree), "as") || is_joint(&rest[index..], '=', '>')
    })?;
    let catch = catch(&rest[..end])?;
    *rest = &rest[end..];
    let binding = if is_ident(rest.first(), "as") {
        let (binding, used) = param(&rest[1..])?;
        *rest = &rest[1 + used..];
        Some(binding)
    } else {
        None
    };
    if !is_joint(rest, '=', '>') {
        return None;
    }
    *rest = &rest[2..];
    let end = rest
        .iter()
        .position(|tree| is_ident(Some(tree), "except"))
        .unwrap_or(rest.len());
    let mut value = &rest[..end];
    let last = end == rest.len();
    match value.split_last() {
        Some((comma, before)) if is_punct(Some(comma), ',') => value = before,
        // Without a `,`, only a block may be followed by another arm.
        _ if !last
            && !matches!(value, [TokenTree::Group(group)] if group.delimiter() == Delimiter::Brace) =>
        {
            return None;
        }
        _ => {}
    }
    let body = passed_through(value)?;
    *rest = &rest[end..];
    Some(ExceptArm {
        catch,
        binding,
        guard: None,
        body: Some(body),
        head,
    })
}

/// `_`, or `TYPE (| TYPE)*` where each type is a plain path (no parenthesized
/// or braced part: those are patterns, or mistakes).
fn catch(trees: &[TokenTree]) -> Option<Catch> {
    if let [TokenTree::Ident(ident)] = trees {
        if ident == "_" {
            return Some(Catch::All);
        }
    }
    let mut types = Vec::new();
    for alternative in trees.split(|tree| is_punct(Some(tree), '|')) {
        if alternative.is_empty()
            || alternative
                .iter()
                .any(|tree| matches!(tree, TokenTree::Group(_)))
        {
            return None;
        }
        let ty = syn::parse2::<Type>(alternative.iter().cloned().collect()).ok()?;
        if !matches!(ty, Type::Path(_)) {
            return None;
        }
        types.push(ty);
    }
    Some(Catch::Types(types))
}

/// The user's tokens as an expression to pass through, if nothing in them needs
/// the full parser: not empty, no `;` (statements without a block) or `,` at the
/// top (two values), and nowhere a `#` (a marker, maybe) or a `return`, `break`
/// or `continue` (which the checks look at).
fn passed_through(trees: &[TokenTree]) -> Option<Expr> {
    let top_level_stop = |tree: &TokenTree| is_punct(Some(tree), ';') || is_punct(Some(tree), ',');
    if trees.is_empty() || trees.iter().any(top_level_stop) || !trees.iter().all(plain) {
        return None;
    }
    Some(Expr::Verbatim(trees.iter().cloned().collect()))
}

/// Whether a token tree holds no `#`, `return`, `break` or `continue`.
fn plain(tree: &TokenTree) -> bool {
    match tree {
        TokenTree::Group(group) => group.stream().into_iter().all(|tree| plain(&tree)),
        TokenTree::Ident(ident) => {
            // One conversion to text per identifier (each is a call into the compiler).
            let name = ident.to_string();
            name != "return" && name != "break" && name != "continue"
        }
        TokenTree::Punct(punct) => punct.as_char() != '#',
        TokenTree::Literal(_) => true,
    }
}
