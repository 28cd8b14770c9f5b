//! Timeouts: the [`Timeout`] leaf, and the ambient deadline that lets the
//! outermost expired deadline win among nested groups.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::nested::{self, GroupKey};

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

/// What a group tells the groups nested in it about its deadline: the earliest
/// deadline among it and its ancestors, and the earliest time one of them will
/// actually stop its tasks (its deadline plus its grace period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ambient {
    pub(crate) deadline: Instant,
    /// `None`: no enclosing group stops its tasks because of a deadline (its grace
    /// period is too long to fit in an `Instant`).
    pub(crate) stop: Option<Instant>,
}

impl Ambient {
    /// The ambient deadline for the children of a group with deadline `own` and
    /// grace period `grace`, inside `enclosing`.
    pub(crate) fn for_children(
        own: Option<Instant>,
        grace: Option<Duration>,
        enclosing: Option<Ambient>,
    ) -> Option<Ambient> {
        let own = own.map(|deadline| Ambient {
            deadline,
            stop: deadline.checked_add(grace.unwrap_or_default()),
        });
        match (own, enclosing) {
            (Some(own), Some(enclosing)) => Some(Ambient {
                deadline: own.deadline.min(enclosing.deadline),
                stop: earliest(own.stop, enclosing.stop),
            }),
            (own, enclosing) => own.or(enclosing),
        }
    }

    /// Whether an enclosing group is stopping its tasks now, so that a nested
    /// group whose own deadline passed stays quiet and lets it win: the outermost
    /// expired deadline wins, as Python's nested timeouts resolve. An enclosing
    /// group still in its grace period does not stop anything yet, so the nested
    /// group's own timeout fires as usual.
    pub(crate) fn is_stopping(ambient: Option<Ambient>, now: Instant) -> bool {
        ambient.is_some_and(|a| a.stop.is_some_and(|stop| stop <= now))
    }
}

thread_local! {
    /// The deadlines of the groups whose body or task is being polled on this
    /// thread right now. Tokio's `timeout` resolves nested expiries
    /// innermost-first; Python's resolve outermost-first, and so do we: a group
    /// whose deadline expires when an enclosing one is stopping its tasks stays
    /// quiet and lets the enclosing group cancel it.
    static AMBIENT: Cell<Option<Ambient>> = const { Cell::new(None) };
}

/// The deadlines of the enclosing groups, read when a group starts.
pub(crate) fn ambient() -> Option<Ambient> {
    AMBIENT.with(Cell::get)
}

/// What a group tells the code it polls (its body and its tasks) about itself:
/// its deadlines, for the groups that nest in it, and its key, so that a nested
/// group can link itself under it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    pub(crate) deadlines: Option<Ambient>,
    pub(crate) group: GroupKey,
}

/// Runs `poll` with `context` as the current group and ambient deadline,
/// restoring the previous ones afterwards, even if `poll` panics.
#[inline]
pub(crate) fn with_ambient<R>(context: &Context, poll: impl FnOnce() -> R) -> R {
    let _group = nested::enter(context.group);
    let Some(ambient) = context.deadlines else {
        return poll();
    };
    struct Restore(Option<Ambient>);
    impl Drop for Restore {
        fn drop(&mut self) {
            AMBIENT.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(AMBIENT.with(|cell| cell.replace(Some(ambient))));
    poll()
}

/// The earlier of two optional instants.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `now + timeout`, or `None` when that is too far to fit in an `Instant` or to
/// give tokio's timer (which adds to it): such a timeout never fires.
pub(crate) fn deadline_after(now: Instant, timeout: Duration) -> Option<Instant> {
    clamp_far_future(now.checked_add(timeout)?, now)
}

/// A deadline further than a hundred years away never fires, and is dropped
/// rather than handed to tokio's timer, whose arithmetic could overflow.
pub(crate) fn clamp_far_future(deadline: Instant, now: Instant) -> Option<Instant> {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    (deadline.saturating_duration_since(now) < FAR).then_some(deadline)
}
