//! The scoped tasks of one group: the queue their spawns go into and the set
//! the group's own future polls them in.
//!
//! A scoped task may borrow from the function that runs the group, so it can
//! never be handed to tokio: the group's `run` future owns it and polls it,
//! concurrently with the body and the other scoped tasks, never in parallel.
//! Spawning places the task into a set shared with the group's handles (the
//! body, other scoped tasks, or another thread for a `Send` group), which the
//! `run` future polls (`scoped_set.rs`).

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, TryLockError};
use std::task::Context;

use crate::scoped_handle::{Cell, ScopedHandle};
use crate::scoped_set::ScopedSet;
use crate::scoped_task::{ScopedGuard, ScopedTask};
use crate::shared::Shared;
use crate::sync::{lock, AtomicBool, Mutex, Ordering};
use crate::task::{Admission, TaskOutput};
use crate::{Origin, SpawnError, TaskGroup, TaskId};

/// A scoped task of a `Send` group, as the set holds it.
pub(crate) type SendTask<'env> = Pin<Box<dyn Future<Output = ()> + Send + 'env>>;

/// A scoped task of a local group, which need not be `Send`.
pub(crate) type LocalTask<'env> = Pin<Box<dyn Future<Output = ()> + 'env>>;

/// The scoped tasks of a group, shared by its scope handles (which spawn) and
/// its `run` future (which polls).
///
/// A spawn places its task straight into the set when the set's lock is free
/// (a spawn from the body: the `run` future is polling the body, not the set),
/// and otherwise (a scoped task spawning while the set is being polled, or
/// another thread) into an overflow queue that the `run` future takes in at
/// the start and end of each round. So a body spawning a hundred thousand
/// tasks builds no queue of them.
pub struct Incoming<B> {
    set: Mutex<ScopedSet<B>>,
    overflow: Mutex<Vec<B>>,
    /// Set when a spawn used the overflow queue: a round without one takes
    /// no lock for it.
    spilled: AtomicBool,
    /// Set by every spawn: the `run` future has something to take in or to
    /// poll that it may not have seen.
    queued: AtomicBool,
    /// The `run` future is polling: a spawn needs no wake, the `run` future
    /// looks at `queued` before the poll ends.
    polling: AtomicBool,
}

impl<B: Future<Output = ()> + Unpin> Incoming<B> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Incoming {
            set: Mutex::new(ScopedSet::new()),
            overflow: Mutex::new(Vec::new()),
            spilled: AtomicBool::new(false),
            queued: AtomicBool::new(false),
            polling: AtomicBool::new(false),
        })
    }

    /// Places or queues a task; wakes the group unless it is polling now.
    ///
    /// Against [`advance`](Self::advance): the spawn sets `queued` and then
    /// reads `polling`; the `run` future clears `polling` and then reads
    /// `queued` (all sequentially consistent), so either the spawn sees the
    /// group not polling and wakes it, or the group sees the task.
    fn push(&self, task: B, shared: &Shared) {
        match self.set.try_lock() {
            Ok(mut set) => set.place(task),
            Err(TryLockError::Poisoned(set)) => set.into_inner().place(task),
            Err(TryLockError::WouldBlock) => {
                lock(&self.overflow).push(task);
                self.spilled.store(true, Ordering::SeqCst);
            }
        }
        self.queued.store(true, Ordering::SeqCst);
        if !self.polling.load(Ordering::SeqCst) {
            shared.waker.wake();
        }
    }

    /// The `run` future starts a poll: spawns from the body need no wake.
    pub(crate) fn begin(&self) {
        self.polling.store(true, Ordering::SeqCst);
    }

    /// One round of the scoped tasks, after the body; the tasks spawned during
    /// it are polled next round (after the body again), and the `run` future
    /// is woken for it.
    ///
    /// `seen` belongs to the `run` future: whether a task was ever spawned.
    /// Until then a round takes no lock and polls nothing, so a group that
    /// never spawns a scoped task pays two loads and a store per round for
    /// them, and a spawn pays nothing extra.
    pub(crate) fn advance(&self, seen: &mut bool, shared: &Shared, cx: &mut Context<'_>) {
        if !*seen {
            if !self.queued.load(Ordering::SeqCst) {
                // A spawn racing with this check (from another thread) either
                // sees `polling` cleared and wakes the group, or is seen by
                // the second look at `queued`, and polled next round.
                self.polling.store(false, Ordering::SeqCst);
                if self.queued.load(Ordering::SeqCst) {
                    cx.waker().wake_by_ref();
                }
                return;
            }
            *seen = true;
        }
        self.queued.store(false, Ordering::SeqCst);
        {
            let mut set = lock(&self.set);
            self.take_overflow(&mut set);
            set.poll_round(shared, cx);
        }
        self.polling.store(false, Ordering::SeqCst);
        if self.queued.load(Ordering::SeqCst) {
            self.take_overflow(&mut lock(&self.set));
            cx.waker().wake_by_ref();
        }
    }

    fn take_overflow(&self, set: &mut ScopedSet<B>) {
        // Cleared before the take: a spill after it sets the flag again.
        if !self.spilled.swap(false, Ordering::SeqCst) {
            return;
        }
        let overflow = std::mem::take(&mut *lock(&self.overflow));
        for task in overflow {
            set.place(task);
        }
    }

    /// Drops every scoped task at once, placed or queued (a stopped or
    /// dropped group); each counts itself out and catches its own drop's
    /// panic. A task's `Drop` that spawns is refused (the group is closed)
    /// and never waits for the lock held here.
    pub(crate) fn clear(&self) {
        self.polling.store(false, Ordering::SeqCst);
        lock(&self.set).clear();
        let overflow = std::mem::take(&mut *lock(&self.overflow));
        drop(overflow);
    }
}

/// Spawns `future` as a scoped task into `incoming`, boxed by `boxed`.
pub(crate) fn spawn<B: Future<Output = ()> + Unpin, F>(
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
