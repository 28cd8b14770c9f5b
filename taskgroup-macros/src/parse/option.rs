//! The options before a `task_group!` body: `(OPTION (= EXPR)? ,)*`.

use proc_macro2::TokenStream;
use syn::parse::ParseStream;
use syn::{Expr, Ident, Token};

use super::cursor::{at_body, at_except, cursor_at_body, skip_token};
use crate::ast::{GroupOption, OptionKind};
use crate::ctxt::Ctxt;

/// Parses `(OPTION (= EXPR)? ,)*`, stopping at the body. Bad options are
/// recorded and left out.
pub(crate) fn parse_options(input: ParseStream<'_>, cx: &Ctxt) -> Vec<GroupOption> {
    let mut options = Vec::new();
    // `peek(Ident)` is false for keywords, so `move |tg|` and `async |tg|` end the loop.
    while input.peek(Ident) && !at_except(input) && looks_like_option(input) {
        let Ok(name) = input.parse::<Ident>() else {
            break;
        };
        let value = parse_option_value(input, &name, cx);
        match OptionKind::from_ident(&name) {
            None => cx.error_at(
                name.span(),
                format!(
                    "unknown option `{name}`; expected one of: {}",
                    OptionKind::NAMES
                ),
            ),
            // A valued option without a usable value was reported and cannot be expanded.
            Some(kind) if kind.takes_value() && value.is_none() => {}
            Some(kind) => options.push(GroupOption { kind, name, value }),
        }
    }
    options
}

/// Whether the ident at the cursor starts an option rather than a body that
/// forgot its `|tg|`: a known option name, or any name followed by `=`, `,` or `:`.
fn looks_like_option(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let Ok(ident) = fork.parse::<Ident>() else {
        return false;
    };
    OptionKind::from_ident(&ident).is_some()
        || fork.peek(Token![=])
        || fork.peek(Token![,])
        || fork.peek(Token![:])
}

/// Parses what follows an option's name: `= EXPR ,`, `,`, or the body.
/// Returns the value, if the option has a usable one.
fn parse_option_value(input: ParseStream<'_>, name: &Ident, cx: &Ctxt) -> Option<Expr> {
    let known = OptionKind::from_ident(name);
    let takes_value = known.is_none_or(OptionKind::takes_value);
    let mut last_value_span = None;
    let has_value = if input.peek(Token![=]) && !input.peek(Token![==]) && !input.peek(Token![=>]) {
        let _ = input.parse::<Token![=]>();
        true
    } else if input.peek(Token![:]) && !input.peek(Token![::]) {
        let _ = input.parse::<Token![:]>();
        if known.is_some() {
            cx.error_at(
                name.span(),
                format!("expected `=` after option `{name}`, found `:`; write `{name} = ...`"),
            );
        }
        true
    } else {
        false
    };
    let value = if has_value {
        let tokens = collect_option_tokens(input);
        last_value_span = tokens.clone().into_iter().last().map(|tt| tt.span());
        option_value(tokens, name, known, cx)
    } else {
        if known.is_some() && takes_value {
            cx.error_at(
                name.span(),
                format!("option `{name}` needs a value: `{name} = ...`"),
            );
        }
        None
    };
    if input.peek(Token![,]) {
        let _ = input.parse::<Token![,]>();
    } else if !input.is_empty() && known.is_some() {
        cx.error_at(
            last_value_span.unwrap_or_else(|| name.span()),
            format!("expected `,` after option `{name}`"),
        );
        if !at_body(input) {
            skip_token(input);
        }
    }
    value
}

/// Parses the tokens after `NAME =` as the option's value.
fn option_value(
    tokens: TokenStream,
    name: &Ident,
    known: Option<OptionKind>,
    cx: &Ctxt,
) -> Option<Expr> {
    if tokens.is_empty() {
        if known.is_some() {
            cx.error_at(
                name.span(),
                format!("option `{name}` needs a value: `{name} = ...`"),
            );
        }
        return None;
    }
    if known.is_some_and(|kind| !kind.takes_value()) {
        cx.error_spanned_by(
            &tokens,
            format!("option `{name}` takes no value; write `{name},`"),
        );
        return None;
    }
    match syn::parse2::<Expr>(tokens) {
        Ok(expr) => Some(expr),
        Err(error) => {
            if known.is_some() {
                cx.syn_error(error);
            }
            None
        }
    }
}

/// Collects the tokens of an option's value: everything up to the next `,` at
/// this level, or up to what starts the body (`|`, `move |`, `async |`). Values
/// with a top-level `|` must be parenthesized; in exchange, a forgotten comma
/// before the body is reported as such instead of as a strange closure.
fn collect_option_tokens(input: ParseStream<'_>) -> TokenStream {
    input
        .step(|cursor| {
            let mut tokens = TokenStream::new();
            let mut rest = *cursor;
            while !rest.eof() && !cursor_at_body(rest) {
                if let Some((punct, _)) = rest.punct() {
                    if punct.as_char() == ',' {
                        break;
                    }
                }
                match rest.token_tree() {
                    Some((tt, next)) => {
                        tokens.extend([tt]);
                        rest = next;
                    }
                    None => break,
                }
            }
            Ok((tokens, rest))
        })
        .unwrap_or_default()
}
