//! One-line summaries of errors, for a failed task's handle and for log events.
//!
//! Two properties matter more than detail here. A summary costs the same however
//! big the error is: a group is summarised by its message and size, never drawn,
//! so a failure nested a thousand groups deep is not formatted a thousand times
//! on its way up. And a summary never panics: the `Display` of a user's error
//! may, and the error must still be collected.

use std::fmt::Display;
use std::panic::AssertUnwindSafe;

use crate::report::causes::inline;
use crate::Node;

/// What a summary says in place of an error whose `Display` panicked.
const DISPLAY_PANICKED: &str = "<the error's Display implementation panicked>";

/// A one-line summary of `node`: a leaf's message with its causes inline, or a
/// group's message and size.
pub(crate) fn summary(node: &Node) -> String {
    match node {
        Node::Leaf(leaf) => guarded(|| inline(leaf.error().as_dyn())),
        Node::Group(group) => {
            let n = group.len();
            let plural = if n == 1 { "" } else { "s" };
            format!("{} ({n} error{plural})", group.message())
        }
    }
}

/// `error.to_string()`, or a placeholder if its `Display` panics.
pub(crate) fn display(error: &(impl Display + ?Sized)) -> String {
    guarded(|| error.to_string())
}

/// `text()`, or a placeholder if a `Display` it runs panics.
fn guarded(text: impl FnOnce() -> String) -> String {
    std::panic::catch_unwind(AssertUnwindSafe(text)).unwrap_or_else(|_| DISPLAY_PANICKED.to_owned())
}
