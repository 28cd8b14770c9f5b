//! Splitting a group (PEP 654's `split` and `subgroup`): by a predicate, by type,
//! by type and predicate.

use std::borrow::Cow;
use std::error::Error;

use super::tree::{ErrorGroup, Node};
use crate::{AnyError, Leaf};

impl<E> ErrorGroup<E> {
    /// Splits into the leaves for which `pred` is true and the rest (Python's
    /// `eg.split(pred)`). Both sides keep the original nesting, messages and notes;
    /// empty branches are pruned, singleton branches kept, leaf order kept.
    /// A side with no leaves is `None`.
    ///
    /// # Panics
    ///
    /// If `pred` panics, the panic propagates. `pred` runs on every leaf before any
    /// leaf is moved, so the group is never left half split: it is dropped whole
    /// during unwinding, each leaf exactly once.
    ///
    /// Splitting keeps its own stack and takes time linear in the size of the tree,
    /// however deep it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskgroup_core::ErrorGroup;
    ///
    /// let eg = ErrorGroup::from_errors("numbers", [1, 2, 3, 4])?;
    /// let (even, odd) = eg.split_by(|n| n % 2 == 0);
    /// assert_eq!(even.unwrap().into_iter().collect::<Vec<_>>(), [2, 4]);
    /// assert_eq!(odd.unwrap().message(), "numbers");
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn split_by(self, mut pred: impl FnMut(&E) -> bool) -> (Option<Self>, Option<Self>) {
        let mask: Vec<bool> = self.iter().map(&mut pred).collect();
        if mask.iter().all(|&m| m) {
            return (Some(self), None);
        }
        if !mask.iter().any(|&m| m) {
            return (None, Some(self));
        }
        let mut mask = mask.into_iter();
        self.partition_map(&mut |leaf| {
            if mask.next().unwrap_or(false) {
                Ok(leaf)
            } else {
                Err(leaf)
            }
        })
    }

    /// The leaves for which `pred` is true, with the original nesting (Python's
    /// `eg.subgroup(pred)`); `None` if there are none. See [`split_by`](Self::split_by).
    #[must_use]
    pub fn subgroup_by(self, pred: impl FnMut(&E) -> bool) -> Option<Self> {
        self.split_by(pred).0
    }

    /// Partitions the leaves with `f`, which converts a leaf it takes or hands it
    /// back, building both sides in one pass over the tree.
    pub(crate) fn partition_map<U>(
        self,
        f: &mut impl FnMut(Leaf<E>) -> Result<Leaf<U>, Leaf<E>>,
    ) -> (Option<ErrorGroup<U>>, Option<ErrorGroup<E>>) {
        /// A group being split: its parts, the children not yet visited and both
        /// sides so far.
        struct Frame<E, U> {
            message: Cow<'static, str>,
            notes: Vec<String>,
            leaf_count: usize,
            rest: std::vec::IntoIter<Node<E>>,
            taken: Vec<Node<U>>,
            kept: Vec<Node<E>>,
            taken_leaves: usize,
        }
        fn open<E, U>(group: ErrorGroup<E>) -> Frame<E, U> {
            let leaf_count = group.len();
            let (message, notes, children) = group.into_parts();
            // Room for everything on both sides, trimmed at the end: one allocation
            // each instead of a dozen regrowths while splitting thousands of leaves.
            Frame {
                message,
                notes,
                leaf_count,
                taken: Vec::with_capacity(children.len()),
                kept: Vec::with_capacity(children.len()),
                rest: children.into_iter(),
                taken_leaves: 0,
            }
        }
        // An explicit stack, not recursion: trees can be a million levels deep.
        let mut stack: Vec<Frame<E, U>> = vec![open(self)];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            // The leaves of one group in a tight loop, on locals: a flat group of
            // thousands of leaves splits as fast as a `Vec` partitions.
            let Frame {
                rest,
                taken,
                kept,
                taken_leaves,
                ..
            } = top;
            let nested = loop {
                match rest.next() {
                    Some(Node::Leaf(leaf)) => match f(leaf) {
                        Ok(leaf) => {
                            *taken_leaves += 1;
                            taken.push(Node::Leaf(leaf));
                        }
                        Err(leaf) => kept.push(Node::Leaf(leaf)),
                    },
                    Some(Node::Group(group)) => break Some(group),
                    None => break None,
                }
            };
            match nested {
                Some(group) => stack.push(open(group)),
                None => {
                    let Frame {
                        message,
                        notes,
                        leaf_count,
                        mut taken,
                        mut kept,
                        taken_leaves,
                        ..
                    } = stack.pop().expect("the top frame exists");
                    taken.shrink_to_fit();
                    kept.shrink_to_fit();
                    let taken = (!taken.is_empty()).then(|| {
                        ErrorGroup::from_parts(message.clone(), notes.clone(), taken, taken_leaves)
                    });
                    let kept = (!kept.is_empty()).then(|| {
                        ErrorGroup::from_parts(message, notes, kept, leaf_count - taken_leaves)
                    });
                    let Some(parent) = stack.last_mut() else {
                        return (taken, kept);
                    };
                    if let Some(taken) = taken {
                        parent.taken_leaves += taken.len();
                        parent.taken.push(Node::Group(taken));
                    }
                    parent.kept.extend(kept.map(Node::Group));
                }
            }
        }
    }
}

impl ErrorGroup {
    /// Splits into the leaves of type `T`, at any depth, as a typed group, and the
    /// rest (Python's `eg.split(T)`). Both sides keep the original nesting,
    /// messages and notes; empty branches are pruned, leaf order is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{fmt, io};
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// let eg = ErrorGroup::new("mixed", [Node::error(fmt::Error), Node::error(io::Error::other("x"))])?;
    /// let (io_errors, rest) = eg.split::<io::Error>();
    /// let io_errors: ErrorGroup<io::Error> = io_errors.unwrap();
    /// assert_eq!(io_errors.iter().next().unwrap().kind(), io::ErrorKind::Other);
    /// assert_eq!(rest.unwrap().len(), 1);
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn split<T: Error + Send + Sync + 'static>(
        self,
    ) -> (Option<ErrorGroup<T>>, Option<ErrorGroup>) {
        self.partition_map(&mut |leaf| leaf.try_map(AnyError::downcast::<T>))
    }

    /// The leaves of type `T` with the original nesting (Python's `eg.subgroup(T)`),
    /// or `None`. See [`split`](Self::split).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{fmt, io};
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// let inner = ErrorGroup::new("retry", [Node::error(io::Error::other("net"))])?;
    /// let eg = ErrorGroup::new("batch", [Node::error(fmt::Error), inner.into()])?;
    /// let io_errors = eg.subgroup::<io::Error>().unwrap();
    /// // `batch[retry[net]]`: the singleton branch is kept
    /// assert_eq!(io_errors.message(), "batch");
    /// assert!(matches!(&io_errors.children()[0], Node::Group(g) if g.message() == "retry"));
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn subgroup<T: Error + Send + Sync + 'static>(self) -> Option<ErrorGroup<T>> {
        self.split::<T>().0
    }

    /// Splits into the leaves of type `T` for which `pred` is true, at any depth, as a
    /// typed group, and the rest: [`split`](Self::split) narrowed by a predicate, so
    /// one variant of an error enum can be taken apart from the others. Both sides
    /// keep the original nesting, messages and notes; empty branches are pruned,
    /// singleton branches kept, leaf order kept. A side with no leaves is `None`.
    ///
    /// # Panics
    ///
    /// If `pred` panics, the panic propagates. `pred` runs on every leaf of type `T`
    /// before any leaf is moved, so the group is dropped whole during unwinding.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::fmt;
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// #[derive(Debug)]
    /// enum JobError {
    ///     Parse(String),
    ///     Timeout,
    /// }
    /// impl fmt::Display for JobError {
    ///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    ///         match self {
    ///             JobError::Parse(what) => write!(f, "cannot parse {what}"),
    ///             JobError::Timeout => f.write_str("timed out"),
    ///         }
    ///     }
    /// }
    /// impl std::error::Error for JobError {}
    ///
    /// let eg = ErrorGroup::new("jobs", [
    ///     Node::error(JobError::Parse("a.toml".into())),
    ///     Node::error(JobError::Timeout),
    ///     Node::error(fmt::Error),
    /// ])?;
    /// let (parse, rest) = eg.split_if(|e: &JobError| matches!(e, JobError::Parse(..)));
    /// let parse: ErrorGroup<JobError> = parse.unwrap();
    /// assert_eq!(parse.iter().map(ToString::to_string).collect::<Vec<_>>(), ["cannot parse a.toml"]);
    /// // the timeout and the fmt::Error stay behind, in order
    /// assert_eq!(rest.unwrap().len(), 2);
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn split_if<T: Error + Send + Sync + 'static>(
        self,
        mut pred: impl FnMut(&T) -> bool,
    ) -> (Option<ErrorGroup<T>>, Option<ErrorGroup>) {
        let mask: Vec<bool> = self
            .iter()
            .map(|error| error.downcast_ref::<T>().is_some_and(&mut pred))
            .collect();
        if !mask.contains(&true) {
            return (None, Some(self));
        }
        let mut mask = mask.into_iter();
        self.partition_map(&mut |leaf| {
            if mask.next().unwrap_or(false) {
                leaf.try_map(AnyError::downcast::<T>)
            } else {
                Err(leaf)
            }
        })
    }

    /// The leaves of type `T` for which `pred` is true, with the original nesting, or
    /// `None`. See [`split_if`](Self::split_if).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// let eg = ErrorGroup::new("net", [
    ///     Node::error(io::Error::from(io::ErrorKind::TimedOut)),
    ///     Node::error(io::Error::from(io::ErrorKind::ConnectionRefused)),
    /// ])?;
    /// let refused = eg
    ///     .subgroup_if(|e: &io::Error| e.kind() == io::ErrorKind::ConnectionRefused)
    ///     .unwrap();
    /// assert_eq!(refused.len(), 1);
    /// assert_eq!(refused.message(), "net");
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn subgroup_if<T: Error + Send + Sync + 'static>(
        self,
        pred: impl FnMut(&T) -> bool,
    ) -> Option<ErrorGroup<T>> {
        self.split_if(pred).0
    }

    /// Whether any leaf is a `T`.
    #[must_use]
    pub fn contains<T: Error + 'static>(&self) -> bool {
        self.iter().any(|error| error.is::<T>())
    }
}
