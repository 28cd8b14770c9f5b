//! Walking a group's leaves: [`Iter`], [`Leaves`], and moving them out with
//! [`IntoIter`].

use std::fmt;
use std::iter::FusedIterator;

use super::tree::{ErrorGroup, Node};
use crate::Leaf;

impl<E> ErrorGroup<E> {
    /// The leaf errors, depth-first, left to right (PEP 654's leaf order).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// let inner = ErrorGroup::from_errors("inner", [2])?;
    /// let eg = ErrorGroup::new("outer", [Node::leaf(1), inner.into(), Node::leaf(3)])?;
    /// let errors = eg.iter();
    /// assert_eq!(errors.len(), 3);
    /// assert_eq!(errors.copied().collect::<Vec<_>>(), [1, 2, 3]);
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn iter(&self) -> Iter<'_, E> {
        Iter {
            leaves: self.leaves(),
        }
    }

    /// The leaves (error, notes, origin), depth-first, left to right.
    #[must_use]
    pub fn leaves(&self) -> Leaves<'_, E> {
        Leaves {
            stack: vec![self.children().iter()],
            remaining: self.len(),
        }
    }

    /// Moves the leaves out, depth-first, left to right.
    #[must_use]
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
    #[deprecated(
        since = "0.1.0",
        note = "use `into_iter()` (or a `for` loop over the group), which is the same"
    )]
    #[must_use]
    pub fn into_errors(self) -> IntoIter<E> {
        self.into_iter()
    }
}

/// Iterator over the errors of an [`ErrorGroup`], depth-first; see [`ErrorGroup::iter`].
///
/// It knows how many errors are left (a group stores its leaf count), and keeps
/// its own stack, so deep trees do not recurse.
pub struct Iter<'a, E> {
    leaves: Leaves<'a, E>,
}

impl<'a, E> Iterator for Iter<'a, E> {
    type Item = &'a E;

    fn next(&mut self) -> Option<&'a E> {
        self.leaves.next().map(Leaf::error)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.leaves.size_hint()
    }
}

impl<E> ExactSizeIterator for Iter<'_, E> {}

impl<E> FusedIterator for Iter<'_, E> {}

// Not derived: a derive would ask `E: Clone` and `E: Debug`, which iterating
// references needs neither of.
impl<E> Clone for Iter<'_, E> {
    fn clone(&self) -> Self {
        Iter {
            leaves: self.leaves.clone(),
        }
    }
}

impl<E> fmt::Debug for Iter<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.leaves.remaining)
            .finish_non_exhaustive()
    }
}

/// Iterator over the leaves of an [`ErrorGroup`], depth-first; see [`ErrorGroup::leaves`].
///
/// It knows how many leaves are left, and keeps its own stack, so deep trees do
/// not recurse.
pub struct Leaves<'a, E> {
    stack: Vec<std::slice::Iter<'a, Node<E>>>,
    remaining: usize,
}

impl<'a, E> Iterator for Leaves<'a, E> {
    type Item = &'a Leaf<E>;

    fn next(&mut self) -> Option<&'a Leaf<E>> {
        loop {
            match self.stack.last_mut()?.next() {
                Some(Node::Leaf(leaf)) => {
                    self.remaining -= 1;
                    return Some(leaf);
                }
                Some(Node::Group(group)) => self.stack.push(group.children().iter()),
                None => {
                    self.stack.pop();
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<E> ExactSizeIterator for Leaves<'_, E> {}

// Once the stack is empty `next` returns `None` at once, every time.
impl<E> FusedIterator for Leaves<'_, E> {}

impl<E> Clone for Leaves<'_, E> {
    fn clone(&self) -> Self {
        Leaves {
            stack: self.stack.clone(),
            remaining: self.remaining,
        }
    }
}

impl<E> fmt::Debug for Leaves<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaves")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// Iterator moving the errors out of an [`ErrorGroup`], depth-first, left to
/// right; see its `IntoIterator` impl. Notes and origins are dropped: use
/// [`ErrorGroup::into_leaves`] to keep them.
///
/// # Examples
///
/// ```
/// use taskgroup_core::ErrorGroup;
///
/// let eg = ErrorGroup::from_errors("codes", [404, 500])?;
/// let mut errors = eg.into_iter();
/// assert_eq!(errors.len(), 2);
/// assert_eq!(errors.next_back(), Some(500));
/// assert_eq!(errors.collect::<Vec<_>>(), [404]);
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
pub struct IntoIter<E> {
    leaves: std::vec::IntoIter<Leaf<E>>,
}

impl<E> Iterator for IntoIter<E> {
    type Item = E;

    fn next(&mut self) -> Option<E> {
        self.leaves.next().map(Leaf::into_error)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.leaves.size_hint()
    }
}

impl<E> DoubleEndedIterator for IntoIter<E> {
    fn next_back(&mut self) -> Option<E> {
        self.leaves.next_back().map(Leaf::into_error)
    }
}

impl<E> ExactSizeIterator for IntoIter<E> {}

impl<E> FusedIterator for IntoIter<E> {}

impl<E: Clone> Clone for IntoIter<E> {
    fn clone(&self) -> Self {
        IntoIter {
            leaves: self.leaves.clone(),
        }
    }
}

impl<E> fmt::Debug for IntoIter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.leaves.len())
            .finish_non_exhaustive()
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
    type IntoIter = IntoIter<E>;

    fn into_iter(self) -> IntoIter<E> {
        IntoIter {
            leaves: self.into_leaves().into_iter(),
        }
    }
}
