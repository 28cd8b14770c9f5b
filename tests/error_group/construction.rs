//! Building an `ErrorGroup` and reading it: message, children, leaves, iteration.

use super::*;

// BadConstructorArgs.test_bad_EG_construction__bad_excs_sequence: an empty sequence is
// refused (PEP 654 forbids empty groups).
#[test]
fn new_refuses_an_empty_group_with_empty_group_error() {
    let result = ErrorGroup::<AnyError>::new("empty", Vec::<Node>::new());
    assert_eq!(result.err(), Some(EmptyGroupError));
    assert_eq!(
        EmptyGroupError.to_string(),
        "an error group needs at least one error"
    );
}

#[test]
fn from_errors_refuses_an_empty_list() {
    let result = ErrorGroup::from_errors("empty", Vec::<ValueError>::new());
    assert_eq!(result.err(), Some(EmptyGroupError));
}

// test_basics_ExceptionGroup_fields: `message` and `exceptions` are what was given.
#[test]
fn message_and_children_are_what_was_given_in_order() {
    let eg = group("eg", [v(1), t(2)]);
    assert_eq!(eg.message(), "eg");
    let children: Vec<String> = eg
        .children()
        .iter()
        .map(|c| match c {
            Node::Leaf(leaf) => leaf.error().to_string(),
            Node::Group(_) => unreachable!("no nested groups here"),
        })
        .collect();
    assert_eq!(children, ["V1", "T2"]);
}

// NestedExceptionGroupBasicsTest.test_nested_group_matches_template: [[TypeError], ValueError].
#[test]
fn nested_groups_stay_nested_never_flattened() {
    let eg = group("outer", [nested("inner", [t(1)]), v(2)]);
    assert_eq!(eg.children().len(), 2);
    assert!(matches!(&eg.children()[0], Node::Group(inner) if inner.message() == "inner"));
    assert_eq!(shape(&eg), "outer[inner[T1], V2]");
}

#[test]
fn len_counts_leaves_at_every_depth_while_children_are_direct() {
    let eg = group(
        "outer",
        [v(1), nested("a", [t(2), nested("b", [o(3), v(4)])]), t(5)],
    );
    assert_eq!(eg.len(), 5);
    assert_eq!(eg.children().len(), 3);
    assert_eq!(eg.children()[1].len(), 3);
}

// LeafGeneratorTest.test_leaf_generator: leaves depth-first, left to right.
#[test]
fn iter_visits_leaves_depth_first_left_to_right() {
    let eg = group(
        "outer",
        [v(1), nested("a", [t(2), nested("b", [o(3)]), v(4)]), t(5)],
    );
    let order: Vec<String> = eg.iter().map(ToString::to_string).collect();
    assert_eq!(order, ["V1", "T2", "O3", "V4", "T5"]);
}

#[test]
fn leaves_yield_each_error_with_its_notes_in_leaf_order() {
    let mut noted = Leaf::new(AnyError::new(TypeError(2)));
    noted.add_note("second");
    let eg = group("g", [v(1), nested("inner", [Node::Leaf(noted)])]);
    let seen: Vec<(String, Vec<String>)> = eg
        .leaves()
        .map(|leaf| (leaf.error().to_string(), leaf.notes().to_vec()))
        .collect();
    assert_eq!(
        seen,
        [
            ("V1".into(), vec![]),
            ("T2".into(), vec!["second".to_string()])
        ]
    );
}

#[test]
fn typed_group_iterates_plain_references_without_downcasting() {
    let eg: ErrorGroup<ValueError> =
        ErrorGroup::from_errors("values", [ValueError(1), ValueError(2)]).unwrap();
    let mut sum = 0;
    for error in &eg {
        // `error` is a `&ValueError`: its field is right there.
        sum += error.0;
    }
    assert_eq!(sum, 3);
}

#[test]
fn into_errors_moves_the_errors_out_in_leaf_order() {
    let inner = ErrorGroup::from_errors("inner", [ValueError(2)]).unwrap();
    let eg = ErrorGroup::new(
        "outer",
        [
            Node::leaf(ValueError(1)),
            inner.into(),
            Node::leaf(ValueError(3)),
        ],
    )
    .unwrap();
    let errors: Vec<ValueError> = eg.into_iter().collect();
    assert_eq!(errors, [ValueError(1), ValueError(2), ValueError(3)]);
}

// DeepRecursionInSplitAndSubgroup: iteration keeps its own stack, so a deep tree
// does not overflow the thread's stack.
#[test]
fn iteration_over_a_very_deep_group_does_not_recurse() {
    let mut eg = group("level 0", [v(0)]);
    for _ in 0..2_000 {
        eg = group("level", [Node::Group(eg)]);
    }
    assert_eq!(eg.iter().count(), 1);
    assert_eq!(eg.len(), 1);
}

// TestExceptionGroupTypeHierarchy.test_exception_group_types and
// test_exception_group_is_generic_type.
// A compile-time check: a regression is a build error, not a failed test.
const _: fn() = || {
    fn is_error<E: Error + Send + Sync + 'static>() {}
    is_error::<ErrorGroup>();
    is_error::<ErrorGroup<ValueError>>();
};
