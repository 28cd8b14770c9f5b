//! The scoped tasks of one group: the queue their spawns go into and the set
//! the group's own future polls them in.
//!
//! A scoped task may borrow from the function that runs the group, so it can
//! never be handed to tokio: the group's `run` future owns it and polls it,
//! concurrently with the body and the other scoped tasks, never in parallel.
//! Spawning pushes the task into a queue shared with the group's handles (the
//! body, other scoped tasks, or another thread for a `Send` group); the `run`
//! future moves what is queued into a `FuturesUnordered` at each poll.
//!
//! Dropping the set drops every scoped task at once: that is how a stop (after
//! the grace period, if any) ends them, synchronously.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::scoped_handle::{Cell, ScopedHandle};
use crate::scoped_task::{ScopedGuard, ScopedTask};
use crate::shared::Shared;
use crate::sync::{lock, Mutex};
use crate::task::{Admission, TaskOutput};
use crate::{Origin, SpawnError, TaskGroup, TaskId};

/// A scoped task of a `Send` group, as the set holds it.
pub(crate) type SendTask<'env> = Pin<Box<dyn Future<Output = ()> + Send + 'env>>;

/// A scoped task of a local group, which need not be `Send`.
pub(crate) type LocalTask<'env> = Pin<Box<dyn Future<Output = ()> + 'env>>;

struct Queue<B> {
    tasks: Vec<B>,
    /// The `run` future is polling: a spawn needs no wake, the queue is
    /// looked at again before the poll ends.
    polling: bool,
}

/// Scoped tasks spawned and not yet in the set; shared by the group's scope
/// handles and its `run` future.
pub struct Incoming<B> {
    queue: Mutex<Queue<B>>,
}

impl<B> Incoming<B> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Incoming {
            queue: Mutex::new(Queue {
                tasks: Vec::new(),
                polling: false,
            }),
        })
    }

    /// Queues a task; wakes the group unless it is polling right now.
    fn push(&self, task: B, shared: &Shared) {
        let wake = {
            let mut queue = lock(&self.queue);
            queue.tasks.push(task);
            !queue.polling
        };
        if wake {
            shared.waker.wake();
        }
    }

    /// Takes what is queued, and says whether the `run` future is polling now.
    fn take(&self, polling: bool) -> Vec<B> {
        let mut queue = lock(&self.queue);
        queue.polling = polling;
        std::mem::take(&mut queue.tasks)
    }

    /// Drops every queued task (a stopped or dropped group); each counts
    /// itself out and catches its own drop's panic.
    pub(crate) fn clear(&self) {
        drop(self.take(false));
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

/// The scoped tasks the `run` future polls.
pub(crate) struct ScopedSet<B> {
    running: FuturesUnordered<B>,
    pub(crate) incoming: Arc<Incoming<B>>,
}

impl<B: Future<Output = ()> + Unpin> ScopedSet<B> {
    pub(crate) fn new(incoming: Arc<Incoming<B>>) -> Self {
        ScopedSet {
            running: FuturesUnordered::new(),
            incoming,
        }
    }

    /// Marks the `run` future as polling, so that spawns from the body need no
    /// wake (the set looks at the queue after the body).
    pub(crate) fn begin(&mut self) {
        self.running.extend(self.incoming.take(true));
    }

    /// Polls the scoped tasks until none is ready, taking in the ones spawned
    /// meanwhile. `FuturesUnordered` gives each ready task one poll and then
    /// yields (waking us), so the caller polls the body between rounds and ten
    /// thousand busy tasks never starve it.
    pub(crate) fn advance(&mut self, shared: &Shared, cx: &mut Context<'_>) {
        self.running.extend(self.incoming.take(true));
        if !self.running.is_empty() {
            while let Poll::Ready(Some(())) = self.running.poll_next_unpin(cx) {
                if shared.is_stopped() {
                    return;
                }
            }
        }
        // Tasks spawned by the tasks just polled: polled in the next round,
        // after the body.
        let spawned = self.incoming.take(false);
        if !spawned.is_empty() {
            self.running.extend(spawned);
            cx.waker().wake_by_ref();
        }
    }

    /// Drops every scoped task at once (the group stopped).
    pub(crate) fn clear(&mut self) {
        self.running.clear();
        self.incoming.clear();
    }
}
