//! CPython 3.11's `test_asyncio/test_timeouts.py`, ported. Each test is named after
//! its CPython counterpart.
//!
//! Python's `async with asyncio.timeout(d):` maps to a group with
//! `TaskGroup::builder().timeout(d)` (or `.deadline(at)` for `timeout_at`), and
//! `TimeoutError` to a [`Timeout`] leaf in the group's error. Differences:
//!
//! - A timeout is always a group's, so the result is an `ErrorGroup` holding the
//!   `Timeout` leaf (a group's error is always a group), not a bare `TimeoutError`.
//! - Python's timeout cancels the body by throwing `CancelledError` into it. Rust
//!   drops the body instead, which cannot run cleanup code; where a Python test
//!   needs the body to do something after the timeout fired (`finally:` blocks),
//!   the port gives the group a grace period and the body observes `cancelled()`.
//! - On expiry the group always records its `Timeout` leaf (rule 3.11). Errors the
//!   body raises in cleanup are kept next to it rather than replacing it
//!   (`test_foreign_exception_on_timeout`), and a body that swallows the
//!   cancellation still reports the timeout (`test_timeout_expiring`).
//!
//! Python's timings are kept; the clock is paused unless a test needs a thread that
//! really blocks.
//!
//! Not ported (NICE and Python-specific, or impossible to express in Rust):
//! - `test_reschedule`, `test_timeout_finished`, `test_timeout_expired`: the
//!   `reschedule()` API does not exist; a group's deadline is fixed by its builder.
//! - `test_repr_active`, `test_repr_expired`, `test_repr_finished`,
//!   `test_repr_disabled`: there is no timeout object with a state to print.
//! - `test_timeout_exception_cause`: `Timeout` has no `source()`; there is no
//!   `CancelledError` to chain to.
//! - `test_timeout_already_entered`, `test_timeout_double_enter`,
//!   `test_timeout_not_entered`, `test_timeout_without_task`: a builder's `run`
//!   consumes it, so these states cannot be reached.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskgroup::{Cancelled, ErrorGroup, TaskGroup, Timeout};
use tokio::task::yield_now;
use tokio::time::{sleep, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{python_errors, secs, sleep_or_cancelled, top_level, Flag};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

python_errors!(KeyError, ZeroDivisionError);

/// Sets a flag when dropped before [`disarm`](DropFlag::disarm): how a test sees
/// that a body was cancelled (Python's `except CancelledError: cancelled = True`).
struct DropFlag(Option<Flag>);

impl DropFlag {
    fn new(flag: &Flag) -> Self {
        DropFlag(Some(flag.clone()))
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.set();
        }
    }
}

/// The `Timeout` leaves directly under `eg` (a nested group's do not count).
fn timeouts(eg: &ErrorGroup) -> Vec<Timeout> {
    top_level(eg)
}

/// `async with asyncio.timeout(t): await asyncio.sleep(d)`.
async fn sleep_with_timeout(t: Duration, d: Duration) -> Result<(), ErrorGroup> {
    TaskGroup::builder()
        .timeout(t)
        .run(async |_tg| {
            sleep(d).await;
            Ok::<_, KeyError>(())
        })
        .await
}

mod around_groups;
mod expiry;
mod foreign;
mod nested;
