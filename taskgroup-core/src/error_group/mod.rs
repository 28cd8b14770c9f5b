//! [`ErrorGroup`]: a non-empty tree of errors (PEP 654 `ExceptionGroup`).
//!
//! The tree and its building blocks are in `tree`; each other file adds one kind of
//! operation on it.

mod clone;
mod iter;
mod map;
mod split;
mod tree;
mod typed;

pub use iter::{IntoIter, Iter, Leaves};
pub use tree::{EmptyGroupError, ErrorGroup, Node, TASK_GROUP_MESSAGE};
