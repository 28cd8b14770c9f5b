//! CPython 3.11's `test_asyncio/test_taskgroups.py`, ported. Each test is named after
//! its CPython counterpart; the docs of each say how the Python scenario maps to Rust.
//!
//! Two differences from Python shape the ports:
//!
//! - **External cancellation is a drop.** Python's `task.cancel()` throws
//!   `CancelledError` into the task, which may catch it, clean up, and even raise
//!   another error. A Rust future is cancelled by dropping it, which cannot run
//!   async cleanup or produce an error. Where a Python test only checks that the
//!   group and its children are cancelled (`test_cancellation`, `_07`, `_17`,
//!   `_22`), the port aborts the tokio task running the group. Where it needs a
//!   cancelled child or body to raise in cleanup (`_08`, `_11`, `_12`, `_15`,
//!   `_16`, `_18`), the port tests the cooperative equivalent instead: the group is
//!   cancelled with `cancel()` (or a signal the body listens to), a grace period is
//!   configured, and tasks observe `tg.cancelled()`.
//! - **`KeyboardInterrupt` / `SystemExit` are panics**, and other `BaseException`
//!   subclasses have no Rust analogue.
//!
//! Python's timings are kept; the clock is paused, so the tests run in milliseconds.
//!
//! Not ported (NICE and Python-specific, or impossible to express in Rust):
//! - `test_taskgroup_20a`, `test_taskgroup_21a`: `BaseException` subclasses grouped
//!   into a `BaseExceptionGroup`; Rust has no such class of error.
//! - `test_taskgroup_task_context`: contextvars `Context` objects have no tokio
//!   equivalent (task-locals are the user's business).
//! - `test_taskgroup_already_entered`, `test_taskgroup_double_enter`,
//!   `test_taskgroup_not_entered`, `test_taskgroup_without_parent_task`: `run` takes
//!   the body as a closure, so a group cannot be entered twice, used before it is
//!   entered, or entered outside a task. `test_taskgroup_finished` is ported:
//!   a spawner can outlive its group.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use taskgroup::{ErrorGroup, Node, SpawnRefused, Spawner, TaskError, TaskGroup, TaskHandle};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{python_errors, resumed_panic, secs, settle, sleep_or_cancelled, Flag};

// ---------------------------------------------------------------------------
// Python's exceptions, and helpers
// ---------------------------------------------------------------------------

python_errors!(ZeroDivisionError, MyExc, CustomException, TypeError);

common::error_types! {
    /// `ValueError(t)`, as `crash_after(t)` raises it.
    #[derive(Debug, Clone, PartialEq)]
    struct ValueError(f64) => "ValueError({})";
}

/// Python's `get_error_types(eg)`: the type names of the group's direct children,
/// `"ExceptionGroup"` for a nested group.
fn get_error_types(eg: &ErrorGroup) -> Vec<&'static str> {
    let mut types: Vec<&'static str> = eg
        .children()
        .iter()
        .map(|child| match child {
            Node::Group(_) => "ExceptionGroup",
            Node::Leaf(leaf) => {
                let e = leaf.error();
                if e.is::<ZeroDivisionError>() {
                    "ZeroDivisionError"
                } else if e.is::<MyExc>() {
                    "MyExc"
                } else if e.is::<ValueError>() {
                    "ValueError"
                } else if e.is::<CustomException>() {
                    "CustomException"
                } else if e.is::<TypeError>() {
                    "TypeError"
                } else {
                    "other"
                }
            }
        })
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

/// The nested group at `index`, or a panic naming what was there instead.
fn nested(eg: &ErrorGroup, index: usize) -> &ErrorGroup {
    match &eg.children()[index] {
        Node::Group(group) => group,
        Node::Leaf(_) => panic!("expected a nested group at {index}: {eg:?}"),
    }
}

/// Counts cancellations, as Python's `except CancelledError: NUM += 1` does: a
/// guard moved into a future counts one if the future is dropped before it
/// [`finish`](CancelGuard::finish)es.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn guard(&self, weight: usize) -> CancelGuard {
        CancelGuard {
            counter: Some(Arc::clone(&self.0)),
            weight,
        }
    }

    fn add(&self, n: usize) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// A future that sleeps `t` seconds and counts `weight` if it is dropped
    /// before then: Python's `try: await asyncio.sleep(t) except
    /// CancelledError: NUM += weight`.
    fn sleeper(
        &self,
        weight: usize,
        t: f64,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let guard = self.guard(weight);
        async move {
            sleep(secs(t)).await;
            guard.finish();
        }
    }
}

struct CancelGuard {
    counter: Option<Arc<AtomicUsize>>,
    weight: usize,
}

impl CancelGuard {
    fn finish(mut self) {
        self.counter = None;
    }
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if let Some(counter) = &self.counter {
            counter.fetch_add(self.weight, Ordering::SeqCst);
        }
    }
}

/// Python's `task.cancel()` on the task running a group, `t` seconds in, for a
/// group that does not see it coming: aborts the task (which drops its `run`
/// future), checks that it ended as a cancellation rather than with an error
/// group, and lets the aborted children run their drops.
async fn abort_runner_after(runner: JoinHandle<Result<(), ErrorGroup>>, t: f64) {
    sleep(secs(t)).await;
    assert!(
        !runner.is_finished(),
        "the group ended before it was cancelled"
    );
    runner.abort();
    let error = runner.await.unwrap_err();
    assert!(error.is_cancelled(), "a cancellation, not an error group");
    settle().await;
}

/// How a test cancels a group from outside cooperatively, as Python cancels the
/// task running it, when the group must see the cancellation (to fail in its
/// cleanup): the body hands over a spawner as it starts, and the test cancels
/// through it.
#[derive(Default)]
struct Outside(Mutex<Option<Spawner>>);

impl Outside {
    /// Called by the body as it starts.
    fn enter(&self, g: &TaskGroup) {
        *self.0.lock().unwrap() = Some(g.spawner());
    }

    /// Cancels the group `t` seconds in.
    async fn cancel_after(&self, t: f64) {
        sleep(secs(t)).await;
        let spawner = self.0.lock().unwrap().take();
        spawner.expect("the body has started").cancel();
    }
}

async fn foo1_value() -> Result<u32, ZeroDivisionError> {
    sleep(secs(0.1)).await;
    Ok(42)
}

async fn foo2_value() -> Result<u32, ZeroDivisionError> {
    sleep(secs(0.2)).await;
    Ok(11)
}

/// `await asyncio.sleep(t); 1 / 0`
async fn divide_by_zero_after(t: f64) -> Result<(), ZeroDivisionError> {
    sleep(secs(t)).await;
    Err(ZeroDivisionError)
}

/// `await asyncio.sleep(t); raise ValueError(t)`
async fn crash_after(t: f64) -> Result<(), ValueError> {
    sleep(secs(t)).await;
    Err(ValueError(t))
}

/// `try: await asyncio.sleep(10) finally: 1 / 0`, cooperatively: the task fails
/// when `group` starts cancelling.
async fn fail_in_cleanup(group: TaskGroup) -> Result<(), ZeroDivisionError> {
    sleep_or_cancelled(&group, secs(10.0)).await;
    Err(ZeroDivisionError)
}

mod body_errors;
mod cancellation;
mod completion;
mod lifecycle;
mod nesting;
