//! The `task_group!` body, `(async)? (move)? |tg| BODY`, and its recoveries.

use syn::parse::ParseStream;
use syn::{Expr, Ident, Token, Type};

use super::cursor::{at_except, skip_to_except, skip_token, take_to_except};
use crate::ast::{Body, Param};
use crate::ctxt::Ctxt;

/// Parses `(async)? (move)? |PARAM (: TYPE)?| EXPR` or `(async)? (move)? || EXPR`.
pub(crate) fn parse_body(input: ParseStream<'_>, cx: &Ctxt) -> syn::Result<Body> {
    // `async` is accepted and ignored: the body is always async.
    let _asyncness: Option<Token![async]> = input.parse()?;
    let capture: Option<Token![move]> = input.parse()?;
    let mut implicit = false;
    let (param, param_ty) = if input.peek(Token![||]) {
        input.parse::<Token![||]>()?;
        (None, None)
    } else if input.peek(Token![|]) {
        input.parse::<Token![|]>()?;
        let span = input.span();
        match parse_param(input, "a name for the task group handle, such as `tg`") {
            Ok(param) => {
                let param_ty = if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                    Some(input.parse::<Type>()?)
                } else {
                    None
                };
                input.parse::<Token![|]>()?;
                (Some(param), param_ty)
            }
            Err(error) => {
                // Reported; bind `tg` for the body, which most likely uses it.
                cx.syn_error(error);
                while !input.is_empty() && !input.peek(Token![|]) {
                    skip_token(input);
                }
                input.parse::<Token![|]>()?;
                implicit = true;
                (Some(Param::Name(None, Ident::new("tg", span))), None)
            }
        }
    } else {
        return Err(input
            .error("expected the task group body: `|tg| BODY`, where `tg` is the group handle"));
    };
    if input.is_empty() || at_except(input) {
        return Err(input.error("missing task group body after `|tg|`"));
    }
    let expr = input.parse::<Expr>()?;
    Ok(Body {
        capture,
        param,
        param_ty,
        expr,
        implicit,
    })
}

/// Parses `IDENT`, `mut IDENT` or `_`.
pub(crate) fn parse_param(input: ParseStream<'_>, expected: &str) -> syn::Result<Param> {
    if input.peek(Token![_]) {
        return Ok(Param::Wild(input.parse()?));
    }
    let mutability: Option<Token![mut]> = input.parse()?;
    if input.peek(Ident) {
        return Ok(Param::Name(mutability, input.parse()?));
    }
    Err(input.error(format!("expected {expected}")))
}

/// Recovers a body that forgot its `|tg|`: parses what is there as the body and
/// binds `tg` for it, so that the one error reported is not followed by
/// "cannot find value `tg`" wherever the body uses the handle.
pub(crate) fn implicit_body(input: ParseStream<'_>) -> Option<Body> {
    let span = input.span();
    match input.parse::<Expr>() {
        Ok(expr) => Some(Body {
            capture: None,
            param: Some(Param::Name(None, Ident::new("tg", span))),
            param_ty: None,
            expr,
            implicit: true,
        }),
        Err(_) => {
            skip_to_except(input);
            None
        }
    }
}

/// Recovers `|tg| a; b; c` (statements without a block): reports it and takes
/// everything up to the first arm as the block the user meant.
pub(crate) fn recover_statements(input: ParseStream<'_>, mut body: Body, cx: &Ctxt) -> Body {
    if !input.peek(Token![;]) {
        return body;
    }
    cx.syn_error(input.error(
        "expected `except*` after the task group body; \
         to run several statements, wrap them in a block: `|tg| { ... }`",
    ));
    let rest = take_to_except(input);
    let expr = &body.expr;
    let statements = quote::quote!(#expr #rest);
    if let Ok(stmts) = syn::parse::Parser::parse2(syn::Block::parse_within, statements) {
        body.expr = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: syn::Block {
                brace_token: syn::token::Brace::default(),
                stmts,
            },
        });
    }
    body
}
