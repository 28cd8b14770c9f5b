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

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{ExprClosure, Ident, ItemFn, ReturnType, Signature};

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
        visit::lower_expr(&mut body.expr, &private, Context::Async, &mut errors);
    }
    for arm in &mut input.arms {
        visit::lower_expr(&mut arm.body, &private, Context::Async, &mut errors);
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
    let context = Context::of_fn(&function.sig);
    visit::lower_block(&mut function.block, &private, context, &mut errors);
    let errors = errors.to_compile_errors();
    quote!(#errors #function)
}

/// Where a marked `match` runs, which decides how its arms are lowered.
#[derive(Clone, Copy)]
pub(crate) enum Context {
    /// In an `async fn`, `async` closure or block, or `task_group!`: arms can await.
    Async,
    /// In a sync function or closure, whose header (`fn run() -> T`, `|x| -> T`)
    /// goes from `first` to `last`: rustc points there when an arm awaits.
    Sync { first: Span, last: Span },
}

impl Context {
    /// The context of a function's body.
    pub(crate) fn of_fn(sig: &Signature) -> Self {
        if sig.asyncness.is_some() {
            return Context::Async;
        }
        let tokens: Vec<_> = sig.to_token_stream().into_iter().collect();
        let first = tokens.first().map_or_else(Span::call_site, |tt| tt.span());
        let last = tokens.last().map_or(first, |tt| tt.span());
        Context::Sync { first, last }
    }

    /// The context of a closure's body.
    pub(crate) fn of_closure(closure: &ExprClosure) -> Self {
        if closure.asyncness.is_some() {
            return Context::Async;
        }
        let first = closure.or1_token.span;
        let last = match &closure.output {
            ReturnType::Type(_, ty) => ty
                .to_token_stream()
                .into_iter()
                .last()
                .map_or(closure.or2_token.span, |tt| tt.span()),
            ReturnType::Default => closure.or2_token.span,
        };
        Context::Sync { first, last }
    }
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
    let dispatch = lower_dispatch(
        &quote!(#result),
        &input.arms,
        private,
        Context::Async,
        None,
        &spans,
    );
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
    context: Context,
    question: Option<Span>,
    spans: &DispatchSpans,
) -> TokenStream {
    let dispatch = dispatch_ident();
    let arms: Vec<TokenStream> = arms
        .iter()
        .filter(|arm| !arm.skip)
        .map(|arm| lower_arm(arm, private, context))
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
/// if let P::Some(eg) = TAKE {                     // <T as P::CatchableError>::take(&mut d): typed group
///                                                 // d.take_by(|e| <A as ..>::is(e) || ..) for several
///                                                 // d.take_all() for the catch-all
///     d.settle(P::Ok(match () { () => ARM }));    // an arm that cannot leave early
/// }
/// // an arm that can (it has a `?` or a macro call), in its own closure:
///     P::sync_arm(&mut d, || -> P::Outcome<_> { P::Ok(match () { () => ARM }) });
/// // ... or, in async context when it may await (`.await` or a macro call):
///     let w = P::witness(&d);                     // the dispatch's value type, as a value
///     d.settle(async {
///         if false { return w.hint(); }           // only with a macro call: fixes the
///                                                 // block's type to Outcome<V> first
///         w.ok(match () { () => ARM })            // checks the value against V
///     }.await);
/// ```
///
/// An arm can leave early only with `?` or with a `return`, `break` or
/// `continue`, written out or hidden in a macro call. Written-out ones are
/// refused (and replaced by `unreachable!()`, itself a macro call) before this
/// runs, so an arm whose tokens hold neither a `?` nor a macro call always ends
/// with its value, and is inlined. Every other arm runs as its own closure or
/// `async` block, whose result (`Outcome<V>`, that is `Result<V, Raise>`) goes
/// to the dispatch; so whatever leaves it early leaves that arm alone, even
/// from inside a macro this macro cannot see into (`anyhow::bail!`, a user's
/// `macro_rules!`): `?` and `return Err(e)` raise into the dispatch (the later
/// arms still run, the error joins the combined group), `return Ok(v)` is the
/// arm's value, and a `return` of any other type does not compile, with
/// rustc's error at that `return` (at the user's macro call). No path leaves an
/// arm without an outcome, so none loses the errors the arm took. The test
/// looks at raw tokens, so it sees into macro calls' arguments and lowered
/// nested matches, and errs on the side of the closure. (Inlining the other
/// arms keeps the expansion's check time close to hand-written code: a
/// closure, and more so an `async` block, is a body of its own per arm.)
///
/// The result type is fixed before the arm's code is checked, so that rustc
/// blames the user's tokens and not the expansion: a sync closure takes it from
/// its annotation and the helper's bound. An `async` block takes its type only
/// from its `return`s and its tail: the value is checked by `w.ok`, and a dead
/// `return w.hint()` comes first when a macro call might hide a `return` (a
/// `bail!` is then reported at the `bail!`, and not as two errors about the
/// expansion).
///
/// Paths go through `P` (`__private`), which re-exports `Ok` and `Some`: fewer
/// tokens for the compiler to carry per use than `::core::result::Result::Ok`.
fn lower_arm(arm: &ExceptArm, private: &TokenStream, context: Context) -> TokenStream {
    let dispatch = dispatch_ident();
    let take = lower_take(&arm.catch, private);
    let binding = match &arm.binding {
        Some(Param::Name(mutability, ident)) => quote!(#mutability #ident),
        Some(Param::Wild(underscore)) => quote!(#underscore),
        None => quote!(_),
    };
    let body = &arm.body;
    let scan = Scan::of(body.to_token_stream());
    // The tokens are located at the value but belong to the expansion, so that
    // rustc's messages point at the user's value while lints on the shape of
    // the generated code (clippy's `diverging_sub_expression`) stay out of user
    // code. As the top-level body of a match arm, a `panic!()` value is not
    // flagged by that lint either, which skips arm bodies; and the value is not
    // a call's argument itself, so a value of the wrong type is reported alone,
    // without "arguments to this function are incorrect".
    let at_body = Span::call_site().located_at(body.span());
    let value = quote_spanned! {at_body=>
        #private::Ok(match () { () => #body })
    };
    let run = if !scan.question && !scan.macro_call {
        quote!(#dispatch.settle(#value);)
    } else if matches!(context, Context::Async) && (scan.macro_call || scan.awaits) {
        let witness = Ident::new("__taskgroup_witness", Span::mixed_site());
        // The hint's `return` is what rustc names in a note ("return type
        // inferred to be .. here") on any type error in the arm, so it is
        // there only when needed (a macro call may hide a `return`), and it
        // points at the arm's head.
        let hint = scan.macro_call.then(|| {
            let head = arm.head.clone().into_iter().next();
            let head = head.map_or(body.span(), |tt| tt.span());
            let witness = Ident::new("__taskgroup_witness", Span::mixed_site().located_at(head));
            quote_spanned! {Span::call_site().located_at(head)=>
                if false {
                    return #witness.hint();
                }
            }
        });
        let value = quote_spanned! {at_body=>
            #witness.ok(match () { () => #body })
        };
        quote! {
            let #witness = #private::witness(&#dispatch);
            #dispatch.settle(async { #hint #value }.await);
        }
    } else {
        // In a sync context, the closure is located at the header of the
        // enclosing function (or closure), which is what rustc names when an
        // arm awaits ("this is not `async`") or uses `?` on an `Option` ("this
        // function returns a `Result`"): its `||` at the header's first token,
        // the end of its result type and its braces at the last.
        let (first, last) = match context {
            Context::Sync { first, last } => (first, last),
            Context::Async => (body.span(), body.span()),
        };
        let first = Span::call_site().located_at(first);
        let last = Span::call_site().located_at(last);
        let header = quote_spanned!(first=> || -> #private::Outcome<_);
        let header_end = quote_spanned!(last=> >);
        let mut closure_body = Group::new(Delimiter::Brace, value);
        closure_body.set_span(last);
        quote! {
            #private::sync_arm(&mut #dispatch, #header #header_end #closure_body);
        }
    };
    // An arm that diverges (`panic!()`) makes the `Ok(..)` around it
    // unreachable, which is the point and not worth a warning.
    quote! {
        #[allow(unreachable_code)]
        if let #private::Some(#binding) = #take {
            #run
        }
    }
}

/// What an arm's raw tokens hold, looking into every group (macro arguments
/// and lowered nested matches included).
#[derive(Default)]
struct Scan {
    /// A `?`, which may leave the arm.
    question: bool,
    /// A macro call (`name!(..)`, `name![..]`, `name! {..}`), which may expand
    /// to a `return`, a `?` or an `.await` that this macro cannot see. Also
    /// says yes for `if !(..)`, which only costs the closure.
    macro_call: bool,
    /// An `.await`.
    awaits: bool,
}

impl Scan {
    fn of(tokens: TokenStream) -> Self {
        let mut scan = Scan::default();
        scan.visit(tokens);
        scan
    }

    fn visit(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            let next = trees.get(index + 1);
            match tree {
                TokenTree::Group(group) => self.visit(group.stream()),
                TokenTree::Punct(punct) if punct.as_char() == '?' => self.question = true,
                TokenTree::Punct(punct) if punct.as_char() == '.' => {
                    self.awaits |=
                        matches!(next, Some(TokenTree::Ident(ident)) if ident == "await");
                }
                TokenTree::Ident(_) => {
                    self.macro_call |= matches!(
                        (next, trees.get(index + 2)),
                        (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(_)))
                            if bang.as_char() == '!'
                    );
                }
                _ => {}
            }
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
