//! Nested groups dropped by their enclosing group: the enclosing group waits
//! for what they leave behind.
//!
//! A nested group's future dropped before it finished aborts its spawned tasks,
//! but an abort takes effect when tokio next runs each task, possibly on
//! another worker. When the enclosing group is the one dropping it (stopping
//! its body or a scoped task, or its body dropping a group it polled), the
//! nested group hands its remaining count over: the enclosing group counts one
//! unit more until the nested group's last task is gone, so no task outlives
//! the group that enclosed it.
//!
//! Which group encloses is a thread-local, set while a group drops its body
//! and scoped tasks (and while a spawned task's future is dropped by an
//! abort), rather than a pointer every group carries: only a group dropped
//! mid-way reads it. The count handed over is kept in `handover.rs`.

use std::cell::RefCell;
use std::sync::Arc;

use crate::shared::Shared;

thread_local! {
    static ENCLOSING: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// Runs `f` with `shared` as the enclosing group of any group dropped meanwhile.
pub(crate) fn with_enclosing<R>(shared: &Arc<Shared>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<Shared>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ENCLOSING.with(|cell| *cell.borrow_mut() = previous);
        }
    }
    let previous = ENCLOSING.with(|cell| cell.borrow_mut().replace(Arc::clone(shared)));
    let _restore = Restore(previous);
    f()
}

/// The group enclosing the code running now, if any.
pub(crate) fn enclosing() -> Option<Arc<Shared>> {
    ENCLOSING.with(|cell| cell.borrow().clone())
}
