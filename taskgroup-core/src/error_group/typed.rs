//! A group is an error, and a boxed group, typed or not, is recognised as a group.

use std::error::Error;
use std::fmt;

use super::tree::{ErrorGroup, Node};
use crate::report::{causes::AsError, line};
use crate::{AnyError, BoxError, Leaf};

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

/// A group's [`source`](Error::source) is the part of it that its one-line
/// `Display` leaves out past its length bound, as one error listing those leaves
/// on one line; `None` when the line shows every leaf. So a report that prints an
/// error's `Display` and then its source chain (anyhow's and eyre's `{:?}`) shows
/// every leaf's message and causes exactly once.
///
/// # Examples
///
/// ```
/// use std::error::Error;
/// use taskgroup_core::ErrorGroup;
///
/// let few = ErrorGroup::from_errors("few", [std::fmt::Error])?;
/// assert!(few.source().is_none());
///
/// let errors = (0..40).map(|i| std::io::Error::other(format!("error number {i}")));
/// let many = ErrorGroup::from_errors("many", errors)?;
/// let line = many.to_string();
/// let rest = many.source().unwrap().to_string();
/// assert!(line.contains("error number 0;") && !line.contains("error number 39"));
/// assert!(rest.ends_with("error number 39") && !rest.contains("error number 0;"));
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl Error for ErrorGroup {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        rest_of_line(self)
    }
}

/// The leaves the one-line form leaves out, built on first use and kept.
fn rest_of_line<E: AsError>(group: &ErrorGroup<E>) -> Option<&(dyn Error + 'static)> {
    let rest = group
        .reports()
        .rest_of_line
        .get_or_init(|| line::rest(group));
    rest.as_deref().map(|rest| rest as &(dyn Error + 'static))
}

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
    /// As for an untyped group: the leaves the one-line form leaves out.
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        rest_of_line(self)
    }

    // Not a cause at all: the hook by which a boxed typed group is recognised as a
    // group (see `into_group`). Reports use `source`.
    #[allow(deprecated)]
    fn cause(&self) -> Option<&dyn Error> {
        let marker: &'static TypedGroupMarker = const { &TypedGroupMarker(erase::<E>) };
        Some(marker)
    }
}
