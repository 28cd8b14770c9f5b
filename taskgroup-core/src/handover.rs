//! [`Handover`]: the group that adopted a dropped nested group's remaining
//! tasks (see `enclosing.rs`), and counts one unit for them until they are gone.
//!
//! Generic over the adopting group's state ([`Adopter`]), so that this file
//! does not depend on the state that holds it.

use std::sync::Arc;

use crate::sync::{lock, AtomicBool, Mutex, Ordering};

/// What an adopting group does: count the adopted unit in, and out.
pub(crate) trait Adopter {
    /// Counts the adopted unit in, even if the group is closed.
    fn enter_adopted(&self);
    /// Counts it out.
    fn leave(&self);
}

/// The group that adopted a dropped group's remaining tasks, and counts one
/// unit for them until they are gone.
pub(crate) struct Handover<A> {
    /// Set once an adopter is: a group that was never dropped mid-way checks
    /// only this flag when its count reaches zero.
    adopted: AtomicBool,
    adopter: Mutex<Option<Arc<A>>>,
}

impl<A> Default for Handover<A> {
    fn default() -> Self {
        Handover {
            adopted: AtomicBool::new(false),
            adopter: Mutex::new(None),
        }
    }
}

impl<A: Adopter> Handover<A> {
    /// Makes `adopter` count one unit until `release`.
    pub(crate) fn adopt(&self, adopter: Arc<A>) {
        adopter.enter_adopted();
        *lock(&self.adopter) = Some(adopter);
        self.adopted.store(true, Ordering::Release);
    }

    /// The dropped group's count reached zero: the adopter's unit leaves (once).
    pub(crate) fn release(&self) {
        if !self.adopted.load(Ordering::Acquire) {
            return;
        }
        let adopter = lock(&self.adopter).take();
        if let Some(adopter) = adopter {
            adopter.leave();
        }
    }
}
