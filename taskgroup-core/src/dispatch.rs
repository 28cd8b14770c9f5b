//! except* dispatch (PEP 654): what `task_group!` arms and `#[except_star]` lower
//! to, and usable by hand.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::any_error::box_error;
use crate::leaf::Position;
use crate::shape::Shape;
use crate::{AnyError, BoxError, ErrorGroup, Leaf, Node};

/// What an except* arm raises with `?`: a new error, or (through
/// [`ErrorGroup::reraise`]) the group the arm received.
///
/// Any error converts into `Raise`, so `?` works on any fallible call inside an
/// arm whose result type is `Result<T, Raise>`.
pub struct Raise(RaiseKind);

enum RaiseKind {
    /// Python's `raise X` (also `raise e`): a new error, nested as one child.
    New(BoxError),
    /// Python's bare `raise`: merged back into the shape of the original.
    Reraise(ErrorGroup),
}

impl<E: Into<BoxError> + 'static> From<E> for Raise {
    fn from(error: E) -> Self {
        Raise(RaiseKind::New(box_error(error)))
    }
}

impl fmt::Debug for Raise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            RaiseKind::New(error) => f.debug_tuple("Raise").field(error).finish(),
            RaiseKind::Reraise(group) => f.debug_tuple("Reraise").field(group).finish(),
        }
    }
}

impl<E> ErrorGroup<E>
where
    ErrorGroup: From<ErrorGroup<E>>,
{
    /// Gives the group back to the except* dispatch it came from, as Python's bare
    /// `raise` does: its leaves merge with the unhandled rest into one copy of the
    /// original tree, with the same messages and nesting. Use it as `eg.reraise()?` in an arm.
    ///
    /// Raising the group as a new error instead (`Err(eg)?`, Python's `raise e`)
    /// nests it as one child of the combined group.
    ///
    /// # Errors
    ///
    /// Always: the `Err` is the re-raise.
    pub fn reraise<V>(self) -> Result<V, Raise> {
        Err(Raise(RaiseKind::Reraise(self.into())))
    }
}

/// The error raised in place of the errors an arm took with [`ExceptStar::take`]
/// (or its siblings) when the arm never called [`ExceptStar::settle`]: raised when
/// the next arm takes errors, or at [`ExceptStar::finish`]. It escapes with the
/// rest, so an arm that forgets to settle never loses errors silently.
///
/// # Examples
///
/// ```
/// use std::fmt;
/// use taskgroup_core::{ErrorGroup, ExceptStar, UnsettledArm};
///
/// let eg = ErrorGroup::from_errors("work", [fmt::Error])?;
/// let mut dispatch = ExceptStar::new(Err::<(), _>(eg));
/// let _dropped = dispatch.take::<fmt::Error>(); // and no `settle`
/// let escaped = dispatch.finish().unwrap_err();
/// assert!(escaped.contains::<UnsettledArm>());
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsettledArm;

impl fmt::Display for UnsettledArm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an except* arm took errors but reported no outcome (call `settle` after `take`)",
        )
    }
}

impl Error for UnsettledArm {}

/// An except* dispatch (PEP 654): hands the leaves of one error to arms in source
/// order, each leaf to the first arm whose type matches it, each arm at most once
/// with one subgroup holding all its matches; then combines what the arms raised
/// with what nobody handled, as CPython does.
///
/// Arms can be written two ways:
///
/// * chained closures, [`arm`](Self::arm), [`arm_if`](Self::arm_if),
///   [`arm_by`](Self::arm_by) and [`arm_all`](Self::arm_all), each run at once, so they can mutate the same local
///   state one after another;
/// * inline, `if let Some(eg) = d.take::<T>() { …; d.settle(outcome) }`, which
///   can also `.await` (this is what the macros generate).
///
/// [`finish`](Self::finish) returns the value of the last arm that ran when
/// everything was handled, or the error that escapes, following PEP 654:
///
/// 1. what no arm took is re-raised with the original structure and message;
/// 2. errors raised in arms (`?`) do not skip later arms; at the end they come
///    first, in arm order, in a new group `""`, followed by the unhandled rest;
/// 3. a re-raise ([`ErrorGroup::reraise`]) merges back into one copy of the
///    original shape together with the rest;
/// 4. a naked (non-group) error is handled as a group `""` of one;
/// 5. where Python lets a single raised error escape alone, the result is still a
///    group: `""` holding that error, or the raised group itself.
///
/// An inline arm must report its outcome with [`settle`](Self::settle) before the
/// next `take` (or [`finish`](Self::finish)). One that does not has dropped the
/// errors it took, so an [`UnsettledArm`] error is raised in its place: it escapes
/// with the rest, and the loss never goes unnoticed.
///
/// # Examples
///
/// ```
/// use std::{fmt, io};
/// use taskgroup_core::{ErrorGroup, ExceptStar, Node};
///
/// let eg = ErrorGroup::new("work", [
///     Node::error(io::Error::other("disk")),
///     Node::error(fmt::Error),
///     Node::error(io::Error::other("net")),
/// ])?;
/// let mut log = Vec::new();
/// let rest = ExceptStar::new(Err::<(), _>(eg))
///     .arm(|eg: ErrorGroup<io::Error>| {
///         log.extend(eg.iter().map(|e| e.to_string()));
///         Ok(())
///     })
///     .finish()
///     .unwrap_err();
/// assert_eq!(log, ["disk", "net"]);
/// // the fmt::Error was not handled: it escapes in its original group
/// assert_eq!((rest.message(), rest.len()), ("work", 1));
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
#[must_use = "an except* dispatch does nothing until `finish` says what escapes"]
pub struct ExceptStar<V> {
    id: NonZeroU32,
    shape: Option<Shape>,
    pending: Vec<Option<Leaf<AnyError>>>,
    reraised: Vec<Option<Leaf<AnyError>>>,
    raised: Vec<Node>,
    value: Option<V>,
    /// How many leaves the arm that last took errors holds, until it settles.
    open_arm: Option<usize>,
}

impl<V> ExceptStar<V> {
    /// Starts a dispatch over `result`: `Ok` runs no arm; `Err` holds an
    /// [`ErrorGroup`] or a naked error (which arms see as a group `""` of one).
    /// The error is boxed as [`AnyError::new`] does, so with the `anyhow` feature the
    /// type inside an `anyhow::Error` is what arms match.
    pub fn new<E: Into<BoxError> + 'static>(result: Result<V, E>) -> Self {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        let mut dispatch = ExceptStar {
            // Wrapping past zero starts again at one.
            id: NonZeroU32::new(NEXT_ID.fetch_add(1, Ordering::Relaxed)).unwrap_or(NonZeroU32::MIN),
            shape: None,
            pending: Vec::new(),
            reraised: Vec::new(),
            raised: Vec::new(),
            value: None,
            open_arm: None,
        };
        match result {
            Ok(value) => dispatch.value = Some(value),
            Err(error) => {
                let group = match Node::error(box_error(error)) {
                    Node::Group(group) => group,
                    leaf => ErrorGroup::from_children(Cow::Borrowed(""), Vec::new(), vec![leaf]),
                };
                dispatch.shape = Some(Shape::take_apart(group, &mut dispatch.pending));
            }
        }
        dispatch
    }

    /// Whether any error is still waiting for an arm.
    pub fn has_pending(&self) -> bool {
        self.pending.iter().any(Option::is_some)
    }

    /// Takes every pending leaf of type `T` as a typed group with the original
    /// nesting (`except* T as eg`), or `None` if there is none.
    ///
    /// Taking opens an arm: report its outcome with [`settle`](Self::settle)
    /// before the next `take`, or an [`UnsettledArm`] error is raised in its place.
    pub fn take<T: Error + Send + Sync + 'static>(&mut self) -> Option<ErrorGroup<T>> {
        self.take_if(|_: &T| true)
    }

    /// Takes every pending leaf of type `T` for which `pred` is true, as a typed
    /// group with the original nesting, or `None` if there is none: an arm that
    /// matches some variants of an error enum (`except* JobError::Parse(..) as eg`
    /// in the macros, `|e| matches!(e, JobError::Parse(..))` here). The leaves
    /// it leaves go on to later arms and the rest.
    ///
    /// `pred` runs on every pending leaf of type `T` before any is taken, so a
    /// panicking predicate leaves the dispatch as it was. Taking opens an arm,
    /// as [`take`](Self::take) does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::fmt;
    /// use taskgroup_core::{ErrorGroup, ExceptStar};
    ///
    /// #[derive(Debug)]
    /// enum JobError { Parse(u32), Timeout }
    /// impl fmt::Display for JobError {
    ///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    ///         write!(f, "{self:?}")
    ///     }
    /// }
    /// impl std::error::Error for JobError {}
    ///
    /// let eg = ErrorGroup::from_errors("jobs", [JobError::Parse(1), JobError::Timeout])?;
    /// let mut dispatch = ExceptStar::new(Err::<(), _>(eg));
    /// if let Some(eg) = dispatch.take_if(|e| matches!(e, JobError::Parse(..))) {
    ///     assert_eq!(eg.len(), 1);
    ///     dispatch.settle(Ok(()));
    /// }
    /// // the timeout was not handled: it escapes in its original group
    /// let rest = dispatch.finish().unwrap_err();
    /// let timeout = rest.iter().next().and_then(|e| e.downcast_ref::<JobError>());
    /// assert!(matches!(timeout, Some(JobError::Timeout)));
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    pub fn take_if<T: Error + Send + Sync + 'static>(
        &mut self,
        mut pred: impl FnMut(&T) -> bool,
    ) -> Option<ErrorGroup<T>> {
        let wanted: Vec<bool> = self
            .pending
            .iter()
            .map(|entry| {
                let error = entry
                    .as_ref()
                    .and_then(|leaf| leaf.error().downcast_ref::<T>());
                error.is_some_and(&mut pred)
            })
            .collect();
        self.take_wanted(&wanted, |leaf| leaf.try_map(AnyError::downcast::<T>))
    }

    /// Takes every pending leaf for which `pred` is true, as an untyped group
    /// (`except* (A, B) as eg`, or a user-defined matcher such as subclassing).
    ///
    /// `pred` runs on every pending leaf before any is taken, so a panicking
    /// predicate leaves the dispatch as it was.
    pub fn take_by(&mut self, mut pred: impl FnMut(&AnyError) -> bool) -> Option<ErrorGroup> {
        let wanted: Vec<bool> = self
            .pending
            .iter()
            .map(|entry| entry.as_ref().is_some_and(|leaf| pred(leaf.error())))
            .collect();
        self.take_wanted(&wanted, Ok)
    }

    /// Takes every pending leaf (the catch-all, `except* _`).
    pub fn take_all(&mut self) -> Option<ErrorGroup> {
        let wanted = vec![true; self.pending.len()];
        self.take_wanted(&wanted, Ok)
    }

    /// The one way leaves are taken: the pending leaf at each dispatch position
    /// that is `wanted`, converted (a leaf that does not convert stays pending),
    /// marked with its position for a re-raise, in the original nesting.
    fn take_wanted<U>(
        &mut self,
        wanted: &[bool],
        mut convert: impl FnMut(Leaf<AnyError>) -> Result<Leaf<U>, Leaf<AnyError>>,
    ) -> Option<ErrorGroup<U>> {
        let id = self.id;
        let shape = self.shape.as_ref()?;
        let pending = &mut self.pending;
        let taken = shape.project(|position| {
            let entry = &mut pending[position];
            if !wanted[position] {
                return None;
            }
            match convert(entry.take()?) {
                Ok(mut leaf) => {
                    leaf.position = Some(Position {
                        dispatch: id,
                        index: position as u32,
                    });
                    Some(leaf)
                }
                Err(leaf) => {
                    *entry = Some(leaf);
                    None
                }
            }
        })?;
        // Only an arm that received errors is open: one that matched nothing never runs.
        self.close_unsettled_arm();
        self.open_arm = Some(taken.len());
        Some(taken)
    }

    /// Raises an [`UnsettledArm`] in place of the errors the open arm dropped, if an
    /// arm is open.
    fn close_unsettled_arm(&mut self) {
        if let Some(lost) = self.open_arm.take() {
            let mut leaf = Leaf::new(AnyError::new(UnsettledArm));
            let plural = if lost == 1 { "" } else { "s" };
            leaf.add_note(format!(
                "the arm took {lost} error{plural} and neither handled nor raised them"
            ));
            self.raised.push(Node::Leaf(leaf));
        }
    }

    /// Records how the arm that last took errors ended: `Ok(value)` handled them
    /// (the value becomes the result if nothing escapes); `Err(raise)` raised a new
    /// error or re-raised (see [`Raise`]). A group raised as a new error, typed or
    /// not, nests as a group.
    pub fn settle(&mut self, outcome: Result<V, Raise>) {
        self.open_arm = None;
        match outcome {
            Ok(value) => self.value = Some(value),
            Err(Raise(RaiseKind::New(error))) => self.raised.push(Node::error(error)),
            Err(Raise(RaiseKind::Reraise(group))) => self.put_back(group),
        }
    }

    /// Puts re-raised leaves back at their dispatch positions; leaves that did not
    /// come from this dispatch are raised as a new group instead.
    fn put_back(&mut self, group: ErrorGroup) {
        let id = self.id;
        let positions = self.pending.len();
        let is_mine = |leaf: &Leaf<AnyError>| {
            leaf.position.is_some_and(|position| {
                position.dispatch == id && (position.index as usize) < positions
            })
        };
        // A plain re-raise gives back only leaves of this dispatch: skip the split.
        let (mine, foreign) = if group.leaves().all(is_mine) {
            (Some(group), None)
        } else {
            group.partition_map(&mut |leaf| if is_mine(&leaf) { Ok(leaf) } else { Err(leaf) })
        };
        if let Some(mine) = mine {
            if self.reraised.is_empty() {
                self.reraised.resize_with(positions, || None);
            }
            for leaf in mine.into_leaves() {
                if let Some(position) = leaf.position {
                    self.reraised[position.index as usize] = Some(leaf);
                }
            }
        }
        if let Some(foreign) = foreign {
            self.raised.push(Node::Group(foreign));
        }
    }

    /// Runs `handler` with the pending leaves of type `T`, if there are any.
    #[must_use = "the dispatch comes back for the next arm and `finish`, which says what escapes"]
    pub fn arm<T, F>(mut self, handler: F) -> Self
    where
        T: Error + Send + Sync + 'static,
        F: FnOnce(ErrorGroup<T>) -> Result<V, Raise>,
    {
        if let Some(group) = self.take::<T>() {
            let outcome = handler(group);
            self.settle(outcome);
        }
        self
    }

    /// Runs `handler` with the pending leaves of type `T` for which `pred` is true
    /// (see [`take_if`](Self::take_if)), if there are any.
    #[must_use = "the dispatch comes back for the next arm and `finish`, which says what escapes"]
    pub fn arm_if<T, P, F>(mut self, pred: P, handler: F) -> Self
    where
        T: Error + Send + Sync + 'static,
        P: FnMut(&T) -> bool,
        F: FnOnce(ErrorGroup<T>) -> Result<V, Raise>,
    {
        if let Some(group) = self.take_if(pred) {
            let outcome = handler(group);
            self.settle(outcome);
        }
        self
    }

    /// Runs `handler` with the pending leaves for which `pred` is true, if any.
    #[must_use = "the dispatch comes back for the next arm and `finish`, which says what escapes"]
    pub fn arm_by<P, F>(mut self, pred: P, handler: F) -> Self
    where
        P: FnMut(&AnyError) -> bool,
        F: FnOnce(ErrorGroup) -> Result<V, Raise>,
    {
        if let Some(group) = self.take_by(pred) {
            let outcome = handler(group);
            self.settle(outcome);
        }
        self
    }

    /// Runs `handler` with every pending leaf, if any (the catch-all).
    #[must_use = "the dispatch comes back for the next arm and `finish`, which says what escapes"]
    pub fn arm_all<F>(mut self, handler: F) -> Self
    where
        F: FnOnce(ErrorGroup) -> Result<V, Raise>,
    {
        if let Some(group) = self.take_all() {
            let outcome = handler(group);
            self.settle(outcome);
        }
        self
    }

    /// Ends the dispatch: the value of the last arm that ran if nothing escapes,
    /// or the escaping group (see the type's docs for how it is combined).
    ///
    /// # Errors
    ///
    /// The errors that escape, always as a group. An arm that took errors and never
    /// settled raised an [`UnsettledArm`] error, which escapes with the rest.
    #[must_use = "the errors that escape the dispatch are in the `Err`"]
    pub fn finish(mut self) -> Result<V, ErrorGroup> {
        self.close_unsettled_arm();
        let pending = &mut self.pending;
        let reraised = &mut self.reraised;
        let rest = self.shape.as_ref().and_then(|shape| {
            shape.project(|position| {
                pending[position]
                    .take()
                    .or_else(|| reraised.get_mut(position).and_then(Option::take))
            })
        });
        let mut raised = std::mem::take(&mut self.raised);
        match (raised.len(), rest) {
            (0, Some(rest)) => Err(rest),
            // Every error was handled by an arm that settled, so one of them gave
            // a value; the fallback is for a dispatch whose value went missing.
            (0, None) => self
                .value
                .ok_or_else(|| single("", Node::Leaf(Leaf::new(AnyError::new(UnsettledArm))))),
            (1, None) => Err(match raised.remove(0) {
                Node::Group(group) => group,
                leaf => single("", leaf),
            }),
            (_, rest) => {
                raised.extend(rest.map(Node::Group));
                Err(ErrorGroup::from_children(
                    Cow::Borrowed(""),
                    Vec::new(),
                    raised,
                ))
            }
        }
    }
}

fn single(message: &'static str, node: Node) -> ErrorGroup {
    ErrorGroup::from_children(Cow::Borrowed(message), Vec::new(), vec![node])
}
