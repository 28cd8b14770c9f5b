//! How one task runs inside a group: [`TaskOutput`], the wrapper future every
//! spawned task runs in, and the guard that counts it out of its group.

use std::future::{poll_fn, Future};
use std::panic::{AssertUnwindSafe, Location};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use futures::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::any_error::box_error;
use crate::handle::TaskCell;
use crate::shared::{Payload, Shared};
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
    /// The task's error, boxed.
    fn into_result(self) -> Result<Self::Ok, BoxError>;
}

impl<T, E> TaskOutput for Result<T, E>
where
    T: Send + 'static,
    E: Into<BoxError> + Send + 'static,
{
    type Ok = T;

    fn into_result(self) -> Result<T, BoxError> {
        // Not `Into::into`: with the `anyhow` feature, `box_error` unwraps an
        // `anyhow::Error` so the leaf downcasts to the error it carries.
        self.map_err(box_error)
    }
}

impl TaskOutput for () {
    type Ok = ();

    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

/// Who a task is, for its handle and for the origin of its error.
pub(crate) struct Identity {
    pub(crate) id: TaskId,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) location: &'static Location<'static>,
}

/// Counts a task out of its group when it ends in any way, including an abort
/// that drops it; an outcome not recorded by then is a cancellation.
pub(crate) struct TaskGuard<T> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) cell: Arc<TaskCell<T>>,
    pub(crate) identity: Identity,
}

impl<T> Drop for TaskGuard<T> {
    fn drop(&mut self) {
        self.cell.complete(Err(TaskError::Cancelled));
        self.shared.leave();
    }
}

impl<T> TaskGuard<T> {
    /// Records how the task ended: `None` means it was cancelled.
    pub(crate) fn finish<R>(self, outcome: Option<Result<R, Payload>>)
    where
        R: TaskOutput<Ok = T>,
    {
        match outcome.map(|caught| caught.map(TaskOutput::into_result)) {
            None => {} // the guard's drop records the cancellation
            Some(Ok(Ok(value))) => self.cell.complete(Ok(value)),
            Some(Ok(Err(error))) => {
                self.cell
                    .complete(Err(TaskError::Failed(error.to_string())));
                self.shared.fail(self.error_node(error));
            }
            Some(Err(payload)) => {
                self.cell.complete(Err(TaskError::Panicked));
                self.shared.panicked(payload);
            }
        }
    }

    fn error_node(&self, error: BoxError) -> Node {
        match Node::error(error) {
            Node::Leaf(leaf) => {
                let Identity { id, name, location } = &self.identity;
                Node::Leaf(leaf.with_origin(Origin::task(*id, name.clone(), location)))
            }
            group => group,
        }
    }
}

/// The future a spawned task runs: waits for a permit if the group has a limit,
/// then polls the user's future until it ends or the group stops it.
pub(crate) async fn run_task<F>(guard: TaskGuard<<F::Output as TaskOutput>::Ok>, future: F)
where
    F: Future,
    F::Output: TaskOutput,
{
    let shared = Arc::clone(&guard.shared);
    let _permit = match &shared.limit {
        Some(limit) => match until_stopped(&shared.hard, None, limit.acquire()).await {
            Some(Ok(permit)) => Some(permit),
            _ => return, // stopped while waiting its turn: a cancellation
        },
        None => None,
    };
    let deadline = shared.deadline_for_children;
    let caught = AssertUnwindSafe(future).catch_unwind();
    let outcome = until_stopped(&shared.hard, deadline, caught).await;
    guard.finish(outcome);
}

/// Polls `future` until it is ready (`Some`) or `stop` fires (`None`; the future
/// is then never polled again).
///
/// The future is polled before the token's waiter is registered, so a task that
/// finishes in its first poll never touches the token's lock.
pub(crate) async fn until_stopped<T>(
    stop: &CancellationToken,
    deadline: Option<tokio::time::Instant>,
    future: impl Future<Output = T>,
) -> Option<T> {
    let mut future = pin!(future);
    let mut stopped = pin!(stop.cancelled());
    poll_fn(|cx| {
        if stop.is_cancelled() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(value) = with_ambient_deadline(deadline, || future.as_mut().poll(cx)) {
            return Poll::Ready(Some(value));
        }
        stopped.as_mut().poll(cx).map(|()| None)
    })
    .await
}
