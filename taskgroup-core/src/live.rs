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
//!
//! Background tasks are counted in the same word, in a field of their own
//! (bits 32 to 62): the moment the *ordinary* units (the body and the ordinary
//! tasks) reach zero is when the group's work is done and its background tasks
//! are cancelled, and reading both counts from one word makes that moment
//! exact. A group without background tasks keeps that field at zero and pays
//! nothing for it.

use crate::sync::{AtomicU64, Ordering};

/// Set once the group refuses new units (cancelling or finished).
const CLOSED: u64 = 1 << 63;
/// One background task, in the background field.
const BACKGROUND: u64 = 1 << 32;
/// The ordinary units: the body and the ordinary tasks. Registry keys are 32
/// bits, so no more tasks than this can run in one group at once anyway.
const ORDINARY: u64 = BACKGROUND - 1;
/// The background tasks.
const BACKGROUNDS: u64 = !CLOSED & !ORDINARY;

/// A unit the group refused; `last`: it was the last to leave, wake the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) last: bool,
}

/// Running units (the body counts as one) in the low bits, the background
/// tasks above them, [`CLOSED`] on top.
pub(crate) struct LiveCount(AtomicU64);

impl LiveCount {
    /// A count holding the body.
    pub(crate) fn new() -> Self {
        LiveCount(AtomicU64::new(1))
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

    /// Counts an ordinary unit out; `true` when it was the last ordinary one
    /// (wake the group: it is finished, or its background tasks must stop).
    pub(crate) fn leave(&self) -> bool {
        let before = self.0.fetch_sub(1, Ordering::AcqRel);
        before & ORDINARY == 1
    }

    /// Counts a background task in (before it is spawned as an ordinary unit),
    /// unless the group is closed.
    pub(crate) fn try_enter_background(&self) -> Result<(), Refused> {
        let before = self.0.fetch_add(BACKGROUND, Ordering::AcqRel);
        if before & CLOSED == 0 {
            return Ok(());
        }
        Err(Refused {
            last: self.leave_background(),
        })
    }

    /// Counts out a background task that was never spawned; `true` when it
    /// was the last unit (wake the group).
    pub(crate) fn leave_background(&self) -> bool {
        let before = self.0.fetch_sub(BACKGROUND, Ordering::AcqRel);
        before & !CLOSED == BACKGROUND
    }

    /// A background task ends: it turns back into an ordinary unit, which its
    /// task then counts out as every task does. One step, so the total never
    /// dips and the group never sees its work done early.
    pub(crate) fn background_ended(&self) {
        self.0.fetch_sub(BACKGROUND - 1, Ordering::AcqRel);
    }

    /// Whether the body and every ordinary task have finished while background
    /// tasks still run: time to cancel them.
    pub(crate) fn only_background_left(&self) -> bool {
        let now = self.0.load(Ordering::Acquire);
        now & ORDINARY == 0 && now & BACKGROUNDS != 0
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
        let now = self.0.load(Ordering::Relaxed);
        ((now & ORDINARY) + ((now & BACKGROUNDS) >> 32)) as usize
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
