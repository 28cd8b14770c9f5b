//! Lowering: the entry points run parse → validate → lower, and the codegen
//! functions turn a (possibly partial) AST into tokens. Codegen cannot fail:
//! whatever was parsed is expanded, and the errors found on the way are emitted
//! next to it as `compile_error!`s, so the user sees their mistakes and not a
//! cascade of rustc errors about a half-expanded macro.
//!
//! Hygiene: generated locals use `Span::mixed_site()`, so user code can neither
//! see nor shadow them; paths are absolute (`::core::..`) or go through the
//! facade's `__private` module (`__taskgroup` in `task_group!`, injected by the
//! facade's `macro_rules!`; `<crate>::__private` for `#[except_star]`).
//! Tokens that a type error may point at are spanned at the user's tokens.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn};

use crate::parse::{AttrArgs, Catch, ExceptArm, ExceptMatch, OptionKind, Param, TaskGroupInput};
use crate::valid::{self, Errors};
use crate::visit;

/// `task_group_impl!`: parse, validate, lower markers in the body and arms, expand.
pub(crate) fn task_group(input: TokenStream) -> TokenStream {
    let private = quote!(__taskgroup);
    let mut input = match syn::parse2::<TaskGroupInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = std::mem::take(&mut input.errors);
    valid::task_group(&mut input, &mut errors);
    if let Some(body) = &mut input.body {
        visit::lower_expr(&mut body.expr, &private, true, &mut errors);
    }
    for arm in &mut input.arms {
        visit::lower_expr(&mut arm.body, &private, true, &mut errors);
    }
    let expansion = lower_task_group(&input, &private);
    let errors = errors.to_compile_errors();
    quote! {
        {
            #errors
            #expansion
        }
    }
}

/// `#[except_star]`: lower every marked `match` in the function body.
pub(crate) fn except_star(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let krate = match syn::parse2::<AttrArgs>(args) {
        Ok(args) => {
            errors.append(args.errors);
            args.krate
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let private = match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::taskgroup::__private),
    };
    let mut function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[except_star]` goes on a function with a body (sync or async, free or method)",
            ));
            let errors = errors.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    let asyncness = function.sig.asyncness.is_some();
    visit::lower_block(&mut function.block, &private, asyncness, &mut errors);
    let errors = errors.to_compile_errors();
    quote!(#errors #function)
}

/// The local holding the dispatch.
fn dispatch_ident() -> Ident {
    Ident::new("__taskgroup_dispatch", Span::mixed_site())
}

/// Lowers `task_group!`.
///
/// Expands to:
///
/// ```text
/// {
///     let __taskgroup_result = BODY_RUN;          // see `lower_run`
///     DISPATCH(__taskgroup_result)                // see `lower_dispatch`; no arms: the result
/// }
/// ```
fn lower_task_group(input: &TaskGroupInput, private: &TokenStream) -> TokenStream {
    let run = lower_run(input, private);
    if input.arms.iter().all(|arm| arm.skip) {
        return run;
    }
    let result = Ident::new("__taskgroup_result", Span::mixed_site());
    let call_site = Span::call_site();
    let spans = DispatchSpans {
        new: call_site,
        finish: call_site,
        block: call_site,
    };
    let dispatch = lower_dispatch(&quote!(#result), &input.arms, private, true, None, &spans);
    quote! {
        {
            let #result = #run;
            #dispatch
        }
    }
}

/// Lowers the options and the body.
///
/// Expands to:
///
/// ```text
/// __taskgroup::TaskGroup::builder()
///     .timeout(EXPR) ...                          // each option, `.supervise()` for the flag
///     .run(async MOVE? |tg: __taskgroup::TaskGroup| -> Result<_, __taskgroup::BoxError> {
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
        let method = Ident::new(option_method(option.kind), option.name.span());
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
        None => quote!(#private::TaskGroup),
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

fn option_method(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::Name => "name",
        OptionKind::Timeout => "timeout",
        OptionKind::Deadline => "deadline",
        OptionKind::Limit => "limit",
        OptionKind::Grace => "grace",
        OptionKind::Supervise => "supervise",
    }
}

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
    asyncness: bool,
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
    let first_arm = input.arms.iter().find(|arm| !arm.skip);
    let spans = DispatchSpans {
        new: scrutinee.span(),
        finish: match_token.span,
        block: first_arm.map_or(match_token.span, |arm| arm.body.span()),
    };
    let dispatch = lower_dispatch(
        &quote!(::core::result::Result::Err(#error)),
        &input.arms,
        private,
        asyncness,
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

/// Lowers the except* dispatch of `result` through `arms` (skipped arms left out).
///
/// Expands to:
///
/// ```text
/// {
///     let mut __taskgroup_dispatch = P::ExceptStar::new(RESULT);
///     ARM*                                        // see `lower_arm`
///     __taskgroup_dispatch.finish() FINISH        // FINISH: `?` in a match, nothing in task_group!
/// }
/// ```
fn lower_dispatch(
    result: &TokenStream,
    arms: &[ExceptArm],
    private: &TokenStream,
    asyncness: bool,
    question: Option<Span>,
    spans: &DispatchSpans,
) -> TokenStream {
    let dispatch = dispatch_ident();
    let arms: Vec<TokenStream> = arms
        .iter()
        .filter(|arm| !arm.skip)
        .map(|arm| lower_arm(arm, private, asyncness))
        .collect();
    let mutability = (!arms.is_empty()).then(|| quote!(mut));
    let new = quote_spanned!(spans.new=> #private::ExceptStar::new(#result));
    let at_finish = Ident::new(
        "__taskgroup_dispatch",
        Span::mixed_site().located_at(spans.finish),
    );
    let question = question.map(|span| quote_spanned!(span=> ?));
    let finish = quote_spanned!(spans.finish=> #at_finish.finish() #question);
    let mut block = Group::new(
        Delimiter::Brace,
        quote! {
            let #mutability #dispatch = #new;
            #(#arms)*
            #finish
        },
    );
    block.set_span(spans.block);
    block.into_token_stream()
}

/// Where the parts of a dispatch point in rustc's messages.
struct DispatchSpans {
    /// `ExceptStar::new(..)`: the error type must convert into a boxed error.
    new: Span,
    /// `.finish()?`: the function must accept `?`.
    finish: Span,
    /// The dispatch block, whose type is the except* arms' value type.
    block: Span,
}

/// Lowers one except* arm.
///
/// Expands to:
///
/// ```text
/// // an arm without `?`:
/// if let P::Some(eg) = TAKE {                     // <T as P::CatchableError>::take(&mut d): typed group
///                                                 // d.take_by(|e| <A as ..>::is(e) || ..) for several
///                                                 // d.take_all() for the catch-all
///     P::settle_value(&mut d, P::Slot { value: match () { () => ARM } });
/// }
/// // an arm with `?`:
/// if let P::Some(eg) = TAKE {
///     let mut __taskgroup_slot = P::slot(&d);     // Option<Slot<V>>: the value is checked against V
///     let __taskgroup_outcome = P::async_arm(async || -> P::Result<(), P::Raise> {
///         __taskgroup_slot = P::Some(P::Slot { value: match () { () => ARM } });
///         P::Ok(())
///     }).await;                                   // sync context: P::sync_arm(|| ..)
///     P::settle(&mut d, __taskgroup_outcome, __taskgroup_slot);
/// }
/// ```
///
/// The closure gives `?` its target (it raises into the dispatch, rule 4.3)
/// while the value still flows through the slot, whose type comes from the
/// dispatch, so an arm of the wrong type is reported at the arm's value. Paths
/// go through `P` (`__private`), which re-exports `Ok` and `Some`: fewer tokens
/// for the compiler to carry per use than `::core::result::Result::Ok`.
fn lower_arm(arm: &ExceptArm, private: &TokenStream, asyncness: bool) -> TokenStream {
    let dispatch = dispatch_ident();
    let slot = Ident::new("__taskgroup_slot", Span::mixed_site());
    let outcome = Ident::new("__taskgroup_outcome", Span::mixed_site());
    let take = lower_take(&arm.catch, private);
    let binding = match &arm.binding {
        Some(Param::Name(mutability, ident)) => quote!(#mutability #ident),
        Some(Param::Wild(underscore)) => quote!(#underscore),
        None => quote!(_),
    };
    let body = &arm.body;
    // The value is a struct field, not a call argument, so that rustc checks it
    // against the slot's type and blames the arm's value alone (a call argument
    // would add "arguments to this function are incorrect", and `unused_braces`
    // for `=> { 1 }`). An arm that diverges (`panic!()`) makes the rest of the
    // statement unreachable, which is the point and not worth a warning. The
    // tokens are located at the value but belong to the expansion, so lints on
    // their shape (clippy's `diverging_sub_expression`) stay out of user code.
    let at_body = Span::call_site().located_at(body.span());
    // As the top-level body of a match arm, a `panic!()` value is not flagged by
    // clippy's `diverging_sub_expression`, which skips arm bodies.
    let value = quote_spanned! {at_body=>
        #private::Slot { value: match () { () => #body } }
    };
    if !valid::uses_question_mark(body) {
        // An arm that cannot raise hands its value straight to the dispatch.
        return quote! {
            if let #private::Some(#binding) = #take {
                #[allow(unreachable_code)]
                #private::settle_value(&mut #dispatch, #value);
            }
        };
    }
    let assign = quote_spanned! {at_body=>
        #[allow(unreachable_code)]
        let () = #slot = #private::Some(#value);
    };
    let run = if asyncness {
        quote! {
            let #outcome = #private::async_arm(
                async || -> #private::Result<(), #private::Raise> {
                    #assign
                    #private::Ok(())
                },
            )
            .await;
        }
    } else {
        quote! {
            let #outcome = #private::sync_arm(
                || -> #private::Result<(), #private::Raise> {
                    #assign
                    #private::Ok(())
                },
            );
        }
    };
    quote! {
        if let #private::Some(#binding) = #take {
            #[allow(unused_mut, unused_assignments)]
            let mut #slot = #private::slot(&#dispatch);
            #run
            #private::settle(&mut #dispatch, #outcome, #slot);
        }
    }
}

/// Lowers what an arm takes from the dispatch. The calls go through the
/// `CatchableError` trait and are spanned at the user's types, so a type that is
/// not an error gets one error, at the type.
///
/// Expands to:
///
/// ```text
/// <T as P::CatchableError>::take(&mut d)                                  // one type
/// d.take_by(|leaf| false || <A as P::CatchableError>::is(leaf) || ..)     // several
/// d.take_all()                                                            // catch-all
/// ```
fn lower_take(catch: &Catch, private: &TokenStream) -> TokenStream {
    let dispatch = dispatch_ident();
    match catch {
        Catch::Types(types) if types.len() == 1 => {
            let ty = &types[0];
            quote_spanned!(ty.span()=> <#ty as #private::CatchableError>::take(&mut #dispatch))
        }
        Catch::Types(types) => {
            let error = format_ident!("__taskgroup_leaf", span = Span::mixed_site());
            let checks = types.iter().map(
                |ty| quote_spanned!(ty.span()=> <#ty as #private::CatchableError>::is(#error)),
            );
            quote!(#dispatch.take_by(|#error| false #(|| #checks)*))
        }
        Catch::All => quote!(#dispatch.take_all()),
    }
}
