//! [`TaskHandle`]: the control handle of one task, and [`TaskError`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_util::FutureExt;
use tokio::task::{JoinError, JoinHandle};

use crate::origin::TaskName;
use crate::{SpawnRefused, TaskId};

/// Why a [`TaskHandle`] has no value to give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task was cancelled, through its handle or by its group.
    Cancelled,
    /// The task returned an error; the error itself is in the group's
    /// [`ErrorGroup`](crate::ErrorGroup). This carries a one-line summary of it.
    Failed(FailureSummary),
    /// The task panicked; the panic resumes in the caller of `run`.
    Panicked,
    /// The group refused the task (it was cancelling or finished), so it never ran.
    NotSpawned(SpawnRefused),
    /// The task has not finished yet ([`TaskHandle::result`] before the group finished).
    Pending,
    /// The value was already taken by an earlier `.await` or `result()`.
    AlreadyTaken,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("task was cancelled"),
            TaskError::Failed(message) => write!(f, "task failed: {message}"),
            TaskError::Panicked => f.write_str("task panicked"),
            TaskError::NotSpawned(reason) => write!(f, "task was not spawned: {reason}"),
            TaskError::Pending => f.write_str("task has not finished yet"),
            TaskError::AlreadyTaken => f.write_str("task result was already taken"),
        }
    }
}

impl std::error::Error for TaskError {}

/// The one-line summary of a failed task's error that [`TaskError::Failed`]
/// carries: a leaf's message, or a nested group's message and size. It reads as
/// a `&str` (`Deref`, `Display`, `as_str`).
///
/// Behind one thin pointer rather than a `String`: a task's outcome lives in
/// the task's own allocation, which tokio sizes in steps of 128 bytes, so the
/// outcome of every task (failed or not) stays small.
///
/// ```
/// use taskgroup_core::FailureSummary;
///
/// let summary = FailureSummary::from("disk full");
/// assert_eq!(summary, "disk full");
/// assert!(summary.starts_with("disk"));
/// ```
#[derive(Clone, PartialEq, Eq)]
// The box is the point: a thin pointer, where a `String` takes three words.
#[allow(clippy::box_collection)]
pub struct FailureSummary(Box<String>);

impl FailureSummary {
    /// The summary as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for FailureSummary {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FailureSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FailureSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<String> for FailureSummary {
    fn from(summary: String) -> Self {
        FailureSummary(Box::new(summary))
    }
}

impl From<&str> for FailureSummary {
    fn from(summary: &str) -> Self {
        FailureSummary(Box::new(summary.to_owned()))
    }
}

impl PartialEq<str> for FailureSummary {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FailureSummary {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a task gives its handle; tokio keeps it in the task's own allocation.
pub(crate) type TaskResult<T> = Result<T, TaskError>;

// Variants rather than a flag beside the join handle: a flag would make the
// state, and every handle, a word bigger.
enum State<T> {
    Running(JoinHandle<TaskResult<T>>),
    /// Still running, and [`TaskHandle::cancel`] was called.
    Aborting(JoinHandle<TaskResult<T>>),
    Done(TaskResult<T>),
    /// Cancelled through this handle (`Done(Err(Cancelled))`, and why).
    CancelledHere,
    Taken,
}

impl<T> State<T> {
    fn join(&mut self) -> Option<(&mut JoinHandle<TaskResult<T>>, bool)> {
        match self {
            State::Running(join) => Some((join, false)),
            State::Aborting(join) => Some((join, true)),
            _ => None,
        }
    }
}

/// How a task's end leaves its handle; `here`: it was cancelled through it.
fn ended<T>(joined: Result<TaskResult<T>, JoinError>, here: bool) -> State<T> {
    match from_join(joined) {
        Err(TaskError::Cancelled) if here => State::CancelledHere,
        outcome => State::Done(outcome),
    }
}

fn from_join<T>(joined: Result<TaskResult<T>, JoinError>) -> TaskResult<T> {
    match joined {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => Err(TaskError::Panicked),
        Err(_) => Err(TaskError::Cancelled),
    }
}

/// The handle of a task spawned into a [`TaskGroup`](crate::TaskGroup)
/// (Python's `asyncio.Task` from `create_task`).
///
/// Awaiting it gives the task's value, or a [`TaskError`] saying why there is
/// none; after the group has finished, [`result`](Self::result) gives the same
/// without awaiting. The value can be taken once; an error can be read again.
///
/// Dropping the handle does not cancel the task: the group still runs and joins it.
///
/// # Cancel safety
///
/// Awaiting a handle is cancel safe: if the `.await` is dropped, the value stays
/// in the handle for a later `.await` or `result()`.
///
/// # Examples
///
/// ```
/// use taskgroup_core::TaskGroup;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handle = TaskGroup::run(async |tg| {
///     Ok::<_, std::fmt::Error>(tg.spawn(async { Ok::<_, std::fmt::Error>(42) }))
/// })
/// .await
/// .unwrap();
/// assert!(handle.is_finished());
/// assert_eq!(handle.result(), Ok(42));
/// # }
/// ```
pub struct TaskHandle<T> {
    state: Mutex<State<T>>,
    id: TaskId,
    /// Tokio's id of the task; `None` for a task the group refused.
    tokio_id: Option<tokio::task::Id>,
    name: Option<TaskName>,
}

impl<T> TaskHandle<T> {
    pub(crate) fn spawned(
        join: JoinHandle<TaskResult<T>>,
        id: TaskId,
        name: Option<TaskName>,
    ) -> Self {
        TaskHandle {
            tokio_id: Some(join.id()),
            state: Mutex::new(State::Running(join)),
            id,
            name,
        }
    }

    pub(crate) fn refused(reason: SpawnRefused) -> Self {
        TaskHandle {
            state: Mutex::new(State::Done(Err(TaskError::NotSpawned(reason)))),
            id: TaskId::next(),
            tokio_id: None,
            name: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves a finished task's outcome from tokio into the handle, if tokio has
    /// stored it; never waits. (Once `run` has returned normally, every task's
    /// outcome is stored: `run` waits for that.)
    fn fetch_outcome(&self, state: &mut State<T>) {
        let Some((join, here)) = state.join() else {
            return;
        };
        if !join.is_finished() {
            return;
        }
        // `unconstrained`: a finished handle must not report Pending because the
        // calling task ran out of tokio's cooperative budget.
        if let Some(joined) = tokio::task::unconstrained(join).now_or_never() {
            *state = ended(joined, here);
        }
    }

    /// Cancels the task: its future is dropped at its next `.await`. This is not
    /// an error: the group records nothing and the handle gives
    /// [`TaskError::Cancelled`]. No effect on a finished task, nor on a
    /// `spawn_blocking` task that has started (threads cannot be interrupted).
    pub fn cancel(&self) {
        let mut state = self.state();
        if let State::Running(_) = &*state {
            let State::Running(join) = std::mem::replace(&mut *state, State::Taken) else {
                unreachable!("matched above");
            };
            join.abort();
            *state = State::Aborting(join);
        }
    }

    /// Whether the task was cancelled through this handle's
    /// [`cancel`](Self::cancel) (rather than by its group, or not at all).
    /// Its group's [`cancel_reason_of`](crate::TaskGroup::cancel_reason_of)
    /// says why any task was cancelled.
    pub fn is_cancelled_here(&self) -> bool {
        let mut state = self.state();
        self.fetch_outcome(&mut state);
        matches!(*state, State::CancelledHere)
    }

    /// Whether the task has finished (with a value, an error, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        match &*self.state() {
            State::Running(join) | State::Aborting(join) => join.is_finished(),
            State::Done(_) | State::CancelledHere | State::Taken => true,
        }
    }

    /// Whether the task ended by cancellation. Answers at once: `false` while
    /// the task still runs, or while its end is not yet recorded (after its
    /// group's future was dropped, an aborted task ends when the runtime next
    /// runs it).
    pub fn is_cancelled(&self) -> bool {
        let mut state = self.state();
        self.fetch_outcome(&mut state);
        matches!(
            *state,
            State::Done(Err(TaskError::Cancelled)) | State::CancelledHere
        )
    }

    /// The task's id, unique in the process.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Tokio's id of the task ([`tokio::task::Id`]), to match it with tokio's
    /// own diagnostics (`tokio::task::id()` inside the task, tokio-console).
    /// `None` for a task the group refused, which never became a tokio task;
    /// [`id`](Self::id) exists for every handle. (A `spawn_blocking` task in a
    /// group with a limit first waits for its turn as an async task: this is
    /// that task's id.)
    ///
    /// ```
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// TaskGroup::run(async |tg| {
    ///     let handle = tg.spawn(async { Ok::<_, std::fmt::Error>(tokio::task::id()) });
    ///     let id = handle.tokio_id();
    ///     assert_eq!(Some(handle.await.unwrap()), id);
    ///     Ok::<_, std::fmt::Error>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn tokio_id(&self) -> Option<tokio::task::Id> {
        self.tokio_id
    }

    /// The name given with [`spawn_named`](crate::TaskGroup::spawn_named) or
    /// [`spawn_blocking_named`](crate::TaskGroup::spawn_blocking_named).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Takes the value of a finished task, without waiting (Python's `task.result()`).
    ///
    /// Once the group's `run` has returned, every task's outcome is here. It
    /// never waits: on a task still running (a blocking task whose group's future
    /// was dropped, say) it says [`TaskError::Pending`].
    ///
    /// # Errors
    ///
    /// [`TaskError::Pending`] if the task is still running; otherwise why it has
    /// no value, or [`TaskError::AlreadyTaken`] once the value was taken.
    pub fn result(&self) -> Result<T, TaskError> {
        let mut state = self.state();
        self.fetch_outcome(&mut state);
        take(&mut state)
    }
}

/// Takes a value out (leaving `Taken`), or reads an error (leaving it there).
fn take<T>(state: &mut State<T>) -> Result<T, TaskError> {
    match std::mem::replace(state, State::Taken) {
        State::Done(Ok(value)) => Ok(value),
        State::Done(Err(error)) => {
            *state = State::Done(Err(error.clone()));
            Err(error)
        }
        State::CancelledHere => {
            *state = State::CancelledHere;
            Err(TaskError::Cancelled)
        }
        State::Running(join) => {
            *state = State::Running(join);
            Err(TaskError::Pending)
        }
        State::Aborting(join) => {
            *state = State::Aborting(join);
            Err(TaskError::Pending)
        }
        State::Taken => Err(TaskError::AlreadyTaken),
    }
}

// The handle never pins its value (it only moves it out), so it is `Unpin`
// whatever `T` is, and `poll` may use `get_mut`.
impl<T> Unpin for TaskHandle<T> {}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = self
            .get_mut()
            .state
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((join, here)) = state.join() {
            let joined = std::task::ready!(Pin::new(join).poll(cx));
            *state = ended(joined, here);
        }
        Poll::Ready(take(state))
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("finished", &self.is_finished())
            .finish()
    }
}
