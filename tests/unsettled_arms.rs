//! A hand-written except* arm that takes errors and never calls `settle` has
//! dropped them; the dispatch raises an `UnsettledArm` error in their place, which
//! escapes beside everything else, so the loss is never silent.

use std::{fmt, io};

use taskgroup::{ErrorGroup, ExceptStar, Node, UnsettledArm};

mod common;

common::error_types! {
    #[derive(Debug)]
    struct ValueError(u32) => "bad value {}";
}

/// `work[ValueError(1), disk, fmt]`.
fn work() -> ErrorGroup {
    ErrorGroup::new(
        "work",
        [
            Node::error(ValueError(1)),
            Node::error(io::Error::other("disk")),
            Node::error(fmt::Error),
        ],
    )
    .unwrap()
}

fn unsettled(group: &ErrorGroup) -> usize {
    group.iter().filter(|e| e.is::<UnsettledArm>()).count()
}

#[test]
fn an_unsettled_arm_is_not_lost_when_another_arm_settles_ok() {
    let mut dispatch = ExceptStar::new(Err::<u8, _>(work()));
    let _dropped = dispatch.take::<ValueError>();
    let _ = dispatch.take_all();
    dispatch.settle(Ok(1));
    let escaped = dispatch.finish().unwrap_err();
    assert_eq!((escaped.message(), escaped.len()), ("", 1));
    assert_eq!(unsettled(&escaped), 1);
}

#[test]
fn an_unsettled_arm_is_not_lost_when_errors_escape_unhandled() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(work()));
    let _dropped = dispatch.take::<ValueError>();
    let escaped = dispatch.finish().unwrap_err();
    // the raised `UnsettledArm` first, then the unhandled rest in its original group
    assert_eq!((escaped.message(), escaped.len()), ("", 3));
    assert_eq!(unsettled(&escaped), 1);
    assert!(matches!(&escaped.children()[0], Node::Leaf(l) if l.error().is::<UnsettledArm>()));
    assert!(
        matches!(&escaped.children()[1], Node::Group(g) if g.message() == "work" && g.len() == 2)
    );
}

#[test]
fn two_unsettled_arms_are_both_reported() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(work()));
    let _dropped = dispatch.take::<ValueError>();
    let _dropped_too = dispatch.take::<io::Error>();
    dispatch.settle(Err(fmt::Error.into()));
    let _also_dropped = dispatch.take::<fmt::Error>();
    let escaped = dispatch.finish().unwrap_err();
    // in arm order: the first arm's `UnsettledArm`, the second arm's raised error,
    // the third arm's `UnsettledArm`
    assert_eq!(escaped.len(), 3);
    assert_eq!(unsettled(&escaped), 2);
    assert!(escaped.iter().nth(1).unwrap().is::<fmt::Error>());
}

#[test]
fn an_unsettled_arm_notes_how_many_errors_it_dropped() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(work()));
    let _dropped = dispatch.take_by(|e| !e.is::<ValueError>());
    let escaped = dispatch.finish().unwrap_err();
    let leaf = escaped
        .leaves()
        .find(|leaf| leaf.error().is::<UnsettledArm>())
        .unwrap();
    assert_eq!(
        leaf.notes(),
        ["the arm took 2 errors and neither handled nor raised them"]
    );
}

#[test]
fn an_arm_that_matched_nothing_is_not_open() {
    let mut dispatch = ExceptStar::new(Err::<u8, _>(work()));
    assert!(dispatch.take::<std::num::ParseIntError>().is_none());
    assert!(dispatch.take_all().is_some());
    dispatch.settle(Ok(3));
    assert_eq!(dispatch.finish().unwrap(), 3);
}
