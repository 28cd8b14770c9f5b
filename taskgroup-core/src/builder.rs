//! [`Builder`]: a task group's settings.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::run::Run;
use crate::settings::Settings;
use crate::{BoxError, LocalScope, Scope};

/// The mode of a [`Builder`] whose group's scoped tasks must be `Send` (the
/// default): its future is `Send` when they are.
#[derive(Debug)]
pub enum Threaded {}

/// The mode of a [`Builder`] made by [`local`](Builder::local): scoped tasks
/// need not be `Send`, and neither is the group's future.
#[derive(Debug)]
pub enum Local {}

/// Settings for a [`TaskGroup`](crate::TaskGroup): name, timeout or deadline, concurrency limit,
/// grace period and supervision. Made by [`TaskGroup::builder`](crate::TaskGroup::builder).
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
#[must_use = "a builder does nothing until `run`"]
pub struct Builder<M = Threaded> {
    pub(crate) settings: Settings,
    mode: PhantomData<fn() -> M>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            settings: Settings::default(),
            mode: PhantomData,
        }
    }
}

impl<M> Clone for Builder<M> {
    fn clone(&self) -> Self {
        Builder {
            settings: self.settings.clone(),
            mode: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Builder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.settings, f)
    }
}

impl<M> Builder<M> {
    /// Names the group (shown in tracing spans and `Debug`).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.settings.name = Some(name.into());
        self
    }

    /// Cancels the group when it has run this long, adding a
    /// [`Timeout`](crate::Timeout) leaf. The clock starts at the first poll.
    /// With a deadline too, the earlier of the two applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Cancels the group at `deadline`, adding a [`Timeout`](crate::Timeout) leaf.
    /// A deadline already past still lets the body run up to its first `.await`
    /// (as Python's `asyncio.timeout_at`); a group that finishes without ever
    /// waiting is not timed out.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.settings.deadline = Some(deadline);
        self
    }

    /// Runs at most `limit` tasks at once; the others wait their turn, in spawn
    /// order. `limit(0)` makes `run` fail with
    /// [`ConfigError::ZeroLimit`](crate::ConfigError) without running the body.
    pub fn limit(mut self, limit: usize) -> Self {
        self.settings.limit = Some(limit);
        self
    }

    /// On cancellation, gives the body and tasks `grace` to finish on their own
    /// after [`TaskGroup::cancelled`](crate::TaskGroup::cancelled) fires, before they are dropped. Errors they
    /// return meanwhile are collected ("errors beat cancellation").
    pub fn grace(mut self, grace: Duration) -> Self {
        self.settings.grace = Some(grace);
        self
    }

    /// Supervision: a failing task (or body) does not cancel the others; every
    /// error is still collected. Timeouts, `cancel()` and panics still cancel.
    pub fn supervise(mut self) -> Self {
        self.settings.supervise = true;
        self
    }
}

impl Builder {
    /// Runs `body` with a new group and waits for it and every task.
    ///
    /// The body is polled by the returned future itself, so it may borrow local
    /// variables. It fails by returning `Err`; its error comes last in the group.
    ///
    /// The body receives a [`Scope`]: it spawns tokio tasks (`spawn`) and
    /// scoped tasks (`spawn_scoped`), which may borrow too. The returned future
    /// is `Send` when the body's future and the scoped tasks are; its type,
    /// [`Run`], can be named and stored.
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
    /// Rust has no async drop, so the drop cannot wait for them. Scoped tasks
    /// are dropped with the future, at once.
    #[track_caller]
    pub fn run<'env, F, Fut, T, E>(self, body: F) -> Run<F, Fut, T, Scope<'env>>
    where
        F: FnOnce(Scope<'env>) -> Fut,
        Fut: Future<Output = Result<T, E>> + 'env,
        E: Into<BoxError> + 'static,
    {
        Run::new(self.settings, body, Location::caller())
    }

    /// A local group: its scoped tasks need not be `Send`, and so its future
    /// is not `Send` either (run it on a current-thread runtime, in a
    /// `LocalSet` or a `spawn_local` task). Spawned tasks are tokio tasks and
    /// still need `Send`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use taskgroup_core::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let counter = Rc::new(std::cell::Cell::new(0));
    /// TaskGroup::builder()
    ///     .local()
    ///     .run(async |tg| {
    ///         for _ in 0..3 {
    ///             let counter = Rc::clone(&counter);
    ///             tg.spawn_scoped(async move { counter.set(counter.get() + 1) });
    ///         }
    ///         Ok::<_, std::fmt::Error>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// assert_eq!(counter.get(), 3);
    /// # }
    /// ```
    pub fn local(self) -> Builder<Local> {
        Builder {
            settings: self.settings,
            mode: PhantomData,
        }
    }
}

impl Builder<Local> {
    /// Runs `body` with a new local group and waits for it and every task; as
    /// [`Builder::run`], but the body receives a [`LocalScope`], whose scoped
    /// tasks need not be `Send`.
    ///
    /// # Errors
    ///
    /// Every error the body and the tasks returned, as one group.
    ///
    /// # Panics
    ///
    /// A panic in the body or a task resumes here once everything stopped.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops the body and every scoped
    /// task, and aborts the spawned ones.
    #[track_caller]
    pub fn run<'env, F, Fut, T, E>(self, body: F) -> Run<F, Fut, T, LocalScope<'env>>
    where
        F: FnOnce(LocalScope<'env>) -> Fut,
        Fut: Future<Output = Result<T, E>> + 'env,
        E: Into<BoxError> + 'static,
    {
        Run::new(self.settings, body, Location::caller())
    }
}
