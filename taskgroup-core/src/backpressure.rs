//! Backpressure: a spawn that waits for a turn under the group's limit instead
//! of queueing without bound.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crate::task::TaskOutput;
use crate::{TaskGroup, TaskHandle};

impl TaskGroup {
    /// Spawns `future` once the group's [`limit`](crate::Builder::limit) has
    /// room for it: waits while `limit` tasks run, so that a producer cannot
    /// queue millions of futures (plain [`spawn`](Self::spawn) queues them
    /// without bound). Without a limit it spawns at once.
    ///
    /// The wait takes a turn in the limit's queue, in order with every other
    /// task, and hands it back just before spawning, so each waiting producer
    /// has at most one task queued at a time. If the group starts cancelling
    /// meanwhile, the future is not run and the handle gives
    /// [`TaskError::NotSpawned`](crate::TaskError::NotSpawned).
    ///
    /// ```
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// TaskGroup::builder()
    ///     .limit(8)
    ///     .run(async |tg| {
    ///         for line in 0..1_000 {
    ///             // At most 8 run, and the producer waits: no queue of 1,000.
    ///             tg.spawn_when_ready(async move { Ok::<_, std::fmt::Error>(line) }).await;
    ///         }
    ///         Ok::<_, std::fmt::Error>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future before it is done drops `future` unrun.
    #[track_caller]
    // The handle is the result, as `spawn`'s; awaiting it is the caller's choice.
    #[allow(clippy::async_yields_async)]
    pub fn spawn_when_ready<F>(
        &self,
        future: F,
    ) -> impl Future<Output = TaskHandle<<F::Output as TaskOutput>::Ok>> + Send + '_
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        let location = Location::caller();
        async move {
            if let Some(limit) = &self.shared.limit {
                match Arc::clone(limit).acquire_owned().await {
                    // The turn goes back to the limit, to the spawn just below
                    // unless an earlier task queued in the meantime.
                    Ok(turn) => drop(turn),
                    Err(_closed) => return TaskHandle::refused(self.refusal()),
                }
            }
            self.spawn_with(None, future, location)
                .unwrap_or_else(|refused| TaskHandle::refused(refused.reason))
        }
    }
}
