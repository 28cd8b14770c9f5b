//! [`Shared`]: the state one task group shares between its `run` future, its
//! handles and its tasks.

use std::any::Any;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::task::AtomicWaker;
use slab::Slab;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::timeout::Ambient;
use crate::{ErrorGroup, Node, TASK_GROUP_MESSAGE};

/// Set in [`Shared::live`] once the group refuses new tasks (cancelling or finished).
const CLOSED: usize = 1 << (usize::BITS - 1);

/// A panic payload, as `catch_unwind` gives it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A task's slot in its group's registry; 32 bits keep the task small.
pub(crate) type TaskKey = u32;

/// A running task's entry in the group's registry.
enum Registration {
    /// Reserved; the task is being spawned.
    Spawning,
    /// The task ended before its spawner filled the slot; the spawner frees it.
    Ended,
    Running(AbortHandle),
}

/// The group's registry: the running tasks, to stop them, and the tasks that
/// ended but whose outcome tokio may not have stored yet.
///
/// A task counts itself out of the group as its future is dropped, and tokio
/// stores its output just after, on the same thread. So when the count reaches
/// zero, a task that ended on another worker may be a few instructions short of
/// having its outcome readable. `run` returns only once every ended task is
/// complete in tokio's eyes, so that after `run` every handle can give its
/// outcome at once; the handles themselves never wait.
#[derive(Default)]
struct Registry {
    tasks: Slab<Registration>,
    /// Oldest first; swept as tasks end, so it holds only the last few.
    ending: VecDeque<AbortHandle>,
}

impl Registry {
    /// Keeps `task` until tokio has stored its outcome, dropping the older
    /// entries that are complete.
    fn ending(&mut self, task: AbortHandle) {
        while self.ending.front().is_some_and(AbortHandle::is_finished) {
            self.ending.pop_front();
        }
        self.ending.push_back(task);
    }
}

pub(crate) struct Shared {
    pub(crate) name: Option<Arc<str>>,
    /// Running units (the body counts as one) in the low bits, [`CLOSED`] on top:
    /// one atomic, so a spawn and the group's decision to finish cannot race.
    live: AtomicUsize,
    /// Wakes the `run` future: when the count reaches zero, and on cancellation.
    pub(crate) waker: AtomicWaker,
    /// Fires first on cancellation: what `TaskGroup::cancelled` waits for.
    pub(crate) soft: CancellationToken,
    /// Set when tasks must stop; read without the registry's lock by the body's poll.
    stopped: AtomicBool,
    /// Abort handles of the running tasks, to stop them. A slot is reserved before
    /// the task is spawned (the task needs its key) and filled right after.
    registry: Mutex<Registry>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    pub(crate) limit: Option<Arc<Semaphore>>,
    /// The deadlines of this group and its ancestors, for nested groups.
    pub(crate) ambient: Option<Ambient>,
    pub(crate) runtime: tokio::runtime::Handle,
    errors: Mutex<Vec<Node>>,
    panic: Mutex<Option<Payload>>,
    finished: AtomicBool,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (every
/// critical section here is a single push or take).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Config {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    pub(crate) limit: Option<usize>,
    pub(crate) ambient: Option<Ambient>,
}

impl Shared {
    pub(crate) fn new(config: Config, runtime: tokio::runtime::Handle) -> Self {
        Shared {
            name: config.name,
            live: AtomicUsize::new(1), // the body
            waker: AtomicWaker::new(),
            soft: CancellationToken::new(),
            stopped: AtomicBool::new(false),
            registry: Mutex::new(Registry::default()),
            grace: config.grace,
            supervise: config.supervise,
            // More permits than tokio's semaphore holds is no limit at all: that
            // many tasks cannot exist at once.
            limit: config
                .limit
                .filter(|&n| n < Semaphore::MAX_PERMITS)
                .map(|n| Arc::new(Semaphore::new(n))),
            ambient: config.ambient,
            runtime,
            errors: Mutex::new(Vec::new()),
            panic: Mutex::new(None),
            finished: AtomicBool::new(false),
        }
    }

    /// Counts a new task in, unless the group is closed.
    pub(crate) fn try_enter(&self) -> bool {
        let before = self.live.fetch_add(1, Ordering::AcqRel);
        if before & CLOSED == 0 {
            return true;
        }
        self.leave();
        false
    }

    /// Counts a task (or the body) out, waking the group when none is left.
    pub(crate) fn leave(&self) {
        let before = self.live.fetch_sub(1, Ordering::AcqRel);
        if before & !CLOSED == 1 {
            self.waker.wake();
        }
    }

    /// Closes the group if nothing runs any more; `true` once it is finished.
    pub(crate) fn try_finish(&self) -> bool {
        let now = self.live.load(Ordering::Acquire);
        now & !CLOSED == 0
            && (now == CLOSED
                || self
                    .live
                    .compare_exchange(0, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok())
    }

    /// Whether spawns are refused.
    pub(crate) fn is_closed(&self) -> bool {
        self.live.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Starts cancelling: no more spawns, cooperative signal now, and the stop
    /// now or (with a grace period) when the `run` future's grace timer fires.
    pub(crate) fn cancel(&self) {
        self.live.fetch_or(CLOSED, Ordering::AcqRel);
        self.soft.cancel();
        self.close_queue();
        if self.grace.is_none() {
            self.stop();
        }
        self.waker.wake();
    }

    /// Stops everything at once (a panic, or the `run` future dropped).
    pub(crate) fn abort(&self) {
        self.live.fetch_or(CLOSED, Ordering::AcqRel);
        self.soft.cancel();
        self.close_queue();
        self.stop();
        self.waker.wake();
    }

    /// Tasks waiting for a permit under `limit` never start once the group is
    /// cancelling: closing the semaphore wakes them all, and they end at once.
    fn close_queue(&self) {
        if let Some(limit) = &self.limit {
            limit.close();
        }
    }

    /// Aborts every task: each is dropped at its next poll (blocking tasks that
    /// started run to the end).
    pub(crate) fn stop(&self) {
        let tasks = {
            let mut registry = lock(&self.registry);
            // Under the lock, so a task registered after this sees the flag.
            self.stopped.store(true, Ordering::Release);
            // Nobody needs the slots after a stop (late registrations see the
            // flag), so take them and abort outside the lock: the aborted tasks,
            // ending all at once, then never wait for it.
            std::mem::take(&mut registry.tasks)
        };
        let mut aborted = Vec::with_capacity(tasks.len());
        for (_, registration) in tasks {
            if let Registration::Running(task) = registration {
                task.abort();
                aborted.push(task);
            }
        }
        // Kept until tokio has stored their outcomes (see `Registry`).
        lock(&self.registry).ending.extend(aborted);
    }

    /// Whether tokio has stored the outcome of every task that ended; checked
    /// once the count is zero, so no task is added meanwhile.
    pub(crate) fn outcomes_stored(&self) -> bool {
        let mut registry = lock(&self.registry);
        registry.ending.retain(|task| !task.is_finished());
        registry.ending.is_empty()
    }

    /// Whether tasks must stop (the body too).
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Reserves a registry slot for a task about to be spawned.
    pub(crate) fn reserve(&self) -> TaskKey {
        // Four billion tasks running at once in one group is beyond any memory.
        lock(&self.registry).tasks.insert(Registration::Spawning) as TaskKey
    }

    /// Fills a task's slot once it is spawned, or frees it if the task already ended.
    pub(crate) fn register(&self, key: TaskKey, task: AbortHandle) {
        let key = key as usize;
        let mut registry = lock(&self.registry);
        if self.is_stopped() {
            task.abort(); // the registry was emptied by `stop`
            registry.ending.push_back(task);
        } else if matches!(registry.tasks.get(key), Some(Registration::Ended)) {
            registry.tasks.remove(key);
            registry.ending(task);
        } else if let Some(slot) = registry.tasks.get_mut(key) {
            *slot = Registration::Running(task);
        }
    }

    /// Frees a task's slot as it ends (or marks it for its spawner to free).
    pub(crate) fn deregister(&self, key: TaskKey) {
        // After a stop the registry is empty: skip the lock that thousands of
        // tasks ending at once would otherwise queue on.
        if self.is_stopped() {
            return;
        }
        let key = key as usize;
        let mut registry = lock(&self.registry);
        if self.is_stopped() {
            return; // stopped while we waited for the lock
        }
        match registry.tasks.get_mut(key) {
            Some(slot @ Registration::Spawning) => *slot = Registration::Ended,
            Some(Registration::Running(_)) => {
                if let Registration::Running(task) = registry.tasks.remove(key) {
                    registry.ending(task);
                }
            }
            Some(Registration::Ended) | None => {}
        }
    }

    /// Collects a task's error; the first one cancels the group unless it supervises.
    pub(crate) fn fail(&self, node: Node) {
        self.push(node);
        if !self.supervise {
            self.cancel();
        }
    }

    /// Collects an error, in completion order.
    pub(crate) fn push(&self, node: Node) {
        #[cfg(feature = "tracing")]
        tracing::warn!(
            group = self.name.as_deref(),
            error = %crate::summary::summary(&node),
            "task group collected an error"
        );
        lock(&self.errors).push(node);
    }

    /// Marks the group finished: later spawns are refused as `Finished`.
    pub(crate) fn mark_finished(&self) {
        self.live.fetch_or(CLOSED, Ordering::AcqRel);
        self.finished.store(true, Ordering::Release);
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Keeps the first panic payload and stops everything.
    pub(crate) fn panicked(&self, payload: Payload) {
        lock(&self.panic).get_or_insert(payload);
        self.abort();
    }

    pub(crate) fn take_panic(&self) -> Option<Payload> {
        lock(&self.panic).take()
    }

    /// The errors collected so far plus `last` (the body's), as the group's result.
    pub(crate) fn take_errors(&self, last: Option<Node>) -> Option<ErrorGroup> {
        let mut errors = std::mem::take(&mut *lock(&self.errors));
        errors.extend(last);
        (!errors.is_empty()).then(|| {
            ErrorGroup::from_children(Cow::Borrowed(TASK_GROUP_MESSAGE), Vec::new(), errors)
        })
    }
}
