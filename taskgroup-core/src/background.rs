//! Background tasks (Trio's long-requested "service nursery"): tasks that run
//! while the group works, and are cancelled once its work is done.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::origin::TaskName;
use crate::shared::Shared;
use crate::task::TaskOutput;
use crate::{SpawnError, TaskGroup, TaskHandle};

impl TaskGroup {
    /// Spawns `future` as a background task: it runs while the body and the
    /// ordinary tasks run, and once those have all finished, it is cancelled
    /// through the group's usual cooperative signal ([`cancelled`](Self::cancelled)
    /// fires, [`cancel_reason`](Self::cancel_reason) says
    /// [`WorkDone`](crate::CancelReason::WorkDone)), then stopped after the grace
    /// period. That cancellation is not an error, and `run` returns the body's
    /// value; the background task's own errors and panics count like any
    /// task's. Made for servers, heartbeats, metrics flushers and watchers that
    /// live exactly as long as the work they serve.
    ///
    /// A group that never had a background task running when its work ended
    /// is never cancelled by it ([`is_cancelled`](Self::is_cancelled) stays
    /// `false`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskgroup_core::{CancelReason, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let value = TaskGroup::builder()
    ///     .grace(Duration::from_secs(1))
    ///     .run(async |tg| {
    ///         let tg2 = tg.clone();
    ///         let heartbeat = tg.spawn_background(async move {
    ///             loop {
    ///                 tokio::select! {
    ///                     _ = tokio::time::sleep(Duration::from_millis(100)) => {} // beat
    ///                     _ = tg2.cancelled() => return Ok::<_, std::fmt::Error>("flushed"),
    ///                 }
    ///             }
    ///         });
    ///         tg.spawn(tokio::time::sleep(Duration::from_secs(1)));
    ///         Ok::<_, std::fmt::Error>(heartbeat)
    ///     })
    ///     .await
    ///     .unwrap();
    /// assert_eq!(value.result(), Ok("flushed"));
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_background<F>(&self, future: F) -> TaskHandle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        self.spawn_background_with(None, future, Location::caller())
    }

    /// [`spawn_background`](Self::spawn_background) with a name, as
    /// [`spawn_named`](Self::spawn_named) gives one.
    #[track_caller]
    pub fn spawn_background_named<F>(
        &self,
        name: impl Into<Arc<str>>,
        future: F,
    ) -> TaskHandle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        let name: Option<TaskName> = Some(name.into());
        self.spawn_background_with(name, future, Location::caller())
    }

    fn spawn_background_with<F>(
        &self,
        name: Option<TaskName>,
        future: F,
        location: &'static Location<'static>,
    ) -> TaskHandle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        // Counted as background first, so the group never sees its work done
        // between the two counts; its task's own unit is then handed over.
        if !self.shared.try_enter_background() {
            return TaskHandle::refused(self.refusal());
        }
        let task = Background {
            future,
            shared: Some(Arc::clone(&self.shared)),
        };
        match self.spawn_with(name, task, location) {
            Ok(handle) => {
                self.shared.watch.background(handle.id()); // for snapshots
                self.shared.trim_watch();
                self.shared.leave(); // the task's unit now counts as background
                handle
            }
            Err(SpawnError { reason, mut future }) => {
                future.shared = None; // never ran: nothing to hand back
                self.shared.leave_background();
                TaskHandle::refused(reason)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A background task's future: the user's, and, when it is dropped (the
    /// task ended in any way), the switch that counts the task out as an
    /// ordinary one from then on.
    struct Background<F> {
        #[pin]
        future: F,
        shared: Option<Arc<Shared>>,
    }

    impl<F> PinnedDrop for Background<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(shared) = this.project().shared.take() {
                shared.background_ended();
            }
        }
    }
}

impl<F: Future> Future for Background<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}
