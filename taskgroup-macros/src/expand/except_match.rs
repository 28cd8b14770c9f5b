//! Lowering an `#[except_star] match`.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Ident;

use super::context::Context;
use super::dispatch::{lower_dispatch, DispatchSpans};
use crate::ast::ExceptMatch;

/// Lowers an `#[except_star] match`.
///
/// Expands to:
///
/// ```text
/// match SCRUTINEE {
///     Err(__taskgroup_error) => DISPATCH(Err(__taskgroup_error))?,    // leaves like `?`
///     Ok(PAT) => EXPR,                                               // the user's, unchanged
/// }
/// ```
///
/// The `Err` arm comes first so that its type is fixed by the except* arms in
/// source order, and an `Ok` arm of the wrong type is the one rustc blames.
pub(crate) fn except_match(
    input: &ExceptMatch,
    private: &TokenStream,
    context: Context,
) -> TokenStream {
    let attrs = &input.attrs;
    let match_token = &input.match_token;
    let scrutinee = &input.scrutinee;
    let error = Ident::new("__taskgroup_error", Span::mixed_site());
    // Over the first `Ok` pattern: if the scrutinee is not a `Result`, rustc's
    // error for this pattern is then the same as for the user's `Ok` pattern,
    // and reported once.
    let err_pattern = match input.ok_arms.first() {
        Some(arm) => spanned_like(&arm.pat, |first| {
            (
                quote_spanned!(first=> ::core::result::Result::Err),
                quote!(#error),
            )
        }),
        None => quote_spanned!(scrutinee.span()=> ::core::result::Result::Err(#error)),
    };
    // Where rustc points: a scrutinee whose error is not an error type at the
    // scrutinee, a function that cannot take `?` at `match`, and the value type
    // of the except* arms (for an `Ok` arm of another type) at the first arm.
    let first_arm = input.arms.iter().find(|arm| !arm.catch.is_empty());
    let spans = DispatchSpans {
        new: scrutinee.span(),
        finish: match_token.span,
        block: first_arm
            .and_then(|arm| arm.body.as_ref())
            .map_or(match_token.span, Spanned::span),
    };
    let dispatch = lower_dispatch(
        &quote!(::core::result::Result::Err(#error)),
        &input.arms,
        private,
        context,
        Some(match_token.span),
        &spans,
    );
    let ok_arms = &input.ok_arms;
    let fallback_ok = ok_arms.is_empty().then(|| {
        // Already reported; keeps the match's type inferable.
        let value = Ident::new("__taskgroup_value", Span::mixed_site());
        quote!(::core::result::Result::Ok(#value) => #value,)
    });
    let mut arms = Group::new(
        Delimiter::Brace,
        quote! {
            #err_pattern => #dispatch
            #(#ok_arms)*
            #fallback_ok
        },
    );
    // The lowered match is located where the user's is, so rustc's labels point
    // there, but belongs to the expansion, so that lints about its shape (such
    // as clippy's `single_match` for `Ok(()) => {}`) do not fire on user code.
    arms.set_span(Span::call_site().located_at(input.brace_token.span.join()));
    let match_keyword = quote_spanned!(Span::call_site().located_at(match_token.span)=> match);
    quote! {
        #(#attrs)*
        #match_keyword #scrutinee #arms
    }
}

/// Builds `PATH(INNER)` so that its span covers the same source range as
/// `like`: the path at `like`'s first token, the parentheses at its last.
fn spanned_like(
    like: &impl ToTokens,
    parts: impl FnOnce(Span) -> (TokenStream, TokenStream),
) -> TokenStream {
    let tokens: Vec<_> = like.to_token_stream().into_iter().collect();
    let first = tokens.first().map_or_else(Span::call_site, |tt| tt.span());
    let last = tokens.last().map_or(first, |tt| tt.span());
    let (path, inner) = parts(first);
    let mut parens = Group::new(Delimiter::Parenthesis, inner);
    parens.set_span(last);
    quote!(#path #parens)
}
