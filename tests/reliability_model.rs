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

// ---------------------------------------------------------------------------
// What happened: the record a run leaves
// ---------------------------------------------------------------------------

common::error_types! {
    /// The error every failing unit returns.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Failure(u32) => "unit {} failed";
}

/// The payload every panicking unit panics with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PanicPayload(u32);

/// How a unit ended on its own (a unit cancelled before it got there has no entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    Succeeded,
    Failed,
    Panicked,
}

/// An error tree, reduced to what the checker compares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Summary {
    Failure(u32),
    Timeout,
    Cancelled,
    Other(String),
    Group {
        message: String,
        notes: Vec<String>,
        children: Vec<Summary>,
    },
}

fn summarize(group: &ErrorGroup) -> Summary {
    Summary::Group {
        message: group.message().to_owned(),
        notes: group.notes().to_vec(),
        children: group.children().iter().map(summarize_node).collect(),
    }
}

fn summarize_node(node: &Node) -> Summary {
    match node {
        Node::Group(group) => summarize(group),
        Node::Leaf(leaf) => {
            let error = leaf.error();
            if let Some(Failure(id)) = error.downcast_ref::<Failure>() {
                Summary::Failure(*id)
            } else if error.is::<Timeout>() {
                Summary::Timeout
            } else if error.is::<Cancelled>() {
                Summary::Cancelled
            } else {
                Summary::Other(error.to_string())
            }
        }
    }
}

/// The note a nested group's task adds to the group it fails with.
fn group_note(group: u32) -> String {
    format!("group {group}")
}

#[derive(Debug, Clone)]
enum Outcome {
    Returned(u32),
    Failed(Summary),
    /// The id of our payload, or the message of a foreign panic.
    Panicked(Result<u32, String>),
}

#[derive(Debug, Default)]
struct GroupRecord {
    start: u64,
    end: Option<u64>,
    outcome: Option<Outcome>,
    /// Unit futures of this group still alive when its `run` returned.
    live_at_end: isize,
}

/// A task handle kept for the checks: (group id, unit id, handle).
type KeptHandle = (u32, u32, Arc<AnyHandle>);

/// The handle of a spawned or of a scoped task.
enum AnyHandle {
    Task(TaskHandle<u32>),
    Scoped(ScopedHandle<u32>),
}

impl AnyHandle {
    fn cancel(&self) {
        match self {
            AnyHandle::Task(handle) => handle.cancel(),
            AnyHandle::Scoped(handle) => handle.cancel(),
        }
    }

    fn result(&self) -> Result<u32, TaskError> {
        match self {
            AnyHandle::Task(handle) => handle.result(),
            AnyHandle::Scoped(handle) => handle.result(),
        }
    }
}

struct RecordInner {
    t0: Instant,
    started: Mutex<HashSet<u32>>,
    done: Mutex<HashMap<u32, (Done, u64)>>,
    groups: Mutex<HashMap<u32, GroupRecord>>,
    handles: Mutex<Vec<KeptHandle>>,
    /// Live unit futures per group.
    live: Mutex<HashMap<u32, isize>>,
    /// Live unit futures in all.
    live_total: Live,
}

/// The shared record of one run.
#[derive(Clone)]
struct Record(Arc<RecordInner>);

impl Record {
    fn new() -> Self {
        Record(Arc::new(RecordInner {
            t0: Instant::now(),
            started: Mutex::default(),
            done: Mutex::default(),
            groups: Mutex::default(),
            handles: Mutex::default(),
            live: Mutex::default(),
            live_total: Live::default(),
        }))
    }

    fn now(&self) -> u64 {
        u64::try_from((Instant::now() - self.0.t0).as_millis()).unwrap()
    }

    fn guard(&self, group: u32) -> LiveGuard {
        let total = self.0.live_total.guard();
        *lock(&self.0.live).entry(group).or_default() += 1;
        LiveGuard {
            record: self.clone(),
            group,
            _total: total,
        }
    }

    fn started(&self, unit: u32) {
        lock(&self.0.started).insert(unit);
    }

    fn done(&self, unit: u32, done: Done) {
        let now = self.now();
        let previous = lock(&self.0.done).insert(unit, (done, now));
        assert!(previous.is_none(), "unit {unit} ended twice");
    }

    fn handle(&self, group: u32, unit: u32, handle: AnyHandle) {
        lock(&self.0.handles).push((group, unit, Arc::new(handle)));
    }

    /// Cancels a task through its handle (the lock is not held while cancelling).
    fn cancel(&self, unit: u32) {
        let handle = lock(&self.0.handles)
            .iter()
            .find(|(_, u, _)| *u == unit)
            .map(|(_, _, h)| Arc::clone(h));
        if let Some(handle) = handle {
            handle.cancel();
        }
    }

    fn group_started(&self, group: u32) {
        let start = self.now();
        lock(&self.0.groups).insert(
            group,
            GroupRecord {
                start,
                ..GroupRecord::default()
            },
        );
    }

    fn group_ended(&self, group: u32, outcome: Outcome) {
        let end = self.now();
        let live_at_end = lock(&self.0.live).get(&group).copied().unwrap_or(0);
        let mut groups = lock(&self.0.groups);
        let record = groups.get_mut(&group).unwrap();
        record.end = Some(end);
        record.outcome = Some(outcome);
        record.live_at_end = live_at_end;
    }

    fn live_total(&self) -> usize {
        self.0.live_total.alive()
    }
}

/// Counts a body or task future of a group out when it is dropped: out of its
/// group here, then (as the field drops) out of the total.
struct LiveGuard {
    record: Record,
    group: u32,
    _total: common::LiveGuard,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        *lock(&self.record.0.live).get_mut(&self.group).unwrap() -= 1;
    }
}

fn payload_id(payload: &(dyn Any + Send)) -> Result<u32, String> {
    if let Some(PanicPayload(id)) = payload.downcast_ref::<PanicPayload>() {
        Ok(*id)
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        Err((*message).to_owned())
    } else if let Some(message) = payload.downcast_ref::<String>() {
        Err(message.clone())
    } else {
        Err("a panic with a foreign payload".to_owned())
    }
}

// ---------------------------------------------------------------------------
// Running a scenario
// ---------------------------------------------------------------------------

type UnitFuture = Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send>>;
type GroupFuture =
    Pin<Box<dyn Future<Output = std::thread::Result<Result<u32, ErrorGroup>>> + Send>>;

/// Runs the group `spec` and records how it ended; a panic is caught, recorded and
/// returned, for the caller to resume.
fn run_group(spec: GroupSpec, record: Record) -> GroupFuture {
    Box::pin(async move {
        let id = spec.id;
        let mut builder = TaskGroup::builder();
        if let Some(limit) = spec.limit {
            builder = builder.limit(limit);
        }
        if spec.supervise {
            builder = builder.supervise();
        }
        if let Some(timeout) = spec.timeout {
            builder = builder.timeout(Duration::from_millis(timeout));
        }
        if let Some(grace) = spec.grace {
            builder = builder.grace(Duration::from_millis(grace));
        }
        record.group_started(id);
        let body_record = record.clone();
        let run = builder.run(move |tg| body(spec, body_record, tg));
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
        record.group_ended(
            id,
            match &outcome {
                Ok(Ok(value)) => Outcome::Returned(*value),
                Ok(Err(errors)) => Outcome::Failed(summarize(errors)),
                Err(payload) => Outcome::Panicked(payload_id(&**payload)),
            },
        );
        outcome
    })
}

/// The body's future: it holds the group's scope, to spawn scoped tasks.
type BodyFuture<'env> = Pin<Box<dyn Future<Output = Result<u32, BoxError>> + Send + 'env>>;

fn body(spec: GroupSpec, record: Record, tg: Scope<'_>) -> BodyFuture<'_> {
    let guard = record.guard(spec.id);
    Box::pin(async move {
        let _guard = guard;
        let (group, unit) = (spec.id, spec.body.id);
        record.started(unit);
        let start = Instant::now();
        let mut cancels = Vec::new();
        for task_spec in spec.tasks {
            if let Some(at) = task_spec.cancel_at {
                cancels.push((at, task_spec.id));
            }
            let (id, scoped) = (task_spec.id, task_spec.scoped);
            let future = task(task_spec, record.clone(), group, tg.clone());
            let handle = if scoped {
                AnyHandle::Scoped(tg.spawn_scoped(future))
            } else {
                AnyHandle::Task(tg.spawn(future))
            };
            record.handle(group, id, handle);
        }
        cancels.sort_unstable();
        for (at, id) in cancels {
            if at >= spec.body.at {
                break;
            }
            sleep_until(start + Duration::from_millis(at)).await;
            record.cancel(id);
        }
        sleep_until(start + Duration::from_millis(spec.body.at)).await;
        finish(&record, unit, spec.body.end)
    })
}

/// Ends a unit the way its spec says, recording it first.
fn finish(record: &Record, unit: u32, end: End) -> Result<u32, BoxError> {
    match end {
        End::Succeed => {
            record.done(unit, Done::Succeeded);
            Ok(unit)
        }
        End::Fail => {
            record.done(unit, Done::Failed);
            Err(Failure(unit).into())
        }
        End::Panic => {
            record.done(unit, Done::Panicked);
            std::panic::panic_any(PanicPayload(unit))
        }
    }
}

fn task(spec: TaskSpec, record: Record, group: u32, tg: TaskGroup) -> UnitFuture {
    let guard = record.guard(group);
    Box::pin(async move {
        let _guard = guard;
        let unit = spec.id;
        record.started(unit);
        if spec.at > 0 {
            sleep(Duration::from_millis(spec.at)).await;
        }
        match spec.kind {
            Kind::End(end) => finish(&record, unit, end),
            Kind::Hang => {
                sleep(Duration::from_millis(HANG_MS)).await;
                finish(&record, unit, End::Succeed)
            }
            Kind::Cleanup { after } => {
                let hang = Duration::from_millis(HANG_MS);
                if tokio::time::timeout(hang, tg.cancelled()).await.is_err() {
                    return finish(&record, unit, End::Succeed);
                }
                if after > 0 {
                    sleep(Duration::from_millis(after)).await;
                }
                finish(&record, unit, End::Fail)
            }
            Kind::CancelGroup => {
                tg.cancel();
                finish(&record, unit, End::Succeed)
            }
            Kind::Spawn(children) => {
                for child in children {
                    let id = child.id;
                    let handle = tg.spawn(task(child, record.clone(), group, tg.clone()));
                    record.handle(group, id, AnyHandle::Task(handle));
                }
                finish(&record, unit, End::Succeed)
            }
            Kind::Nested(inner) => {
                let inner_id = inner.id;
                match run_group(*inner, record.clone()).await {
                    Ok(Ok(_)) => finish(&record, unit, End::Succeed),
                    Ok(Err(mut errors)) => {
                        record.done(unit, Done::Failed);
                        errors.add_note(group_note(inner_id));
                        Err(errors.into())
                    }
                    Err(payload) => {
                        record.done(unit, Done::Panicked);
                        std::panic::resume_unwind(payload)
                    }
                }
            }
        }
    })
}

/// Runs a scenario on a fresh paused current-thread runtime; the list of broken
/// invariants (empty when all hold).
fn run_scenario(spec: &GroupSpec) -> Vec<String> {
    common::quiet_expected_panics::<PanicPayload>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let record = Record::new();
        let mut violations = Vec::new();
        let run = run_group(spec.clone(), record.clone());
        // A scenario ends by itself well within this (virtual) hour; if not, it hangs.
        match tokio::time::timeout(Duration::from_secs(3600), run).await {
            Err(_) => violations.push("the scenario did not finish (hang)".to_owned()),
            Ok(_outcome) => {
                let live = record.live_total();
                if live != 0 {
                    violations.push(format!(
                        "{live} unit futures still alive right after the outermost run returned"
                    ));
                }
            }
        }
        // Let the runtime run on: nothing may be left even of dropped inner groups.
        for _ in 0..8 {
            tokio::task::yield_now().await;
        }
        sleep(Duration::from_millis(1)).await;
        let live = record.live_total();
        if live != 0 {
            violations.push(format!(
                "{live} unit futures still alive after the runtime ran on"
            ));
        }
        check(spec, &record, &mut violations);
        violations
    })
}

// ---------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------

struct Checker<'a> {
    index: Index,
    done: HashMap<u32, (Done, u64)>,
    started: HashSet<u32>,
    groups: &'a HashMap<u32, GroupRecord>,
    record: &'a Record,
    violations: &'a mut Vec<String>,
}

fn check(spec: &GroupSpec, record: &Record, violations: &mut Vec<String>) {
    let groups = lock(&record.0.groups);
    let mut checker = Checker {
        index: Index::new(spec),
        done: lock(&record.0.done).clone(),
        started: lock(&record.0.started).clone(),
        groups: &groups,
        record,
        violations,
    };
    if groups
        .get(&spec.id)
        .and_then(|g| g.outcome.as_ref())
        .is_none()
    {
        checker.fail(format!("the outermost group {} has no outcome", spec.id));
    }
    for group in checker.index.groups.clone() {
        checker.check_group(group);
    }
    checker.check_handles();
}

impl Checker<'_> {
    fn fail(&mut self, violation: String) {
        self.violations.push(violation);
    }

    fn done(&self, unit: u32) -> Option<Done> {
        self.done.get(&unit).map(|(done, _)| *done)
    }

    fn time(&self, unit: u32) -> u64 {
        self.done[&unit].1
    }

    /// The earliest time, as ms from t0, at which this group or an enclosing one
    /// stops its tasks because its deadline passed: deadline plus grace period.
    fn stop_for_children(&self, group: u32) -> Option<u64> {
        let record = &self.groups[&group];
        let grace = self.index.grace.get(&group).copied().unwrap_or(0);
        let own = self
            .index
            .timeout
            .get(&group)
            .map(|t| record.start + t + grace);
        let enclosing = self.enclosing_stop(group);
        match (own, enclosing) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When an enclosing group stops this one's tasks for its deadline, if ever.
    fn enclosing_stop(&self, group: u32) -> Option<u64> {
        let parent = *self.index.parent.get(&group)?;
        self.stop_for_children(parent)
    }

    fn check_group(&mut self, group: u32) {
        let Some(record) = self.groups.get(&group) else {
            return; // never started: its task was cancelled or refused first
        };
        let Some(outcome) = record.outcome.clone() else {
            return; // its run future was dropped (its task was cancelled)
        };
        if record.live_at_end != 0 {
            self.fail(format!(
                "group {group}: {} of its body and task futures still alive when run returned",
                record.live_at_end
            ));
        }
        let units = self.index.units[&group].clone();
        let own_panics: Vec<u32> = units
            .iter()
            .copied()
            .filter(|&u| self.done(u) == Some(Done::Panicked))
            .collect();
        match outcome {
            Outcome::Panicked(payload) => self.check_panic(group, payload),
            _ if !own_panics.is_empty() => self.fail(format!(
                "group {group} returned normally although its units {own_panics:?} panicked"
            )),
            Outcome::Returned(value) => self.check_returned(group, value),
            Outcome::Failed(summary) => self.check_failed(group, &summary),
        }
    }

    fn check_panic(&mut self, group: u32, payload: Result<u32, String>) {
        match payload {
            Err(foreign) => self.fail(format!("group {group} panicked with `{foreign}`")),
            Ok(id) => {
                let ours = self.index.subtree(group).contains(&id);
                if !ours || self.done(id) != Some(Done::Panicked) {
                    self.fail(format!(
                        "group {group} resumed payload {id}, which no unit of it panicked with"
                    ));
                }
            }
        }
    }

    /// The errors a group that returned must hold: failures of its own leaf units
    /// and bodies, and the nested groups that failed.
    fn expected(&self, group: u32) -> (Vec<u32>, Vec<u32>) {
        let mut failures = Vec::new();
        let mut nested = Vec::new();
        for &unit in &self.index.units[&group] {
            if self.done(unit) != Some(Done::Failed) {
                continue;
            }
            match self.index.kind[&unit] {
                UnitKind::Nested(inner) => nested.push(inner),
                UnitKind::Body | UnitKind::Leaf => failures.push(unit),
            }
        }
        (failures, nested)
    }

    fn check_returned(&mut self, group: u32, value: u32) {
        let (failures, nested) = self.expected(group);
        let body = self.index.body[&group];
        if !failures.is_empty() || !nested.is_empty() {
            self.fail(format!(
                "group {group} returned Ok although {failures:?} failed and nested groups \
                 {nested:?} failed: errors lost"
            ));
        }
        if self.done(body) != Some(Done::Succeeded) || value != body {
            self.fail(format!(
                "group {group} returned Ok({value}) but its body {body} did {:?}",
                self.done(body)
            ));
        }
    }

    fn check_failed(&mut self, group: u32, summary: &Summary) {
        let Summary::Group {
            message,
            notes,
            children,
        } = summary
        else {
            unreachable!("a run returns a group");
        };
        // The one note a failed group may carry: how many of its tasks its
        // cancellation stopped, and why.
        let stray_notes = notes.iter().filter(|n| !is_cancelled_note(n)).count();
        if message != TASK_GROUP_MESSAGE || stray_notes > 0 || notes.len() > 1 {
            self.fail(format!(
                "group {group}: message {message:?}, notes {notes:?}"
            ));
        }
        let (failures, nested) = self.expected(group);
        let body = self.index.body[&group];
        let record = &self.groups[&group];
        let end = record.end.unwrap();

        // Every leaf and nested group, each exactly once.
        let mut seen_failures = Vec::new();
        let mut seen_nested = Vec::new();
        let mut timeouts = 0;
        let mut cancelled = 0;
        let mut times = Vec::new();
        for (position, child) in children.iter().enumerate() {
            match child {
                Summary::Failure(id) => {
                    seen_failures.push(*id);
                    if *id == body {
                        if position + 1 != children.len() {
                            self.fail(format!("group {group}: the body's error is not last"));
                        }
                    } else if failures.contains(id) {
                        times.push((self.time(*id), format!("failure {id}")));
                    }
                }
                Summary::Timeout => {
                    timeouts += 1;
                    if let Some(timeout) = self.index.timeout.get(&group) {
                        times.push((record.start + timeout, "timeout".to_owned()));
                    }
                }
                Summary::Cancelled => cancelled += 1,
                Summary::Other(other) => {
                    self.fail(format!("group {group}: unexpected leaf `{other}`"));
                }
                Summary::Group { notes, .. } => {
                    let inner = notes
                        .iter()
                        .find_map(|n| n.strip_prefix("group ")?.parse::<u32>().ok());
                    let Some(inner) = inner else {
                        self.fail(format!("group {group}: a nested group without our note"));
                        continue;
                    };
                    seen_nested.push(inner);
                    self.check_nested_copy(group, inner, child);
                    if let Some(inner_end) = self.groups.get(&inner).and_then(|r| r.end) {
                        times.push((inner_end, format!("group {inner}")));
                    }
                }
            }
        }
        self.same_once(group, "failure", &failures, &seen_failures);
        self.same_once(group, "nested group", &nested, &seen_nested);
        if !times.is_sorted_by_key(|(time, _)| *time) {
            self.fail(format!(
                "group {group}: errors not in completion order: {times:?}"
            ));
        }

        // A Timeout exactly when the group's own deadline expired while it ran.
        let deadline = self.index.timeout.get(&group).map(|t| record.start + t);
        let enclosing = self.enclosing_stop(group);
        let expires = deadline.filter(|d| end >= *d && enclosing.is_none_or(|e| e > *d));
        match (timeouts, expires) {
            (0, None) | (1, Some(_)) => {}
            (0, Some(d)) => {
                let units = &self.index.units[&group];
                let coincides = units
                    .iter()
                    .any(|u| self.done.get(u).is_some_and(|(_, t)| *t == d));
                if !coincides {
                    self.fail(format!(
                        "group {group}: its deadline {d} ms expired (ended at {end} ms) \
                         but there is no Timeout"
                    ));
                }
            }
            (n, expires) => self.fail(format!(
                "group {group}: {n} Timeout leaves; its deadline {deadline:?}, enclosing \
                 stop {enclosing:?}, ended at {end} ms, expected one: {}",
                expires.is_some()
            )),
        }

        // A lone Cancelled leaf exactly when cancel() stopped a body with nothing
        // else to report.
        let nothing_else = failures.is_empty() && nested.is_empty() && timeouts == 0;
        let cancel_reached = self.index.units[&group]
            .iter()
            .any(|u| self.done(*u) == Some(Done::Succeeded) && self.index.cancels.contains(u));
        if nothing_else {
            let body_done = self.done(body);
            if cancelled != 1 || children.len() != 1 || !cancel_reached || body_done.is_some() {
                self.fail(format!(
                    "group {group}: returned {children:?} with nothing failed; cancel() \
                     reached: {cancel_reached}; body: {body_done:?}"
                ));
            }
        } else if cancelled != 0 {
            self.fail(format!(
                "group {group}: a Cancelled leaf next to errors: {children:?}"
            ));
        }
    }

    /// A nested group inside its parent's error is the very tree it returned, plus
    /// the note its task added.
    fn check_nested_copy(&mut self, group: u32, inner: u32, copy: &Summary) {
        if self.index.parent.get(&inner) != Some(&group) {
            self.fail(format!(
                "group {inner} nested in {group}, not in its parent"
            ));
            return;
        }
        let Some(Outcome::Failed(Summary::Group {
            message,
            notes,
            children,
        })) = self.groups.get(&inner).and_then(|r| r.outcome.clone())
        else {
            self.fail(format!(
                "group {group} holds group {inner}, which did not fail"
            ));
            return;
        };
        let mut notes = notes.clone();
        notes.push(group_note(inner));
        let expected = Summary::Group {
            message,
            notes,
            children,
        };
        if *copy != expected {
            self.fail(format!(
                "group {inner} changed on its way into {group}: {copy:?} vs {expected:?}"
            ));
        }
    }

    fn same_once(&mut self, group: u32, what: &str, expected: &[u32], seen: &[u32]) {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for id in seen {
            *counts.entry(*id).or_default() += 1;
        }
        for (id, count) in &counts {
            if *count > 1 {
                self.fail(format!("group {group}: {what} {id} duplicated ({count}×)"));
            }
            if !expected.contains(id) {
                self.fail(format!(
                    "group {group}: {what} {id} that did not happen here"
                ));
            }
        }
        for id in expected {
            if !counts.contains_key(id) {
                self.fail(format!("group {group}: {what} {id} happened but was lost"));
            }
        }
    }

    /// Every handle of a group that returned holds its final outcome, consistent
    /// with what its task did; after the runtime ran on, every handle at all does.
    fn check_handles(&mut self) {
        let handles: Vec<_> = lock(&self.record.0.handles).clone();
        for (group, unit, handle) in handles {
            let returned = self.groups[&group].outcome.is_some();
            let done = self.done(unit);
            let started = self.started.contains(&unit);
            let result = handle.result();
            let consistent = match (&result, done) {
                (Ok(value), Some(Done::Succeeded)) => *value == unit,
                (Err(TaskError::Failed(_)), Some(Done::Failed)) => true,
                (Err(TaskError::Panicked), Some(Done::Panicked)) => true,
                (Err(TaskError::Cancelled), None) => true,
                (Err(TaskError::NotSpawned(_)), None) => !started,
                (Err(TaskError::Pending), _) => false,
                _ => false,
            };
            if !consistent {
                let when = if returned {
                    "after its group returned"
                } else {
                    "after its group was dropped and the runtime ran on"
                };
                self.fail(format!(
                    "task {unit} of group {group}: handle gives {result:?} {when}, but the \
                     task did {done:?} (started: {started})"
                ));
            }
        }
    }
}

fn check_scenario(spec: &GroupSpec) -> Result<(), TestCaseError> {
    let violations = run_scenario(spec);
    prop_assert!(
        violations.is_empty(),
        "broken invariants:\n  {}\nscenario: {spec:#?}",
        violations.join("\n  ")
    );
    Ok(())
}

/// Cases from `PROPTEST_CASES` if set, else `default`. Failures are not persisted
/// to files (proptest prints the minimal failing scenario instead).
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    /// Random nested scenarios against the model: no error lost or duplicated,
    /// panics keep their payload, no task outlives its group.
    #[test]
    fn random_scenarios_keep_every_error_and_leak_no_task(spec in scenario()) {
        check_scenario(&spec)?;
    }
}

proptest! {
    #![proptest_config(config(SOAK_CASES))]

    /// The same model with many more cases:
    /// `cargo test --test reliability_model -- --ignored` (`PROPTEST_CASES` to change).
    #[test]
    #[ignore = "soak test: run with --ignored"]
    fn soak_random_scenarios(spec in scenario()) {
        check_scenario(&spec)?;
    }
}

/// The note of a failed group whose cancellation stopped tasks:
/// "1 task was cancelled: ..." or "N tasks were cancelled: ...".
fn is_cancelled_note(note: &str) -> bool {
    note.starts_with("1 task was cancelled: ")
        || note
            .split_once(" tasks were cancelled: ")
            .is_some_and(|(n, reason)| {
                n.parse::<usize>().is_ok_and(|n| n > 1) && !reason.is_empty()
            })
}
