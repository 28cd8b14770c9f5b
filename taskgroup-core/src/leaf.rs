//! [`Leaf`]: one error in an [`ErrorGroup`](crate::ErrorGroup), with its notes and origin.

use std::num::NonZeroU32;

use crate::Origin;

/// Where a leaf was in an except* dispatch (its dispatch position): marks a leaf that a
/// dispatch handed to an arm, so that a re-raise can put it back where it was in the
/// original tree (a bare re-raise merges back into one copy of the original shape).
/// Identity, not equality: errors need not be `Eq`, and two equal errors are still two
/// leaves. Eight bytes, as every leaf carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// The dispatch's id; ids wrap after 2^32 dispatches, far beyond a leaf's life
    /// inside one arm.
    pub(crate) dispatch: NonZeroU32,
    pub(crate) index: u32,
}

/// What few leaves have, kept behind one pointer so that a bare leaf stays small
/// (splitting moves leaves around; PEP 654 groups can hold thousands).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Meta {
    notes: Vec<String>,
    origin: Option<Origin>,
}

/// One error in a group: the error value, the notes attached to it (PEP 678) and,
/// for errors that came out of a task group, its [`Origin`].
///
/// # Examples
///
/// ```
/// use taskgroup_core::Leaf;
///
/// let mut leaf = Leaf::new(std::fmt::Error);
/// leaf.add_note("while rendering the report");
/// assert_eq!(leaf.notes(), ["while rendering the report"]);
/// ```
pub struct Leaf<E> {
    error: E,
    meta: Option<Box<Meta>>,
    pub(crate) position: Option<Position>,
}

impl<E> Leaf<E> {
    /// A leaf with no notes and no origin.
    pub fn new(error: E) -> Self {
        Leaf {
            error,
            meta: None,
            position: None,
        }
    }

    /// Sets where the error came from.
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.meta.get_or_insert_with(Box::default).origin = Some(origin);
        self
    }

    /// The error.
    pub fn error(&self) -> &E {
        &self.error
    }

    /// The error, mutably.
    pub fn error_mut(&mut self) -> &mut E {
        &mut self.error
    }

    /// Moves the error out, dropping notes and origin.
    pub fn into_error(self) -> E {
        self.error
    }

    /// The notes, oldest first.
    pub fn notes(&self) -> &[String] {
        self.meta.as_ref().map_or(&[], |meta| &meta.notes)
    }

    /// Attaches a note (Python's `add_note`), shown under the error in the group's
    /// report (`{:?}`, `{:#}`).
    pub fn add_note(&mut self, note: impl Into<String>) {
        let meta = self.meta.get_or_insert_with(Box::default);
        meta.notes.push(note.into());
    }

    /// The task (or body) the error came from, if it came out of a task group.
    pub fn origin(&self) -> Option<&Origin> {
        self.meta.as_ref().and_then(|meta| meta.origin.as_ref())
    }

    /// Converts the error, keeping notes, origin and dispatch identity.
    pub fn map<U>(self, f: impl FnOnce(E) -> U) -> Leaf<U> {
        Leaf {
            error: f(self.error),
            meta: self.meta,
            position: self.position,
        }
    }

    /// Converts the error if `f` accepts it, or gives the leaf back unchanged.
    pub(crate) fn try_map<U>(self, f: impl FnOnce(E) -> Result<U, E>) -> Result<Leaf<U>, Leaf<E>> {
        let Leaf {
            error,
            meta,
            position,
        } = self;
        match f(error) {
            Ok(error) => Ok(Leaf {
                error,
                meta,
                position,
            }),
            Err(error) => Err(Leaf {
                error,
                meta,
                position,
            }),
        }
    }
}

/// A new leaf with a copy of the error, the same notes and the same origin.
///
/// It is a new leaf to an except* dispatch too: re-raising a clone of what an arm
/// received nests it as a new error, it does not merge back into the original's
/// place (only the leaves themselves do).
///
/// # Examples
///
/// ```
/// use taskgroup_core::Leaf;
///
/// let mut leaf = Leaf::new(404);
/// leaf.add_note("GET /missing");
/// let copy = leaf.clone();
/// assert_eq!((copy.error(), copy.notes()), (&404, leaf.notes()));
/// ```
impl<E: Clone> Clone for Leaf<E> {
    fn clone(&self) -> Self {
        let mut leaf = Leaf::new(self.error.clone());
        leaf.meta.clone_from(&self.meta);
        leaf
    }
}

impl<E> From<E> for Leaf<E> {
    fn from(error: E) -> Self {
        Leaf::new(error)
    }
}
