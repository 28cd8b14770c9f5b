//! Behaviour of `ErrorGroup` and the except* dispatch `ExceptStar`, checked against
//! CPython's `test_exception_group.py` and `test_except_star.py`. Each test is
//! named after the rule it pins; the CPython test it mirrors, if any, is in the
//! comment above it.

use std::error::Error;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskgroup::{
    AnyError, EmptyGroupError, ErrorGroup, ExceptStar, Leaf, Node, Raise, UnsettledArm,
};

#[path = "../common/mod.rs"]
mod common;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

// Short displays keep the expected shapes readable: `V1` is ValueError(1).
common::error_types! {
    #[derive(Debug, Clone, PartialEq)]
    struct ValueError(u32) => "V{}";

    #[derive(Debug, Clone, PartialEq)]
    struct TypeError(u32) => "T{}";

    #[derive(Debug, Clone, PartialEq)]
    struct OsError(u32) => "O{}";
}

fn v(n: u32) -> Node {
    Node::error(ValueError(n))
}

fn t(n: u32) -> Node {
    Node::error(TypeError(n))
}

fn o(n: u32) -> Node {
    Node::error(OsError(n))
}

fn group(message: &'static str, children: impl IntoIterator<Item = Node>) -> ErrorGroup {
    ErrorGroup::new(message, children).expect("test groups are non-empty")
}

fn nested(message: &'static str, children: impl IntoIterator<Item = Node>) -> Node {
    Node::Group(group(message, children))
}

/// A compact picture of a tree, `msg[leaf, msg[leaf]]`, with notes as `{note}`.
fn shape<E: fmt::Display>(eg: &ErrorGroup<E>) -> String {
    let notes = |notes: &[String]| -> String { notes.iter().map(|n| format!("{{{n}}}")).collect() };
    let children: Vec<String> = eg
        .children()
        .iter()
        .map(|child| match child {
            Node::Leaf(leaf) => format!("{}{}", leaf.error(), notes(leaf.notes())),
            Node::Group(g) => shape(g),
        })
        .collect();
    format!(
        "{}[{}]{}",
        eg.message(),
        children.join(", "),
        notes(eg.notes())
    )
}

fn shape_of<E: fmt::Display>(eg: &Option<ErrorGroup<E>>) -> Option<String> {
    eg.as_ref().map(shape)
}

fn err<T>(result: Result<T, ErrorGroup>) -> ErrorGroup {
    result
        .err()
        .expect("the dispatch should let an error escape")
}

/// ExceptionGroupSplitTests's template, with nesting: `eg[V1, T2, nested[V3, O4]]`.
fn mixed() -> ErrorGroup {
    group("eg", [v(1), t(2), nested("nested", [v(3), o(4)])])
}

mod construction;
mod conversions;
mod dispatch;
mod panicking_predicates;
mod split;
