//! How one task runs inside a group: [`TaskOutput`], the wrapper future every
//! spawned task runs in, and the guard that counts it out of its group.

use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::Semaphore;

use crate::any_error::box_error;
use crate::handle::TaskResult;
use crate::shared::{Payload, Shared, TaskKey};
use crate::timeout::with_ambient_deadline;
use crate::{BoxError, Node, Origin, TaskError, TaskId};

/// What a task may return: `Result<T, E>` with any error `E` that converts into
/// `Box<dyn Error + Send + Sync>` (so `anyhow::Error` too), or `()` for a task
/// that cannot fail.
pub trait TaskOutput: Send + 'static {
    /// The value a successful task gives its handle.
    type Ok: Send + 'static;

    /// Separates the value from the error.
    ///
    /// # Errors
    ///
    /// The task's error, boxed so that it downcasts to the type it carries.
    fn into_result(self) -> Result<Self::Ok, BoxError>;
}

impl<T, E> TaskOutput for Result<T, E>
where
    T: Send + 'static,
    E: Into<BoxError> + Send + 'static,
{
    type Ok = T;

    fn into_result(self) -> Result<T, BoxError> {
        self.map_err(box_error)
    }
}

impl TaskOutput for () {
    type Ok = ();

    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

/// A task's name. `Arc<String>` rather than `Arc<str>`: a thin pointer, one
/// word less in every task (tokio sizes task allocations in steps of 128 bytes,
/// so every word can decide the step).
pub(crate) type TaskName = Arc<String>;

/// Who a task is, for the origin of its error.
pub(crate) struct Identity {
    pub(crate) id: TaskId,
    pub(crate) name: Option<TaskName>,
    pub(crate) location: &'static Location<'static>,
}

/// Counts a task out of its group when it ends in any way, including an abort
/// that drops it. It drops after the user's future (see [`RunTask`]), so the
/// group finishes only after every task's future is gone and its outcome is on
/// its way to its handle.
pub(crate) struct TaskGuard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) key: TaskKey,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.shared.deregister(self.key);
        self.shared.leave();
    }
}

impl TaskGuard {
    /// Turns how the task ended into its handle's result, collecting its error
    /// or panic into the group.
    fn finish<R: TaskOutput>(
        &self,
        outcome: Result<R, Payload>,
        identity: Identity,
    ) -> TaskResult<R::Ok> {
        match outcome.map(TaskOutput::into_result) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                let message = error.to_string();
                self.shared.fail(match Node::error(error) {
                    Node::Leaf(leaf) => Node::Leaf(leaf.with_origin(Origin::task(
                        identity.id,
                        identity.name.map(|name| Arc::from(name.as_str())),
                        identity.location,
                    ))),
                    group => group,
                });
                Err(TaskError::Failed(message))
            }
            Err(payload) => {
                self.shared.panicked(payload);
                Err(TaskError::Panicked)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future a spawned task runs: the user's future, polled with the group's
    /// deadline as the ambient one, its panic caught.
    ///
    /// Group cancellation aborts the task (through the group's registry of abort
    /// handles), so it holds nothing for cancellation. It is a struct rather than
    /// an `async fn` because an `async fn` keeps its arguments and the locals they
    /// move into side by side, which doubled the memory of every pending task.
    pub(crate) struct RunTask<F> {
        // Fields drop in declaration order: the user's future before the guard,
        // whose drop counts the task out of its group. So when `run` returns,
        // every task's future has been dropped, whether it finished, failed or
        // was aborted (tokio drops a finished future only after `poll` returns).
        #[pin]
        future: F,
        guard: TaskGuard,
        // `None` once the task has ended.
        identity: Option<Identity>,
    }
}

pub(crate) fn run_task<F>(guard: TaskGuard, identity: Identity, future: F) -> RunTask<F> {
    RunTask {
        future,
        guard,
        identity: Some(identity),
    }
}

impl<F> Future for RunTask<F>
where
    F: Future,
    F::Output: TaskOutput,
{
    type Output = TaskResult<<F::Output as TaskOutput>::Ok>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.identity.is_none() {
            return Poll::Ready(Err(TaskError::AlreadyTaken)); // polled after completion
        }
        let deadline = this.guard.shared.deadline_for_children;
        let mut future = this.future;
        let polled = with_ambient_deadline(deadline, || {
            std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx)))
        });
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(payload),
        };
        match this.identity.take() {
            Some(identity) => Poll::Ready(this.guard.finish(outcome, identity)),
            None => Poll::Ready(Err(TaskError::AlreadyTaken)), // checked above
        }
    }
}

/// [`RunTask`] for a group with a limit: waits its turn first. It takes the
/// whole `RunTask`, so even when aborted before its first poll the user's future
/// drops before the guard.
pub(crate) async fn run_limited_task<F>(
    task: RunTask<F>,
    limit: Arc<Semaphore>,
) -> TaskResult<<F::Output as TaskOutput>::Ok>
where
    F: Future,
    F::Output: TaskOutput,
{
    let Ok(_permit) = limit.acquire_owned().await else {
        return Err(TaskError::Cancelled); // the semaphore is never closed
    };
    task.await
}

/// A `spawn_blocking` task. The function comes before the guard, so that if
/// tokio drops the task unstarted (it was aborted), the function and what it
/// captured drop before the task counts itself out of its group.
pub(crate) struct BlockingTask<F> {
    pub(crate) f: F,
    pub(crate) guard: TaskGuard,
    pub(crate) identity: Identity,
}

impl<F, R> BlockingTask<F>
where
    F: FnOnce() -> R,
    R: TaskOutput,
{
    /// Waits its turn (with a limit), then runs the function unless the group
    /// stopped meanwhile.
    pub(crate) fn run(self) -> TaskResult<R::Ok> {
        let BlockingTask { f, guard, identity } = self;
        let shared = Arc::clone(&guard.shared);
        let permit = match &shared.limit {
            // The semaphore is never closed, so `acquire` only fails in theory.
            Some(limit) => shared.runtime.block_on(limit.acquire()).ok().map(Some),
            None => Some(None),
        };
        if permit.is_none() || shared.is_stopped() {
            drop(f); // before the guard, as above
            return Err(TaskError::Cancelled);
        }
        guard.finish(std::panic::catch_unwind(AssertUnwindSafe(f)), identity)
    }
}
