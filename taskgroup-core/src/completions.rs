//! [`Completions`]: a group's task results in the order the tasks finish
//! (asyncio's `as_completed`, tokio's `JoinSet::join_next`), while tasks still
//! run.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, Stream};

use crate::task::TaskOutput;
use crate::{TaskError, TaskGroup, TaskHandle, TaskId};

/// A typed set of a group's tasks that gives their results as they finish,
/// made by [`TaskGroup::completions`]. The tasks are ordinary members of the
/// group (their errors are collected and cancel it as usual); the set only
/// holds their handles, and gives each value once.
///
/// It is a [`Stream`] of `(TaskId, Result<T, TaskError>)`, and has
/// [`next`](Self::next) for use without `StreamExt`.
///
/// ```
/// use std::time::Duration;
/// use taskgroup_core::TaskGroup;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let order = TaskGroup::run(async |tg| {
///     let mut set = tg.completions::<u64>();
///     for secs in [3, 1, 2] {
///         set.spawn(async move {
///             tokio::time::sleep(Duration::from_secs(secs)).await;
///             Ok::<_, std::fmt::Error>(secs)
///         });
///     }
///     let mut order = Vec::new();
///     while let Some((_id, result)) = set.next().await {
///         order.push(result.unwrap());
///     }
///     Ok::<_, std::fmt::Error>(order)
/// })
/// .await
/// .unwrap();
/// assert_eq!(order, [1, 2, 3]);
/// # }
/// ```
pub struct Completions<T> {
    group: TaskGroup,
    pending: FuturesUnordered<Tagged<T>>,
}

impl TaskGroup {
    /// A new, empty [`Completions`] set of tasks returning `T`, spawning into
    /// this group. Use one set per result type (or an enum of them).
    pub fn completions<T: Send + 'static>(&self) -> Completions<T> {
        Completions {
            group: self.clone(),
            pending: FuturesUnordered::new(),
        }
    }
}

impl<T: Send + 'static> Completions<T> {
    /// Spawns `future` into the group (as [`TaskGroup::spawn`]) and adds it to
    /// the set; returns its id, which its result comes with.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> TaskId
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput<Ok = T>,
    {
        self.push(self.group.spawn(future))
    }

    /// Spawns `future` named `name` (as [`TaskGroup::spawn_named`]) and adds it.
    #[track_caller]
    pub fn spawn_named<F>(&mut self, name: impl Into<std::sync::Arc<str>>, future: F) -> TaskId
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput<Ok = T>,
    {
        self.push(self.group.spawn_named(name, future))
    }

    /// Adds a handle spawned some other way (a background task, a blocking
    /// one); returns its id.
    pub fn push(&mut self, handle: TaskHandle<T>) -> TaskId {
        let id = handle.id();
        self.pending.push(Tagged(Some(handle)));
        id
    }

    /// The next task to finish, with its id, or `None` when the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is taken only when it is returned.
    pub async fn next(&mut self) -> Option<(TaskId, Result<T, TaskError>)> {
        poll_fn(|cx| Pin::new(&mut self.pending).poll_next(cx)).await
    }

    /// How many tasks of the set have not been given out yet.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether every task of the set has been given out.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

impl<T> Stream for Completions<T> {
    type Item = (TaskId, Result<T, TaskError>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.pending).poll_next(cx)
    }
}

impl<T> fmt::Debug for Completions<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completions")
            .field("group", &self.group)
            .field("pending", &self.pending.len())
            .finish()
    }
}

/// A handle that gives its id with its result.
struct Tagged<T>(Option<TaskHandle<T>>);

impl<T> Future for Tagged<T> {
    type Output = (TaskId, Result<T, TaskError>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(handle) = self.0.as_mut() else {
            return Poll::Pending; // given out already; the set drops it
        };
        let result = std::task::ready!(Pin::new(&mut *handle).poll(cx));
        let id = handle.id();
        self.0 = None;
        Poll::Ready((id, result))
    }
}
