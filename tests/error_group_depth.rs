//! Depth and width: every operation on an `ErrorGroup` handles a million levels of
//! nesting and a million leaves without overflowing the stack.
//!
//! The tests run on the test harness's threads, whose stacks are 2 MiB: an
//! operation that recursed once per level would overflow them after a few
//! thousand levels, so finishing at all is the proof that nothing recurses.
//! Failures assert on lengths and depths only: printing a group a million levels
//! deep is not what these tests are about.

use std::error::Error;

use taskgroup::{AnyError, BoxError, ErrorGroup, ExceptStar, Leaf, Node, Raise, UnsettledArm};

mod common;

common::error_types! {
    /// The leaf at the top of a chain.
    #[derive(Debug)]
    struct Top => "top";

    /// The leaf at the bottom of a chain.
    #[derive(Debug)]
    struct Bottom => "bottom";

    /// The leaves of a wide group, numbered.
    #[derive(Debug)]
    struct Wide(u32) => "wide {}";
}

const DEPTH: usize = 1_000_000;
const WIDTH: u32 = 1_000_000;

/// `level[Top, level[level[… level[Bottom] …]]]`, `depth` groups deep: the leaf of
/// each type sits at one end of the chain, so any split walks all of it.
fn chain<E>(depth: usize, top: E, bottom: E) -> ErrorGroup<E> {
    let mut group = ErrorGroup::new("level", [Node::leaf(bottom)]).unwrap();
    for _ in 2..depth {
        group = ErrorGroup::new("level", [group]).unwrap();
    }
    ErrorGroup::new("level", [Node::leaf(top), Node::Group(group)]).unwrap()
}

fn any_chain(depth: usize) -> ErrorGroup {
    chain(depth, AnyError::new(Top), AnyError::new(Bottom))
}

/// The number of nested groups on the deepest path, the root included, counted
/// with a stack of its own.
fn depth<E>(group: &ErrorGroup<E>) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(group, 1)];
    while let Some((group, level)) = stack.pop() {
        deepest = deepest.max(level);
        for child in group.children() {
            if let Node::Group(nested) = child {
                stack.push((nested, level + 1));
            }
        }
    }
    deepest
}

fn wide() -> ErrorGroup {
    ErrorGroup::new(
        "wide",
        (0..WIDTH).map(|n| Node::Leaf(Leaf::new(AnyError::new(Wide(n))))),
    )
    .unwrap()
}

fn is_even(error: &AnyError) -> bool {
    error.downcast_ref::<Wide>().is_some_and(|w| w.0 % 2 == 0)
}

#[test]
fn a_million_levels_build_count_and_drop() {
    let group = any_chain(DEPTH);
    assert_eq!((group.len(), depth(&group)), (2, DEPTH));
    assert_eq!(group.iter().count(), 2);
    drop(group);
}

#[test]
fn a_million_levels_split_by_type() {
    let (top, rest) = any_chain(DEPTH).split::<Top>();
    let (top, rest) = (top.unwrap(), rest.unwrap());
    assert_eq!((top.len(), depth(&top)), (1, 1));
    assert_eq!((rest.len(), depth(&rest)), (1, DEPTH));
}

#[test]
fn a_million_levels_split_by_predicate() {
    let (bottom, rest) = any_chain(DEPTH).split_by(|e| e.is::<Bottom>());
    let (bottom, rest) = (bottom.unwrap(), rest.unwrap());
    assert_eq!((bottom.len(), depth(&bottom)), (1, DEPTH));
    assert_eq!((rest.len(), depth(&rest)), (1, 1));
}

#[test]
fn a_million_levels_subgroup() {
    let bottom = any_chain(DEPTH).subgroup::<Bottom>().unwrap();
    assert_eq!((bottom.len(), depth(&bottom)), (1, DEPTH));
}

#[test]
fn a_million_levels_subgroup_by_predicate() {
    let top = any_chain(DEPTH).subgroup_by(|e| e.is::<Top>()).unwrap();
    assert_eq!((top.len(), depth(&top)), (1, 1));
}

#[test]
fn a_million_levels_dispatch_with_take_settle_and_finish() {
    let mut dispatch = ExceptStar::new(Err::<u8, _>(any_chain(DEPTH)));
    let bottom = dispatch.take::<Bottom>().unwrap();
    assert_eq!(depth(&bottom), DEPTH);
    dispatch.settle(Ok(1));
    let top = dispatch.take_all().unwrap();
    assert_eq!(depth(&top), 1);
    dispatch.settle(Ok(2));
    assert_eq!(dispatch.finish().ok(), Some(2));
}

#[test]
fn a_million_levels_dispatch_with_a_reraise_merges_back_into_the_shape() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(any_chain(DEPTH)));
    let bottom = dispatch.take::<Bottom>().unwrap();
    dispatch.settle(bottom.reraise());
    let escaped = dispatch.finish().unwrap_err();
    // the re-raised leaf and the unhandled one are back in one copy of the chain
    assert_eq!((escaped.len(), depth(&escaped)), (2, DEPTH));
}

#[test]
fn a_million_levels_raised_as_a_new_error_nest_as_a_group() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(any_chain(DEPTH)));
    let everything = dispatch.take_all().unwrap();
    dispatch.settle(Err(Raise::from(everything)));
    let escaped = dispatch.finish().unwrap_err();
    // the raised chain escapes alone, as itself (nothing else escapes)
    assert_eq!((escaped.len(), depth(&escaped)), (2, DEPTH));
}

#[test]
fn a_million_levels_map_errors_and_into_leaves() {
    let typed = chain(DEPTH, 1_u32, 2);
    let mapped = typed.map_errors(|n| n * 10);
    assert_eq!(depth(&mapped), DEPTH);
    assert_eq!(mapped.iter().copied().collect::<Vec<_>>(), [10, 20]);
    let leaves = mapped.into_leaves();
    assert_eq!(leaves.len(), 2);
}

#[test]
fn a_million_levels_typed_convert_to_untyped() {
    let untyped: ErrorGroup = chain(DEPTH, Top, Top).into();
    assert_eq!((untyped.len(), depth(&untyped)), (2, DEPTH));
}

#[test]
fn a_million_levels_typed_boxed_become_a_group() {
    let boxed: BoxError = chain(DEPTH, Bottom, Bottom).into();
    let Node::Group(group) = Node::error(boxed) else {
        panic!("a boxed typed group is a group");
    };
    assert_eq!((group.len(), depth(&group)), (2, DEPTH));
    assert!(group.iter().all(|e| e.is::<Bottom>()));
}

#[test]
fn a_million_levels_as_a_leaf_error_drop() {
    // a deep group kept whole inside a leaf of another group
    let leaf = Leaf::new(AnyError::new(any_chain(DEPTH)));
    let outer = ErrorGroup::new("outer", [leaf]).unwrap();
    assert_eq!(outer.len(), 1);
    drop(outer);
}

#[test]
fn a_million_leaves_split_and_subgroup() {
    let (even, odd) = wide().split_by(is_even);
    let (even, odd) = (even.unwrap(), odd.unwrap());
    assert_eq!(
        (even.len(), odd.len()),
        (WIDTH as usize / 2, WIDTH as usize / 2)
    );
    assert_eq!(even.children().len(), WIDTH as usize / 2);

    let typed = wide().subgroup::<Wide>().unwrap();
    assert_eq!(typed.len(), WIDTH as usize);
    assert!(typed.iter().enumerate().all(|(i, w)| w.0 as usize == i));
}

#[test]
fn a_million_leaves_dispatch_with_a_reraise() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(wide()));
    let even = dispatch.take_by(is_even).unwrap();
    assert_eq!(even.len(), WIDTH as usize / 2);
    dispatch.settle(even.reraise());
    let rest = dispatch.take::<Wide>().unwrap();
    assert_eq!(rest.len(), WIDTH as usize / 2);
    dispatch.settle(Ok(()));
    let escaped = dispatch.finish().unwrap_err();
    assert_eq!(
        (escaped.message(), escaped.len()),
        ("wide", WIDTH as usize / 2)
    );
    assert!(escaped.iter().all(is_even));
}

#[test]
fn a_million_leaves_map_convert_into_leaves_and_drop() {
    let typed = ErrorGroup::from_errors("wide", (0..WIDTH).map(Wide)).unwrap();
    let untyped: ErrorGroup = typed.map_errors(|w| Wide(w.0 + 1)).into();
    assert_eq!(untyped.len(), WIDTH as usize);
    let leaves = untyped.into_leaves();
    assert_eq!(leaves.len(), WIDTH as usize);
    assert!(leaves[0].error().is::<Wide>());
    drop(leaves);
    drop(wide());
}

#[test]
fn an_unsettled_arm_over_a_million_levels_escapes_with_the_rest() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(any_chain(DEPTH)));
    let _dropped = dispatch.take::<Bottom>();
    let escaped = dispatch.finish().unwrap_err();
    assert_eq!(escaped.len(), 2);
    assert!(escaped.contains::<UnsettledArm>() && escaped.contains::<Top>());
}

// Keeps the `Error` import honest: a deep untyped group is an error like any other.
#[test]
fn a_million_levels_box_as_an_error() {
    let boxed: Box<dyn Error + Send + Sync> = any_chain(DEPTH).into();
    assert!(boxed.source().is_none());
    drop(boxed);
}
