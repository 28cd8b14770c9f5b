//! Spawning onto tokio with the task's name, so that `tokio-console` and
//! tokio's own instrumentation show it: tokio's task builder exists only under
//! `--cfg tokio_unstable` (with tokio's `tracing` feature, which this crate
//! turns on in that configuration), so without it tasks are spawned plainly.

use std::future::Future;

use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// Spawns `future` on `runtime`, named `name` where tokio can carry names.
#[cfg(tokio_unstable)]
pub(crate) fn spawn<F>(runtime: &Handle, name: Option<&str>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let builder = tokio::task::Builder::new();
    let builder = match name {
        Some(name) => builder.name(name),
        None => builder,
    };
    // Tokio's builder cannot fail to spawn an async task (its `io::Result`
    // is for symmetry with blocking spawns).
    builder
        .spawn_on(future, runtime)
        .expect("tokio's task builder spawns async tasks infallibly")
}

/// Spawns `future` on `runtime` (tokio keeps no names in this configuration).
#[cfg(not(tokio_unstable))]
#[inline]
pub(crate) fn spawn<F>(runtime: &Handle, _name: Option<&str>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime.spawn(future)
}

/// Runs `f` on `runtime`'s blocking pool, named `name` where tokio can carry
/// names.
#[cfg(tokio_unstable)]
pub(crate) fn spawn_blocking<F, R>(runtime: &Handle, name: Option<&str>, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let builder = tokio::task::Builder::new();
    let builder = match name {
        Some(name) => builder.name(name),
        None => builder,
    };
    match builder.spawn_blocking_on(f, runtime) {
        Ok(join) => join,
        // Only a runtime shutting down refuses; tokio's own `spawn_blocking`
        // would then hand back a task that never runs, as this does.
        Err(_) => runtime.spawn(std::future::pending()),
    }
}

/// Runs `f` on `runtime`'s blocking pool.
#[cfg(not(tokio_unstable))]
#[inline]
pub(crate) fn spawn_blocking<F, R>(runtime: &Handle, _name: Option<&str>, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    runtime.spawn_blocking(f)
}
