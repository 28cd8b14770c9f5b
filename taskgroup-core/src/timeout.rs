//! Timeouts: the [`Timeout`] leaf, and the ambient deadline that lets the
//! outermost expired deadline win among nested groups (catalogue E7).

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

/// The leaf a group adds when its timeout or deadline expires; the group then
/// cancels its body and tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    pub(crate) after: Option<Duration>,
}

impl Timeout {
    /// The timeout that expired, if the group was given one rather than a deadline.
    pub fn after(&self) -> Option<Duration> {
        self.after
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.after {
            Some(after) => write!(f, "task group timed out after {after:?}"),
            None => f.write_str("task group deadline expired"),
        }
    }
}

impl std::error::Error for Timeout {}

thread_local! {
    /// The earliest deadline among the groups whose body or task is being polled
    /// on this thread right now. Tokio's `timeout` resolves nested expiries
    /// innermost-first; Python's resolve outermost-first, and so do we: a group
    /// whose deadline expires when an enclosing one has too stays quiet and lets
    /// the enclosing group cancel it. (An enclosing deadline that had already
    /// passed when the group started does not count: see `run`.)
    static AMBIENT_DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The deadline of the enclosing groups, read when a group starts.
pub(crate) fn ambient_deadline() -> Option<Instant> {
    AMBIENT_DEADLINE.with(Cell::get)
}

/// Runs `poll` with `deadline` as the ambient deadline, restoring the previous one
/// afterwards, even if `poll` panics.
pub(crate) fn with_ambient_deadline<R>(deadline: Option<Instant>, poll: impl FnOnce() -> R) -> R {
    if deadline.is_none() {
        return poll();
    }
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            AMBIENT_DEADLINE.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(AMBIENT_DEADLINE.with(|cell| cell.replace(deadline)));
    poll()
}

/// The earlier of two optional deadlines.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
