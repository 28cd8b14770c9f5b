//! The one-line form (`{}`): the message, the number of errors and each leaf's
//! message with its causes inline, cut with "and N more" past a length bound.

use std::error::Error;

use taskgroup::{ErrorGroup, Node};

use crate::fixtures::{forty, group, load_config, nested_levels, t, v};

#[test]
fn display_is_the_message_the_number_of_errors_and_each_leaf() {
    let eg = group("flat", [v(1), Node::Group(group("inner", [t(2)]))]);
    assert_eq!(eg.to_string(), "flat (2 errors): V1; T2");
    assert_eq!(group("m", [v(1)]).to_string(), "m (1 error): V1");
}

#[test]
fn display_of_a_group_without_a_message_starts_with_the_count() {
    assert_eq!(group("", [v(1), t(2)]).to_string(), "2 errors: V1; T2");
}

#[test]
fn display_writes_each_leafs_causes_inline() {
    let eg = group("g", [Node::error(load_config()), v(1)]);
    assert_eq!(
        eg.to_string(),
        "g (2 errors): could not load config (caused by: could not read app.toml: \
         permission denied); V1"
    );
}

#[test]
fn display_never_contains_a_newline() {
    let eg = group(
        "two\nlines",
        [Node::error(std::io::Error::other("first\r\nsecond"))],
    );
    assert_eq!(eg.to_string(), "two lines (1 error): first second");
}

#[test]
fn display_cuts_past_its_length_bound_with_and_n_more() {
    let line = forty().to_string();
    assert!(
        line.starts_with("forty (40 errors): error 1; error 2; "),
        "{line}"
    );
    assert!(line.ends_with(" more"), "{line}");
    let shown = line.matches("error ").count();
    assert!((10..40).contains(&shown), "{line}");
    assert!(
        line.contains(&format!("; and {} more", 40 - shown)),
        "{line}"
    );
    assert!(line.len() < 300, "{} bytes: {line}", line.len());
}

#[test]
fn display_shows_the_first_leaf_whole_however_long() {
    let long = "x".repeat(1000);
    let eg = group(
        "g",
        [Node::error(std::io::Error::other(long.clone())), v(2)],
    );
    assert_eq!(eg.to_string(), format!("g (2 errors): {long}; and 1 more"));
}

#[test]
fn display_lists_the_leaves_of_nested_groups_in_order() {
    assert_eq!(
        nested_levels(3).to_string(),
        "level 1 (3 errors): V1; V2; V3"
    );
}

#[test]
fn source_is_none_when_the_line_shows_every_leaf() {
    assert!(group("g", [v(1), t(2)]).source().is_none());
}

#[test]
fn source_lists_exactly_the_leaves_the_line_leaves_out() {
    let eg = forty();
    let line = eg.to_string();
    let rest = eg.source().expect("the line was cut").to_string();
    let hidden: usize = line
        .rsplit("; and ")
        .next()
        .unwrap()
        .trim_end_matches(" more")
        .parse()
        .unwrap();
    assert!(
        rest.starts_with(&format!("the other {hidden} errors: ")),
        "{rest}"
    );
    for i in 1..=40 {
        let error = format!("error {i}");
        let in_line = line.split("; ").any(|part| part.ends_with(&error));
        let in_rest = rest.split("; ").any(|part| part.ends_with(&error));
        assert!(
            in_line != in_rest,
            "{error} in the line: {in_line}, in the rest: {in_rest}"
        );
    }
    assert!(eg.source().unwrap().source().is_none());
}

#[test]
fn source_of_a_typed_group_lists_the_leaves_the_line_leaves_out() {
    let typed = ErrorGroup::from_errors(
        "typed",
        (1..=40).map(|i| std::io::Error::other(format!("error {i}"))),
    )
    .unwrap();
    let rest = typed.source().expect("the line was cut").to_string();
    assert!(rest.ends_with("error 40"), "{rest}");
}
