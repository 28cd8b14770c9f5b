//! [`LiveCount`]: how many units of a group are running, and whether it still
//! takes new ones.
//!
//! The lifecycle of a group, as its shared state (`Shared`) sees it; each
//! arrow is named after the method that takes it:
//!
//! ```text
//!            cancel()                      stop()
//!  open ───────────────► cancelling ──────────────────► stopped
//!   │   sets CLOSED,        │  (at once without a grace    │
//!   │   fires the           │   period, or when the grace  │
//!   │   cancellation        │   timer of `run` ends)       │
//!   │   signal              │                              │
//!   │                       │                              │
//!   │ abort() = cancel() + stop() at once (a panic, `run` dropped)
//!   ├──────────────────────────────────────────────────────►
//!   │                       │                              │
//!   │   count reaches 0     │   count reaches 0            │ count reaches 0
//!   └───────────────────────┴───────────► finished ◄───────┘
//!        try_finish(): sets CLOSED if the count is 0; then every outcome
//!        stored, and `mark_finished` sets the `finished` flag
//! ```
//!
//! - *open*: spawns are counted in.
//! - *cancelling* ([`close`](LiveCount::close) sets `CLOSED`, and the group's
//!   cancellation signal fires): spawns are refused, tasks see
//!   `tg.cancelled()` and have the grace period.
//! - *stopped* (the registry's `stopped` flag): every task is aborted, the
//!   body dropped.
//! - *finished* (the `finished` flag): nothing runs; `run` returns once every
//!   outcome is stored, and later spawns are refused as finished rather than
//!   shutting down.
//!
//! "Closed" (spawns refused) covers the last three. It lives in the top bit of
//! the same atomic as the count, so a spawn and the group's decision to finish
//! cannot race: a spawn either counts itself in before the group sees zero, or
//! sees the bit and is refused.

use crate::sync::{AtomicUsize, Ordering};

/// Set once the group refuses new units (cancelling or finished).
const CLOSED: usize = 1 << (usize::BITS - 1);

/// A unit the group refused; `last`: it was the last to leave, wake the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) last: bool,
}

/// Running units (the body counts as one) in the low bits, [`CLOSED`] on top.
pub(crate) struct LiveCount(AtomicUsize);

impl LiveCount {
    /// A count holding the body.
    pub(crate) fn new() -> Self {
        LiveCount(AtomicUsize::new(1))
    }

    /// Counts a new unit in, unless the group is closed.
    ///
    /// A refused unit was counted in for an instant, so it may be the last to
    /// leave: then it must wake the group like any last unit, or a group that
    /// saw it in the count waits forever (`Refused { last: true }`).
    pub(crate) fn try_enter(&self) -> Result<(), Refused> {
        let before = self.0.fetch_add(1, Ordering::AcqRel);
        if before & CLOSED == 0 {
            return Ok(());
        }
        Err(Refused { last: self.leave() })
    }

    /// Counts a unit in even if the group is closed (a nested group's
    /// remaining tasks, adopted while this group is still running).
    pub(crate) fn enter(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether no unit runs.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.load(Ordering::Acquire) & !CLOSED == 0
    }

    /// Counts a unit out; `true` when it was the last one (wake the group).
    pub(crate) fn leave(&self) -> bool {
        let before = self.0.fetch_sub(1, Ordering::AcqRel);
        before & !CLOSED == 1
    }

    /// Closes the group if nothing runs any more; `true` once it is finished.
    pub(crate) fn try_finish(&self) -> bool {
        let now = self.0.load(Ordering::Acquire);
        now & !CLOSED == 0
            && (now == CLOSED
                || self
                    .0
                    .compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok())
    }

    /// How many units are counted in (the body too, while it runs).
    pub(crate) fn running(&self) -> usize {
        self.0.load(Ordering::Relaxed) & !CLOSED
    }

    /// Refuses new units from now on.
    pub(crate) fn close(&self) {
        self.0.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Whether new units are refused.
    pub(crate) fn is_closed(&self) -> bool {
        self.0.load(Ordering::Acquire) & CLOSED != 0
    }
}
