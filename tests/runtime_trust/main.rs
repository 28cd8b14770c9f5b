//! Regression tests for the runtime defects that new users and hostile tests
//! found, one test per behaviour, named after it:
//!
//! - no sync getter of a handle waits for work that has not happened yet, after
//!   the group's future was dropped too, and every outcome is readable once `run`
//!   has returned normally;
//! - no error or panic is lost: an error whose `Display` panics, a panic while
//!   reporting errors beside another panic, futures whose `Drop` panics;
//! - every valid setting works (`Duration::MAX`, `usize::MAX`);
//! - `limit` admits in spawn order, never starts queued work in a cancelling
//!   group, and a limited blocking task holds no thread while it waits;
//! - a nested group's own timeout fires while its enclosing group waits out a
//!   grace period;
//! - a failed task's handle carries a summary, not the whole tree;
//! - after a group that succeeded, its spawner does not say it was cancelled.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use taskgroup::{ErrorGroup, TaskError, TaskGroup, Timeout};
use tokio::sync::oneshot;
use tokio::task::yield_now;
use tokio::time::{sleep, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{lock, ms, payload_is, resumed_panic, Flag, Live, HOUR};

common::error_types! {
    /// An ordinary task error.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct ValueError(u32) => "value error {}";
}

/// An error whose `Display` panics, as a buggy user type might.
#[derive(Debug)]
struct PanickyDisplay;

impl fmt::Display for PanickyDisplay {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("{}", DisplayPanic)
    }
}

impl std::error::Error for PanickyDisplay {}

/// The message a panicking `Display` panics with.
struct DisplayPanic;

impl fmt::Display for DisplayPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Display panicked on purpose")
    }
}

/// A future that is ready (or pending forever) and panics when dropped.
struct PanicsOnDrop {
    ready: bool,
}

impl Future for PanicsOnDrop {
    type Output = Result<(), ValueError>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        if self.ready {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        std::panic::panic_any(DropPayload);
    }
}

/// The payload of a panic in `Drop`.
#[derive(Debug)]
struct DropPayload;

/// The payload of an ordinary task panic.
#[derive(Debug)]
struct TaskPayload;

mod identity;
mod nested_and_summaries;
mod no_blocking;
mod nothing_lost;
mod settings;
