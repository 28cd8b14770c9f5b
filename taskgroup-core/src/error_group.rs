//! [`ErrorGroup`]: a non-empty tree of errors (PEP 654 `ExceptionGroup`).

use std::borrow::Cow;
use std::error::Error;
use std::fmt;

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

    /// Always `false`: a node holds at least one leaf.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Node {
    /// A node for any error: an [`ErrorGroup`] or a typed `ErrorGroup<E>` (also one
    /// inside a `Box<dyn Error>`) becomes a nested group, its leaves converted to
    /// [`AnyError`] with their notes and origins; anything else becomes a leaf.
    ///
    /// An `anyhow::Error` is boxed the way anyhow boxes it, which hides the type it
    /// wraps; pass `AnyError::new(error)` instead to unwrap it (see [`AnyError`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{error::Error, fmt};
    /// use taskgroup_core::{ErrorGroup, Node};
    ///
    /// let typed: ErrorGroup<fmt::Error> = ErrorGroup::from_errors("inner", [fmt::Error, fmt::Error])?;
    /// let boxed: Box<dyn Error + Send + Sync> = typed.into();
    /// match Node::error(boxed) {
    ///     Node::Group(group) => assert_eq!((group.message(), group.len()), ("inner", 2)),
    ///     Node::Leaf(_) => unreachable!("a typed group stays a group"),
    /// }
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    pub fn error(error: impl Into<BoxError>) -> Self {
        match into_group(error.into()) {
            Ok(group) => Node::Group(group),
            Err(other) => Node::Leaf(Leaf::new(AnyError::new(other))),
        }
    }
}

/// Recognises a group, typed or not, behind a boxed error, and converts it into an
/// untyped group; anything else is handed back.
///
/// The type of a typed group's leaves cannot be named here, and stable Rust has no
/// way to ask a `dyn Error` "are you some `ErrorGroup<_>`?". So every
/// `ErrorGroup<E>` answers the deprecated `Error::cause` (which nothing prints any
/// more: reports walk `source`) with a private marker that carries the one
/// function able to downcast the box to that exact `ErrorGroup<E>`. `cause` hands
/// out a trait object without the `'static` bound, which cannot be downcast; the
/// marker's own `source` hands out the marker itself with it, which can. The function itself downcasts with a checked `downcast`, so a
/// marker met anywhere else can only fail to convert, never mistake a type.
pub(crate) fn into_group(error: BoxError) -> Result<ErrorGroup, BoxError> {
    let error = match error.downcast::<ErrorGroup>() {
        Ok(group) => return Ok(*group),
        Err(error) => error,
    };
    #[allow(deprecated)] // `cause` is the one hook left that no report uses
    let erase = error
        .cause()
        .and_then(Error::source)
        .and_then(|marker| marker.downcast_ref::<TypedGroupMarker>())
        .map(|marker| marker.0);
    match erase {
        Some(erase) => erase(error),
        None => Err(error),
    }
}

/// The downcast of a box to one `ErrorGroup<E>`, converted to an untyped group.
fn erase<E: Error + Send + Sync + 'static>(error: BoxError) -> Result<ErrorGroup, BoxError> {
    error
        .downcast::<ErrorGroup<E>>()
        .map(|group| ErrorGroup::from(*group))
}

/// What a typed group's `cause` returns: the downcast of [`erase`] for its
/// leaf type; see [`into_group`].
struct TypedGroupMarker(fn(BoxError) -> Result<ErrorGroup, BoxError>);

impl fmt::Debug for TypedGroupMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TypedGroupMarker")
    }
}

impl fmt::Display for TypedGroupMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a typed error group")
    }
}

impl Error for TypedGroupMarker {
    /// Itself, as a `dyn Error + 'static`: the object `cause` hands out is
    /// `dyn Error` without the bound, which cannot be downcast.
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self)
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

// `len` is the leaf count, and a group is never empty, so `is_empty` would always be false.
#[allow(clippy::len_without_is_empty)]
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
    fn from_parts(
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
            }),
        }
    }

    /// The group's message.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The direct children, in order: leaves and nested groups.
    pub fn children(&self) -> &[Node<E>] {
        &self.inner.children
    }

    /// Moves the direct children out.
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
    pub fn len(&self) -> usize {
        self.inner.leaf_count
    }

    /// The notes attached to the group itself.
    pub fn notes(&self) -> &[String] {
        &self.inner.notes
    }

    /// Attaches a note to the group (Python's `add_note`).
    pub fn add_note(&mut self, note: impl Into<String>) {
        self.inner.notes.push(note.into());
    }

    /// The leaf errors, depth-first, left to right (PEP 654's leaf order).
    pub fn iter(&self) -> Iter<'_, E> {
        Iter {
            leaves: self.leaves(),
        }
    }

    /// The leaves (error, notes, origin), depth-first, left to right.
    pub fn leaves(&self) -> Leaves<'_, E> {
        Leaves {
            stack: vec![self.inner.children.iter()],
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
    /// assert_eq!(even.unwrap().into_errors().collect::<Vec<_>>(), [2, 4]);
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
    pub fn contains<T: Error + 'static>(&self) -> bool {
        self.iter().any(|error| error.is::<T>())
    }
}

impl<E: Error + Send + Sync + 'static> From<ErrorGroup<E>> for ErrorGroup {
    fn from(group: ErrorGroup<E>) -> Self {
        group.map_errors(AnyError::from)
    }
}

impl Error for ErrorGroup {}

/// A typed group is an error too, and stays a group when it is boxed: a task, an
/// except* arm or a dispatch that fails with it nests it as a group whose leaves
/// arms can match.
///
/// # Examples
///
/// ```
/// use std::fmt;
/// use taskgroup_core::{ErrorGroup, ExceptStar};
///
/// let typed: ErrorGroup<fmt::Error> = ErrorGroup::from_errors("render", [fmt::Error])?;
/// let mut handled = 0;
/// let rest = ExceptStar::new(Err::<(), _>(typed))
///     .arm(|eg: ErrorGroup<fmt::Error>| {
///         handled += eg.len();
///         Ok(())
///     })
///     .finish();
/// assert!(rest.is_ok());
/// assert_eq!(handled, 1);
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl<E: Error + Send + Sync + 'static> Error for ErrorGroup<E> {
    // Not a cause at all: the hook by which a boxed typed group is recognised as a
    // group (see `into_group`). Reports use `source`, which stays `None`.
    #[allow(deprecated)]
    fn cause(&self) -> Option<&dyn Error> {
        let marker: &'static TypedGroupMarker = const { &TypedGroupMarker(erase::<E>) };
        Some(marker)
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
                Some(Node::Group(group)) => self.stack.push(group.inner.children.iter()),
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
