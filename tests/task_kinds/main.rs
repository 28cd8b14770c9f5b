//! Behaviour tests of the runtime's rules for every kind of task: spawned tokio
//! tasks, scoped tasks of a `Send` group, and scoped tasks of a local group.
//! `kinds.rs` holds the parametrised tests: one body per rule, run once per kind
//! by `for_each_kind!`. The other files are the spawned-task tests, one
//! behaviour per test, each named after the rule it pins (a number, then the rule in words), plus the bad-input cases:
//! `limit(0)`, zero or past deadlines, a grace period nobody listens to, a handle
//! awaited twice, a spawner used after its group finished, panicking tasks,
//! `spawn_blocking`, spawning from other OS threads, and `result()` on every kind of
//! handle once `run` has returned.
//!
//! Tests where timing matters run on a paused clock (`start_paused = true`), so sleeps
//! are instant and deterministic; tests that need real parallelism run on two worker
//! threads. Where timing decides how many errors land, they assert bounds.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use taskgroup::{
    BoxError, Cancelled, ConfigError, ErrorGroup, Node, SpawnRefused, TaskError, TaskGroup,
    Timeout, TASK_GROUP_MESSAGE,
};
use tokio::task::yield_now;
use tokio::time::{sleep, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{messages, ms, settle, Concurrency, Flag, Live, HOUR, WATCHDOG};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

common::error_types! {
    /// An ordinary task error.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct ValueError(u32) => "value error {}";

    /// An error returned while cleaning up after cancellation.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct CleanupError(&'static str) => "cleanup of {} failed";
}

/// A panic payload that is not a string, to check the payload comes back unchanged.
#[derive(Debug, PartialEq, Eq)]
struct Payload(u32);

/// A future that records whether it was ever polled.
struct PollProbe {
    polled: Flag,
}

impl Future for PollProbe {
    type Output = Result<u32, ValueError>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polled.set();
        Poll::Ready(Ok(7))
    }
}

/// A task that fails with `ValueError(n)` after `after`.
async fn fail_after(after: Duration, n: u32) -> Result<(), ValueError> {
    sleep(after).await;
    Err(ValueError(n))
}

/// A task that panics with `payload` after `after`.
async fn panic_after(after: Duration, payload: Payload) {
    sleep(after).await;
    std::panic::panic_any(payload)
}

#[macro_use]
mod kind;
#[allow(unused_imports)]
use kind::{Handle, Kind};

mod closing;
mod control;
mod failures;
mod handles;
mod kinds;
mod kinds_more;
mod panics;
mod spawn;
mod timeouts;
