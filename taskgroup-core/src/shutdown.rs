//! Outside shutdown: a group cancelled by a `tokio_util` `CancellationToken`
//! from outside (SIGTERM → cancel → grace → abort).

use std::sync::{Arc, Weak};

use tokio_util::sync::CancellationToken;

use crate::nested::Nested;
use crate::{Builder, CancelReason};

impl<M> Builder<M> {
    /// Cancels the group when `token` is cancelled, as if from inside: the
    /// cooperative signal, the grace period, then the stop;
    /// [`cancel_reason`](crate::TaskGroup::cancel_reason) says
    /// [`Shutdown`](CancelReason::Shutdown), and it is not an error. A token
    /// cancelled before the group starts cancels it at once. One token can
    /// shut down every group of a service.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskgroup_core::{CancelReason, TaskGroup};
    /// use tokio_util::sync::CancellationToken;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let shutdown = CancellationToken::new();
    /// let on_signal = shutdown.clone();
    /// tokio::spawn(async move {
    ///     tokio::time::sleep(Duration::from_secs(1)).await; // tokio::signal::ctrl_c().await
    ///     on_signal.cancel();
    /// });
    /// let result = TaskGroup::builder()
    ///     .cancel_on(shutdown)
    ///     .grace(Duration::from_secs(5))
    ///     .run(async |tg| {
    ///         tg.cancelled().await; // serve until told to stop
    ///         assert_eq!(tg.cancel_reason(), Some(CancelReason::Shutdown));
    ///         Ok::<_, std::fmt::Error>("drained")
    ///     })
    ///     .await;
    /// assert_eq!(result.unwrap(), "drained");
    /// # }
    /// ```
    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.settings.cancel_on = Some(token);
        self
    }
}

/// Watches `outside` for the group `group` in a task of its own, which ends
/// when the token is cancelled or when the group finishes (`done`), so only
/// groups given a token pay for it.
pub(crate) fn watch<G: Nested + 'static>(
    outside: CancellationToken,
    done: CancellationToken,
    group: &Arc<G>,
) {
    if outside.is_cancelled() {
        group.cancel_from_outside(CancelReason::Shutdown);
        return;
    }
    let weak: Weak<G> = Arc::downgrade(group);
    tokio::spawn(async move {
        let cancelled = outside.cancelled();
        let finished = done.cancelled();
        futures_util::future::select(std::pin::pin!(cancelled), std::pin::pin!(finished)).await;
        if outside.is_cancelled() && !done.is_cancelled() {
            if let Some(group) = weak.upgrade() {
                group.cancel_from_outside(CancelReason::Shutdown);
            }
        }
    });
}
