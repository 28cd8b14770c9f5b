//! How one task runs inside a group: [`TaskOutput`], the wrapper future every
//! spawned task runs in, and the guard that counts it out of its group.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

use crate::any_error::box_error;
use crate::enclosing::with_enclosing;
use crate::handle::TaskResult;
use crate::registry::TaskKey;
use crate::shared::{Payload, Shared};
use crate::summary::summary;
use crate::timeout::with_ambient;
use crate::{BoxError, Node, TaskError};

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

/// Names the never type `!` on stable Rust, through the output type of
/// `fn() -> !` (the type itself is unstable to name directly).
#[doc(hidden)]
pub trait FnOutput {
    /// The function's return type.
    type Output;
}

impl<T> FnOutput for fn() -> T {
    type Output = T;
}

/// The never type `!`, the output of a future that never completes.
type Never = <fn() -> ! as FnOutput>::Output;

/// A task that never returns: `async { loop { .. } }`, `async { panic!() }`, or
/// a `todo!()` stub. Edition 2024 infers `!` as such a block's output, and
/// edition 2021 checks that `!` would work before it picks `()`; with this impl
/// both compile.
impl TaskOutput for Never {
    type Ok = Never;

    fn into_result(self) -> Result<Never, BoxError> {
        self
    }
}

/// Counts a task out of its group when it ends in any way, including an abort
/// that drops it. It drops after the user's future (see [`RunTask`]), so the
/// group finishes only after every task's future is gone and its outcome is on
/// its way to its handle. It takes no lock: the task's registry entry (`key`,
/// read if the task fails) stays until the group sweeps it.
pub(crate) struct TaskGuard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) key: TaskKey,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.shared.leave();
    }
}

/// How a task's future ended: its output split into value and error (the split
/// is user code, so it runs under the same panic catch as the poll), or a panic.
type Outcome<T> = Result<Result<T, BoxError>, Payload>;

impl TaskGuard {
    /// Turns how the task ended into its handle's result, collecting its error
    /// or panic into the group.
    fn finish<T>(&self, outcome: Outcome<T>) -> TaskResult<T> {
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                let origin = self.shared.origin(self.key);
                let node = match (Node::error(error), origin.clone()) {
                    (Node::Leaf(leaf), Some(origin)) => Node::Leaf(leaf.with_origin(origin)),
                    (node, _) => node,
                };
                // A summary, not the error drawn in full: cheap for a deep group,
                // and it cannot panic, so the error is always collected.
                let message = summary(&node);
                self.shared.fail(node, origin.as_ref());
                Err(TaskError::Failed(message.into()))
            }
            Err(payload) => {
                self.shared.panicked(payload);
                Err(TaskError::Panicked)
            }
        }
    }

    /// Drops what the task still owns of the user's code, catching a panic in its
    /// `Drop`: such a panic is the task's panic, never lost.
    fn drop_catching(&self, drop: impl FnOnce()) -> Result<(), ()> {
        std::panic::catch_unwind(AssertUnwindSafe(drop)).map_err(|payload| {
            self.shared.panicked(payload);
        })
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
        // `None` once the task has ended: the task drops the user's future itself,
        // as soon as it completes, so that a panic in its `Drop` is caught and
        // becomes the task's panic (tokio would swallow it). When the task is
        // aborted instead, `drop` below does the same.
        #[pin]
        future: Option<F>,
        // Fields drop in declaration order: the user's future before the guard,
        // whose drop counts the task out of its group. So when `run` returns,
        // every task's future has been dropped, whether it finished, failed or
        // was aborted.
        guard: TaskGuard,
    }

    impl<F> PinnedDrop for RunTask<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                if this.guard.shared.is_stopped() {
                    this.guard.shared.count_cancelled(); // aborted by its group
                }
                let mut future = this.future;
                // A group the aborted future was running hands its own tasks
                // to this task's group, which then waits for them.
                let shared = &this.guard.shared;
                let _ = this.guard.drop_catching(|| with_enclosing(shared, || future.set(None)));
            }
        }
    }
}

pub(crate) fn run_task<F>(guard: TaskGuard, future: F) -> RunTask<F> {
    RunTask {
        future: Some(future),
        guard,
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
        let mut slot = this.future;
        let Some(future) = slot.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(TaskError::AlreadyTaken)); // polled after completion
        };
        let ambient = &this.guard.shared.ambient;
        let polled = with_ambient(ambient, || {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                future.poll(cx).map(TaskOutput::into_result)
            }))
        });
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(payload),
        };
        let dropped = this.guard.drop_catching(|| slot.set(None));
        let result = this.guard.finish(outcome);
        Poll::Ready(match dropped {
            Ok(()) => result,
            Err(()) => Err(TaskError::Panicked),
        })
    }
}

/// A limited task's turn: a permit, or its place in the semaphore's queue.
pub(crate) enum Admission {
    Admitted(OwnedSemaphorePermit),
    /// Boxed: tokio's `acquire_owned` future cannot be named, and it must stay
    /// where it was first polled (it is linked into the semaphore's queue).
    Queued(Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send>>),
    /// The group started cancelling (and closed the semaphore) as the task was
    /// spawned: it never gets a turn.
    Closed,
}

impl Admission {
    /// Takes a permit if one is free, or queues for one now, at spawn time, so
    /// that turns are given in spawn order however tokio orders the tasks' first
    /// polls (tokio's semaphore is fair: first queued, first served).
    pub(crate) fn queue(limit: &Arc<Semaphore>) -> Admission {
        if let Ok(permit) = Arc::clone(limit).try_acquire_owned() {
            return Admission::Admitted(permit);
        }
        let mut queued = Box::pin(Arc::clone(limit).acquire_owned());
        // The first poll links the request into the queue; the task's own polls
        // replace this waker with theirs.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match queued.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(permit)) => Admission::Admitted(permit),
            Poll::Ready(Err(_closed)) => Admission::Closed,
            Poll::Pending => Admission::Queued(queued),
        }
    }

    /// Waits for the turn; `None` if the group started cancelling meanwhile (it
    /// closes the semaphore then), so queued work never starts in a cancelling
    /// group.
    pub(crate) fn poll_turn(&mut self, cx: &mut Context<'_>, shared: &Shared) -> Poll<Option<()>> {
        if let Admission::Queued(queued) = self {
            match std::task::ready!(queued.as_mut().poll(cx)) {
                Ok(permit) => *self = Admission::Admitted(permit),
                Err(_closed) => *self = Admission::Closed,
            }
        }
        if let Admission::Closed = self {
            return Poll::Ready(None);
        }
        Poll::Ready((!shared.cancellation.is_fired()).then_some(()))
    }
}

pin_project_lite::pin_project! {
    /// [`RunTask`] for a group with a limit: waits its turn first, holding the
    /// permit while it runs. A separate wrapper, so that a group without a limit
    /// does not pay for it in every task.
    pub(crate) struct LimitedTask<F> {
        admission: Option<Admission>,
        started: bool,
        #[pin]
        task: RunTask<F>,
    }
}

pub(crate) fn limited_task<F>(task: RunTask<F>, admission: Admission) -> LimitedTask<F> {
    LimitedTask {
        admission: Some(admission),
        started: false,
        task,
    }
}

impl<F> Future for LimitedTask<F>
where
    F: Future,
    F::Output: TaskOutput,
{
    type Output = TaskResult<<F::Output as TaskOutput>::Ok>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if !*this.started {
            let Some(admission) = this.admission.as_mut() else {
                return Poll::Ready(Err(TaskError::Cancelled)); // ended already
            };
            let guard = &this.task.guard;
            let queued = matches!(admission, Admission::Queued(_));
            let turn = std::task::ready!(admission.poll_turn(cx, &guard.shared));
            if queued {
                guard.shared.admitted(guard.key); // no longer waiting, for snapshots
            }
            if turn.is_none() {
                guard.shared.count_cancelled(); // never given its turn
                *this.admission = None;
                return Poll::Ready(Err(TaskError::Cancelled));
            }
            *this.started = true;
        }
        let result = std::task::ready!(this.task.poll(cx));
        *this.admission = None; // the next task's turn
        Poll::Ready(result)
    }
}

/// A `spawn_blocking` task. The function comes before the guard, so that if
/// tokio drops the task unstarted (it was aborted), the function and what it
/// captured drop before the task counts itself out of its group.
pub(crate) struct BlockingTask<F> {
    f: Option<F>,
    guard: TaskGuard,
}

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F, guard: TaskGuard) -> Self {
        BlockingTask { f: Some(f), guard }
    }
}

impl<F, R> BlockingTask<F>
where
    F: FnOnce() -> R,
    R: TaskOutput,
{
    /// Runs the function unless the group stopped meanwhile; `_permit` is its
    /// turn under a limit, held until it returns.
    pub(crate) fn run(mut self, _permit: Option<OwnedSemaphorePermit>) -> TaskResult<R::Ok> {
        let Some(f) = self.f.take() else {
            return Err(TaskError::AlreadyTaken); // run once, by construction
        };
        if self.guard.shared.is_stopped() {
            return match self.guard.drop_catching(|| drop(f)) {
                Ok(()) => Err(TaskError::Cancelled),
                Err(()) => Err(TaskError::Panicked),
            };
        }
        // The closure and what it captured drop inside the call, so a panic in
        // their `Drop` is caught here too.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f().into_result()));
        self.guard.finish(outcome)
    }
}

impl<F> Drop for BlockingTask<F> {
    /// An unstarted task dropped by an abort: its function drops before the
    /// guard, a panic in its `Drop` caught and kept as the task's panic.
    fn drop(&mut self) {
        if let Some(f) = self.f.take() {
            let _ = self.guard.drop_catching(|| drop(f));
        }
    }
}

/// A blocking task in a group with a limit: waits for its turn as an async
/// task, holding no thread, then runs on the blocking pool with the permit.
/// If this wrapper is aborted while the function runs, the function goes on
/// (a thread cannot be interrupted) and its guard keeps the group open.
pub(crate) async fn limited_blocking<F, R>(
    task: BlockingTask<F>,
    mut admission: Admission,
) -> TaskResult<R::Ok>
where
    F: FnOnce() -> R + Send + 'static,
    R: TaskOutput,
{
    let shared = Arc::clone(&task.guard.shared);
    let queued = matches!(admission, Admission::Queued(_));
    let turn = std::future::poll_fn(|cx| admission.poll_turn(cx, &shared)).await;
    if queued {
        shared.admitted(task.guard.key); // no longer waiting, for snapshots
    }
    let permit = match (turn, admission) {
        (Some(()), Admission::Admitted(permit)) => Some(permit),
        _ => return Err(TaskError::Cancelled), // `task` drops its function
    };
    let runtime = shared.runtime.clone();
    drop(shared);
    match runtime.spawn_blocking(move || task.run(permit)).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => Err(TaskError::Panicked),
        Err(_) => Err(TaskError::Cancelled),
    }
}
