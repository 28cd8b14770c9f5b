//! The structural form (`{:#?}`): nested like a derived `Debug`, capped like the
//! drawing.

use taskgroup::{ErrorGroup, Node};

use crate::fixtures::{nested_levels, ValueError};

// StrAndReprTests.test_ExceptionGroup: repr is nested, like ExceptionGroup('flat', [...]).
#[test]
fn alternate_debug_is_the_nested_derive_like_form() {
    let mut eg = ErrorGroup::new(
        "outer",
        [
            Node::leaf(ValueError(1)),
            ErrorGroup::from_errors("inner", [ValueError(2)])
                .unwrap()
                .into(),
        ],
    )
    .unwrap();
    eg.add_note("a note");
    assert_eq!(
        format!("{eg:#?}"),
        r#"ErrorGroup {
    message: "outer",
    notes: [
        "a note",
    ],
    children: [
        ValueError(
            1,
        ),
        ErrorGroup {
            message: "inner",
            children: [
                ValueError(
                    2,
                ),
            ],
        },
    ],
}"#
    );
}

#[test]
fn debug_of_a_node_is_the_structural_form_on_one_line() {
    let node = Node::Group(ErrorGroup::from_errors("inner", [ValueError(2)]).unwrap());
    assert_eq!(
        format!("{node:?}"),
        r#"ErrorGroup { message: "inner", children: [ValueError(2)] }"#
    );
}

#[test]
fn alternate_debug_shows_15_children_and_counts_the_rest() {
    let eg = ErrorGroup::from_errors("many", (1..=17).map(ValueError)).unwrap();
    let text = format!("{eg:#?}");
    assert!(
        text.contains("ValueError(\n            15,\n        ),\n        ... and 2 more,\n    ],"),
        "{text}"
    );
    assert!(!text.contains("16"), "{text}");
}

#[test]
fn debug_of_a_node_shows_ten_levels_and_the_size_of_what_is_deeper() {
    let node = Node::Group(nested_levels(12));
    let text = format!("{node:?}");
    assert!(text.contains(r#"message: "level 10""#), "{text}");
    assert!(
        text.contains(r#"ErrorGroup { message: "level 11", len: 2, .. }"#),
        "{text}"
    );
    assert!(!text.contains("level 12"), "{text}");
}
