//! [`TaskHandle`]: the control handle of one task, and [`TaskError`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;
use tokio::task::AbortHandle;

use crate::{SpawnRefused, TaskId};

/// Why a [`TaskHandle`] has no value to give.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task was cancelled, through its handle or by its group.
    Cancelled,
    /// The task returned an error; the error itself is in the group's
    /// [`ErrorGroup`](crate::ErrorGroup). This carries its message.
    Failed(String),
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

enum State<T> {
    Running,
    Done(Result<T, TaskError>),
    /// The outcome was handed out; remembers whether it was a cancellation, so
    /// `is_cancelled` stays true after the handle was awaited.
    Taken {
        cancelled: bool,
    },
}

/// Where a task leaves its outcome for its handle. The task writes it before it
/// counts itself out of the group, so once `run` returns every outcome is there.
pub(crate) struct TaskCell<T> {
    state: Mutex<State<T>>,
    waker: AtomicWaker,
}

impl<T> TaskCell<T> {
    pub(crate) fn new() -> Self {
        TaskCell {
            state: Mutex::new(State::Running),
            waker: AtomicWaker::new(),
        }
    }

    pub(crate) fn finished(outcome: Result<T, TaskError>) -> Self {
        TaskCell {
            state: Mutex::new(State::Done(outcome)),
            waker: AtomicWaker::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the outcome unless one is there already (the first one wins).
    pub(crate) fn complete(&self, outcome: Result<T, TaskError>) {
        {
            let mut state = self.state();
            if matches!(*state, State::Running) {
                *state = State::Done(outcome);
            }
        }
        self.waker.wake();
    }

    fn take(&self) -> Result<T, TaskError> {
        let mut state = self.state();
        let cancelled = matches!(*state, State::Done(Err(TaskError::Cancelled)));
        match std::mem::replace(&mut *state, State::Taken { cancelled }) {
            State::Done(outcome) => outcome,
            not_done => {
                let error = if matches!(not_done, State::Running) {
                    TaskError::Pending
                } else {
                    TaskError::AlreadyTaken
                };
                *state = not_done;
                Err(error)
            }
        }
    }
}

/// The handle of a task spawned into a [`TaskGroup`](crate::TaskGroup)
/// (Python's `asyncio.Task` from `create_task`).
///
/// Awaiting it gives the task's value, or a [`TaskError`] saying why there is
/// none; after the group has finished, [`result`](Self::result) gives the same
/// without awaiting. The value can be taken once.
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
    cell: Arc<TaskCell<T>>,
    abort: Option<AbortHandle>,
    id: TaskId,
    name: Option<Arc<str>>,
}

impl<T> TaskHandle<T> {
    pub(crate) fn new(
        cell: Arc<TaskCell<T>>,
        abort: Option<AbortHandle>,
        id: TaskId,
        name: Option<Arc<str>>,
    ) -> Self {
        TaskHandle {
            cell,
            abort,
            id,
            name,
        }
    }

    /// Cancels the task: its future is dropped at its next `.await`. This is not
    /// an error: the group records nothing and the handle gives
    /// [`TaskError::Cancelled`]. No effect on a finished task, nor on a
    /// `spawn_blocking` task that has started (threads cannot be interrupted).
    pub fn cancel(&self) {
        if let Some(abort) = &self.abort {
            abort.abort();
        }
    }

    /// Whether the task has finished (with a value, an error, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        !matches!(*self.cell.state(), State::Running)
    }

    /// Whether the task ended by cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            *self.cell.state(),
            State::Done(Err(TaskError::Cancelled)) | State::Taken { cancelled: true }
        )
    }

    /// The task's id, unique in the process.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name given with [`spawn_named`](crate::TaskGroup::spawn_named).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Takes the value of a finished task, without waiting (Python's `task.result()`).
    ///
    /// # Errors
    ///
    /// [`TaskError::Pending`] if the task is still running; otherwise why it has
    /// no value, or [`TaskError::AlreadyTaken`] on a second call.
    pub fn result(&self) -> Result<T, TaskError> {
        self.cell.take()
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.cell.waker.register(cx.waker());
        match self.cell.take() {
            Err(TaskError::Pending) => Poll::Pending,
            outcome => Poll::Ready(outcome),
        }
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
