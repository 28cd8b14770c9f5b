//! [`Scope`] and [`LocalScope`]: the handle a group's body receives, which
//! spawns scoped tasks besides everything a [`TaskGroup`] does.
//!
//! The lifetime `'env` is the borrow the scoped tasks may hold: anything that
//! outlives the group's `run` future. It is invariant (the queue of tasks holds
//! `dyn Future + 'env`), so a scope can neither be shortened to admit a task
//! borrowing something shorter-lived, nor lengthened to outlive the data its
//! tasks borrow. No `unsafe` is involved: the tasks live in the `run` future,
//! which the borrow checker already keeps inside `'env`.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::sync::Arc;

use crate::scoped::{self, Incoming, LocalTask, SendTask};
use crate::task::TaskOutput;
use crate::{Builder, ScopedHandle, SpawnError, TaskGroup};

/// The handle a group's body receives: a [`TaskGroup`] (it derefs to one, so
/// `spawn`, `cancel`, `cancelled`, `spawner` and the rest work on it) that also
/// spawns *scoped* tasks, which may borrow from the function running the group.
///
/// A scoped task is polled by the group's own future, concurrently with the
/// body and the other scoped tasks but never in parallel with them: use
/// [`spawn`](TaskGroup::spawn) for work that should run on tokio's other
/// threads, and `spawn_scoped` for work that borrows. Both kinds follow the
/// same rules: the group waits for them, the first error cancels them all,
/// a panic resumes after everything stopped, and they share the group's
/// limit. When the group stops (at once, or after its grace period), its
/// scoped tasks are dropped at once.
///
/// A `Scope` is not `Clone`: `tg.clone()` and `tg.spawner()` give the
/// `'static` [`TaskGroup`] handle (for tokio tasks and other threads);
/// [`scope`](Self::scope) gives another `Scope`, to move into a scoped task
/// that spawns scoped tasks itself.
///
/// The group's future is `Send` when the body and every scoped task are; a
/// group whose scoped tasks are not `Send` is a [`LocalScope`]'s.
///
/// # Examples
///
/// ```
/// use taskgroup_core::TaskGroup;
///
/// async fn greet(name: &str) -> Result<usize, std::fmt::Error> {
///     Ok(name.len())
/// }
///
/// # #[tokio::main] async fn main() {
/// let names = vec![String::from("Ada"), String::from("Grace")];
/// let lengths = TaskGroup::run(async |tg| {
///     let handles: Vec<_> = names.iter().map(|name| tg.spawn_scoped(greet(name))).collect();
///     Ok::<_, std::fmt::Error>(handles)
/// })
/// .await
/// .unwrap();
/// let lengths: Vec<usize> = lengths.iter().map(|h| h.result().unwrap()).collect();
/// assert_eq!(lengths, [3, 5]);
/// # }
/// ```
pub struct Scope<'env> {
    group: TaskGroup,
    incoming: Arc<Incoming<SendTask<'env>>>,
}

/// The body's handle in a local group ([`Builder::local`]): as [`Scope`], but
/// its scoped tasks need not be `Send` (an `Rc` held across `.await`), so
/// neither is the group's future. Run such a group where `!Send` futures are
/// allowed: on a current-thread runtime, in a `LocalSet`, or under
/// `tokio::task::spawn_local`. Spawned tasks (`spawn`) are still tokio tasks
/// and must be `Send`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use taskgroup_core::TaskGroup;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let shared = Rc::new(String::from("not Send"));
/// let len = TaskGroup::builder()
///     .local()
///     .run(async |tg| {
///         let shared = Rc::clone(&shared);
///         let handle = tg.spawn_scoped(async move {
///             tokio::task::yield_now().await; // the `Rc` is held across the await
///             Ok::<_, std::fmt::Error>(shared.len())
///         });
///         Ok::<_, std::fmt::Error>(handle)
///     })
///     .await
///     .unwrap();
/// assert_eq!(len.result(), Ok(8));
/// # }
/// ```
pub struct LocalScope<'env> {
    group: TaskGroup,
    incoming: Arc<Incoming<LocalTask<'env>>>,
}

/// What `run` hands the body: a [`Scope`] or a [`LocalScope`]. Not
/// implemented outside this crate.
///
/// The trait has no lifetime of its own: `Scope<'env>` implements it for every
/// `'env`, which is what lets rustc prove a group's future `Send` inside
/// `tokio::spawn` (a trait `BodyScope<'env>` made it fail with "implementation
/// is not general enough", the lifetimes being erased in that check).
#[doc(hidden)]
pub trait BodyScope: Sized {
    /// How the group's set holds one scoped task.
    #[doc(hidden)]
    type Task: Future<Output = ()> + Unpin;

    #[doc(hidden)]
    fn new(group: TaskGroup, incoming: Arc<Incoming<Self::Task>>) -> Self;
}

impl<'env> BodyScope for Scope<'env> {
    type Task = SendTask<'env>;

    fn new(group: TaskGroup, incoming: Arc<Incoming<Self::Task>>) -> Self {
        Scope { group, incoming }
    }
}

impl<'env> BodyScope for LocalScope<'env> {
    type Task = LocalTask<'env>;

    fn new(group: TaskGroup, incoming: Arc<Incoming<Self::Task>>) -> Self {
        LocalScope { group, incoming }
    }
}

/// The scoped spawns, the same for both kinds of scope but for the bound on the
/// future (`Send` or not) and how the task is boxed.
macro_rules! scoped_spawns {
    ($scope:ident, $($send:tt)*) => {
        impl<'env> $scope<'env> {
            /// Spawns `future` as a scoped task and returns its handle: polled
            /// by the group's own future, it may borrow anything that outlives
            /// the group (`for name in &names { tg.spawn_scoped(greet(name)); }`).
            ///
            /// The task fails by returning `Err(e)`, which cancels the group
            /// (unless it supervises) and lands in its `ErrorGroup` with the
            /// task's id and this call's location. If the group is cancelling
            /// or finished, the future is dropped unpolled and the handle gives
            /// [`TaskError::NotSpawned`](crate::TaskError::NotSpawned).
            #[track_caller]
            pub fn spawn_scoped<F>(&self, future: F) -> ScopedHandle<<F::Output as TaskOutput>::Ok>
            where
                F: Future $($send)* + 'env,
                F::Output: TaskOutput,
            {
                self.spawn_scoped_with(None, future, Location::caller())
                    .unwrap_or_else(|refused| ScopedHandle::refused(refused.reason))
            }

            /// Spawns `future` as a scoped task named `name`; the name shows in
            /// its handle and in the origin of its error.
            #[track_caller]
            pub fn spawn_scoped_named<F>(
                &self,
                name: impl Into<Arc<str>>,
                future: F,
            ) -> ScopedHandle<<F::Output as TaskOutput>::Ok>
            where
                F: Future $($send)* + 'env,
                F::Output: TaskOutput,
            {
                self.spawn_scoped_with(Some(name.into()), future, Location::caller())
                    .unwrap_or_else(|refused| ScopedHandle::refused(refused.reason))
            }

            /// Spawns `future` as a scoped task, or hands it back unpolled if the
            /// group refuses it.
            ///
            /// # Errors
            ///
            /// [`SpawnError`] with the future when the group is cancelling or finished.
            #[track_caller]
            pub fn try_spawn_scoped<F>(
                &self,
                future: F,
            ) -> Result<ScopedHandle<<F::Output as TaskOutput>::Ok>, SpawnError<F>>
            where
                F: Future $($send)* + 'env,
                F::Output: TaskOutput,
            {
                self.spawn_scoped_with(None, future, Location::caller())
            }

            fn spawn_scoped_with<F>(
                &self,
                name: Option<Arc<str>>,
                future: F,
                location: &'static Location<'static>,
            ) -> Result<ScopedHandle<<F::Output as TaskOutput>::Ok>, SpawnError<F>>
            where
                F: Future $($send)* + 'env,
                F::Output: TaskOutput,
            {
                scoped::spawn(&self.group, &self.incoming, name, future, location, |task| {
                    Box::pin(task)
                })
            }

            /// Another handle to this scope, to move into a scoped task that
            /// spawns scoped tasks of its own.
            pub fn scope(&self) -> $scope<'env> {
                $scope {
                    group: self.group.clone(),
                    incoming: Arc::clone(&self.incoming),
                }
            }

            /// What the `task_group!` expansion calls; use [`TaskGroup::builder`].
            #[doc(hidden)]
            pub fn builder() -> Builder {
                TaskGroup::builder()
            }
        }

        impl Deref for $scope<'_> {
            type Target = TaskGroup;

            fn deref(&self) -> &TaskGroup {
                &self.group
            }
        }

        impl fmt::Debug for $scope<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($scope))
                    .field("group", &self.group)
                    .finish()
            }
        }
    };
}

scoped_spawns!(Scope, + Send);
scoped_spawns!(LocalScope,);
