//! Typed groups are groups everywhere: an `ErrorGroup<E>` that a task fails with,
//! that an except* dispatch is given, or that an arm raises as a new error nests
//! as a group whose leaves arms can match, never as one opaque leaf.

use std::io;

use taskgroup::{except_star, BoxError, ErrorGroup, ExceptStar, Leaf, Node, TaskGroup};

mod common;

common::error_types! {
    #[derive(Debug, PartialEq)]
    struct ParseError(u32) => "cannot parse {}";

    #[derive(Debug)]
    struct Other => "other";
}

/// `parse[ParseError(1) (noted), retry[ParseError(2)]]`, typed.
fn typed() -> ErrorGroup<ParseError> {
    let mut first = Leaf::new(ParseError(1));
    first.add_note("line 1");
    let retry = ErrorGroup::from_errors("retry", [ParseError(2)]).unwrap();
    let mut group = ErrorGroup::new("parse", [Node::Leaf(first), Node::Group(retry)]).unwrap();
    group.add_note("while parsing");
    group
}

/// The group's shape as text, read with a stack of its own: `message[child, ...]`.
fn shape(group: &ErrorGroup) -> String {
    let children: Vec<String> = group
        .children()
        .iter()
        .map(|child| match child {
            Node::Leaf(leaf) => leaf.error().to_string(),
            Node::Group(nested) => shape(nested),
        })
        .collect();
    format!("{}[{}]", group.message(), children.join(", "))
}

fn assert_is_typed_shape(group: &ErrorGroup) {
    assert_eq!(shape(group), "parse[cannot parse 1, retry[cannot parse 2]]");
    assert_eq!(group.notes(), ["while parsing"]);
    let Node::Leaf(first) = &group.children()[0] else {
        panic!("the first child is a leaf");
    };
    assert_eq!(first.notes(), ["line 1"]);
}

#[tokio::test]
async fn a_task_failing_with_a_typed_group_nests_as_a_group() {
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async { Err::<(), _>(typed()) });
        Ok::<_, BoxError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 2);
    let [Node::Group(nested)] = eg.children() else {
        panic!("one child, a group");
    };
    assert_is_typed_shape(nested);
}

#[tokio::test]
async fn a_body_failing_with_a_typed_group_nests_as_a_group() {
    let result: Result<(), ErrorGroup> = TaskGroup::run(async |_tg| Err(typed())).await;
    let eg = result.unwrap_err();
    let [Node::Group(nested)] = eg.children() else {
        panic!("one child, a group");
    };
    assert_is_typed_shape(nested);
}

#[test]
fn a_dispatch_over_a_typed_group_hands_its_leaves_to_a_typed_arm() {
    let mut got = Vec::new();
    let result = ExceptStar::new(Err::<u8, _>(typed()))
        .arm(|eg: ErrorGroup<ParseError>| {
            assert_eq!(eg.message(), "parse");
            got.extend(eg.iter().map(|e| e.0));
            Ok(7)
        })
        .finish();
    assert_eq!(result.unwrap(), 7);
    assert_eq!(got, [1, 2]);
}

#[test]
fn a_boxed_typed_group_is_a_group() {
    let boxed: BoxError = typed().into();
    let Node::Group(group) = Node::error(boxed) else {
        panic!("a boxed typed group is a group");
    };
    assert_is_typed_shape(&group);
}

#[test]
fn an_arm_raising_a_typed_group_as_a_new_error_nests_it_as_a_group() {
    let work = ErrorGroup::new(
        "work",
        [Node::error(io::Error::other("disk")), Node::error(Other)],
    )
    .unwrap();
    let escaped = ExceptStar::new(Err::<(), _>(work))
        .arm(|_: ErrorGroup<io::Error>| Err(typed())?)
        .finish()
        .unwrap_err();
    // `""` holding the raised group, then the unhandled rest
    let [Node::Group(raised), Node::Group(rest)] = escaped.children() else {
        panic!("two nested groups");
    };
    assert_is_typed_shape(raised);
    assert_eq!(shape(rest), "work[other]");
}

#[test]
fn a_typed_group_an_arm_raises_is_caught_by_no_later_arm_but_keeps_its_leaves() {
    // a raised error escapes; it is not dispatched again, but it stays a group
    let escaped = ExceptStar::new(Err::<(), _>(Other))
        .arm(|_: ErrorGroup<Other>| Err(typed())?)
        .arm(|_: ErrorGroup<ParseError>| Ok(()))
        .finish()
        .unwrap_err();
    assert_eq!(escaped.len(), 2);
    assert_eq!(escaped.iter().filter(|e| e.is::<ParseError>()).count(), 2);
}

#[except_star]
fn attr_over_typed(input: Result<u32, ErrorGroup<ParseError>>) -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match input {
        Ok(value) => value,
        ParseError(eg) => eg.iter().map(|e| e.0).sum(),
    };
    Ok(value)
}

#[test]
fn except_star_attr_over_a_typed_group_matches_its_leaves() {
    assert_eq!(attr_over_typed(Err(typed())).unwrap(), 3);
    assert_eq!(attr_over_typed(Ok(9)).unwrap(), 9);
}

#[tokio::test]
async fn an_anyhow_error_holding_a_typed_group_entering_a_task_is_a_group() {
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async { Err::<(), _>(anyhow::Error::from(typed())) });
        Ok::<_, BoxError>(())
    })
    .await;
    let eg = result.unwrap_err();
    // Without the `anyhow` feature, anyhow boxes the error in a private wrapper
    // that no downcast sees through, so the group stays one leaf.
    if cfg!(feature = "anyhow") {
        let [Node::Group(nested)] = eg.children() else {
            panic!("one child, a group");
        };
        assert_is_typed_shape(nested);
    } else {
        assert_eq!(eg.len(), 1);
    }
}

#[test]
fn converting_a_typed_group_keeps_messages_notes_and_nesting() {
    assert_is_typed_shape(&ErrorGroup::from(typed()));
}
