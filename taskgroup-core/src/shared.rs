//! [`Shared`]: the state one task group shares between its `run` future, its
//! handles and its tasks.
//!
//! Its lifecycle is drawn in `live.rs` (the module docs of [`LiveCount`]):
//! *open*, then *cancelling* ([`Shared::cancel`]: the `CLOSED` bit of the live
//! count is set, so spawns are refused, and the [`cancellation`] signal
//! fires), then *stopped* ([`Shared::stop`], right away without a grace
//! period: the registry's `stopped` flag is set and every task aborted), and
//! *finished* (the `finished` flag, once nothing runs and every outcome is
//! stored). [`Shared::abort`] is cancel and stop at once (a panic, or the
//! `run` future dropped).
//!
//! [`cancellation`]: Shared::cancellation

use std::any::Any;
use std::borrow::Cow;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use crate::handover::{Adopter, Handover};
use crate::live::LiveCount;
use crate::origin::TaskName;
use crate::registry::{TaskKey, Tasks};
use crate::signal::Signal;
use crate::sync::{lock, AtomicBool, Mutex, Ordering};
use crate::timeout::Ambient;
use crate::{ErrorGroup, Node, Origin, TaskId, TASK_GROUP_MESSAGE};

/// A panic payload, as `catch_unwind` gives it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// What the registry keeps of every task's [`Origin`] besides its name (kept
/// aside: few tasks have one): its id and where it was spawned.
type Spawned = (TaskId, &'static Location<'static>);

pub(crate) struct Shared {
    pub(crate) name: Option<Arc<str>>,
    /// Running units (the body counts as one), and whether spawns are refused.
    live: LiveCount,
    /// Wakes the `run` future: when the count reaches zero, and on cancellation.
    pub(crate) waker: AtomicWaker,
    /// The cooperative cancellation signal: fires first on cancellation, and
    /// is what `TaskGroup::cancelled` waits for.
    pub(crate) cancellation: Signal,
    /// Abort handles of the running tasks, to stop them, and whether they were
    /// (the `stopped` flag); with who each task is, read when it fails.
    tasks: Tasks<AbortHandle, Spawned, TaskName>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    pub(crate) limit: Option<Arc<Semaphore>>,
    /// The deadlines of this group and its ancestors, for nested groups.
    pub(crate) ambient: Option<Ambient>,
    pub(crate) runtime: tokio::runtime::Handle,
    errors: Mutex<Vec<Node>>,
    panic: Mutex<Option<Payload>>,
    finished: AtomicBool,
    /// Who waits for this group's tasks if its future is dropped mid-way.
    handover: Handover<Shared>,
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
            live: LiveCount::new(), // the body
            waker: AtomicWaker::new(),
            cancellation: Signal::default(),
            tasks: Tasks::new(),
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
            handover: Handover::default(),
        }
    }

    /// Counts a new task in, unless the group is closed.
    pub(crate) fn try_enter(&self) -> bool {
        match self.live.try_enter() {
            Ok(()) => true,
            Err(refused) => {
                if refused.last {
                    self.waker.wake();
                    self.handover.release();
                }
                false
            }
        }
    }

    /// Counts a task (or the body) out, waking the group when none is left.
    pub(crate) fn leave(&self) {
        if self.live.leave() {
            self.waker.wake();
            self.handover.release();
        }
    }

    /// Hands what is still running over to `adopter`, which counts it as one
    /// unit until the last of it is gone (a nested group dropped by it).
    pub(crate) fn hand_over(&self, adopter: Arc<Shared>) {
        self.handover.adopt(adopter);
        // Everything may have ended before the handover was in place.
        if self.live.is_empty() {
            self.handover.release();
        }
    }

    /// Closes the group if nothing runs any more; `true` once it is finished.
    pub(crate) fn try_finish(&self) -> bool {
        self.live.try_finish()
    }

    /// Whether spawns are refused.
    pub(crate) fn is_closed(&self) -> bool {
        self.live.is_closed()
    }

    /// Starts cancelling: no more spawns, cooperative signal now, and the stop
    /// now or (with a grace period) when the `run` future's grace timer fires.
    pub(crate) fn cancel(&self) {
        self.live.close();
        self.cancellation.fire();
        self.close_queue();
        if self.grace.is_none() {
            self.stop();
        }
        self.waker.wake();
    }

    /// Stops everything at once (a panic, or the `run` future dropped).
    pub(crate) fn abort(&self) {
        self.live.close();
        self.cancellation.fire();
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
        self.tasks.stop();
    }

    /// Whether the runtime has stored every ended task's outcome.
    pub(crate) fn outcomes_stored(&self) -> bool {
        self.tasks.outcomes_stored()
    }

    /// Whether tasks must stop (the body too).
    pub(crate) fn is_stopped(&self) -> bool {
        self.tasks.is_stopped()
    }

    /// Reserves a registry entry for a task about to be spawned.
    pub(crate) fn reserve(
        &self,
        id: TaskId,
        name: Option<TaskName>,
        location: &'static Location<'static>,
    ) -> TaskKey {
        self.tasks
            .reserve((id, location), name, self.live.running())
    }

    /// Who the task with `key` is, as the origin of its error (its name shared,
    /// not copied).
    pub(crate) fn origin(&self, key: TaskKey) -> Option<Origin> {
        let ((id, location), name) = self.tasks.info(key)?;
        Some(Origin::task(id, name, location))
    }

    /// Fills a task's entry once it is spawned (see [`Tasks::register`]).
    pub(crate) fn register(&self, key: TaskKey, task: AbortHandle) {
        self.tasks.register(key, task);
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
        self.live.close();
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

impl Adopter for Shared {
    /// Counts in the unit of a nested group's remaining tasks, even if the
    /// group is closed: it is stopping, and the unit that drops the nested
    /// group keeps it from finishing meanwhile.
    fn enter_adopted(&self) {
        self.live.enter();
    }

    fn leave(&self) {
        Shared::leave(self);
    }
}
