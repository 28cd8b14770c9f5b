//! How groups print, in the places Rust prints errors:
//!
//! - `{:?}` (what `fn main() -> Result<..>`, `.unwrap()` and `.expect()` show) and
//!   `{:#}`: the report, the whole tree drawn like Python's traceback of a group;
//! - `{}`: one line, fit for a log field or an error chain;
//! - `{:#?}`: the structural, derive-like form.
//!
//! The writers are in `report`; this file only picks one.

use std::error::Error;
use std::fmt::{self, Debug, Display, Formatter};

use crate::report::{causes::AsError, line, structure, tree};
use crate::{ErrorGroup, Leaf, Node};

fn display<E: AsError>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    if f.alternate() {
        tree::write(group, f)
    } else {
        line::write(group, f)
    }
}

fn debug<E: AsError + Debug>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    if f.alternate() {
        structure::write(group, f)
    } else {
        tree::write(group, f)
    }
}

/// One line (`{}`): the message, the number of errors and each leaf's message with
/// its causes inline, cut with "and N more" past a length bound (the group's
/// [`source`](Error::source) holds the rest); `{:#}` draws the tree, as `{:?}`.
///
/// # Examples
///
/// ```
/// use std::io;
/// use taskgroup_core::{ErrorGroup, Node};
///
/// let inner = ErrorGroup::new("inner", [Node::error(io::Error::other("timed out"))])?;
/// let eg = ErrorGroup::new("outer", [Node::error(io::Error::other("disk full")), inner.into()])?;
/// assert_eq!(eg.to_string(), "outer (2 errors): disk full; timed out");
/// assert_eq!(format!("{eg:#}"), "\
/// ErrorGroup: outer (2 sub-errors)
/// +-+---------------- 1 ----------------
///   | disk full
///   +---------------- 2 ----------------
///   | ErrorGroup: inner (1 sub-error)
///   +-+---------------- 1 ----------------
///     | timed out
///     +------------------------------------
/// ");
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl Display for ErrorGroup {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        display(self, f)
    }
}

/// As for an untyped group: one line, `{:#}` the tree.
impl<E: Error> Display for ErrorGroup<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        display(self, f)
    }
}

/// The report (`{:?}`): the whole tree like Python's traceback of a group, each
/// leaf with its `caused by:` chain, notes and origin (task name, id and spawn
/// site); this is what `main` returning `Err`, `.unwrap()` and `.expect()` print.
/// `{:#?}` is the structural, derive-like form. Both cap the drawing at 15
/// children and 10 levels.
///
/// # Examples
///
/// ```
/// use std::io;
/// use taskgroup_core::{ErrorGroup, Node};
///
/// let eg = ErrorGroup::new("outer", [Node::error(io::Error::other("disk full"))])?;
/// assert!(format!("{eg:?}").starts_with("ErrorGroup: outer (1 sub-error)\n"));
/// assert_eq!(format!("{eg:#?}"), r#"ErrorGroup {
///     message: "outer",
///     children: [
///         Custom {
///             kind: Other,
///             error: "disk full",
///         },
///     ],
/// }"#);
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl Debug for ErrorGroup {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        debug(self, f)
    }
}

/// As for an untyped group: the report, `{:#?}` the structural form.
impl<E: Error> Debug for ErrorGroup<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        debug(self, f)
    }
}

/// The structural form: a leaf as itself, a group as `ErrorGroup { .. }`.
impl<E: Debug> Debug for Node<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Leaf(leaf) => leaf.fmt(f),
            Node::Group(group) => structure::write(group, f),
        }
    }
}

/// The error's own `Debug` when the leaf has no notes and no origin, else
/// `Leaf { error, notes, origin }`.
impl<E: Debug> Debug for Leaf<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.notes().is_empty() && self.origin().is_none() {
            return self.error().fmt(f);
        }
        let mut s = f.debug_struct("Leaf");
        s.field("error", self.error());
        if !self.notes().is_empty() {
            s.field("notes", &self.notes());
        }
        if let Some(origin) = self.origin() {
            s.field("origin", origin);
        }
        s.finish()
    }
}
