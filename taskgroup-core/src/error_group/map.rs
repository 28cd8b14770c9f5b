//! Converting every leaf of a group, keeping its shape.

use std::borrow::Cow;
use std::error::Error;

use super::tree::{ErrorGroup, Node};
use crate::{AnyError, Leaf};

impl<E> ErrorGroup<E> {
    /// Converts every leaf error, keeping the shape, messages, notes and origins.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskgroup_core::ErrorGroup;
    ///
    /// let eg = ErrorGroup::from_errors("codes", [404, 500])?;
    /// let eg = eg.map_errors(|code| format!("HTTP {code}"));
    /// assert_eq!(eg.iter().collect::<Vec<_>>(), ["HTTP 404", "HTTP 500"]);
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn map_errors<U>(self, mut f: impl FnMut(E) -> U) -> ErrorGroup<U> {
        self.map_leaves(&mut |leaf| leaf.map(&mut f))
    }

    /// Converts every leaf in one pass, depth-first, keeping the shape.
    fn map_leaves<U>(self, f: &mut impl FnMut(Leaf<E>) -> Leaf<U>) -> ErrorGroup<U> {
        /// A group being rebuilt: its parts, the children not yet visited and the
        /// converted ones.
        struct Frame<E, U> {
            message: Cow<'static, str>,
            notes: Vec<String>,
            leaf_count: usize,
            rest: std::vec::IntoIter<Node<E>>,
            done: Vec<Node<U>>,
        }
        fn open<E, U>(group: ErrorGroup<E>) -> Frame<E, U> {
            let leaf_count = group.len();
            let (message, notes, children) = group.into_parts();
            Frame {
                message,
                notes,
                leaf_count,
                done: Vec::with_capacity(children.len()),
                rest: children.into_iter(),
            }
        }
        // An explicit stack, not recursion: trees can be a million levels deep.
        let mut stack: Vec<Frame<E, U>> = vec![open(self)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            match top.rest.next() {
                Some(Node::Leaf(leaf)) => top.done.push(Node::Leaf(f(leaf))),
                Some(Node::Group(group)) => stack.push(open(group)),
                None => {
                    let frame = stack.pop().expect("the top frame exists");
                    let group = ErrorGroup::from_parts(
                        frame.message,
                        frame.notes,
                        frame.done,
                        frame.leaf_count,
                    );
                    match stack.last_mut() {
                        Some(parent) => parent.done.push(Node::Group(group)),
                        None => return group,
                    }
                }
            }
        }
    }
}

impl<E: Error + Send + Sync + 'static> From<ErrorGroup<E>> for ErrorGroup {
    fn from(group: ErrorGroup<E>) -> Self {
        group.map_errors(AnyError::from)
    }
}
