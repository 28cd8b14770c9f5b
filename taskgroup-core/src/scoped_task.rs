//! How one scoped task runs: the wrapper future the group's own future polls,
//! and the guard that counts it out of its group.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::enclosing::with_enclosing;
use crate::scoped_handle::Cell;
use crate::shared::{Payload, Shared};
use crate::summary::summary;
use crate::task::{Admission, TaskOutput};
use crate::{BoxError, Node, Origin, TaskError};

/// Counts a scoped task out of its group when it ends in any way, including
/// being dropped by the group's stop; a task dropped before it finished
/// reads as cancelled in its handle.
pub(crate) struct ScopedGuard<T> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) cell: Arc<Cell<T>>,
    pub(crate) origin: Origin,
}

impl<T> Drop for ScopedGuard<T> {
    fn drop(&mut self) {
        self.cell.finish(Err(TaskError::Cancelled));
        self.shared.leave();
    }
}

impl<T> ScopedGuard<T> {
    /// Stores how the task ended, collecting its error or panic into the group.
    fn finish(&self, outcome: Result<Result<T, BoxError>, Payload>) {
        let result = match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                let node = match Node::error(error) {
                    Node::Leaf(leaf) => Node::Leaf(leaf.with_origin(self.origin.clone())),
                    group => group,
                };
                let message = summary(&node);
                self.shared.fail(node, Some(&self.origin));
                Err(TaskError::Failed(message.into()))
            }
            Err(payload) => {
                self.shared.panicked(payload);
                Err(TaskError::Panicked)
            }
        };
        self.cell.finish(result);
    }

    /// Drops what the task still owns of the user's code, catching a panic in
    /// its `Drop`: such a panic is the task's panic, resumed by the group.
    fn drop_catching(&self, drop: impl FnOnce()) -> bool {
        match std::panic::catch_unwind(AssertUnwindSafe(drop)) {
            Ok(()) => true,
            Err(payload) => {
                self.shared.panicked(payload);
                self.cell.finish(Err(TaskError::Panicked));
                false
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future a scoped task runs inside its group's set: the user's future,
    /// its turn under a limit, its panic caught, its outcome stored for its
    /// handle. The group's future polls it with the group's deadline as the
    /// ambient one.
    pub(crate) struct ScopedTask<F, T> {
        // `None` once the task has ended: dropped as soon as it completes (or is
        // cancelled), under a panic catch. Declared before the guard, so the
        // future is gone before the task counts itself out.
        #[pin]
        future: Option<F>,
        // `Some` until the task has its turn, in a group with a limit; then the
        // permit, held until the task ends.
        admission: Option<Admission>,
        waiting: bool,
        started: bool,
        guard: ScopedGuard<T>,
    }

    impl<F, T> PinnedDrop for ScopedTask<F, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_some() {
                let mut future = this.future;
                let shared = &this.guard.shared;
                this.guard.drop_catching(|| with_enclosing(shared, || future.set(None)));
            }
        }
    }
}

impl<F, T> ScopedTask<F, T> {
    pub(crate) fn new(future: F, admission: Option<Admission>, guard: ScopedGuard<T>) -> Self {
        ScopedTask {
            future: Some(future),
            waiting: admission.is_some(),
            admission,
            started: false,
            guard,
        }
    }
}

impl<F> Future for ScopedTask<F, <F::Output as TaskOutput>::Ok>
where
    F: Future,
    F::Output: TaskOutput,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let mut slot = this.future;
        if slot.is_none() {
            return Poll::Ready(());
        }
        let guard = &*this.guard;
        if !*this.started {
            guard.cell.set_task_waker(cx.waker());
            *this.started = true;
        }
        // Stopped by the group or cancelled through the handle: dropped at once,
        // before another poll, and not an error.
        if guard.shared.is_stopped() || guard.cell.cancel_requested() {
            // A group this task was running hands its tasks to ours.
            let shared = &guard.shared;
            if guard.drop_catching(|| with_enclosing(shared, || slot.set(None))) {
                guard.cell.finish(Err(TaskError::Cancelled));
            }
            *this.admission = None;
            return Poll::Ready(());
        }
        if *this.waiting {
            if let Some(admission) = this.admission.as_mut() {
                let Poll::Ready(turn) = admission.poll_turn(cx, &guard.shared) else {
                    return Poll::Pending;
                };
                if turn.is_none() {
                    // The group started cancelling before the task's turn: it
                    // never starts.
                    *this.admission = None;
                    if guard.drop_catching(|| slot.set(None)) {
                        guard.cell.finish(Err(TaskError::Cancelled));
                    }
                    return Poll::Ready(());
                }
            }
            *this.waiting = false;
        }
        let Some(future) = slot.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            future.poll(cx).map(TaskOutput::into_result)
        }));
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(payload),
        };
        *this.admission = None; // the next task's turn
        match outcome {
            // The value is stored only once the future is gone: a panic in its
            // `Drop` makes the task a panicked one.
            Ok(output) => {
                if guard.drop_catching(|| slot.set(None)) {
                    guard.finish(Ok(output));
                }
            }
            // The poll's payload is the first panic; one from the drop after it
            // is not kept.
            Err(payload) => {
                guard.finish(Err(payload));
                guard.drop_catching(|| slot.set(None));
            }
        }
        Poll::Ready(())
    }
}
