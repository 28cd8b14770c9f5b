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
/// Errors that came through a `Box<dyn Error + Send + Sync>` are stored unwrapped, so
/// they downcast to the type they wrap. So are errors that came through an
/// `anyhow::Error` when the `anyhow` feature is on (without it, anyhow boxes them in a
/// private wrapper type that no downcast can see through). Converting an
/// `anyhow::Error` drops the backtrace it captured, and an error with `context` added
/// stays anyhow's context wrapper.
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
    /// Boxes an error (or takes a `Box<dyn Error + Send + Sync>` as it is; see the
    /// type's docs for `anyhow::Error`).
    pub fn new(error: impl Into<BoxError> + 'static) -> Self {
        AnyError(box_error(error))
    }

    /// Returns the boxed error.
    #[must_use]
    pub fn into_inner(self) -> BoxError {
        self.0
    }

    /// Moves the error out as a `T` if it is one, or gives it back.
    pub fn downcast<T: Error + 'static>(self) -> Result<T, Self> {
        self.0.downcast::<T>().map(|boxed| *boxed).map_err(AnyError)
    }

    /// Returns the error as `&(dyn Error + Send + Sync)`, to use it as a `source()`.
    #[must_use]
    pub fn as_dyn(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

/// Converts `error` into a [`BoxError`] that downcasts to the type it carries.
///
/// `anyhow::Error` converts into a box of a private wrapper type, so with the `anyhow`
/// feature it is unwrapped first. `E` is a type parameter (no specialization on stable),
/// hence the look through `Any`, which is what needs `E: 'static`.
pub(crate) fn box_error<E: Into<BoxError> + 'static>(error: E) -> BoxError {
    let mut error = Some(error);
    #[cfg(feature = "anyhow")]
    if let Some(anyhow) = (&mut error as &mut dyn std::any::Any)
        .downcast_mut::<Option<anyhow::Error>>()
        .and_then(Option::take)
    {
        return anyhow.reallocate_into_boxed_dyn_error_without_backtrace();
    }
    error
        .take()
        .map(Into::into)
        .expect("only an anyhow::Error is taken out")
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
