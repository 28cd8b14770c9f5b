//! The scoped tasks of one group: the queue their spawns go into and the set
//! the group's own future polls them in.
//!
//! A scoped task may borrow from the function that runs the group, so it can
//! never be handed to tokio: the group's `run` future owns it and polls it,
//! concurrently with the body and the other scoped tasks, never in parallel.
//! Spawning pushes the task into a queue shared with the group's handles (the
//! body, other scoped tasks, or another thread for a `Send` group); the `run`
//! future moves what is queued into its set (`scoped_set.rs`) at each poll.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;

use crate::scoped_handle::{Cell, ScopedHandle};
use crate::scoped_task::{ScopedGuard, ScopedTask};
use crate::shared::Shared;
use crate::sync::{lock, AtomicBool, Mutex, Ordering};
use crate::task::{Admission, TaskOutput};
use crate::{Origin, SpawnError, TaskGroup, TaskId};

/// A scoped task of a `Send` group, as the set holds it.
pub(crate) type SendTask<'env> = Pin<Box<dyn Future<Output = ()> + Send + 'env>>;

/// A scoped task of a local group, which need not be `Send`.
pub(crate) type LocalTask<'env> = Pin<Box<dyn Future<Output = ()> + 'env>>;

/// Scoped tasks spawned and not yet in the set; shared by the group's scope
/// handles and its `run` future.
pub struct Incoming<B> {
    tasks: Mutex<Vec<B>>,
    /// Set after a push: the `run` future looks at the queue only when it is,
    /// so a round without spawns takes no lock.
    queued: AtomicBool,
    /// The `run` future is polling: a spawn needs no wake, the queue is looked
    /// at again before the poll ends.
    polling: AtomicBool,
}

impl<B> Incoming<B> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Incoming {
            tasks: Mutex::new(Vec::new()),
            queued: AtomicBool::new(false),
            polling: AtomicBool::new(false),
        })
    }

    /// Queues a task; wakes the group unless it is polling right now.
    ///
    /// Against [`end_poll`](Self::end_poll): the push sets `queued` and then
    /// reads `polling`; the `run` future clears `polling` and then reads
    /// `queued` (all sequentially consistent), so either the spawn sees the
    /// group not polling and wakes it, or the group sees the task.
    fn push(&self, task: B, shared: &Shared) {
        lock(&self.tasks).push(task);
        self.queued.store(true, Ordering::SeqCst);
        if !self.polling.load(Ordering::SeqCst) {
            shared.waker.wake();
        }
    }

    /// Moves what is queued into `into` (whose capacity goes back and forth
    /// with the queue's, so neither reallocates).
    pub(crate) fn take_into(&self, into: &mut Vec<B>) {
        if !self.queued.load(Ordering::SeqCst) {
            return;
        }
        self.queued.store(false, Ordering::SeqCst);
        std::mem::swap(&mut *lock(&self.tasks), into);
    }

    /// The `run` future starts a poll.
    pub(crate) fn begin_poll(&self) {
        self.polling.store(true, Ordering::SeqCst);
    }

    /// The `run` future ends a poll; then it takes in what was queued meanwhile.
    pub(crate) fn end_poll(&self) {
        self.polling.store(false, Ordering::SeqCst);
    }

    /// Drops every queued task (a stopped or dropped group); each counts
    /// itself out and catches its own drop's panic.
    pub(crate) fn clear(&self) {
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        drop(tasks);
    }
}

/// Spawns `future` as a scoped task into `incoming`, boxed by `boxed`.
pub(crate) fn spawn<B, F>(
    group: &TaskGroup,
    incoming: &Incoming<B>,
    name: Option<Arc<str>>,
    future: F,
    location: &'static Location<'static>,
    boxed: impl FnOnce(ScopedTask<F, <F::Output as TaskOutput>::Ok>) -> B,
) -> Result<ScopedHandle<<F::Output as TaskOutput>::Ok>, SpawnError<F>>
where
    F: Future,
    F::Output: TaskOutput,
{
    let shared = &group.shared;
    if !shared.try_enter() {
        let reason = group.refusal();
        return Err(SpawnError { reason, future });
    }
    let id = TaskId::next();
    let cell = Cell::running();
    let admission = shared.limit.as_ref().map(Admission::queue);
    let guard = ScopedGuard {
        shared: Arc::clone(shared),
        cell: Arc::clone(&cell),
        origin: Origin::task(id, name.clone(), location),
    };
    incoming.push(boxed(ScopedTask::new(future, admission, guard)), shared);
    Ok(ScopedHandle::new(cell, id, name))
}
