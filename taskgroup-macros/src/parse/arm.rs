//! One `except* CATCH (as BINDING)? => EXPR` arm of `task_group!`.

use proc_macro2::{Delimiter, Spacing, TokenTree};
use quote::ToTokens;
use syn::buffer::Cursor;
use syn::parse::ParseStream;
use syn::{Expr, Ident, Pat, Token, Type};

use super::body::parse_param;
use super::cursor::{at_except, skip_to_except};
use crate::ast::{display, Catch, ExceptArm, VariantPat};
use crate::ctxt::Ctxt;

/// Parses one `except* ...` arm. Mistakes that leave the arm's meaning clear
/// (a missing `*`, a guard, a tuple of types, a missing `,`) are recorded and
/// the arm is kept; after others the arm is kept without a value.
pub(crate) fn parse_group_arm(input: ParseStream<'_>, cx: &Ctxt) -> syn::Result<ExceptArm> {
    let except: Ident = input.parse()?;
    let mut head = except.to_token_stream();
    if input.peek(Token![*]) {
        input.parse::<Token![*]>()?.to_tokens(&mut head);
    } else {
        cx.error_at(
            except.span(),
            "`except` needs a `*`: write `except* TYPE`, as in Python's `except*`",
        );
    }
    let catch = parse_catch(input, &except, cx)?;
    let mut arm = ExceptArm {
        catch,
        binding: None,
        guard: None,
        body: None,
        head,
    };
    if let Err(error) = parse_arm_rest(input, &mut arm, cx) {
        // What the arm takes is known: it is kept (so the types' imports stay
        // used), without a value.
        cx.syn_error(error);
        skip_to_except(input);
    }
    Ok(arm)
}

/// Parses `(as BINDING)? (if GUARD)? => EXPR ,?` into `arm`.
fn parse_arm_rest(input: ParseStream<'_>, arm: &mut ExceptArm, cx: &Ctxt) -> syn::Result<()> {
    if input.peek(Token![as]) {
        input.parse::<Token![as]>()?;
        arm.binding = Some(parse_param(
            input,
            "a name for the arm's error group after `as`, such as `eg`",
        )?);
    }
    if input.peek(Token![if]) {
        let if_token: Token![if] = input.parse()?;
        arm.guard = Some((if_token, input.parse()?));
    }
    if input.peek(Token![:]) {
        return Err(input.error("expected `=>` before the arm's value, found `:`"));
    }
    input.parse::<Token![=>]>()?;
    arm.body = Some(parse_arm_body(input, cx)?);
    Ok(())
}

/// Parses the arm's value and the `,` after it (optional after a block, as in
/// `match`). A missing `,` is reported and the arm kept.
fn parse_arm_body(input: ParseStream<'_>, cx: &Ctxt) -> syn::Result<Expr> {
    if input.is_empty() || at_except(input) || input.peek(Token![,]) {
        return Err(input.error("expected the arm's value after `=>`"));
    }
    let body: Expr = input.parse()?;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() && !is_block_like(&body) {
        cx.syn_error(input.error("expected `,` after the arm's value"));
    }
    Ok(body)
}

/// Whether an expression ends with a block, so that no `,` is needed after it.
fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::While(_)
            | Expr::Loop(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
    )
}

/// Parses what follows `except*`: `_`, `TYPE (| TYPE)*` or `PATTERN (| PATTERN)*`.
fn parse_catch(input: ParseStream<'_>, except: &Ident, cx: &Ctxt) -> syn::Result<Catch> {
    if input.peek(Token![_]) && !input.peek2(Token![::]) {
        input.parse::<Token![_]>()?;
        if input.peek(Token![|]) {
            return Err(input.error(
                "the catch-all `except* _` takes every error; it cannot be combined with types",
            ));
        }
        return Ok(Catch::All);
    }
    if input.is_empty()
        || input.peek(Token![as])
        || input.peek(Token![=>])
        || input.peek(Token![if])
    {
        cx.error_at(
            except.span(),
            "expected an error type after `except*`, such as `except* io::Error`, \
             or `except* _` to catch everything",
        );
        return Ok(Catch::Types(Vec::new()));
    }
    let mut types = Vec::new();
    let mut patterns = Vec::new();
    loop {
        if input.peek(Token![_]) {
            return Err(input.error("the catch-all `_` must be alone: `except* _`"));
        }
        if at_pattern(input.cursor()) {
            let pat = Pat::parse_single(input)?;
            if !types.is_empty() && patterns.is_empty() {
                mixed_error(&pat, cx);
            }
            patterns.extend(VariantPat::new(pat));
        } else {
            let ty: Type = input.parse()?;
            if !patterns.is_empty() && types.is_empty() {
                mixed_error(&ty, cx);
            }
            push_catch_type(ty, &mut types, cx);
        }
        if input.peek(Token![|]) && !input.peek(Token![||]) {
            input.parse::<Token![|]>()?;
        } else {
            break;
        }
    }
    Ok(if patterns.is_empty() {
        Catch::Types(types)
    } else {
        Catch::Patterns(patterns)
    })
}

fn mixed_error(alternative: &impl ToTokens, cx: &Ctxt) {
    cx.error_spanned_by(
        alternative,
        "an except* arm takes either error types or patterns of one error type, not both; \
         give each its own arm",
    );
}

/// Whether the cursor is at a path followed by `(..)` or `{..}`: a pattern of
/// a variant (`JobError::Parse(..)`, `JobError::Timeout {}`), not a type.
fn at_pattern(mut cursor: Cursor<'_>) -> bool {
    if let Some(next) = after_colons(cursor) {
        cursor = next;
    }
    loop {
        let Some((_, next)) = cursor.ident() else {
            return false;
        };
        cursor = next;
        match after_colons(cursor) {
            Some(next) => cursor = next,
            None => break,
        }
    }
    matches!(
        cursor.token_tree(),
        Some((TokenTree::Group(group), _))
            if matches!(group.delimiter(), Delimiter::Parenthesis | Delimiter::Brace)
    )
}

/// The cursor after a `::` at the cursor, if there is one.
fn after_colons(cursor: Cursor<'_>) -> Option<Cursor<'_>> {
    let (first, next) = cursor.punct()?;
    let (second, next) = next.punct()?;
    (first.as_char() == ':' && first.spacing() == Spacing::Joint && second.as_char() == ':')
        .then_some(next)
}

/// Adds a caught type, unwrapping parentheses and refusing (but still using,
/// for the best-effort expansion) a Python-style tuple of types.
fn push_catch_type(ty: Type, types: &mut Vec<Type>, cx: &Ctxt) {
    match ty {
        Type::Paren(paren) => push_catch_type(*paren.elem, types, cx),
        Type::Group(group) => push_catch_type(*group.elem, types, cx),
        Type::Tuple(tuple) => {
            let message = if tuple.elems.is_empty() {
                "expected an error type after `except*`, found `()`".to_owned()
            } else {
                let alternatives: Vec<String> = tuple.elems.iter().map(display).collect();
                format!(
                    "to catch several types, separate them with `|`: `except* {}`",
                    alternatives.join(" | ")
                )
            };
            cx.error_spanned_by(&tuple, message);
            types.extend(tuple.elems);
        }
        ty => types.push(ty),
    }
}
