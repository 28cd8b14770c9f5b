//! Stress tests of the reliability invariants (no task outlives its group, no result,
//! error or panic is lost) at scale, on a
//! multi-thread runtime with two workers where parallelism matters:
//!
//! - 1,000,000 tasks through one group: every result counted, none lost, no task
//!   future alive once `run` returned;
//! - 10,000 concurrent failures: all 10,000 in a supervising group; between 1 and
//!   10,000, each once, in a fail-fast group, and exactly the tasks whose handles
//!   say they failed;
//! - 10,000 concurrent panics: one of their payloads resumes, nothing aborts;
//! - 100 levels of nested groups (through tasks, and through bodies): the error at
//!   the bottom comes out nested 100 deep;
//! - spawning from 8 OS threads at once through `tg.spawner()`: no spawn lost, all
//!   joined; and racing the group's end: every spawn either ran before `run`
//!   returned or was refused with its future handed back.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use futures::FutureExt;
use taskgroup::{ErrorGroup, Node, SpawnRefused, TaskError, TaskGroup, TaskHandle};
use tokio::sync::{mpsc, watch};

#[path = "../common/mod.rs"]
mod common;
use common::{watchdog, Live, LiveGuard};

common::error_types! {
    /// The error failing tasks return.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Failure(u64) => "task {} failed";
}

/// The payload panicking tasks panic with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PanicPayload(u64);

/// The failure ids of a flat group's leaves, in order.
fn failure_ids(group: &ErrorGroup) -> Vec<u64> {
    group
        .children()
        .iter()
        .map(|node| match node {
            Node::Leaf(leaf) => leaf.error().downcast_ref::<Failure>().expect("a Failure").0,
            Node::Group(_) => panic!("a nested group in a flat group"),
        })
        .collect()
}

mod many_tasks;
mod outliving;
mod threads;
