//! The kinds of task a parametrised test runs its body with, and
//! `for_each_kind!`, which turns one body into one test per kind.
//!
//! A body names its kind as a type, `K`: `K::run(builder, async |tg| ..)` runs
//! the group (a local group for `Local`), `K::spawn(&tg, future)` spawns a task
//! of that kind and returns a [`Handle`] with the methods both handle types
//! share. The futures are `Send + 'static`, which every kind accepts; what only
//! scoped tasks can do (borrow, hold an `Rc`) is tested in `tests/scoped.rs`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use taskgroup::{
    BoxError, Builder, ErrorGroup, LocalScope, Scope, ScopedHandle, TaskError, TaskGroup,
    TaskHandle, TaskId, TaskOutput,
};

/// Runs one test body once per kind of task: a module named after the test,
/// with a test `spawned`, `scoped` and `local` in it, each with `K` naming its
/// kind. The attributes (the test attribute and the doc) go on each test.
///
/// ```ignore
/// for_each_kind! {
///     /// What the rule says.
///     #[tokio::test(start_paused = true)]
///     async fn rule_name<K>() {
///         K::run(TaskGroup::builder(), async |tg| { K::spawn(&tg, async {}); Ok(()) }).await;
///     }
/// }
/// ```
macro_rules! for_each_kind {
    () => {};
    (
        $(#[$attr:meta])*
        async fn $name:ident<$k:ident>() $body:block
        $($rest:tt)*
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            async fn spawned() {
                #[allow(dead_code)]
                type $k = $crate::kind::Spawned;
                $body
            }

            $(#[$attr])*
            async fn scoped() {
                #[allow(dead_code)]
                type $k = $crate::kind::Scoped;
                $body
            }

            $(#[$attr])*
            async fn local() {
                #[allow(dead_code)]
                type $k = $crate::kind::Local;
                $body
            }
        }

        for_each_kind! { $($rest)* }
    };
}

/// Tokio tasks (`spawn`) in a `Send` group.
pub(crate) enum Spawned {}
/// Scoped tasks (`spawn_scoped`) in a `Send` group.
pub(crate) enum Scoped {}
/// Scoped tasks in a local group (`builder().local()`).
pub(crate) enum Local {}

/// A kind of task: how to run its group and spawn into it.
pub(crate) trait Kind {
    /// The body's handle.
    type Scope<'env>: std::ops::Deref<Target = TaskGroup>;

    /// Runs `body` in a group of this kind.
    #[track_caller]
    fn run<'env, F, Fut, T, E>(
        builder: Builder,
        body: F,
    ) -> impl Future<Output = Result<T, ErrorGroup>> + 'env
    where
        F: FnOnce(Self::Scope<'env>) -> Fut + 'env,
        Fut: Future<Output = Result<T, E>> + 'env,
        T: 'env,
        E: Into<BoxError> + 'static;

    /// Spawns a task of this kind.
    #[track_caller]
    fn spawn<F>(tg: &Self::Scope<'_>, future: F) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput;

    /// Spawns a named task of this kind.
    #[track_caller]
    fn spawn_named<F>(
        tg: &Self::Scope<'_>,
        name: &str,
        future: F,
    ) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput;
}

impl Kind for Spawned {
    type Scope<'env> = Scope<'env>;

    #[track_caller]
    fn run<'env, F, Fut, T, E>(
        builder: Builder,
        body: F,
    ) -> impl Future<Output = Result<T, ErrorGroup>> + 'env
    where
        F: FnOnce(Scope<'env>) -> Fut + 'env,
        Fut: Future<Output = Result<T, E>> + 'env,
        T: 'env,
        E: Into<BoxError> + 'static,
    {
        builder.run(body)
    }

    #[track_caller]
    fn spawn<F>(tg: &Scope<'_>, future: F) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Task(tg.spawn(future))
    }

    #[track_caller]
    fn spawn_named<F>(
        tg: &Scope<'_>,
        name: &str,
        future: F,
    ) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Task(tg.spawn_named(name, future))
    }
}

impl Kind for Scoped {
    type Scope<'env> = Scope<'env>;

    #[track_caller]
    fn run<'env, F, Fut, T, E>(
        builder: Builder,
        body: F,
    ) -> impl Future<Output = Result<T, ErrorGroup>> + 'env
    where
        F: FnOnce(Scope<'env>) -> Fut + 'env,
        Fut: Future<Output = Result<T, E>> + 'env,
        T: 'env,
        E: Into<BoxError> + 'static,
    {
        builder.run(body)
    }

    #[track_caller]
    fn spawn<F>(tg: &Scope<'_>, future: F) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Scoped(tg.spawn_scoped(future))
    }

    #[track_caller]
    fn spawn_named<F>(
        tg: &Scope<'_>,
        name: &str,
        future: F,
    ) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Scoped(tg.spawn_scoped_named(name, future))
    }
}

impl Kind for Local {
    type Scope<'env> = LocalScope<'env>;

    #[track_caller]
    fn run<'env, F, Fut, T, E>(
        builder: Builder,
        body: F,
    ) -> impl Future<Output = Result<T, ErrorGroup>> + 'env
    where
        F: FnOnce(LocalScope<'env>) -> Fut + 'env,
        Fut: Future<Output = Result<T, E>> + 'env,
        T: 'env,
        E: Into<BoxError> + 'static,
    {
        builder.local().run(body)
    }

    #[track_caller]
    fn spawn<F>(tg: &LocalScope<'_>, future: F) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Scoped(tg.spawn_scoped(future))
    }

    #[track_caller]
    fn spawn_named<F>(
        tg: &LocalScope<'_>,
        name: &str,
        future: F,
    ) -> Handle<<F::Output as TaskOutput>::Ok>
    where
        F: Future + Send + 'static,
        F::Output: TaskOutput,
    {
        Handle::Scoped(tg.spawn_scoped_named(name, future))
    }
}

/// A spawned or a scoped task's handle, with the methods both have.
#[derive(Debug)]
pub(crate) enum Handle<T> {
    Task(TaskHandle<T>),
    Scoped(ScopedHandle<T>),
}

impl<T> Handle<T> {
    pub(crate) fn cancel(&self) {
        match self {
            Handle::Task(h) => h.cancel(),
            Handle::Scoped(h) => h.cancel(),
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        match self {
            Handle::Task(h) => h.is_finished(),
            Handle::Scoped(h) => h.is_finished(),
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        match self {
            Handle::Task(h) => h.is_cancelled(),
            Handle::Scoped(h) => h.is_cancelled(),
        }
    }

    pub(crate) fn id(&self) -> TaskId {
        match self {
            Handle::Task(h) => h.id(),
            Handle::Scoped(h) => h.id(),
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        match self {
            Handle::Task(h) => h.name(),
            Handle::Scoped(h) => h.name(),
        }
    }

    pub(crate) fn result(&self) -> Result<T, TaskError> {
        match self {
            Handle::Task(h) => h.result(),
            Handle::Scoped(h) => h.result(),
        }
    }
}

impl<T> Future for Handle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Handle::Task(h) => Pin::new(h).poll(cx),
            Handle::Scoped(h) => Pin::new(h).poll(cx),
        }
    }
}
