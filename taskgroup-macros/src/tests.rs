//! Unit tests of the stages, and the parser robustness property: no input, however
//! malformed, makes the macros panic: they answer every input with tokens. Everything here runs on
//! `proc_macro2` token streams, outside a proc-macro context.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;

use syn::parse::{ParseStream, Parser};

use crate::ast::{display, AttrArgs, Catch, OptionKind, TaskGroupInput};
use crate::ctxt::Ctxt;
use crate::visit as expand;

fn tokens(source: &str) -> TokenStream {
    TokenStream::from_str(source).expect("test input lexes")
}

/// Parses and checks `task_group!` input; also says whether there were errors.
fn parse_group(source: &str) -> (TaskGroupInput, bool) {
    let cx = Ctxt::new();
    let input = (|stream: ParseStream<'_>| Ok(crate::parse::task_group(stream, &cx)))
        .parse2(tokens(source))
        .expect("the task_group! parser recovers");
    input.validate(&cx);
    (input, cx.check().is_err())
}

fn parse_attr(source: &str) -> (AttrArgs, bool) {
    let cx = Ctxt::new();
    let args = (|stream: ParseStream<'_>| Ok(crate::attr::attr_args(stream, &cx)))
        .parse2(tokens(source))
        .expect("the attribute parser recovers");
    (args, cx.check().is_err())
}

/// The identifiers in an expansion, to check which paths it uses.
fn idents(stream: TokenStream, out: &mut Vec<String>) {
    for tree in stream {
        match tree {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Group(group) => idents(group.stream(), out),
            _ => {}
        }
    }
}

fn has_compile_error(stream: &TokenStream) -> bool {
    let mut names = Vec::new();
    idents(stream.clone(), &mut names);
    names.iter().any(|name| name == "compile_error")
}

#[test]
fn parses_options_body_and_arms() {
    let (input, errors) = parse_group(
        "name = \"x\", timeout = d, supervise, |tg| tg.spawn(f()) \
         except* A as eg => 1, except* B | C => { 2 } except* _ as rest => 3",
    );
    assert!(!errors);
    let kinds: Vec<_> = input.options.iter().map(|option| option.kind).collect();
    assert!(kinds == [OptionKind::Name, OptionKind::Timeout, OptionKind::Supervise]);
    assert!(input.body.is_some());
    assert_eq!(input.arms.len(), 3);
    assert!(matches!(&input.arms[1].catch, Catch::Types(types) if types.len() == 2));
    assert!(matches!(input.arms[2].catch, Catch::All));
}

#[test]
fn recovers_after_a_bad_arm() {
    let (input, errors) = parse_group("|tg| 0 except* A as => 1, except* B => 2");
    assert!(errors);
    // the arm after the bad one still parses
    assert_eq!(input.arms.len(), 2);
}

#[test]
fn statements_without_a_block_become_the_block() {
    let (input, errors) = parse_group("|tg| a(); b(); except* A => ()");
    assert!(errors);
    assert!(matches!(
        input.body.map(|body| body.expr),
        Some(syn::Expr::Block(_))
    ));
}

#[test]
fn task_group_expansion_names_the_crate_only_through_the_injected_path() {
    // `__taskgroup` is brought into scope by the facade's `macro_rules!` from
    // `$crate`, so the expansion works through a renamed or re-exported crate.
    let expansion = expand::task_group(tokens(
        "timeout = d, |tg| { tg.spawn(f()); 0 } except* A as eg => 1, except* _ => 2",
    ));
    assert!(!has_compile_error(&expansion));
    let mut names = Vec::new();
    idents(expansion, &mut names);
    assert!(names.iter().any(|name| name == "__taskgroup"));
    assert!(!names.iter().any(|name| name == "taskgroup"));
}

#[test]
fn except_star_expansion_uses_the_crate_option() {
    let expansion = expand::except_star(
        tokens("crate = \"my::facade\""),
        tokens("fn f() -> R { #[except_star] match g() { Ok(v) => v, A(eg) => 0 } }"),
    );
    assert!(!has_compile_error(&expansion));
    let text = expansion.to_string();
    assert!(text.contains("my :: facade :: __private"));
    let mut names = Vec::new();
    idents(expansion, &mut names);
    assert!(!names.iter().any(|name| name == "taskgroup"));
    assert!(
        !names.iter().any(|name| name == "except_star"),
        "markers are stripped"
    );
}

#[test]
fn except_star_expansion_defaults_to_the_facade() {
    let expansion = expand::except_star(
        TokenStream::new(),
        tokens("async fn f() -> R { let x = #[except_star] match g() { Ok(v) => v, e => 0 }; x }"),
    );
    assert!(!has_compile_error(&expansion));
    assert!(expansion.to_string().contains(":: taskgroup :: __private"));
}

#[test]
fn attribute_arguments() {
    let (args, errors) = parse_attr("crate = \"a::b\"");
    assert!(args.krate.is_some() && !errors);
    let (args, errors) = parse_attr("crate = \"not a path\"");
    assert!(args.krate.is_none() && errors);
    let (_, errors) = parse_attr("krate = \"a\", crate");
    assert!(errors);
}

#[test]
fn errors_still_expand_to_the_right_shape() {
    // one mistake per arm and an unknown option: all reported, and the rest
    // (the body, the good arm) still expanded
    let expansion = expand::task_group(tokens(
        "retries = 3, |tg| 0 except* A => return, except* B if x => 1, except* C => 2",
    ));
    let text = expansion.to_string();
    assert_eq!(text.matches("compile_error").count(), 3);
    assert!(text.contains(". run ("));
}

/// How many times `name` is an identifier of `stream`.
fn count_ident(stream: &TokenStream, name: &str) -> usize {
    let mut names = Vec::new();
    idents(stream.clone(), &mut names);
    names.iter().filter(|ident| *ident == name).count()
}

#[test]
fn task_group_arms_that_can_leave_early_get_their_own_closure_or_async_block() {
    let expansion = expand::task_group(tokens(
        "|tg| 0 \
         except* A => 1, \
         except* B => leave!(), \
         except* C => f()?, \
         except* D => g().await, \
         except* E => h(x.map(|y| y?)), \
         except* F => g().await?",
    ));
    // A and D (an `.await` does not leave the arm): inlined; B (a macro may
    // hide a `return` or an `.await`) and F: an async block, B's with the type
    // hint; C and E (a `?`, even inside a closure: the scan errs on the side of
    // the closure): a sync closure
    assert_eq!(count_ident(&expansion, "witness"), 2);
    assert_eq!(count_ident(&expansion, "hint"), 1);
    assert_eq!(count_ident(&expansion, "sync_arm"), 2);
    assert_eq!(count_ident(&expansion, "settle"), 4);
}

#[test]
fn except_star_sync_arms_that_can_leave_early_get_their_own_closure() {
    let expansion = expand::except_star(
        TokenStream::new(),
        tokens(
            "fn f() -> R { #[except_star] match x { \
                 Ok(v) => v, A(_) => 1, B(_) => leave!(), C(_) => f()?, D(_) => if !(x) { 1 } else { 2 } \
             } }",
        ),
    );
    // B, C and D (`if !(..)` looks like a macro call to the scan) get a closure
    assert_eq!(count_ident(&expansion, "sync_arm"), 3);
    assert_eq!(count_ident(&expansion, "witness"), 0);
}

#[test]
fn the_fast_path_reads_common_inputs_as_the_full_parser_does() {
    for source in [
        "timeout = Duration::from_secs(1), |tg| { let h = tg.spawn(work(1)); h.id(); 1 } \
         except* ValueError as eg => eg.len()",
        "name = \"n\", supervise, async move |_| 0 except* A | b::B => 1, except* _ as mut rest => { 2 }",
        "|| f().await",
        "|mut tg| g(&mut tg).await? except* io::Error => { 0 } except* C => f()?,",
    ] {
        let fast = crate::parse::fast::task_group(&tokens(source)).expect("the fast path reads it");
        let (slow, errors) = parse_group(source);
        assert!(!errors, "{source}");
        let private = quote::quote!(__taskgroup);
        assert_eq!(
            crate::expand::task_group(&fast, &private).to_string(),
            crate::expand::task_group(&slow, &private).to_string(),
            "{source}"
        );
    }
}

#[test]
fn the_fast_path_leaves_to_the_full_parser_what_it_must_check() {
    for source in [
        "|tg| loop { break 1 } except* A => 1",
        "|tg| a(); b() except* A => 1",
        "|tg: T| 0",
        "|tg| 0 except* A if x => 1",
        "|tg| 0 except* E::V(..) => 1",
        "|tg| 0 except* (A, B) => 1",
        "|tg| 0 except* A => 1 except* B => 2",
        "|tg| 0 except* A => return",
        "|tg| #[except_star] match x { Ok(v) => v, _ => 0 }",
        "limit = 4 |tg| 0",
        "timeout = d, timeout = d, |tg| 0",
        "retries = 3, |tg| 0",
        "|tg| except* A => 1",
        "|tg| 0 except A => 1",
        "|tg| 0 except* A => 1, 2",
    ] {
        assert!(
            crate::parse::fast::task_group(&tokens(source)).is_none(),
            "{source}"
        );
    }
}

#[test]
fn display_writes_types_as_users_do() {
    let ty: syn::Type = syn::parse2(tokens("std :: io :: Error")).unwrap();
    assert_eq!(display(&ty), "std::io::Error");
    let ty: syn::Type = syn::parse2(tokens("Box < dyn Error + Send >")).unwrap();
    assert_eq!(display(&ty), "Box<dyn Error+Send>");
    let ty: syn::Type = syn::parse2(tokens("(A, B)")).unwrap();
    assert_eq!(display(&ty), "(A, B)");
}

// ---------------------------------------------------------------------------
// Robustness: random and mutated token streams never make the macros panic.
// ---------------------------------------------------------------------------

/// Words that matter to the grammars, plus some that do not.
const IDENTS: &[&str] = &[
    "except",
    "as",
    "tg",
    "eg",
    "supervise",
    "timeout",
    "name",
    "limit",
    "grace",
    "deadline",
    "match",
    "Ok",
    "Err",
    "io",
    "Error",
    "return",
    "break",
    "continue",
    "loop",
    "move",
    "async",
    "fn",
    "let",
    "if",
    "crate",
    "except_star",
    "task_group",
    "mut",
    "ErrorGroup",
    "self",
    "await",
    "for",
    "in",
    "while",
    "x",
    "_",
];

const PUNCTS: &[char] = &[
    '|', '*', '=', '>', ',', ':', ';', '?', '#', '.', '!', '&', '-', '+', '<', '\'',
];

fn leaf() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        4 => prop::sample::select(IDENTS)
            .prop_map(|name| TokenTree::Ident(Ident::new(name, Span::call_site()))),
        4 => (prop::sample::select(PUNCTS), any::<bool>()).prop_map(|(c, joint)| {
            let spacing = if joint { Spacing::Joint } else { Spacing::Alone };
            TokenTree::Punct(Punct::new(c, spacing))
        }),
        1 => prop_oneof![
            Just(Literal::u32_unsuffixed(3)),
            Just(Literal::string("a::b")),
            Just(Literal::string("not a path")),
        ]
        .prop_map(TokenTree::Literal),
    ]
}

fn token_tree() -> impl Strategy<Value = TokenTree> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        (
            prop::sample::select(
                &[Delimiter::Brace, Delimiter::Parenthesis, Delimiter::Bracket][..],
            ),
            prop::collection::vec(inner, 0..8),
        )
            .prop_map(|(delimiter, trees)| {
                TokenTree::Group(Group::new(delimiter, trees.into_iter().collect()))
            })
    })
}

fn token_stream() -> impl Strategy<Value = TokenStream> {
    prop::collection::vec(token_tree(), 0..24).prop_map(|trees| trees.into_iter().collect())
}

/// Valid inputs, with a space between every token so that words can be mutated.
const GROUP_SAMPLES: &[&str] = &[
    "name = \"n\" , timeout = d , supervise , | tg | { tg . spawn ( f ( ) ) ; 0 } except* A as eg => { 1 } except* B | C => 2 , except* _ => 3 ,",
    "| tg | x ? except* io :: Error as mut eg => eg . reraise ( ) ? , except* _ as rest => #[except_star] match y { Ok ( v ) => v , A ( e ) => 0 , }",
    "limit = 4 , move | tg : T | loop { break 1 ; } except* A => return , except* ( A , B ) if z => 1",
];

const FN_SAMPLES: &[&str] = &[
    "fn f ( ) -> R { let v = #[except_star] match g ( ) { Ok ( v ) => v , A ( eg ) | B ( eg ) => 0 , rest => 1 , } ; Ok ( v ) }",
    "async fn f ( & mut self ) -> R { #[except_star] let x = match g ( ) . await { Ok ( 0 ) if c => 1 , Ok ( _ ) => 2 , A ( _ ) => { h ( ) . await ? ; 3 } } ; println ! ( \"{}\" , #[except_star] match q { Ok ( v ) => v , _ => 0 } ) ; fn inner ( ) { #[except_star] match a { Ok ( _ ) => ( ) , } } x }",
];

/// Deletes, duplicates, swaps or inserts words of a sample, keeping only
/// mutants that still lex (balanced delimiters).
fn mutated(samples: &'static [&'static str]) -> impl Strategy<Value = TokenStream> {
    let insert = prop::sample::select(
        &[
            "except",
            "*",
            "|",
            "=>",
            ",",
            "_",
            "as",
            "Ok",
            "(",
            ")",
            "{",
            "}",
            "#[except_star]",
            "?",
            "return",
            ":",
        ][..],
    );
    (
        prop::sample::select(samples),
        prop::collection::vec(
            (
                0..4u8,
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                insert,
            ),
            1..6,
        ),
    )
        .prop_filter_map("mutant does not lex", |(sample, edits)| {
            let mut words: Vec<&str> = sample.split(' ').collect();
            for (kind, at, other, word) in edits {
                if words.is_empty() {
                    break;
                }
                let i = at.index(words.len());
                match kind {
                    0 => {
                        words.remove(i);
                    }
                    1 => words.insert(i, words[i]),
                    2 => {
                        let j = other.index(words.len());
                        words.swap(i, j);
                    }
                    _ => words.insert(i, word),
                }
            }
            TokenStream::from_str(&words.join(" ")).ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn task_group_never_panics_on_random_tokens(input in token_stream()) {
        let _ = expand::task_group(input);
    }

    #[test]
    fn except_star_never_panics_on_random_tokens(args in token_stream(), body in token_stream()) {
        let _ = expand::except_star(args, body.clone());
        // the same tokens as a function body, to reach the marker visitor
        let item: TokenStream = [
            TokenTree::Ident(Ident::new("fn", Span::call_site())),
            TokenTree::Ident(Ident::new("f", Span::call_site())),
            TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenStream::new())),
            TokenTree::Group(Group::new(Delimiter::Brace, body)),
        ]
        .into_iter()
        .collect();
        let _ = expand::except_star(TokenStream::new(), item);
    }

    #[test]
    fn task_group_never_panics_on_mutated_input(input in mutated(GROUP_SAMPLES)) {
        let _ = expand::task_group(input);
    }

    #[test]
    fn except_star_never_panics_on_mutated_input(input in mutated(FN_SAMPLES)) {
        let _ = expand::except_star(TokenStream::new(), input);
    }
}
