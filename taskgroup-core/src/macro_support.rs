//! Not public API: the support code that the expansions of `task_group!` and
//! `#[except_star]` call, re-exported (hidden) by the `taskgroup` facade as
//! `__private`. It may change in any release.

use std::error::Error;
use std::marker::PhantomData;

use crate::{AnyError, ErrorGroup, ExceptStar, Raise};

/// What an except* arm can catch: every `Error + Send + Sync + 'static`.
///
/// The expansion calls `<T as CatchableError>::take` rather than
/// `ExceptStar::take` so that a type that is not an error gets one error,
/// with this message, at the type in the arm.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an error type, so an except* arm cannot catch it",
    label = "not an error type",
    note = "an except* arm catches types that implement `std::error::Error + Send + Sync + 'static`"
)]
pub trait CatchableError: Sized {
    /// `dispatch.take::<Self>()`.
    fn take<V>(dispatch: &mut ExceptStar<V>) -> Option<ErrorGroup<Self>>;

    /// `dispatch.take_if::<Self>(pred)`, for pattern arms.
    fn take_if<V>(
        dispatch: &mut ExceptStar<V>,
        pred: impl FnMut(&Self) -> bool,
    ) -> Option<ErrorGroup<Self>>;

    /// Whether `error` is a `Self`, for arms with several types.
    fn is(error: &AnyError) -> bool;
}

// `do_not_recommend`: report the missing `CatchableError` itself, not each
// of the blanket impl's bounds (one error for `Rc<E>`, not three).
#[diagnostic::do_not_recommend]
impl<T: Error + Send + Sync + 'static> CatchableError for T {
    fn take<V>(dispatch: &mut ExceptStar<V>) -> Option<ErrorGroup<T>> {
        dispatch.take::<T>()
    }

    fn take_if<V>(
        dispatch: &mut ExceptStar<V>,
        pred: impl FnMut(&T) -> bool,
    ) -> Option<ErrorGroup<T>> {
        dispatch.take_if::<T>(pred)
    }

    fn is(error: &AnyError) -> bool {
        error.is::<T>()
    }
}

/// What an except* arm evaluates to: its value, or what it raised.
pub type Outcome<V> = Result<V, Raise>;

/// Runs a sync except* arm and hands its outcome to the dispatch. The arm
/// is a closure so that whatever leaves it early (`?`, or a `return`
/// hidden in a macro call) leaves the arm alone, with an outcome; its
/// result type, against which rustc checks the arm's value, comes from
/// the dispatch.
pub fn sync_arm<V>(dispatch: &mut ExceptStar<V>, arm: impl FnOnce() -> Outcome<V>) {
    dispatch.settle(arm());
}

/// The value type of a dispatch, as a value that an async arm's `async`
/// block can capture (the block cannot borrow the dispatch, which its
/// outcome is handed to). An `async` block takes its result type only from
/// its own `return`s and tail, so the arm gets its types from here.
pub struct Witness<V>(PhantomData<fn() -> V>);

impl<V> Clone for Witness<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Witness<V> {}

/// The value type of `dispatch`.
pub fn witness<V>(_: &ExceptStar<V>) -> Witness<V> {
    Witness(PhantomData)
}

impl<V> Witness<V> {
    /// The arm's value as its outcome: rustc checks the value against the
    /// dispatch's value type here, and reports a mismatch at the value.
    pub fn ok(self, value: V) -> Outcome<V> {
        Ok(value)
    }

    /// Never called: the arm's `async` block starts with a dead
    /// `return w.hint()`, which fixes the block's result type before the
    /// arm's own code is checked. Then a `return` of another type hidden
    /// in a macro call (such as `anyhow::bail!`) is reported at that call.
    pub fn hint(self) -> Outcome<V> {
        unreachable!("an except* arm's type hint is never called")
    }
}

/// Stands in for a part of the input that had an error, which is reported
/// next to it; never called at run time.
pub fn placeholder<T>() -> T {
    unreachable!("task_group! expanded with a compile error")
}
