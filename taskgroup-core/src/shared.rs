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
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use crate::cancel_reason::{cancelled_note, ReasonSlot};
use crate::handover::{Adopter, Handover};
use crate::live::LiveCount;
use crate::nested::{self, GroupKey, Nested};
use crate::origin::TaskName;
use crate::registry::{TaskKey, Tasks};
use crate::reschedule::Schedule;
use crate::signal::Signal;
use crate::snapshot_track::{Aside, Watch};
use crate::sync::{lock, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::timeout::{Ambient, Context};
use crate::{CancelReason, ErrorGroup, Node, Origin, TaskId, TASK_GROUP_MESSAGE};

/// A panic payload, as `catch_unwind` gives it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// What the registry keeps of every task's [`Origin`] besides its name (kept
/// aside: few tasks have one): its id and where it was spawned.
pub(crate) type Spawned = (TaskId, &'static Location<'static>);

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
    tasks: Tasks<AbortHandle, Spawned, Aside>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    pub(crate) limit: Option<Arc<Semaphore>>,
    /// The deadlines of this group and its ancestors, and this group's key,
    /// for the groups nested in it.
    pub(crate) ambient: Context,
    /// The group this one is nested in, if any.
    enclosing: Option<GroupKey>,
    /// Why the group is cancelling, once it is.
    reason: ReasonSlot,
    /// Whether the group was cancelled for a reason of its own, not only by
    /// its enclosing group.
    own_cancel: AtomicBool,
    /// How many tasks the group's cancellation stopped, for its report.
    stopped_tasks: AtomicUsize,
    /// The group's deadline, which the body and tasks may move.
    pub(crate) schedule: Schedule,
    /// Ends the watcher of the builder's `cancel_on` token when the group does.
    #[cfg(feature = "tokio-util")]
    shutdown: Option<tokio_util::sync::CancellationToken>,
    pub(crate) runtime: tokio::runtime::Handle,
    errors: Mutex<Vec<Node>>,
    panic: Mutex<Option<Payload>>,
    finished: AtomicBool,
    /// Who waits for this group's tasks if its future is dropped mid-way.
    handover: Handover<Shared>,
    /// What snapshots read besides the registry.
    pub(crate) watch: Watch,
    /// The group's span, parent of its tasks' spans.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

pub(crate) struct Config {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    pub(crate) limit: Option<usize>,
    pub(crate) ambient: Option<Ambient>,
    /// The group's own deadline, as it starts.
    pub(crate) deadline: Option<tokio::time::Instant>,
    #[cfg(feature = "tokio-util")]
    pub(crate) cancel_on: Option<tokio_util::sync::CancellationToken>,
}

impl Shared {
    /// The state of a group that starts now, linked under the group that
    /// encloses it (if any), so that its cancellation reaches this one.
    pub(crate) fn new(config: Config, runtime: tokio::runtime::Handle) -> Arc<Self> {
        let key = nested::next_key();
        let enclosing = nested::enclosing();
        #[cfg(feature = "tokio-util")]
        let cancel_on = config.cancel_on.clone();
        // A child of the span current where the group starts: a nested group's
        // span sits under the task (or group body) that runs it.
        #[cfg(feature = "tracing")]
        let span = tracing::info_span!("task_group", group = config.name.as_deref());
        let shared = Arc::new(Shared {
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
            ambient: Context {
                deadlines: config.ambient,
                group: key,
            },
            enclosing,
            reason: ReasonSlot::default(),
            own_cancel: AtomicBool::new(false),
            stopped_tasks: AtomicUsize::new(0),
            schedule: Schedule::new(config.deadline),
            #[cfg(feature = "tokio-util")]
            shutdown: cancel_on.as_ref().map(|_| Default::default()),
            runtime,
            errors: Mutex::new(Vec::new()),
            panic: Mutex::new(None),
            finished: AtomicBool::new(false),
            handover: Handover::default(),
            watch: Watch::new(config.limit, enclosing.is_some()),
            #[cfg(feature = "tracing")]
            span,
        });
        if let Some(parent) = enclosing {
            let weak: Weak<dyn Nested> = Arc::downgrade(&shared) as Weak<Shared>;
            nested::link(parent, key, weak);
        }
        #[cfg(feature = "tokio-util")]
        if let (Some(outside), Some(done)) = (cancel_on, &shared.shutdown) {
            crate::shutdown::watch(outside, done.clone(), &shared);
        }
        shared
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
    /// Once only background tasks are left, the group's work is done: they are
    /// cancelled, through the same signal and grace period as any cancellation.
    pub(crate) fn try_finish(&self) -> bool {
        if self.live.try_finish() {
            return true;
        }
        if self.live.only_background_left() && !self.cancellation.is_fired() {
            self.cancel(CancelReason::WorkDone);
        }
        false
    }

    /// Whether spawns are refused.
    pub(crate) fn is_closed(&self) -> bool {
        self.live.is_closed()
    }

    /// Starts cancelling for `reason`: no more spawns, cooperative signal now,
    /// and the stop now or (with a grace period) when the `run` future's grace
    /// timer fires.
    ///
    /// A group cancelled by its enclosing group stops nothing itself: it is
    /// inside the enclosing group's grace period, whose end drops it. Its own
    /// grace period is for its own reasons to cancel: a task failing meanwhile
    /// stops it as usual.
    pub(crate) fn cancel(&self, reason: CancelReason) {
        let own = !matches!(reason, CancelReason::Enclosing(_));
        if own {
            self.own_cancel.store(true, Ordering::Release);
        }
        self.live.close();
        self.give_reason(reason);
        self.cancellation.fire();
        self.close_queue();
        if self.grace.is_none() && own {
            self.stop();
        }
        self.waker.wake();
    }

    /// How long the cancelling group waits before it stops its tasks; `None`:
    /// it does not stop them itself (see [`cancel`](Self::cancel)).
    pub(crate) fn grace_period(&self) -> Option<Duration> {
        self.own_cancel
            .load(Ordering::Acquire)
            .then(|| self.grace.unwrap_or_default())
    }

    /// Stops everything at once (a panic, or the `run` future dropped).
    pub(crate) fn abort(&self) {
        self.abort_for(CancelReason::Dropped);
    }

    fn abort_for(&self, reason: CancelReason) {
        self.live.close();
        self.give_reason(reason);
        self.cancellation.fire();
        self.close_queue();
        self.stop();
        self.waker.wake();
    }

    /// Keeps the first reason (before the signal fires, so whoever it wakes can
    /// read it), says so in a tracing event, and passes it on to the groups
    /// nested in this one.
    fn give_reason(&self, reason: CancelReason) {
        if !self.reason.set(reason) {
            return;
        }
        let Some(reason) = self.reason.get() else {
            return;
        };
        #[cfg(feature = "tracing")]
        tracing::info!(
            group = self.name.as_deref(),
            reason = %reason,
            "task group cancelling"
        );
        nested::cancel_children(self.ambient.group, reason);
    }

    /// `tg.cancel()` or `tg.cancel_with(message)`.
    pub(crate) fn request_cancel(&self, message: Option<Arc<str>>) {
        self.cancel(CancelReason::Requested(message));
    }

    /// Why the group is cancelling, once it is.
    pub(crate) fn cancel_reason(&self) -> Option<&CancelReason> {
        self.reason.get()
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

    /// A task ends cancelled by its group: stopped, or never given its turn
    /// under the limit. Counted for the report of a failed group.
    pub(crate) fn count_cancelled(&self) {
        self.stopped_tasks.fetch_add(1, Ordering::Relaxed);
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
            .reserve((id, location), Aside::new(name), self.live.running())
    }

    /// Who the task with `key` is, as the origin of its error (its name shared,
    /// not copied).
    pub(crate) fn origin(&self, key: TaskKey) -> Option<Origin> {
        let ((id, location), aside) = self.tasks.info(key)?;
        Some(Origin::task(
            id,
            aside.and_then(|aside| aside.name),
            location,
        ))
    }

    /// The key that names this group among nested groups.
    pub(crate) fn key(&self) -> GroupKey {
        self.ambient.group
    }

    /// How many units (the body, tasks, background tasks) are running.
    pub(crate) fn running(&self) -> usize {
        self.live.running()
    }

    /// Calls `each` with every entry of the registry (see [`Tasks::for_each`]).
    pub(crate) fn each_task(
        &self,
        each: impl FnMut(Option<&AbortHandle>, &Spawned, Option<&Aside>),
    ) {
        self.tasks.for_each(each);
    }

    /// The task with `key` no longer waits for a permit (it has one, or never
    /// will).
    pub(crate) fn admitted(&self, key: TaskKey) {
        if let Some(((id, _), _)) = self.tasks.info(key) {
            self.watch.admitted(id);
        }
    }

    /// Fills a task's entry once it is spawned (see [`Tasks::register`]).
    pub(crate) fn register(&self, key: TaskKey, task: AbortHandle) {
        self.tasks.register(key, task);
    }

    /// Collects the error of a task (from `origin`); the first one cancels
    /// the group unless it supervises.
    pub(crate) fn fail(&self, node: Node, origin: Option<&Origin>) {
        self.push(node);
        if !self.supervise {
            let reason = match origin.and_then(|o| Some((o.task_id()?, o.task_name()))) {
                Some((id, name)) => CancelReason::TaskFailed {
                    id,
                    name: name.map(Arc::from),
                },
                None => CancelReason::BodyFailed, // not reached: a task's origin names it
            };
            self.cancel(reason);
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

    /// Marks the group finished: later spawns are refused as `Finished`; the
    /// group leaves the one it was nested in.
    pub(crate) fn mark_finished(&self) {
        self.live.close();
        self.finished.store(true, Ordering::Release);
        if let Some(parent) = self.enclosing {
            nested::unlink(parent, self.ambient.group);
        }
        #[cfg(feature = "tokio-util")]
        if let Some(done) = &self.shutdown {
            done.cancel();
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Keeps the first panic payload and stops everything.
    pub(crate) fn panicked(&self, payload: Payload) {
        lock(&self.panic).get_or_insert(payload);
        self.abort_for(CancelReason::Panicked);
    }

    pub(crate) fn take_panic(&self) -> Option<Payload> {
        lock(&self.panic).take()
    }

    /// The errors collected so far plus `last` (the body's), as the group's result.
    ///
    /// A failed group whose cancellation stopped tasks says so in a note: how
    /// many, and why.
    pub(crate) fn take_errors(&self, last: Option<Node>) -> Option<ErrorGroup> {
        let mut errors = std::mem::take(&mut *lock(&self.errors));
        errors.extend(last);
        if errors.is_empty() {
            return None;
        }
        let mut notes = Vec::new();
        let stopped = self.stopped_tasks.load(Ordering::Relaxed);
        if let (Some(reason), 1..) = (self.reason.get(), stopped) {
            notes.push(cancelled_note(stopped, reason));
        }
        Some(ErrorGroup::from_children(
            Cow::Borrowed(TASK_GROUP_MESSAGE),
            notes,
            errors,
        ))
    }

    /// Counts a background task in before it is spawned, unless the group is
    /// closed; its task's own unit then becomes part of it (see `LiveCount`).
    pub(crate) fn try_enter_background(&self) -> bool {
        match self.live.try_enter_background() {
            Ok(()) => true,
            Err(refused) => {
                if refused.last {
                    self.waker.wake();
                }
                false
            }
        }
    }

    /// Counts out a background task the group refused after all.
    pub(crate) fn leave_background(&self) {
        if self.live.leave_background() {
            self.waker.wake();
        }
    }

    /// A background task ends: it counts out like an ordinary task from now on.
    pub(crate) fn background_ended(&self) {
        self.live.background_ended();
    }
}

impl Nested for Shared {
    fn cancel_from_outside(&self, reason: CancelReason) {
        self.cancel(reason);
    }

    fn snapshot(&self) -> (Option<tokio::task::Id>, crate::GroupSnapshot) {
        (self.watch.runs_in(), self.take_snapshot())
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
