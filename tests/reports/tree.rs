//! The report (`{:?}`, and `{:#}`): the tree drawn like Python's traceback of an
//! exception group, minus the traceback frames and with `ErrorGroup` for
//! `ExceptionGroup`; each leaf with its causes, notes and origin.

use std::panic::Location;

use taskgroup::{AnyError, ErrorGroup, Leaf, Node, Origin};

use crate::fixtures::{group, load_config, nested_levels, o, t, v, ValueError};

/// `{:?}` and `{:#}` are the same drawing; every test here checks both.
fn drawn(eg: &ErrorGroup) -> String {
    let debug = format!("{eg:?}");
    assert_eq!(debug, format!("{eg:#}"), "{{:?}} and {{:#}} differ");
    debug
}

#[test]
fn debug_draws_a_nested_group_with_notes_like_python_traceback() {
    let mut first = Leaf::new(AnyError::new(ValueError(1)));
    first.add_note("while parsing line 3");
    let mut inner = group("inner", [t(2), o(3)]);
    inner.add_note("retried twice");
    let mut eg = group("outer", [Node::Leaf(first), Node::Group(inner), v(4)]);
    eg.add_note("in the nightly job");
    assert_eq!(
        drawn(&eg),
        "\
ErrorGroup: outer (3 sub-errors)
in the nightly job
+-+---------------- 1 ----------------
  | V1
  | while parsing line 3
  +---------------- 2 ----------------
  | ErrorGroup: inner (2 sub-errors)
  | retried twice
  +-+---------------- 1 ----------------
    | T2
    +---------------- 2 ----------------
    | O3
    +------------------------------------
  +---------------- 3 ----------------
  | V4
  +------------------------------------
"
    );
}

// traceback's max_group_width = 15: the rest is counted, not drawn.
#[test]
fn debug_draws_the_first_15_children_and_counts_the_rest() {
    let eg = ErrorGroup::from_errors("many", (1..=17).map(ValueError)).unwrap();
    let mut want = String::from("ErrorGroup: many (17 sub-errors)\n");
    for i in 1..=15 {
        let joint = if i == 1 { "+-+" } else { "  +" };
        want += &format!("{joint}---------------- {i} ----------------\n  | V{i}\n");
    }
    want += "  +---------------- ... ----------------\n";
    want += "  | and 2 more sub-errors\n";
    want += "  +------------------------------------\n";
    assert_eq!(drawn(&eg.into()), want);
}

#[test]
fn debug_shows_where_each_leaf_came_from() {
    let location = Location::caller();
    let leaf = Leaf::new(AnyError::new(ValueError(1))).with_origin(Origin::body(location));
    let eg = group("g", [Node::Leaf(leaf)]);
    let want = format!(
        "ErrorGroup: g (1 sub-error)\n+-+---------------- 1 ----------------\n  | V1\n  | in the group body run at {location}\n  +------------------------------------\n"
    );
    assert_eq!(drawn(&eg), want);
}

#[test]
fn debug_shows_each_cause_of_a_leaf_on_a_caused_by_line() {
    let eg = group("g", [Node::error(load_config())]);
    assert_eq!(
        drawn(&eg),
        "\
ErrorGroup: g (1 sub-error)
+-+---------------- 1 ----------------
  | could not load config
  | caused by: could not read app.toml
  | caused by: permission denied
  +------------------------------------
"
    );
}

// traceback's max_group_depth = 10: deeper groups are counted, not drawn.
#[test]
fn debug_draws_ten_levels_and_counts_the_errors_nested_deeper() {
    let text = drawn(&nested_levels(12));
    assert!(
        text.contains("ErrorGroup: level 10 (2 sub-errors)"),
        "{text}"
    );
    assert!(!text.contains("level 11"), "{text}");
    assert!(
        text.contains("| and 2 more errors nested deeper than 10 levels\n"),
        "{text}"
    );
    // A group whose last child is a group leaves the closing to it, as Python
    // does: the one closing rule is the deepest drawn group's, after the count.
    assert!(text.ends_with(
        "| and 2 more errors nested deeper than 10 levels\n                    +------------------------------------\n"
    ), "{text}");
    assert_eq!(
        text.matches("+------------------------------------\n")
            .count(),
        1
    );
}

#[test]
fn debug_keeps_multi_line_messages_inside_the_box() {
    let eg = group(
        "two\nlines",
        [Node::error(std::io::Error::other("first\nsecond"))],
    );
    assert_eq!(
        drawn(&eg),
        "\
ErrorGroup: two
lines (1 sub-error)
+-+---------------- 1 ----------------
  | first
  | second
  +------------------------------------
"
    );
}

#[test]
fn debug_of_a_typed_group_is_the_same_drawing() {
    let typed = ErrorGroup::from_errors("typed", [ValueError(1)]).unwrap();
    let untyped: ErrorGroup = ErrorGroup::from_errors("typed", [ValueError(1)])
        .unwrap()
        .into();
    assert_eq!(format!("{typed:?}"), format!("{untyped:?}"));
    assert_eq!(format!("{typed:#}"), format!("{untyped:#}"));
}
