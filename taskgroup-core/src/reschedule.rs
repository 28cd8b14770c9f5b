//! A group's deadline that the body and its tasks may move (asyncio's
//! `Timeout.when()` and `Timeout.reschedule()`): [`TaskGroup::deadline`] and
//! [`TaskGroup::reschedule`].

use tokio::time::Instant;

use crate::sync::{lock, AtomicBool, Mutex, Ordering};
use crate::timeout::clamp_far_future;
use crate::TaskGroup;

/// The group's deadline as the body and tasks see and move it. The `run`
/// future owns the timer; a move sets `changed`, which it reads at each poll
/// (one atomic load), and wakes it.
pub(crate) struct Schedule {
    deadline: Mutex<Option<Instant>>,
    changed: AtomicBool,
}

impl Schedule {
    pub(crate) fn new(deadline: Option<Instant>) -> Self {
        Schedule {
            deadline: Mutex::new(deadline),
            changed: AtomicBool::new(false),
        }
    }

    fn get(&self) -> Option<Instant> {
        *lock(&self.deadline)
    }

    fn set(&self, deadline: Option<Instant>) {
        *lock(&self.deadline) = deadline;
        self.changed.store(true, Ordering::Release);
    }

    /// The new deadline, if it was moved since the last call.
    pub(crate) fn take_change(&self) -> Option<Option<Instant>> {
        if !self.changed.load(Ordering::Acquire) {
            return None;
        }
        self.changed.store(false, Ordering::Release);
        Some(self.get())
    }
}

impl TaskGroup {
    /// The group's deadline: from the builder's `timeout` or `deadline`, or as
    /// last moved by [`reschedule`](Self::reschedule); `None` for no deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// TaskGroup::builder()
    ///     .timeout(Duration::from_secs(5))
    ///     .run(async |tg| {
    ///         let deadline = tg.deadline().unwrap();
    ///         // More work came in: give it five more seconds.
    ///         tg.reschedule(Some(deadline + Duration::from_secs(5)));
    ///         tokio::time::sleep(Duration::from_secs(8)).await;
    ///         Ok::<_, std::fmt::Error>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.shared.schedule.get()
    }

    /// Moves the group's deadline (asyncio's `Timeout.reschedule`): earlier,
    /// later, into the past (it expires at the group's next poll), or away
    /// (`None`). Works from the body, a task, or a spawner on another thread.
    /// When it expires, the group adds a [`Timeout`](crate::Timeout) leaf (a
    /// "deadline expired" one, as the builder's timeout no longer applies) and
    /// cancels, as with the builder's deadline.
    ///
    /// It moves this group's deadline only: groups nested in it keep the
    /// ambient deadline they read when they started. Once the group is
    /// cancelling (its deadline expired, or anything else), it has no effect.
    pub fn reschedule(&self, deadline: Option<Instant>) {
        if self.shared.cancellation.is_fired() {
            return;
        }
        let deadline = deadline.and_then(|d| clamp_far_future(d, Instant::now()));
        self.shared.schedule.set(deadline);
        self.shared.waker.wake();
    }
}
