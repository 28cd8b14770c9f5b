//! Nested groups: which group encloses the one starting now, and the links
//! through which an enclosing group's cancellation reaches the groups nested in
//! it.
//!
//! A group is nested when it starts while its enclosing group polls its body or
//! one of its tasks on this thread (that is where its `run` future is awaited).
//! The group being polled is named by a key in a thread-local, which is only a
//! number: keeping a counted reference there would cost every poll of every
//! group a reference-count update. A nested group looks the key up when it
//! starts and links itself under it, in a process-wide table, so only groups
//! that nest pay for the table and its lock; an enclosing group that cancels
//! looks in it only while some link exists.
//! A snapshot of a group finds the groups nested in it through the same
//! links.
//!
//! A group that starts after its enclosing group began cancelling (a cleanup
//! group inside the grace period) is not cancelled by it, as a timeout inside
//! Python's `finally` works on its own; one starting at the same instant may
//! fall on either side.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};

use crate::{CancelReason, GroupSnapshot};

/// Names a group in the table of links; 0 is no group.
pub(crate) type GroupKey = u64;

/// A new group's key, unique in the process.
pub(crate) fn next_key() -> GroupKey {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

thread_local! {
    /// The group whose body or task is being polled on this thread.
    static CURRENT: Cell<GroupKey> = const { Cell::new(0) };
}

/// The group whose body or task is being polled on this thread, if any.
#[inline]
pub(crate) fn enclosing() -> Option<GroupKey> {
    let key = CURRENT.with(Cell::get);
    (key != 0).then_some(key)
}

/// Makes `key` the current group until the returned guard drops (also when the
/// poll it covers panics).
#[inline]
pub(crate) fn enter(key: GroupKey) -> Restore {
    Restore(CURRENT.with(|cell| cell.replace(key)))
}

/// Restores the group that was current before [`enter`].
pub(crate) struct Restore(GroupKey);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|cell| cell.set(self.0));
    }
}

/// A group as something outside it can cancel: its enclosing group, or the
/// token given to its builder.
pub(crate) trait Nested: Send + Sync {
    /// Starts cancelling for `reason`, which comes from outside the group.
    fn cancel_from_outside(&self, reason: CancelReason);

    /// What the group is doing, and the tokio task it runs in (to place it
    /// under that task in its enclosing group's snapshot).
    fn snapshot(&self) -> (Option<tokio::task::Id>, GroupSnapshot);
}

type Children = HashMap<GroupKey, Vec<(GroupKey, Weak<dyn Nested>)>>;

/// The nested groups that run now, by the key of their enclosing group.
static LINKS: LazyLock<Mutex<Children>> = LazyLock::new(Mutex::default);
/// How many links exist: an enclosing group looks in the table only if any do.
static LINKED: AtomicUsize = AtomicUsize::new(0);

/// Links the group `child` (keyed `key`) under `parent`.
pub(crate) fn link(parent: GroupKey, key: GroupKey, child: Weak<dyn Nested>) {
    LINKED.fetch_add(1, Ordering::SeqCst);
    let mut links = LINKS.lock().unwrap_or_else(PoisonError::into_inner);
    links.entry(parent).or_default().push((key, child));
}

/// Removes the link of `key` under `parent` (the nested group finished).
pub(crate) fn unlink(parent: GroupKey, key: GroupKey) {
    let mut links = LINKS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(children) = links.get_mut(&parent) {
        if let Some(i) = children.iter().position(|(child, _)| *child == key) {
            children.swap_remove(i);
            LINKED.fetch_sub(1, Ordering::SeqCst);
        }
        if children.is_empty() {
            links.remove(&parent);
        }
    }
}

/// The groups nested in `parent` that still run (for its snapshot); no lock
/// taken while no group nests anywhere.
pub(crate) fn children(parent: GroupKey) -> Vec<Arc<dyn Nested>> {
    if LINKED.load(Ordering::SeqCst) == 0 {
        return Vec::new();
    }
    let links = LINKS.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(children) = links.get(&parent) else {
        return Vec::new();
    };
    children.iter().filter_map(|(_, c)| c.upgrade()).collect()
}

/// Cancels every group nested in `parent`, which is cancelling for `reason`.
pub(crate) fn cancel_children(parent: GroupKey, reason: &CancelReason) {
    if LINKED.load(Ordering::SeqCst) == 0 {
        return;
    }
    let children: Vec<Arc<dyn Nested>> = {
        let links = LINKS.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(children) = links.get(&parent) else {
            return;
        };
        children.iter().filter_map(|(_, c)| c.upgrade()).collect()
    };
    if children.is_empty() {
        return;
    }
    // Outside the lock: each child cancels its own nested groups in turn.
    let reason = Arc::new(reason.clone());
    for child in children {
        child.cancel_from_outside(CancelReason::Enclosing(Arc::clone(&reason)));
    }
}
