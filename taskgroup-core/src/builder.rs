//! [`Builder`]: a task group's settings.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::{BoxError, ErrorGroup, TaskGroup};

/// Settings for a [`TaskGroup`]: name, timeout or deadline, concurrency limit,
/// grace period and supervision. Made by [`TaskGroup::builder`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use taskgroup_core::{TaskGroup, Timeout};
///
/// # #[tokio::main] async fn main() {
/// let result = TaskGroup::builder()
///     .name("downloads")
///     .timeout(Duration::from_millis(10))
///     .limit(4)
///     .run(async |tg| {
///         tg.spawn(tokio::time::sleep(Duration::from_secs(10)));
///         Ok::<_, std::fmt::Error>(())
///     })
///     .await;
/// assert!(result.unwrap_err().contains::<Timeout>());
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `run`"]
pub struct Builder {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) limit: Option<usize>,
    pub(crate) grace: Option<Duration>,
    pub(crate) supervise: bool,
    #[cfg(feature = "tokio-util")]
    pub(crate) cancel_on: Option<tokio_util::sync::CancellationToken>,
}

impl Builder {
    /// Names the group (shown in tracing spans and `Debug`).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Cancels the group when it has run this long, adding a
    /// [`Timeout`](crate::Timeout) leaf. The clock starts at the first poll.
    /// With a deadline too, the earlier of the two applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Cancels the group at `deadline`, adding a [`Timeout`](crate::Timeout) leaf.
    /// A deadline already past still lets the body run up to its first `.await`
    /// (as Python's `asyncio.timeout_at`); a group that finishes without ever
    /// waiting is not timed out.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Runs at most `limit` tasks at once; the others wait their turn, in spawn
    /// order. `limit(0)` makes `run` fail with
    /// [`ConfigError::ZeroLimit`](crate::ConfigError) without running the body.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// On cancellation, gives the body and tasks `grace` to finish on their own
    /// after [`TaskGroup::cancelled`] fires, before they are dropped. Errors they
    /// return meanwhile are collected ("errors beat cancellation").
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Supervision: a failing task (or body) does not cancel the others; every
    /// error is still collected. Timeouts, `cancel()` and panics still cancel.
    pub fn supervise(mut self) -> Self {
        self.supervise = true;
        self
    }

    /// Runs `body` with a new group and waits for it and every task.
    ///
    /// The body is polled by the returned future itself, so it may borrow local
    /// variables. It fails by returning `Err`; its error comes last in the group.
    ///
    /// # Errors
    ///
    /// Every error that happened before the cancellation took effect, as one
    /// group with the message `"unhandled errors in a task group"`: task errors
    /// in completion order, then a [`Timeout`](crate::Timeout) if it expired
    /// (in order), then the body's error. A nested group's error is one child.
    ///
    /// # Panics
    ///
    /// If the body or a task panics, everything else is cancelled and awaited,
    /// then the panic resumes here with its original payload. Errors collected
    /// before it are printed to stderr (or, with the `tracing` feature, logged as
    /// an error event), so they are not silently lost.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future aborts the body and every task (each
    /// stops at its next `.await`; blocking tasks that started run to the end).
    /// Rust has no async drop, so the drop cannot wait for them.
    #[track_caller]
    pub fn run<F, T, E>(self, body: F) -> impl Future<Output = Result<T, ErrorGroup>>
    where
        F: AsyncFnOnce(TaskGroup) -> Result<T, E>,
        E: Into<BoxError> + 'static,
    {
        crate::run::run(self, body, Location::caller())
    }
}
