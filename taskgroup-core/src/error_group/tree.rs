//! The tree itself: [`ErrorGroup`], its [`Node`]s, building and reading it, and
//! dropping it without recursion.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::sync::OnceLock;

use crate::{AnyError, BoxError, Leaf};

/// The message of every group a [`TaskGroup`](crate::TaskGroup) returns.
pub const TASK_GROUP_MESSAGE: &str = "unhandled errors in a task group";

/// A non-empty tree of errors: a message, notes, and ordered children that are
/// leaf errors or nested groups. Rust's PEP 654 `ExceptionGroup`.
///
/// `ErrorGroup` (no parameter) holds [`AnyError`] leaves of any type;
/// `ErrorGroup<E>` is a *typed* group whose leaves are all `E`, so iterating it
/// yields `&E` and handlers never downcast. [`split`](ErrorGroup::split) turns
/// the first into the second.
///
/// Leaves keep their order, nesting is never flattened, and a group is never
/// empty: [`ErrorGroup::new`] refuses an empty list and splitting prunes empty
/// branches.
///
/// # Printing
///
/// `{:?}` (what `main` returning `Err`, `.unwrap()` and `.expect()` show) and
/// `{:#}` draw the tree like Python's traceback of an exception group, each leaf
/// with its causes, notes, task and spawn site; `{}` is one line for logs and
/// error chains; `{:#?}` is the structure. See the `Display` and `Debug` impls.
///
/// # Examples
///
/// ```
/// use std::{fmt, io};
/// use taskgroup_core::{AnyError, ErrorGroup, Node};
///
/// let inner = ErrorGroup::new("inner", [Node::error(fmt::Error)])?;
/// let eg = ErrorGroup::new("outer", [Node::error(io::Error::other("disk")), inner.into()])?;
/// assert_eq!(eg.len(), 2);
///
/// let (fmt_errors, rest) = eg.split::<fmt::Error>();
/// let fmt_errors = fmt_errors.unwrap();
/// // the match keeps the nesting and messages of the original
/// assert_eq!(fmt_errors.message(), "outer");
/// assert!(matches!(&fmt_errors.children()[0], Node::Group(g) if g.message() == "inner"));
/// assert_eq!(rest.unwrap().iter().next().unwrap().to_string(), "disk");
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
pub struct ErrorGroup<E = AnyError> {
    // One pointer: a `Result<T, ErrorGroup>` stays small, and so does a `Node`,
    // which splitting moves around by the thousand.
    inner: Box<Inner<E>>,
}

struct Inner<E> {
    message: Cow<'static, str>,
    children: Vec<Node<E>>,
    notes: Vec<String>,
    leaf_count: usize,
    /// Reports that hand out references must own what they refer to: the error
    /// `source()` returns, built on first use and kept with the group.
    reports: Reports,
}

/// What the group's reports build on first use; a new or rebuilt group starts
/// with none, so they always describe the tree they are kept in (it is never
/// changed in place: every operation that changes leaves builds a new group).
#[derive(Default)]
pub(crate) struct Reports {
    /// The leaves the one-line `Display` leaves out, as one error (`None` when it
    /// shows them all): what `Error::source` returns.
    pub(crate) rest_of_line: OnceLock<Option<BoxError>>,
    /// miette's `related()`: the drawn part of the tree as owned diagnostics.
    #[cfg(feature = "miette")]
    pub(crate) related: OnceLock<Vec<Box<dyn miette::Diagnostic + Send + Sync>>>,
}

/// A child of an [`ErrorGroup`]: a leaf error or a nested group.
pub enum Node<E = AnyError> {
    /// One error, with its notes and origin.
    Leaf(Leaf<E>),
    /// A nested group, kept as one child (never flattened).
    Group(ErrorGroup<E>),
}

/// The error of [`ErrorGroup::new`] given no children: PEP 654 forbids empty groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyGroupError;

impl fmt::Display for EmptyGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error group needs at least one error")
    }
}

impl Error for EmptyGroupError {}

impl<E> Node<E> {
    /// A leaf node holding `error`.
    pub fn leaf(error: E) -> Self {
        Node::Leaf(Leaf::new(error))
    }

    /// The number of leaves below this node (1 for a leaf).
    pub fn len(&self) -> usize {
        match self {
            Node::Leaf(_) => 1,
            Node::Group(group) => group.len(),
        }
    }

    /// Always `false`: a node holds at least one leaf. It is there for the
    /// `len`/`is_empty` pair that generic code and readers expect, as on
    /// [`ErrorGroup::is_empty`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl<E> From<Leaf<E>> for Node<E> {
    fn from(leaf: Leaf<E>) -> Self {
        Node::Leaf(leaf)
    }
}

impl<E> From<ErrorGroup<E>> for Node<E> {
    fn from(group: ErrorGroup<E>) -> Self {
        Node::Group(group)
    }
}

impl<E> ErrorGroup<E> {
    /// A group with `message` and `children` (leaves or nested groups), in order.
    ///
    /// # Errors
    ///
    /// [`EmptyGroupError`] if `children` is empty.
    pub fn new(
        message: impl Into<Cow<'static, str>>,
        children: impl IntoIterator<Item = impl Into<Node<E>>>,
    ) -> Result<Self, EmptyGroupError> {
        let children: Vec<Node<E>> = children.into_iter().map(Into::into).collect();
        if children.is_empty() {
            return Err(EmptyGroupError);
        }
        Ok(Self::from_children(message.into(), Vec::new(), children))
    }

    /// A flat group of `errors`, in order.
    ///
    /// # Errors
    ///
    /// [`EmptyGroupError`] if `errors` is empty.
    pub fn from_errors(
        message: impl Into<Cow<'static, str>>,
        errors: impl IntoIterator<Item = E>,
    ) -> Result<Self, EmptyGroupError> {
        Self::new(message, errors.into_iter().map(Node::leaf))
    }

    /// Builds a group from children the caller knows to be non-empty.
    pub(crate) fn from_children(
        message: Cow<'static, str>,
        notes: Vec<String>,
        children: Vec<Node<E>>,
    ) -> Self {
        let leaf_count = children.iter().map(Node::len).sum();
        Self::from_parts(message, notes, children, leaf_count)
    }

    /// [`from_children`](Self::from_children) with the leaf count known already.
    pub(super) fn from_parts(
        message: Cow<'static, str>,
        notes: Vec<String>,
        children: Vec<Node<E>>,
        leaf_count: usize,
    ) -> Self {
        debug_assert!(!children.is_empty(), "an ErrorGroup is never empty");
        ErrorGroup {
            inner: Box::new(Inner {
                message,
                children,
                notes,
                leaf_count,
                reports: Reports::default(),
            }),
        }
    }

    /// What the reports keep with the group.
    pub(crate) fn reports(&self) -> &Reports {
        &self.inner.reports
    }

    /// The group's message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The message as stored, to copy it without allocating.
    pub(super) fn message_cow(&self) -> &Cow<'static, str> {
        &self.inner.message
    }

    /// The direct children, in order: leaves and nested groups.
    #[must_use]
    pub fn children(&self) -> &[Node<E>] {
        &self.inner.children
    }

    /// Moves the direct children out.
    #[must_use]
    pub fn into_children(mut self) -> Vec<Node<E>> {
        std::mem::take(&mut self.inner.children)
    }

    /// Moves the message, notes and children out, for rebuilding elsewhere.
    pub(crate) fn into_parts(mut self) -> (Cow<'static, str>, Vec<String>, Vec<Node<E>>) {
        // `ErrorGroup` has a `Drop`, so its fields are taken rather than moved; what
        // is left behind is empty and drops at once.
        let inner = &mut *self.inner;
        (
            std::mem::take(&mut inner.message),
            std::mem::take(&mut inner.notes),
            std::mem::take(&mut inner.children),
        )
    }

    /// The number of leaf errors at any depth (never zero).
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.leaf_count
    }

    /// Always `false`: a group is never empty ([`new`](Self::new) refuses an empty
    /// list, splitting prunes empty branches). It is there for the `len`/`is_empty`
    /// pair that generic code and readers expect, as on [`Node::is_empty`].
    ///
    /// # Examples
    ///
    /// ```
    /// use taskgroup_core::ErrorGroup;
    ///
    /// let eg = ErrorGroup::from_errors("one", [std::fmt::Error])?;
    /// assert!(!eg.is_empty());
    /// assert!(ErrorGroup::<std::fmt::Error>::from_errors("none", []).is_err());
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The notes attached to the group itself.
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.inner.notes
    }

    /// Attaches a note to the group (Python's `add_note`).
    pub fn add_note(&mut self, note: impl Into<String>) {
        self.inner.notes.push(note.into());
    }
}

impl<E> Drop for ErrorGroup<E> {
    /// Drops the tree with a stack of its own: the default drop would recurse once
    /// per level and overflow the stack on trees a few ten thousand levels deep.
    fn drop(&mut self) {
        let children = &mut self.inner.children;
        // A group of leaves drops as usual; only nested groups need the stack.
        if !children.iter().any(|child| matches!(child, Node::Group(_))) {
            return;
        }
        fn detach<E>(children: &mut Vec<Node<E>>, stack: &mut Vec<ErrorGroup<E>>) {
            for child in std::mem::take(children) {
                if let Node::Group(group) = child {
                    stack.push(group);
                }
            }
        }
        let mut stack: Vec<ErrorGroup<E>> = Vec::new();
        detach(children, &mut stack);
        while let Some(mut group) = stack.pop() {
            detach(&mut group.inner.children, &mut stack);
            // `group` now holds no nested group, so dropping it does not come back here.
        }
    }
}
