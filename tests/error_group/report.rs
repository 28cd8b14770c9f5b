//! `Display` and `Debug`: the drawn tree, the one-line summary and the nested repr.

use super::*;

// The drawing of Python's `traceback.print_exception` for the same group, minus the
// traceback frames and with `ErrorGroup` for `ExceptionGroup`.
#[test]
fn display_draws_a_nested_group_with_notes_like_python_traceback() {
    let mut first = Leaf::new(AnyError::new(ValueError(1)));
    first.add_note("while parsing line 3");
    let mut inner = group("inner", [t(2), o(3)]);
    inner.add_note("retried twice");
    let mut eg = group("outer", [Node::Leaf(first), Node::Group(inner), v(4)]);
    eg.add_note("in the nightly job");
    assert_eq!(
        eg.to_string(),
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
fn display_draws_the_first_15_children_and_counts_the_rest() {
    let eg = ErrorGroup::from_errors("many", (1..=17).map(ValueError)).unwrap();
    let mut want = String::from("ErrorGroup: many (17 sub-errors)\n");
    for i in 1..=15 {
        let joint = if i == 1 { "+-+" } else { "  +" };
        want += &format!("{joint}---------------- {i} ----------------\n  | V{i}\n");
    }
    want += "  +---------------- ... ----------------\n";
    want += "  | and 2 more sub-errors\n";
    want += "  +------------------------------------\n";
    assert_eq!(eg.to_string(), want);
}

// StrAndReprTests.test_ExceptionGroup: str is "msg (N sub-exceptions)", singular for one.
#[test]
fn alternate_display_is_the_one_line_summary_singular_for_one_child() {
    assert_eq!(
        format!("{:#}", group("flat", [v(1), t(2)])),
        "flat (2 sub-errors)"
    );
    assert_eq!(format!("{:#}", group("m", [v(1)])), "m (1 sub-error)");
}

#[test]
fn display_shows_where_each_leaf_came_from() {
    let location = Location::caller();
    let leaf = Leaf::new(AnyError::new(ValueError(1))).with_origin(Origin::body(location));
    let eg = group("g", [Node::Leaf(leaf)]);
    let want = format!(
        "ErrorGroup: g (1 sub-error)\n+-+---------------- 1 ----------------\n  | V1\n  | in the group body run at {location}\n  +------------------------------------\n"
    );
    assert_eq!(eg.to_string(), want);
}

// StrAndReprTests.test_ExceptionGroup: repr is nested, like ExceptionGroup('flat', [...]).
#[test]
fn debug_is_the_nested_repr_like_form() {
    let eg = ErrorGroup::new(
        "outer",
        [
            Node::leaf(ValueError(1)),
            ErrorGroup::from_errors("inner", [ValueError(2)])
                .unwrap()
                .into(),
        ],
    )
    .unwrap();
    assert_eq!(
        format!("{eg:?}"),
        r#"ErrorGroup("outer", [ValueError(1), ErrorGroup("inner", [ValueError(2)])])"#
    );
}
