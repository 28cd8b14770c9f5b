//! Cloning a group whose errors can be cloned, without recursion.

use super::tree::{ErrorGroup, Node};

/// A copy of the whole tree: messages, notes, leaves with their origins. Built
/// with a stack of its own, so a group a million levels deep clones in linear
/// time. Each cloned leaf is a new leaf to an except* dispatch (see [`Leaf`]'s
/// `Clone`).
///
/// [`Leaf`]: crate::Leaf
///
/// # Examples
///
/// ```
/// use taskgroup_core::ErrorGroup;
///
/// let mut eg = ErrorGroup::from_errors("codes", [404, 500])?;
/// eg.add_note("from the nightly run");
/// let copy = eg.clone();
/// assert_eq!(copy.iter().collect::<Vec<_>>(), eg.iter().collect::<Vec<_>>());
/// assert_eq!(copy.notes(), eg.notes());
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl<E: Clone> Clone for ErrorGroup<E> {
    fn clone(&self) -> Self {
        /// A group being copied: the original, its children not yet copied and
        /// the copies so far.
        struct Frame<'a, E> {
            original: &'a ErrorGroup<E>,
            rest: std::slice::Iter<'a, Node<E>>,
            done: Vec<Node<E>>,
        }
        fn open<E>(original: &ErrorGroup<E>) -> Frame<'_, E> {
            Frame {
                original,
                rest: original.children().iter(),
                done: Vec::with_capacity(original.children().len()),
            }
        }
        let mut stack = vec![open(self)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            match top.rest.next() {
                Some(Node::Leaf(leaf)) => top.done.push(Node::Leaf(leaf.clone())),
                Some(Node::Group(group)) => stack.push(open(group)),
                None => {
                    let Frame { original, done, .. } = stack.pop().expect("the top frame exists");
                    let copy = ErrorGroup::from_parts(
                        original.message_cow().clone(),
                        original.notes().to_vec(),
                        done,
                        original.len(),
                    );
                    match stack.last_mut() {
                        Some(parent) => parent.done.push(Node::Group(copy)),
                        None => return copy,
                    }
                }
            }
        }
    }
}

/// A copy of the leaf or of the whole nested group.
impl<E: Clone> Clone for Node<E> {
    fn clone(&self) -> Self {
        match self {
            Node::Leaf(leaf) => Node::Leaf(leaf.clone()),
            Node::Group(group) => Node::Group(group.clone()),
        }
    }
}
