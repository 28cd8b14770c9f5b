//! Walking a group's leaves: [`Iter`], [`Leaves`] and moving them out.

use super::tree::{ErrorGroup, Node};
use crate::Leaf;

impl<E> ErrorGroup<E> {
    /// The leaf errors, depth-first, left to right (PEP 654's leaf order).
    pub fn iter(&self) -> Iter<'_, E> {
        Iter {
            leaves: self.leaves(),
        }
    }

    /// The leaves (error, notes, origin), depth-first, left to right.
    pub fn leaves(&self) -> Leaves<'_, E> {
        Leaves {
            stack: vec![self.children().iter()],
        }
    }

    /// Moves the leaves out, depth-first, left to right.
    pub fn into_leaves(self) -> Vec<Leaf<E>> {
        let mut out = Vec::with_capacity(self.len());
        // An explicit stack, not recursion: trees can be a million levels deep.
        let mut stack = vec![self.into_children().into_iter()];
        while let Some(children) = stack.last_mut() {
            match children.next() {
                Some(Node::Leaf(leaf)) => out.push(leaf),
                Some(Node::Group(group)) => stack.push(group.into_children().into_iter()),
                None => {
                    stack.pop();
                }
            }
        }
        out
    }

    /// Moves the errors out, depth-first, left to right.
    pub fn into_errors(self) -> impl Iterator<Item = E> {
        self.into_leaves().into_iter().map(Leaf::into_error)
    }
}

/// Iterator over the errors of an [`ErrorGroup`], depth-first; see [`ErrorGroup::iter`].
pub struct Iter<'a, E> {
    leaves: Leaves<'a, E>,
}

impl<'a, E> Iterator for Iter<'a, E> {
    type Item = &'a E;

    fn next(&mut self) -> Option<&'a E> {
        self.leaves.next().map(Leaf::error)
    }
}

/// Iterator over the leaves of an [`ErrorGroup`], depth-first; see [`ErrorGroup::leaves`].
///
/// It keeps its own stack, so deep trees do not recurse.
pub struct Leaves<'a, E> {
    stack: Vec<std::slice::Iter<'a, Node<E>>>,
}

impl<'a, E> Iterator for Leaves<'a, E> {
    type Item = &'a Leaf<E>;

    fn next(&mut self) -> Option<&'a Leaf<E>> {
        loop {
            match self.stack.last_mut()?.next() {
                Some(Node::Leaf(leaf)) => return Some(leaf),
                Some(Node::Group(group)) => self.stack.push(group.children().iter()),
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

impl<'a, E> IntoIterator for &'a ErrorGroup<E> {
    type Item = &'a E;
    type IntoIter = Iter<'a, E>;

    fn into_iter(self) -> Iter<'a, E> {
        self.iter()
    }
}

impl<E> IntoIterator for ErrorGroup<E> {
    type Item = E;
    type IntoIter = std::iter::Map<std::vec::IntoIter<Leaf<E>>, fn(Leaf<E>) -> E>;

    fn into_iter(self) -> Self::IntoIter {
        self.into_leaves().into_iter().map(Leaf::into_error)
    }
}
