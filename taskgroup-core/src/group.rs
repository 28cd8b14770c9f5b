//! [`TaskGroup`]: the handle a group's body receives, to spawn and cancel tasks.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crate::origin::TaskName;
use crate::shared::Shared;
use crate::task::{
    limited_blocking, limited_task, run_task, Admission, BlockingTask, TaskGuard, TaskOutput,
};
use crate::tokio_names;
use crate::{BoxError, Builder, Run, Scope, SpawnError, SpawnRefused, TaskHandle, TaskId};

/// A group of tasks that finish together (Python's `asyncio.TaskGroup`).
///
/// [`TaskGroup::run`] (or [`TaskGroup::builder`]) runs a body that receives a
/// `TaskGroup` handle, and returns when the body and every task are finished,
/// including tasks spawned by tasks. The first error cancels the body and every
/// other task, and all errors come back together as one [`ErrorGroup`](crate::ErrorGroup) with the
/// message [`TASK_GROUP_MESSAGE`](crate::TASK_GROUP_MESSAGE).
///
/// The handle is `Clone + Send + Sync`: move clones into tasks, or into another
/// OS thread, to spawn from there (Python's `run_coroutine_threadsafe`). A handle
/// kept after the group finished refuses to spawn.
///
/// Tasks run on the tokio runtime that runs the group, in parallel on a
/// multi-thread runtime.
///
/// # Examples
///
/// ```
/// use taskgroup_core::TaskGroup;
///
/// # #[derive(Debug)] struct ValueError;
/// # impl std::fmt::Display for ValueError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("bad value") }
/// # }
/// # impl std::error::Error for ValueError {}
/// # #[tokio::main] async fn main() {
/// let result = TaskGroup::run(async |tg| {
///     let ok = tg.spawn(async { Ok::<_, ValueError>(1) });
///     tg.spawn(async { Err::<u32, _>(ValueError) });
///     Ok::<_, ValueError>(ok)
/// })
/// .await;
/// let errors = result.unwrap_err();
/// assert_eq!(errors.message(), "unhandled errors in a task group");
/// assert_eq!(errors.len(), 1);
/// # }
/// ```
#[derive(Clone)]
pub struct TaskGroup {
    pub(crate) shared: Arc<Shared>,
}

/// A handle that spawns into a group from anywhere: another task, another OS
/// thread. It is the same type as [`TaskGroup`]; see [`TaskGroup::spawner`].
pub type Spawner = TaskGroup;

impl TaskGroup {
    /// A [`Builder`] for a group with a name, timeout, deadline, limit, grace
    /// period or supervision.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Runs `body` with a new group and waits for it and every task; see the
    /// type's docs and [`Builder::run`].
    ///
    /// # Errors
    ///
    /// Every error the body and the tasks returned, as one group.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future aborts the body and every task.
    ///
    /// The body receives a [`Scope`], which derefs to a `TaskGroup` and also
    /// spawns scoped tasks that borrow ([`Scope::spawn_scoped`]).
    #[track_caller]
    pub fn run<'env, F, Fut, T, E>(body: F) -> Run<F, Fut, T, Scope<'env>>
    where
        F: FnOnce(Scope<'env>) -> Fut,
        Fut: Future<Output = Result<T, E>> + 'env,
        E: Into<BoxError> + 'static,
    {
        Builder::default().run(body)
    }

    /// Spawns `future` as a task of the group and returns its handle.
    ///
    /// The task fails by returning `Err(e)`, which cancels the group (unless it
    /// supervises) and lands in its [`ErrorGroup`](crate::ErrorGroup). If the group is cancelling or
    /// finished, the future is not run and the handle gives
    /// [`TaskError::NotSpawned`](crate::TaskError::NotSpawned); use [`try_spawn`](Self::try_spawn) to get the
    /// future back instead.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> TaskHandle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        self.spawn_with(None, future, Location::caller())
            .unwrap_or_else(|refused| TaskHandle::refused(refused.reason))
    }

    /// Spawns `future` as a task named `name`; the name shows in its handle, in
    /// the origin of its error, and in tracing spans.
    ///
    /// The name is one shared allocation (an `Arc<str>`, the type
    /// [`Builder::name`] takes too): a `&str` or `String` is copied into one once,
    /// and an `Arc<str>` given for many tasks is shared by all of them.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let shared: Arc<str> = Arc::from("worker");
    /// let names = TaskGroup::run(async |tg| {
    ///     let a = tg.spawn_named("fetch", async {});
    ///     let b = tg.spawn_named(format!("fetch-{}", 2), async {});
    ///     let c = tg.spawn_named(Arc::clone(&shared), async {});
    ///     Ok::<_, std::fmt::Error>([a, b, c].map(|h| h.name().map(str::to_owned)))
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(names, [Some("fetch".into()), Some("fetch-2".into()), Some("worker".into())]);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_named<F>(
        &self,
        name: impl Into<Arc<str>>,
        future: F,
    ) -> TaskHandle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        self.spawn_with(Some(name.into()), future, Location::caller())
            .unwrap_or_else(|refused| TaskHandle::refused(refused.reason))
    }

    /// Spawns `future`, or hands it back unpolled if the group refuses it.
    ///
    /// # Errors
    ///
    /// [`SpawnError`] with the future when the group is cancelling or finished.
    #[track_caller]
    pub fn try_spawn<F>(
        &self,
        future: F,
    ) -> Result<TaskHandle<<F::Output as TaskOutput>::Ok>, SpawnError<F>>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        self.spawn_with(None, future, Location::caller())
    }

    pub(crate) fn spawn_with<F>(
        &self,
        name: Option<TaskName>,
        future: F,
        location: &'static Location<'static>,
    ) -> Result<TaskHandle<<F::Output as TaskOutput>::Ok>, SpawnError<F>>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        let Some((guard, id)) = self.enter(name.clone(), location) else {
            let reason = self.refusal();
            return Err(SpawnError { reason, future });
        };
        let key = guard.key;
        let shared = &self.shared;
        // Two wrappers rather than one with an optional permit: a group without a
        // limit does not pay for the semaphore's wait in every task.
        let task = run_task(guard, future);
        let runtime = &shared.runtime;
        let join = match &shared.limit {
            Some(limit) => {
                let limited = limited_task(task, self.admission(limit, id));
                tokio_names::spawn(
                    runtime,
                    name.as_deref(),
                    self.instrument(limited, id, &name),
                )
            }
            None => tokio_names::spawn(runtime, name.as_deref(), self.instrument(task, id, &name)),
        };
        shared.register(key, join.abort_handle());
        Ok(TaskHandle::spawned(join, id, name))
    }

    /// With the `tracing` feature, a span per task carrying its group, name and id.
    #[cfg(feature = "tracing")]
    fn instrument<F: Future>(
        &self,
        task: F,
        id: TaskId,
        name: &Option<TaskName>,
    ) -> tracing::instrument::Instrumented<F> {
        let span = tracing::info_span!(
            parent: &self.shared.span,
            "task",
            group = self.name(),
            task = name.as_deref(),
            id = id.as_u64()
        );
        tracing::Instrument::instrument(task, span)
    }

    #[cfg(not(feature = "tracing"))]
    fn instrument<F: Future>(&self, task: F, _: TaskId, _: &Option<TaskName>) -> F {
        task
    }

    /// Runs the blocking function `f` on tokio's blocking pool as a task of the
    /// group. It counts towards the group's limit, its error and panic are
    /// collected like any task's, and the group waits for it; but a thread cannot
    /// be interrupted, so cancellation only stops it if it has not started yet.
    /// Under a limit it waits for its turn without holding a thread.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> TaskHandle<R::Ok>
    where
        F: FnOnce() -> R + Send + 'static,
        R: TaskOutput,
    {
        self.spawn_blocking_with(None, f, Location::caller())
    }

    /// [`spawn_blocking`](Self::spawn_blocking) for a task named `name`, as
    /// [`spawn_named`](Self::spawn_named) names an async one.
    ///
    /// ```
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main] async fn main() {
    /// let sum = TaskGroup::run(async |tg| {
    ///     let handle = tg.spawn_blocking_named("checksum", || Ok::<_, std::fmt::Error>(1 + 2));
    ///     assert_eq!(handle.name(), Some("checksum"));
    ///     handle.await.map_err(|_| std::fmt::Error)
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(sum, 3);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking_named<F, R>(&self, name: impl Into<Arc<str>>, f: F) -> TaskHandle<R::Ok>
    where
        F: FnOnce() -> R + Send + 'static,
        R: TaskOutput,
    {
        self.spawn_blocking_with(Some(name.into()), f, Location::caller())
    }

    fn spawn_blocking_with<F, R>(
        &self,
        name: Option<TaskName>,
        f: F,
        location: &'static Location<'static>,
    ) -> TaskHandle<R::Ok>
    where
        F: FnOnce() -> R + Send + 'static,
        R: TaskOutput,
    {
        let Some((guard, id)) = self.enter(name.clone(), location) else {
            return TaskHandle::refused(self.refusal());
        };
        let key = guard.key;
        let task = BlockingTask::new(f, guard);
        let shared = &self.shared;
        let (runtime, task_name) = (&shared.runtime, name.as_deref());
        let join = match &shared.limit {
            Some(limit) => {
                let limited = limited_blocking(task, self.admission(limit, id));
                tokio_names::spawn(runtime, task_name, limited)
            }
            None => tokio_names::spawn_blocking(runtime, task_name, move || task.run(None)),
        };
        shared.register(key, join.abort_handle());
        TaskHandle::spawned(join, id, name)
    }

    /// Counts a new task in and reserves its registry entry, which keeps who the
    /// task is.
    fn enter(
        &self,
        name: Option<TaskName>,
        location: &'static Location<'static>,
    ) -> Option<(TaskGuard, TaskId)> {
        if !self.shared.try_enter() {
            return None;
        }
        let id = TaskId::next();
        let guard = TaskGuard {
            shared: Arc::clone(&self.shared),
            key: self.shared.reserve(id, name, location),
        };
        Some((guard, id))
    }

    /// The turn of the task `id` under the group's limit; a task that queues
    /// is marked waiting for snapshots until it has its permit.
    fn admission(&self, limit: &Arc<tokio::sync::Semaphore>, id: TaskId) -> Admission {
        let admission = Admission::queue(limit);
        if let Admission::Queued(_) = admission {
            self.shared.watch.queued(id);
            self.shared.trim_watch();
        }
        admission
    }

    pub(crate) fn refusal(&self) -> SpawnRefused {
        if self.shared.is_finished() {
            SpawnRefused::Finished
        } else {
            SpawnRefused::ShuttingDown
        }
    }

    /// A handle to spawn from other tasks or other OS threads (a clone of this one).
    pub fn spawner(&self) -> Spawner {
        self.clone()
    }

    /// Cancels the group from inside: the body and every task are stopped (after
    /// the grace period, if one is set), and this is not an error. `run` then
    /// returns `Ok` with the body's value if the body had already finished, the
    /// collected errors if any task failed, and otherwise an `ErrorGroup` whose
    /// one leaf is [`Cancelled`](crate::Cancelled).
    pub fn cancel(&self) {
        self.shared.request_cancel(None);
    }

    /// Waits until the group starts cancelling: how a task notices cancellation
    /// and cleans up within the grace period.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn cancelled(&self) {
        self.shared.cancellation.fired().await;
    }

    /// Whether the group has started cancelling.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancellation.is_fired()
    }

    /// Whether the group refuses new tasks (cancelling or finished).
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The group's name, if the builder gave one.
    pub fn name(&self) -> Option<&str> {
        self.shared.name.as_deref()
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("name", &self.name())
            .field("cancelled", &self.is_cancelled())
            .field("closed", &self.is_closed())
            .finish()
    }
}
