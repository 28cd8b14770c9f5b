//! Lowering an except* dispatch and its arms: what both macros share.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Ident;

use super::context::Context;
use crate::ast::{key, Catch, ExceptArm, Param};

pub(crate) fn dispatch_ident() -> Ident {
    Ident::new("__taskgroup_dispatch", Span::mixed_site())
}

/// Lowers the except* dispatch of `result` through `arms` (arms that name
/// nothing they could take left out).
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
pub(crate) fn lower_dispatch(
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
        .filter(|arm| !arm.catch.is_empty())
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
pub(crate) struct DispatchSpans {
    /// `ExceptStar::new(..)`: the error type must convert into a boxed error.
    pub(crate) new: Span,
    /// `.finish()?`: the function must accept `?`.
    pub(crate) finish: Span,
    /// The dispatch block, whose type is the except* arms' value type.
    pub(crate) block: Span,
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
    let (body, body_span) = arm_value(arm);
    let scan = Scan::of(body.clone());
    // The tokens are located at the value but belong to the expansion, so that
    // rustc's messages point at the user's value while lints on the shape of
    // the generated code (clippy's `diverging_sub_expression`) stay out of user
    // code. As the top-level body of a match arm, a `panic!()` value is not
    // flagged by that lint either, which skips arm bodies; and the value is not
    // a call's argument itself, so a value of the wrong type is reported alone,
    // without "arguments to this function are incorrect".
    let at_body = Span::call_site().located_at(body_span);
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
            let head = head.map_or(body_span, |tt| tt.span());
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
            Context::Async => (body_span, body_span),
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

/// The arm's value and where it is. A refused guard (already reported) is
/// kept as dead code, so that it is still type-checked and the names it uses
/// do not become "unused"; a value that could not be parsed (reported too)
/// becomes a placeholder of any type.
///
/// Expands to:
///
/// ```text
/// ARM                                             // the user's value
/// { if false && (GUARD) {} ARM }                  // with a guard
/// ::core::unreachable!()                          // without a value
/// ```
fn arm_value(arm: &ExceptArm) -> (TokenStream, Span) {
    let Some(body) = &arm.body else {
        let span = arm
            .head
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |tt| tt.span());
        return (quote_spanned!(span=> ::core::unreachable!()), span);
    };
    let span = body.span();
    match &arm.guard {
        Some((_, guard)) => (quote!({ if false && (#guard) {} #body }), span),
        None => (body.to_token_stream(), span),
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
/// <T as P::CatchableError>::take_if(&mut d, |leaf| match leaf {           // patterns of T
///     PAT | PAT => true,
///     _ => false,
/// })
/// ```
///
/// A pattern arm is lowered with the patterns of its first pattern's type
/// only: patterns of another type were reported, and would only add a type
/// error each.
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
        Catch::Patterns(patterns) => {
            let Some(ty) = patterns.first().and_then(|first| first.ty.as_ref()) else {
                // `Catch::is_empty`: such an arm is never lowered.
                return quote!(::core::option::Option::None);
            };
            let type_key = key(ty);
            let pats = patterns
                .iter()
                .filter(|pattern| pattern.ty.as_ref().is_some_and(|ty| key(ty) == type_key))
                .map(|pattern| &pattern.pat);
            let leaf = format_ident!("__taskgroup_leaf", span = Span::mixed_site());
            let take = quote_spanned!(ty.span()=> <#ty as #private::CatchableError>::take_if);
            quote! {
                #take(&mut #dispatch, |#leaf| match #leaf {
                    // A binding in a pattern was reported; it would only add a
                    // warning. The braces of a unit variant (`JobError::Timeout {}`)
                    // are the grammar's, not a style to lint (clippy's
                    // `unneeded_struct_pattern`, in its `style` group).
                    #[allow(unused_variables, clippy::style)]
                    #(#pats)|* => true,
                    _ => false,
                })
            }
        }
        Catch::All => quote!(#dispatch.take_all()),
    }
}
