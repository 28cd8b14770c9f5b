//! Looking ahead and skipping: what the parsers use to tell the parts of the
//! input apart and to recover past a mistake.

use proc_macro2::TokenStream;
use syn::buffer::Cursor;
use syn::parse::ParseStream;
use syn::Token;

/// Whether the cursor is at `|`, `||`, `move |` or `async |`, the start of a body.
pub(crate) fn cursor_at_body(cursor: Cursor<'_>) -> bool {
    if let Some((punct, _)) = cursor.punct() {
        return punct.as_char() == '|';
    }
    if let Some((ident, next)) = cursor.ident() {
        if ident == "move" || ident == "async" {
            return cursor_at_body(next);
        }
    }
    false
}

/// Whether the input is at the start of a `task_group!` body.
pub(crate) fn at_body(input: ParseStream<'_>) -> bool {
    cursor_at_body(input.cursor())
}

/// Whether the next token is the identifier `except`.
pub(crate) fn at_except(input: ParseStream<'_>) -> bool {
    input
        .cursor()
        .ident()
        .is_some_and(|(ident, _)| ident == "except")
}

/// Skips token trees up to the next `except` at this level (or the end).
pub(crate) fn skip_to_except(input: ParseStream<'_>) {
    while !input.is_empty() && !at_except(input) {
        skip_token(input);
    }
}

/// Skips one token tree.
pub(crate) fn skip_token(input: ParseStream<'_>) {
    let _ = input.step(|cursor| match cursor.token_tree() {
        Some((_, next)) => Ok(((), next)),
        None => Err(cursor.error("unexpected end of input")),
    });
}

/// Skips up to and past the next `,` at this level.
pub(crate) fn skip_past_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        skip_token(input);
    }
    let _ = input.parse::<Option<Token![,]>>();
}

/// Takes the token trees up to the next `except` at this level (or the end).
pub(crate) fn take_to_except(input: ParseStream<'_>) -> TokenStream {
    let mut rest = TokenStream::new();
    while !input.is_empty() && !at_except(input) {
        match input.parse::<proc_macro2::TokenTree>() {
            Ok(tt) => rest.extend([tt]),
            Err(_) => break,
        }
    }
    rest
}
