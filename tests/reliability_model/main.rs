//! Model-based property test of the runtime's reliability invariants: no error lost
//! or duplicated, panics keep their payload, no task outlives its group (each
//! listed below).
//!
//! Proptest draws random scenarios: a group (with sometimes `limit(n)`, `supervise()`,
//! a timeout and a grace period) whose body spawns tasks (tokio tasks, or scoped
//! tasks that the group's own future polls), and tasks that succeed,
//! fail with a unique id, panic with a unique payload, sleep for a long time, wait for
//! the group's cancellation and fail in their cleanup, cancel the whole group, spawn
//! more tasks into their group, or run a nested group (depth ≤ 3). The body cancels
//! some tasks through their handles and ends by succeeding, failing or panicking.
//!
//! Every scenario runs on a fresh current-thread runtime with a paused clock, so
//! time is virtual and each run is fast and deterministic. Scheduled events happen
//! on multiples of 10 ms; timeouts expire at 5 ms past one, grace periods end at 3 ms
//! past one, so a deadline rarely coincides with a natural event (and where it does,
//! the checker knows).
//!
//! While it runs, the scenario records in shared state what really happened: which
//! units (bodies and tasks) reached their failure, panic or success point and when,
//! when each group started and ended and what it returned (a summary of its error
//! tree), every task handle, and a drop guard per body and task future. Afterwards
//! the checker compares each group's outcome with that record:
//!
//! - **No error lost, none duplicated**: the leaves of a group that returned are
//!   exactly the failures its own units reached, once each, plus one nested group
//!   per nested group that failed, plus at most one `Timeout`. Nested groups nest
//!   (never flattened) and carry the same tree they returned.
//! - Completion order: child errors in the order they happened, the body's last.
//! - A `Timeout` leaf appears exactly when the group's own deadline expired while it
//!   ran, unless an enclosing group was stopping its tasks for its own deadline by
//!   then (its deadline plus its grace period had passed: the outermost wins).
//! - `cancel()` with nothing else to report gives one `Cancelled` leaf.
//! - **Panics keep their payload**: a group that panicked resumes a payload one of its
//!   units (at any depth) really panicked with; a group never returns normally after
//!   one of its own units or nested groups panicked.
//! - **No task outlives its group**: when a group returns, every body and task
//!   future of it has been dropped; when the outermost `run` returns (or panics),
//!   none is left at all; every handle holds its final outcome, consistent with
//!   what the task did.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use taskgroup::{
    BoxError, Cancelled, ErrorGroup, Node, Scope, ScopedHandle, TaskError, TaskGroup, TaskHandle,
    Timeout, TASK_GROUP_MESSAGE,
};
use tokio::time::{sleep, sleep_until, Instant};

#[path = "../common/mod.rs"]
mod common;
use common::{lock, Live};

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// Cases of the default test: sized for a few seconds in a debug build.
const DEFAULT_CASES: u32 = 4_096;
/// Cases of the `#[ignore]`d soak test.
const SOAK_CASES: u32 = 200_000;
/// The deepest nesting of groups (the outermost group is depth 1).
const MAX_DEPTH: u32 = 3;
/// How long a "hanging" task sleeps (virtual time): longer than any other event.
const HANG_MS: u64 = 5_000;

#[derive(Debug, Clone)]
struct GroupSpec {
    id: u32,
    limit: Option<usize>,
    supervise: bool,
    /// Milliseconds, always 5 past a multiple of 10.
    timeout: Option<u64>,
    /// Milliseconds, always 3 past a multiple of 10.
    grace: Option<u64>,
    tasks: Vec<TaskSpec>,
    body: BodySpec,
}

#[derive(Debug, Clone)]
struct BodySpec {
    id: u32,
    /// When the body ends, after spawning its tasks.
    at: u64,
    end: End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Succeed,
    Fail,
    Panic,
}

#[derive(Debug, Clone)]
struct TaskSpec {
    id: u32,
    /// When the task acts, after it starts.
    at: u64,
    /// When the body cancels this task through its handle (if the body still runs).
    cancel_at: Option<u64>,
    /// Spawned by the body as a scoped task (`spawn_scoped`) rather than a tokio task.
    scoped: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Succeeds, fails with its id, or panics with its id, at `at`.
    End(End),
    /// Sleeps for [`HANG_MS`], then succeeds: cut by cancellation or a timeout.
    Hang,
    /// Waits for the group's cancellation (at most [`HANG_MS`], then succeeds), then
    /// fails `after` ms later: reaches its failure only within a grace period.
    Cleanup { after: u64 },
    /// Cancels its group with `tg.cancel()`, then succeeds.
    CancelGroup,
    /// Spawns these tasks into its own group, then succeeds.
    Spawn(Vec<TaskSpec>),
    /// Runs a nested group and fails with its error group if it fails.
    Nested(Box<GroupSpec>),
}

fn tens(max: u64) -> impl Strategy<Value = u64> {
    (0..=max).prop_map(|k| k * 10)
}

fn end(panic_weight: u32) -> impl Strategy<Value = End> {
    prop_oneof![
        5 => Just(End::Succeed),
        3 => Just(End::Fail),
        panic_weight => Just(End::Panic),
    ]
}

/// A task that neither spawns nor nests.
fn simple_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        8 => end(1).prop_map(Kind::End),
        2 => Just(Kind::Hang),
        2 => tens(3).prop_map(|after| Kind::Cleanup { after }),
        1 => Just(Kind::CancelGroup),
    ]
}

fn spawned_task() -> impl Strategy<Value = TaskSpec> {
    (tens(5), simple_kind()).prop_map(|(at, kind)| TaskSpec {
        id: 0,
        at,
        cancel_at: None,
        scoped: false,
        kind,
    })
}

fn task_strategy(depth: u32) -> BoxedStrategy<TaskSpec> {
    let spawn = vec(spawned_task(), 1..4).prop_map(Kind::Spawn);
    let kind = if depth < MAX_DEPTH {
        prop_oneof![
            10 => simple_kind(),
            2 => spawn,
            4 => group_strategy(depth + 1).prop_map(|g| Kind::Nested(Box::new(g))),
        ]
        .boxed()
    } else {
        prop_oneof![10 => simple_kind(), 2 => spawn].boxed()
    };
    (
        tens(5),
        option::weighted(0.2, tens(5)),
        prop::bool::weighted(0.4),
        kind,
    )
        .prop_map(|(at, cancel_at, scoped, kind)| TaskSpec {
            id: 0,
            at,
            cancel_at,
            scoped,
            kind,
        })
        .boxed()
}

fn group_strategy(depth: u32) -> BoxedStrategy<GroupSpec> {
    let max_tasks = if depth == 1 { 8 } else { 5 };
    (
        option::weighted(0.3, 1usize..=3),
        prop::bool::weighted(0.3),
        option::weighted(0.3, (0u64..=7).prop_map(|k| k * 10 + 5)),
        option::weighted(0.2, (0u64..=3).prop_map(|k| k * 10 + 3)),
        vec(task_strategy(depth), 0..max_tasks),
        tens(6),
        end(1),
    )
        .prop_map(
            |(limit, supervise, timeout, grace, tasks, at, end)| GroupSpec {
                id: 0,
                limit,
                supervise,
                timeout,
                grace,
                tasks,
                body: BodySpec { id: 0, at, end },
            },
        )
        .boxed()
}

/// A scenario with unique ids on every group, body and task.
fn scenario() -> impl Strategy<Value = GroupSpec> {
    group_strategy(1).prop_map(|mut spec| {
        number_group(&mut spec, &mut 1);
        spec
    })
}

fn number_group(spec: &mut GroupSpec, next: &mut u32) {
    spec.id = take(next);
    spec.body.id = take(next);
    for task in &mut spec.tasks {
        number_task(task, next);
    }
}

fn number_task(spec: &mut TaskSpec, next: &mut u32) {
    spec.id = take(next);
    match &mut spec.kind {
        Kind::Spawn(children) => children.iter_mut().for_each(|c| number_task(c, next)),
        Kind::Nested(group) => number_group(group, next),
        _ => {}
    }
}

fn take(next: &mut u32) -> u32 {
    *next += 1;
    *next - 1
}

// ---------------------------------------------------------------------------
// The static shape of a scenario, for the checker
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    Body,
    Leaf,
    Nested(u32),
}

#[derive(Default)]
struct Index {
    /// Group id → the units (body and tasks) that run in it.
    units: HashMap<u32, Vec<u32>>,
    /// Unit id → what it is.
    kind: HashMap<u32, UnitKind>,
    /// Group id → its parent group.
    parent: HashMap<u32, u32>,
    /// Group id → its body unit.
    body: HashMap<u32, u32>,
    /// Group id → its timeout in ms.
    timeout: HashMap<u32, u64>,
    /// Group id → its grace period in ms.
    grace: HashMap<u32, u64>,
    /// Every group id, outermost first.
    groups: Vec<u32>,
    /// The units that call `tg.cancel()`.
    cancels: HashSet<u32>,
}

impl Index {
    fn new(spec: &GroupSpec) -> Self {
        let mut index = Index::default();
        index.add_group(spec, None);
        index
    }

    fn add_group(&mut self, spec: &GroupSpec, parent: Option<u32>) {
        self.groups.push(spec.id);
        if let Some(parent) = parent {
            self.parent.insert(spec.id, parent);
        }
        if let Some(timeout) = spec.timeout {
            self.timeout.insert(spec.id, timeout);
        }
        if let Some(grace) = spec.grace {
            self.grace.insert(spec.id, grace);
        }
        self.body.insert(spec.id, spec.body.id);
        self.unit(spec.id, spec.body.id, UnitKind::Body);
        for task in &spec.tasks {
            self.add_task(spec.id, task);
        }
    }

    fn add_task(&mut self, group: u32, spec: &TaskSpec) {
        match &spec.kind {
            Kind::Nested(inner) => {
                self.unit(group, spec.id, UnitKind::Nested(inner.id));
                self.add_group(inner, Some(group));
            }
            Kind::Spawn(children) => {
                self.unit(group, spec.id, UnitKind::Leaf);
                for child in children {
                    self.add_task(group, child);
                }
            }
            Kind::CancelGroup => {
                self.cancels.insert(spec.id);
                self.unit(group, spec.id, UnitKind::Leaf);
            }
            _ => self.unit(group, spec.id, UnitKind::Leaf),
        }
    }

    fn unit(&mut self, group: u32, unit: u32, kind: UnitKind) {
        self.units.entry(group).or_default().push(unit);
        self.kind.insert(unit, kind);
    }

    /// Every unit of `group` and of the groups nested in it.
    fn subtree(&self, group: u32) -> Vec<u32> {
        let mut all = Vec::new();
        for &unit in &self.units[&group] {
            all.push(unit);
            if let UnitKind::Nested(inner) = self.kind[&unit] {
                all.extend(self.subtree(inner));
            }
        }
        all
    }
}

// The files form a chain of nested modules, each seeing everything its
// ancestors define: the scenarios and their index (here), then the record a
// run leaves, then the checker, then running a scenario and the property
// tests.
mod record;
