//! [`ScopedHandle`]: the control handle of one scoped task, and the cell it
//! shares with the task.
//!
//! A scoped task is polled by its group's own future, not by tokio, so there is
//! no `JoinHandle` to read: the task stores its outcome in a small shared cell,
//! and the handle reads it from there. The cell also carries the handle's
//! cancellation request and the task's waker, so a cancel reaches a task that
//! is waiting.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::handle::TaskResult;
use crate::sync::{lock, AtomicBool, Mutex, Ordering};
use crate::{SpawnRefused, TaskError, TaskId};

enum Outcome<T> {
    Running,
    Done(TaskResult<T>),
    Taken,
}

struct State<T> {
    outcome: Outcome<T>,
    /// Woken when the task ends: a handle being awaited.
    awaiting: Option<Waker>,
    /// The task's waker, woken by a cancel so the task notices it.
    task: Option<Waker>,
}

/// What a scoped task and its handle share.
pub(crate) struct Cell<T> {
    state: Mutex<State<T>>,
    cancel: AtomicBool,
}

impl<T> Cell<T> {
    fn new(outcome: Outcome<T>) -> Arc<Self> {
        Arc::new(Cell {
            state: Mutex::new(State {
                outcome,
                awaiting: None,
                task: None,
            }),
            cancel: AtomicBool::new(false),
        })
    }

    pub(crate) fn running() -> Arc<Self> {
        Cell::new(Outcome::Running)
    }

    /// Whether the handle asked the task to stop.
    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Acquire)
    }

    /// Keeps the task's waker, so a cancel can wake it (the group's set gives a
    /// task the same waker for its whole life: one store is enough).
    pub(crate) fn set_task_waker(&self, waker: &Waker) {
        lock(&self.state).task = Some(waker.clone());
    }

    /// Stores the task's outcome unless one is stored, and wakes a waiting handle.
    pub(crate) fn finish(&self, result: TaskResult<T>) {
        let waker = {
            let mut state = lock(&self.state);
            if !matches!(state.outcome, Outcome::Running) {
                return;
            }
            state.outcome = Outcome::Done(result);
            state.task = None;
            state.awaiting.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The handle of a scoped task, from
/// [`Scope::spawn_scoped`](crate::Scope::spawn_scoped) or
/// [`LocalScope::spawn_scoped`](crate::LocalScope::spawn_scoped): the same
/// methods as a [`TaskHandle`](crate::TaskHandle).
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
/// let word = String::from("borrowed");
/// let handle = TaskGroup::run(async |tg| {
///     Ok::<_, std::fmt::Error>(tg.spawn_scoped(async { Ok::<_, std::fmt::Error>(word.len()) }))
/// })
/// .await
/// .unwrap();
/// assert!(handle.is_finished());
/// assert_eq!(handle.result(), Ok(8));
/// # }
/// ```
pub struct ScopedHandle<T> {
    cell: Arc<Cell<T>>,
    id: TaskId,
    name: Option<Arc<str>>,
}

impl<T> ScopedHandle<T> {
    pub(crate) fn new(cell: Arc<Cell<T>>, id: TaskId, name: Option<Arc<str>>) -> Self {
        ScopedHandle { cell, id, name }
    }

    pub(crate) fn refused(reason: SpawnRefused) -> Self {
        let cell = Cell::new(Outcome::Done(Err(TaskError::NotSpawned(reason))));
        ScopedHandle::new(cell, TaskId::next(), None)
    }

    /// Cancels the task: its future is dropped before it is polled again. This
    /// is not an error: the group records nothing and the handle gives
    /// [`TaskError::Cancelled`]. No effect on a finished task.
    pub fn cancel(&self) {
        self.cell.cancel.store(true, Ordering::Release);
        let waker = lock(&self.cell.state).task.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the task has finished (with a value, an error, a panic, or cancelled).
    pub fn is_finished(&self) -> bool {
        !matches!(lock(&self.cell.state).outcome, Outcome::Running)
    }

    /// Whether the task ended by cancellation; `false` while it runs.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            lock(&self.cell.state).outcome,
            Outcome::Done(Err(TaskError::Cancelled))
        )
    }

    /// The task's id, unique in the process (scoped and spawned tasks share
    /// the numbering).
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name given with `spawn_scoped_named`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Takes the value of a finished task, without waiting (Python's `task.result()`).
    ///
    /// Once the group's `run` has returned, every scoped task's outcome is here.
    ///
    /// # Errors
    ///
    /// [`TaskError::Pending`] if the task is still running; otherwise why it has
    /// no value, or [`TaskError::AlreadyTaken`] once the value was taken.
    pub fn result(&self) -> Result<T, TaskError> {
        take(&mut lock(&self.cell.state).outcome)
    }
}

/// Takes a value out (leaving `Taken`), or reads an error (leaving it there).
fn take<T>(outcome: &mut Outcome<T>) -> Result<T, TaskError> {
    match std::mem::replace(outcome, Outcome::Taken) {
        Outcome::Done(Ok(value)) => Ok(value),
        Outcome::Done(Err(error)) => {
            *outcome = Outcome::Done(Err(error.clone()));
            Err(error)
        }
        Outcome::Running => {
            *outcome = Outcome::Running;
            Err(TaskError::Pending)
        }
        Outcome::Taken => Err(TaskError::AlreadyTaken),
    }
}

// The handle never pins its value (it only moves it out).
impl<T> Unpin for ScopedHandle<T> {}

impl<T> Future for ScopedHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.cell.state);
        if let Outcome::Running = state.outcome {
            match &mut state.awaiting {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        Poll::Ready(take(&mut state.outcome))
    }
}

impl<T> fmt::Debug for ScopedHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedHandle")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("finished", &self.is_finished())
            .finish()
    }
}
