//! The Rust API guidelines for the error types: iterators that are `Debug`,
//! `Clone`, fused and exact-size; a named `IntoIter`; `Clone` for groups, nodes
//! and leaves (a deep group too); one `is_empty` story.

use std::fmt;
use std::iter::FusedIterator;

use taskgroup::{AnyError, ErrorGroup, ExceptStar, IntoIter, Iter, Leaf, Leaves, Node};

mod common;

common::error_types! {
    #[derive(Debug, Clone, PartialEq)]
    struct ValueError(u32) => "V{}";
}

/// Neither `Debug` nor `Clone`: the iterators over references need neither.
struct Opaque;

/// `outer [V1, inner [V2, V3], V4]`.
fn sample() -> ErrorGroup<ValueError> {
    let inner = ErrorGroup::from_errors("inner", [ValueError(2), ValueError(3)]).unwrap();
    ErrorGroup::new(
        "outer",
        [
            Node::leaf(ValueError(1)),
            inner.into(),
            Node::leaf(ValueError(4)),
        ],
    )
    .unwrap()
}

#[test]
fn iter_and_leaves_know_exactly_how_many_are_left_at_any_depth() {
    let eg = sample();
    let mut iter = eg.iter();
    let mut leaves = eg.leaves();
    for left in (0..=4).rev() {
        assert_eq!((iter.len(), iter.size_hint()), (left, (left, Some(left))));
        assert_eq!(leaves.len(), left);
        iter.next();
        leaves.next();
    }
}

#[test]
fn iterators_stay_finished_once_finished() {
    fn assert_fused<I: FusedIterator>(_: &I) {}
    let eg = sample();
    let mut iter = eg.iter();
    assert_fused(&iter);
    assert_fused(&eg.leaves());
    assert_eq!(iter.by_ref().count(), 4);
    assert_eq!((iter.next(), iter.next()), (None, None));
}

#[test]
fn a_cloned_iterator_goes_on_from_where_it_was_on_its_own() {
    let eg = sample();
    let mut iter = eg.iter();
    iter.next();
    let copy = iter.clone();
    assert_eq!(iter.map(|e| e.0).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(copy.map(|e| e.0).collect::<Vec<_>>(), [2, 3, 4]);
    let mut leaves = eg.leaves();
    leaves.next();
    assert_eq!(leaves.clone().count(), 3);
    assert_eq!(leaves.count(), 3);
}

#[test]
fn iterators_over_errors_that_are_neither_debug_nor_clone_are_both() {
    let eg = ErrorGroup::from_errors("opaque", [Opaque, Opaque]).unwrap();
    let iter: Iter<'_, Opaque> = eg.iter();
    let leaves: Leaves<'_, Opaque> = eg.leaves();
    assert_eq!(format!("{:?}", iter.clone()), "Iter { remaining: 2, .. }");
    assert_eq!(
        format!("{:?}", leaves.clone()),
        "Leaves { remaining: 2, .. }"
    );
}

#[test]
fn into_iter_is_a_named_exact_size_double_ended_iterator() {
    let mut errors: IntoIter<ValueError> = sample().into_iter();
    assert_eq!(errors.len(), 4);
    assert_eq!(errors.next_back(), Some(ValueError(4)));
    assert_eq!(format!("{errors:?}"), "IntoIter { remaining: 3, .. }");
    let copy = errors.clone();
    assert_eq!(
        errors.collect::<Vec<_>>(),
        [ValueError(1), ValueError(2), ValueError(3)]
    );
    assert_eq!(copy.count(), 3);
}

#[test]
#[allow(deprecated)]
fn deprecated_into_errors_is_into_iter() {
    let errors: Vec<ValueError> = sample().into_errors().collect();
    assert_eq!(errors, sample().into_iter().collect::<Vec<_>>());
}

#[test]
fn a_cloned_group_has_the_same_shape_messages_notes_and_leaves() {
    let mut leaf = Leaf::new(ValueError(5));
    leaf.add_note("leaf note");
    let mut eg = sample();
    eg.add_note("group note");
    let eg = ErrorGroup::new("top", [Node::Group(eg), Node::Leaf(leaf)]).unwrap();
    let copy = eg.clone();
    assert_eq!(format!("{copy:#?}"), format!("{eg:#?}"));
    assert_eq!(format!("{copy:?}"), format!("{eg:?}"));
    let node = Node::Group(copy);
    assert_eq!(format!("{:?}", node.clone()), format!("{node:?}"));
}

#[test]
fn a_million_level_group_clones_on_a_small_stack() {
    let mut eg = ErrorGroup::from_errors("bottom", [ValueError(0)]).unwrap();
    for _ in 1..1_000_000 {
        eg = ErrorGroup::new("level", [eg]).unwrap();
    }
    let (eg, copy) = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let copy = eg.clone();
            (eg, copy)
        })
        .unwrap()
        .join()
        .expect("cloning keeps its own stack");
    assert_eq!((copy.len(), copy.iter().next()), (1, Some(&ValueError(0))));
    drop((eg, copy));
}

/// A re-raised clone is a new error (nested), where the re-raised original merges
/// back into the original shape.
#[test]
fn a_cloned_leaf_is_a_new_leaf_to_an_except_star_dispatch() {
    let shape = |eg: &ErrorGroup| format!("{eg:#?}");
    // `outer [V1, inner [V2, V3], V4, fmt::Error]`: the arm leaves a rest.
    let original = || {
        let mut children = ErrorGroup::from(sample()).into_children();
        children.push(Node::error(fmt::Error));
        ErrorGroup::new("outer", children).unwrap()
    };
    let merged = ExceptStar::new(Err::<(), _>(original()))
        .arm(|eg: ErrorGroup<ValueError>| eg.reraise())
        .finish()
        .unwrap_err();
    assert_eq!(shape(&merged), shape(&original()));

    let nested = ExceptStar::new(Err::<(), _>(original()))
        .arm(|eg: ErrorGroup<ValueError>| eg.clone().reraise())
        .finish()
        .unwrap_err();
    assert_eq!(nested.message(), "");
    let messages: Vec<&str> = nested
        .children()
        .iter()
        .map(|child| match child {
            Node::Group(g) => g.message(),
            Node::Leaf(_) => "a leaf",
        })
        .collect();
    // The raised clone, then the unhandled rest.
    assert_eq!(messages, ["outer", "outer"]);
    assert_eq!(nested.len(), 5);
}

#[test]
fn is_empty_is_false_for_every_group_and_node() {
    let eg: ErrorGroup = sample().into();
    assert!(!eg.is_empty());
    assert!(eg.children().iter().all(|node| !node.is_empty()));
    assert!(!Node::leaf(AnyError::new(fmt::Error)).is_empty());
}
