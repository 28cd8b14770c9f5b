//! Behaviour of `#[except_star]`: `#[except_star] match` lowered into except*
//! dispatch in sync and async functions and methods, in every position.
//!
//! The dispatch rules themselves are pinned by the conformance tests; these tests
//! check that the attribute wires each construct to them correctly: `dispatch.rs`
//! the arms (types, catch-all, raise, re-raise, naked errors), `positions.rs`
//! where a marker may stand and what the function may return, `contexts.rs`
//! methods, async code, other attributes and paths to the crate.

#![deny(warnings)]

use std::fmt;
use std::io;

use taskgroup::{except_star, ErrorGroup, Node};

#[path = "../common/mod.rs"]
mod common;
use common::messages;

// Generated code must not resolve through a user's `core` module.
#[allow(dead_code)]
mod core {}

common::error_types! {
    #[derive(Debug, PartialEq)]
    struct ValueError(u32) => "bad value {}";

    #[derive(Debug)]
    struct KeyError => "missing key";
}

/// `mixed [ValueError(1), io "disk", inner [ValueError(2), KeyError]]`
fn mixed() -> ErrorGroup {
    let inner = ErrorGroup::new("inner", [Node::error(ValueError(2)), Node::error(KeyError)]);
    ErrorGroup::new(
        "mixed",
        [
            Node::error(ValueError(1)),
            Node::error(io::Error::other("disk")),
            inner.unwrap().into(),
        ],
    )
    .unwrap()
}

/// A facade that re-exports taskgroup under another path.
mod facade {
    pub mod errors {
        pub use taskgroup::*;
    }
}

mod contexts;
mod dispatch;
mod positions;
