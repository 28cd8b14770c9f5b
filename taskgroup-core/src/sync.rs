//! The atomics and locks of the shared-state protocol ([`LiveCount`] and
//! [`Tasks`]), in one place so that `loom` can stand in for them: built with
//! `RUSTFLAGS="--cfg taskgroup_loom"`, they are loom's, and the model checks in
//! `model_check.rs` explore every interleaving of the protocol. (A cfg of our
//! own rather than loom's usual `loom`: tokio does not build under `--cfg loom`
//! as a dependency; tokio's own types stay as they are and are stubbed there.)
//!
//! [`LiveCount`]: crate::live::LiveCount
//! [`Tasks`]: crate::registry::Tasks

#[cfg(taskgroup_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(taskgroup_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(taskgroup_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(taskgroup_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Locks a mutex whose data stays consistent even if a holder panicked (every
/// critical section of the protocol is a few pushes or takes).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
