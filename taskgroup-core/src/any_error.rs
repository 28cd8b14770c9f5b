//! [`AnyError`]: the leaf type of an untyped [`ErrorGroup`](crate::ErrorGroup).

use std::error::Error;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// A boxed error that can cross threads: what tasks may fail with.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// Any error, boxed: the leaf type of an untyped [`ErrorGroup`](crate::ErrorGroup).
///
/// `AnyError` dereferences to `dyn Error + Send + Sync`, so `to_string()`,
/// `source()`, `is::<T>()` and `downcast_ref::<T>()` work on it directly.
///
/// It deliberately does **not** implement [`std::error::Error`] itself: that is
/// what lets a typed `ErrorGroup<E>` convert into an untyped `ErrorGroup` with
/// `?` (a blanket `From` that would otherwise overlap `From<T> for T`).
///
/// Errors that came through [`anyhow::Error`] or `Box<dyn Error>` are stored
/// unwrapped, so they downcast to the type they wrap.
///
/// # Examples
///
/// ```
/// use taskgroup_core::AnyError;
///
/// let err = AnyError::new(std::fmt::Error);
/// assert!(err.is::<std::fmt::Error>());
/// assert_eq!(err.to_string(), "an error occurred when formatting an argument");
/// ```
pub struct AnyError(BoxError);

impl AnyError {
    /// Boxes an error (or takes a `Box<dyn Error + Send + Sync>` as it is).
    pub fn new(error: impl Into<BoxError>) -> Self {
        AnyError(error.into())
    }

    /// Returns the boxed error.
    pub fn into_inner(self) -> BoxError {
        self.0
    }

    /// Moves the error out as a `T` if it is one, or gives it back.
    pub fn downcast<T: Error + 'static>(self) -> Result<T, Self> {
        self.0.downcast::<T>().map(|boxed| *boxed).map_err(AnyError)
    }

    /// Returns the error as `&(dyn Error + Send + Sync)`, to use it as a `source()`.
    pub fn as_dyn(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl Deref for AnyError {
    type Target = dyn Error + Send + Sync + 'static;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl DerefMut for AnyError {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.0
    }
}

impl<T: Error + Send + Sync + 'static> From<T> for AnyError {
    fn from(error: T) -> Self {
        AnyError(Box::new(error))
    }
}

impl From<AnyError> for BoxError {
    fn from(error: AnyError) -> Self {
        error.0
    }
}

impl fmt::Display for AnyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for AnyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}
