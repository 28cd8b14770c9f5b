//! except* dispatch (PEP 654): what `task_group!` arms and `#[except_star]` lower
//! to, and usable by hand.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::any_error::box_error;
use crate::leaf::Slot;
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
    /// original tree (DESIGN.md rule 4.5). Use it as `eg.reraise()?` in an arm.
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

/// The error [`ExceptStar::finish`] reports when an arm took errors with
/// [`ExceptStar::take`] (or its siblings) and never called [`ExceptStar::settle`],
/// so there is neither a value nor an error to return.
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

/// The tree of the original error with its leaves taken out: slots are numbered
/// depth-first, so a leaf's slot is its position in `pending`.
enum Shape {
    Leaf,
    Group {
        message: Cow<'static, str>,
        notes: Vec<String>,
        children: Vec<Shape>,
    },
}

impl Shape {
    /// Moves the leaves of `group` into `leaves` and keeps the rest as a shape.
    fn take_apart(group: ErrorGroup, leaves: &mut Vec<Option<Leaf<AnyError>>>) -> Shape {
        let (message, notes, children) = group.into_parts();
        let children = children
            .into_iter()
            .map(|child| match child {
                Node::Leaf(leaf) => {
                    leaves.push(Some(leaf));
                    Shape::Leaf
                }
                Node::Group(nested) => Shape::take_apart(nested, leaves),
            })
            .collect();
        Shape::Group {
            message,
            notes,
            children,
        }
    }

    /// Rebuilds the part of the tree whose leaves `pick` hands out, pruning empty
    /// branches and keeping singletons, messages and notes (PEP 654 `split`).
    fn project<U>(
        &self,
        next_slot: &mut usize,
        pick: &mut impl FnMut(usize) -> Option<Leaf<U>>,
    ) -> Option<Node<U>> {
        match self {
            Shape::Leaf => {
                let slot = *next_slot;
                *next_slot += 1;
                pick(slot).map(Node::Leaf)
            }
            Shape::Group {
                message,
                notes,
                children,
            } => {
                let kept: Vec<Node<U>> = children
                    .iter()
                    .filter_map(|child| child.project(next_slot, pick))
                    .collect();
                (!kept.is_empty()).then(|| {
                    Node::Group(ErrorGroup::from_children(
                        message.clone(),
                        notes.clone(),
                        kept,
                    ))
                })
            }
        }
    }
}

/// An except* dispatch (PEP 654): hands the leaves of one error to arms in source
/// order, each leaf to the first arm whose type matches it, each arm at most once
/// with one subgroup holding all its matches; then combines what the arms raised
/// with what nobody handled, as CPython does.
///
/// Arms can be written two ways:
///
/// * chained closures, [`arm`](Self::arm), [`arm_by`](Self::arm_by) and
///   [`arm_all`](Self::arm_all), each run at once, so they can mutate the same local
///   state one after another;
/// * inline, `if let Some(eg) = d.take::<T>() { …; d.settle(outcome) }`, which
///   can also `.await` (this is what the macros generate).
///
/// [`finish`](Self::finish) returns the value of the last arm that ran when
/// everything was handled, or the error that escapes (DESIGN.md §4):
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
pub struct ExceptStar<V> {
    id: NonZeroU32,
    shape: Option<Shape>,
    pending: Vec<Option<Leaf<AnyError>>>,
    reraised: Vec<Option<Leaf<AnyError>>>,
    raised: Vec<Node>,
    value: Option<V>,
    /// Recognises the arm's own typed group when it is raised as a new error
    /// (`Err(eg)?`), which boxing has erased to `dyn Error`.
    arm_group: fn(BoxError) -> Result<ErrorGroup, BoxError>,
}

fn no_typed_group(error: BoxError) -> Result<ErrorGroup, BoxError> {
    Err(error)
}

fn typed_group<T: Error + Send + Sync + 'static>(error: BoxError) -> Result<ErrorGroup, BoxError> {
    error
        .downcast::<ErrorGroup<T>>()
        .map(|group| (*group).into())
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
            arm_group: no_typed_group,
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
    pub fn take<T: Error + Send + Sync + 'static>(&mut self) -> Option<ErrorGroup<T>> {
        self.arm_group = typed_group::<T>;
        let id = self.id;
        self.take_where(|slot, entry| {
            let leaf = entry.take()?;
            match leaf.try_map(AnyError::downcast::<T>) {
                Ok(mut leaf) => {
                    leaf.slot = Some(Slot {
                        dispatch: id,
                        index: slot as u32,
                    });
                    Some(leaf)
                }
                Err(leaf) => {
                    *entry = Some(leaf);
                    None
                }
            }
        })
    }

    /// Takes every pending leaf for which `pred` is true, as an untyped group
    /// (`except* (A, B) as eg`, or a user-defined matcher such as subclassing).
    ///
    /// `pred` runs on every pending leaf before any is taken, so a panicking
    /// predicate leaves the dispatch as it was.
    pub fn take_by(&mut self, mut pred: impl FnMut(&AnyError) -> bool) -> Option<ErrorGroup> {
        let mask: Vec<bool> = self
            .pending
            .iter()
            .map(|entry| entry.as_ref().is_some_and(|leaf| pred(leaf.error())))
            .collect();
        self.take_untyped(|slot| mask[slot])
    }

    /// Takes every pending leaf (the catch-all, `except* _`).
    pub fn take_all(&mut self) -> Option<ErrorGroup> {
        self.take_untyped(|_| true)
    }

    fn take_untyped(&mut self, mut wanted: impl FnMut(usize) -> bool) -> Option<ErrorGroup> {
        self.arm_group = no_typed_group;
        let id = self.id;
        self.take_where(|slot, entry| {
            if !wanted(slot) {
                return None;
            }
            let mut leaf = entry.take()?;
            leaf.slot = Some(Slot {
                dispatch: id,
                index: slot as u32,
            });
            Some(leaf)
        })
    }

    fn take_where<U>(
        &mut self,
        mut take: impl FnMut(usize, &mut Option<Leaf<AnyError>>) -> Option<Leaf<U>>,
    ) -> Option<ErrorGroup<U>> {
        let shape = self.shape.as_ref()?;
        let pending = &mut self.pending;
        match shape.project(&mut 0, &mut |slot| take(slot, &mut pending[slot]))? {
            Node::Group(group) => Some(group),
            Node::Leaf(_) => None, // the shape's root is always a group
        }
    }

    /// Records how the arm that last took errors ended: `Ok(value)` handled them
    /// (the value becomes the result if nothing escapes); `Err(raise)` raised a new
    /// error or re-raised (see [`Raise`]).
    pub fn settle(&mut self, outcome: Result<V, Raise>) {
        match outcome {
            Ok(value) => self.value = Some(value),
            Err(Raise(RaiseKind::New(error))) => {
                let node = match (self.arm_group)(error) {
                    Ok(group) => Node::Group(group),
                    Err(error) => Node::error(error),
                };
                self.raised.push(node);
            }
            Err(Raise(RaiseKind::Reraise(group))) => self.put_back(group),
        }
    }

    /// Puts re-raised leaves back in their slots; leaves that did not come from
    /// this dispatch are raised as a new group instead.
    fn put_back(&mut self, group: ErrorGroup) {
        let id = self.id;
        let slots = self.pending.len();
        let (mine, foreign) = group.partition_map(&mut |leaf| match leaf.slot {
            Some(slot) if slot.dispatch == id && (slot.index as usize) < slots => Ok(leaf),
            _ => Err(leaf),
        });
        if let Some(mine) = mine {
            if self.reraised.is_empty() {
                self.reraised.resize_with(slots, || None);
            }
            for leaf in mine.into_leaves() {
                if let Some(slot) = leaf.slot {
                    self.reraised[slot.index as usize] = Some(leaf);
                }
            }
        }
        if let Some(foreign) = foreign {
            self.raised.push(Node::Group(foreign));
        }
    }

    /// Runs `handler` with the pending leaves of type `T`, if there are any.
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

    /// Runs `handler` with the pending leaves for which `pred` is true, if any.
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
    /// The errors that escape, always as a group. If an arm took errors and never
    /// settled, and nothing else escapes, a group holding [`UnsettledArm`].
    pub fn finish(mut self) -> Result<V, ErrorGroup> {
        let pending = &mut self.pending;
        let reraised = &mut self.reraised;
        let rest = self.shape.as_ref().and_then(|shape| {
            shape.project(&mut 0, &mut |slot| {
                pending[slot]
                    .take()
                    .or_else(|| reraised.get_mut(slot).and_then(Option::take))
            })
        });
        let rest = rest.map(|node| match node {
            Node::Group(group) => group,
            Node::Leaf(leaf) => single("", Node::Leaf(leaf)),
        });
        let mut raised = std::mem::take(&mut self.raised);
        match (raised.len(), rest) {
            (0, Some(rest)) => Err(rest),
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
