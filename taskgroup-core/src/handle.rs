//! [`TaskHandle`]: the control handle of one task, and [`TaskError`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures::FutureExt;
use tokio::task::{JoinError, JoinHandle};

use crate::shared::Shared;
use crate::task::TaskName;
use crate::{CancelReason, SpawnRefused, TaskId};

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

enum State<T> {
    /// Still running; `true` once [`TaskHandle::cancel`] was called.
    Running(JoinHandle<TaskResult<T>>, bool),
    Done(TaskResult<T>),
    /// Cancelled through this handle (`Done(Err(Cancelled))`, and why).
    CancelledHere,
    Taken,
}

/// How a task's end leaves its handle.
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
    name: Option<TaskName>,
    /// The task's group, for why it was cancelled (`None`: never spawned).
    group: Option<Arc<Shared>>,
}

impl<T> TaskHandle<T> {
    pub(crate) fn spawned(
        join: JoinHandle<TaskResult<T>>,
        id: TaskId,
        name: Option<TaskName>,
        group: &Arc<Shared>,
    ) -> Self {
        TaskHandle {
            state: Mutex::new(State::Running(join, false)),
            id,
            name,
            group: Some(Arc::clone(group)),
        }
    }

    pub(crate) fn refused(reason: SpawnRefused) -> Self {
        TaskHandle {
            state: Mutex::new(State::Done(Err(TaskError::NotSpawned(reason)))),
            id: TaskId::next(),
            name: None,
            group: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves a finished task's outcome from tokio into the handle, if tokio has
    /// stored it; never waits. (Once `run` has returned normally, every task's
    /// outcome is stored: `run` waits for that.)
    fn settle(&self, state: &mut State<T>) {
        let State::Running(join, here) = state else {
            return;
        };
        let here = *here;
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
        if let State::Running(join, here) = &mut *self.state() {
            *here = true;
            join.abort();
        }
    }

    /// Why the task was cancelled, once it was ([`is_cancelled`](Self::is_cancelled)):
    /// [`CancelReason::Handle`] if through this handle, otherwise why its group
    /// was cancelling (a sibling failed, the deadline, ...). `None` while it runs
    /// or if it ended any other way.
    ///
    /// ```
    /// use taskgroup_core::{CancelReason, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let handle = TaskGroup::run(async |tg| {
    ///     let sleeper = tg.spawn(std::future::pending::<()>());
    ///     tg.cancel_with("enough");
    ///     Ok::<_, std::fmt::Error>(sleeper)
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(handle.cancel_reason(), Some(CancelReason::Requested(Some("enough".into()))));
    /// # }
    /// ```
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        let mut state = self.state();
        self.settle(&mut state);
        match *state {
            State::CancelledHere => return Some(CancelReason::Handle),
            State::Done(Err(TaskError::Cancelled)) => {}
            _ => return None,
        }
        drop(state);
        let reason = self.group.as_ref().and_then(|g| g.cancel_reason().cloned());
        Some(reason.unwrap_or(CancelReason::Handle))
    }

    /// Whether the task has finished (with a value, an error, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        match &*self.state() {
            State::Running(join, _) => join.is_finished(),
            State::Done(_) | State::CancelledHere | State::Taken => true,
        }
    }

    /// Whether the task ended by cancellation. Answers at once: `false` while
    /// the task still runs, or while its end is not yet recorded (after its
    /// group's future was dropped, an aborted task ends when the runtime next
    /// runs it).
    pub fn is_cancelled(&self) -> bool {
        let mut state = self.state();
        self.settle(&mut state);
        matches!(
            *state,
            State::Done(Err(TaskError::Cancelled)) | State::CancelledHere
        )
    }

    /// The task's id, unique in the process.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name given with [`spawn_named`](crate::TaskGroup::spawn_named).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref().map(String::as_str)
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
        self.settle(&mut state);
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
        State::Running(join, here) => {
            *state = State::Running(join, here);
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
        if let State::Running(join, here) = state {
            let here = *here;
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
