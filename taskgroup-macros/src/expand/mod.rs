//! Lowering: turning a (possibly partial) AST into tokens. It cannot fail:
//! whatever was parsed is expanded, next to the errors found on the way, so the
//! user sees their mistakes and not a cascade of rustc errors about a
//! half-expanded macro. Each function's doc comment sketches what it expands to.
//!
//! Hygiene: generated locals use `Span::mixed_site()`, so user code can neither
//! see nor shadow them; paths are absolute (`::core::..`) or go through the
//! facade's `__private` module (`__taskgroup` in `task_group!`, injected by the
//! facade's `macro_rules!`; `<crate>::__private` for `#[except_star]`).
//! Tokens that a type error may point at are spanned at the user's tokens.

mod context;
mod dispatch;
mod except_match;

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

pub(crate) use self::context::Context;
use self::dispatch::{lower_dispatch, DispatchSpans};
pub(crate) use self::except_match::except_match;
use crate::ast::{OptionKind, TaskGroupInput};

/// Lowers `task_group!`.
///
/// Expands to:
///
/// ```text
/// DISPATCH(BODY_RUN)                              // see `lower_dispatch` and `lower_run`
/// BODY_RUN                                        // no arms: the result as it is
/// ```
pub(crate) fn task_group(input: &TaskGroupInput, private: &TokenStream) -> TokenStream {
    let run = lower_run(input, private);
    if input.arms.iter().all(|arm| arm.catch.is_empty()) {
        return run;
    }
    let call_site = Span::call_site();
    let spans = DispatchSpans {
        new: call_site,
        finish: call_site,
        block: call_site,
    };
    lower_dispatch(&run, &input.arms, private, Context::Async, None, &spans)
}

/// Lowers the options and the body.
///
/// Expands to:
///
/// ```text
/// __taskgroup::TaskGroup::builder()
///     .timeout(EXPR) ...                          // each option; `.supervise()`, `.local()` for the flags
///                                                 // (with `local`, `tg: __taskgroup::LocalScope`)
///     .run(async MOVE? |tg: __taskgroup::Scope| -> Result<_, __taskgroup::BoxError> {
///         let __taskgroup_value = Ok(match () { () => BODY });  // `?` in BODY fails the body
///         __taskgroup_value
///     })
///     .await
/// ```
///
/// A body that is missing (already reported) becomes a placeholder of any type.
fn lower_run(input: &TaskGroupInput, private: &TokenStream) -> TokenStream {
    let Some(body) = &input.body else {
        return quote! {
            ::core::result::Result::<_, #private::ErrorGroup>::Ok(#private::placeholder())
        };
    };
    let options = input.options.iter().map(|option| {
        let method = Ident::new(option.kind.method(), option.name.span());
        match &option.value {
            Some(value) => quote!(.#method(#value)),
            None => quote!(.#method()),
        }
    });
    let capture = &body.capture;
    let param = match &body.param {
        Some(param) => param.to_token_stream(),
        None => quote!(_),
    };
    // A `tg` bound for a body that forgot `|tg|` (already reported) may be unused.
    let param_attr = body.implicit.then(|| quote!(#[allow(unused_variables)]));
    let param_ty = match &body.param_ty {
        Some(ty) => ty.to_token_stream(),
        // A local group's body gets a `LocalScope` (tasks need not be `Send`).
        None if input
            .options
            .iter()
            .any(|option| option.kind == OptionKind::Local) =>
        {
            quote!(#private::LocalScope)
        }
        None => quote!(#private::Scope),
    };
    let expr = &body.expr;
    let value = Ident::new("__taskgroup_value", Span::mixed_site());
    // A body that diverges (a server's `loop`) makes `Ok(..)` unreachable, which
    // is the point and not worth a warning; as the top-level body of a match arm
    // it does not trip clippy's `diverging_sub_expression` either.
    quote! {
        #private::TaskGroup::builder()
            #(#options)*
            .run(async #capture |#param_attr #param: #param_ty| -> #private::Result<_, #private::BoxError> {
                #[allow(unreachable_code)]
                let #value = #private::Ok(match () { () => #expr });
                #value
            })
            .await
    }
}
