//! [`Signal`]: the cooperative cancellation signal of a group, what
//! `TaskGroup::cancelled` waits for.
//!
//! A flag and a `Notify`, inline in the group's state, rather than a
//! `CancellationToken`: a token is its own allocation and takes a lock to read,
//! and every group pays for it while few are ever cancelled.

use std::pin::pin;

use tokio::sync::Notify;

use crate::sync::{AtomicBool, Ordering};

#[derive(Default)]
pub(crate) struct Signal {
    fired: AtomicBool,
    notify: Notify,
}

impl Signal {
    /// Fires the signal (once; later calls do nothing) and wakes every waiter.
    pub(crate) fn fire(&self) {
        if !self.fired.swap(true, Ordering::SeqCst) {
            self.notify.notify_waiters();
        }
    }

    pub(crate) fn is_fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// Waits until the signal fires.
    ///
    /// The waiter registers with `Notify` before it reads the flag, so a `fire`
    /// between the two is never missed: either the read sees the flag, or
    /// `notify_waiters` sees the registered waiter.
    pub(crate) async fn fired(&self) {
        let mut notified = pin!(self.notify.notified());
        notified.as_mut().enable();
        if self.is_fired() {
            return;
        }
        notified.await;
    }
}
