//! Cancellation at every await point: no task outlives its group, and dropping the
//! `run` future aborts every task.
//!
//! For a few representative group shapes, the `run` future is dropped after each
//! possible number of polls: 0 (never polled), 1, 2, … up to the poll that completes
//! it. Each case runs on a fresh current-thread runtime with a paused clock, so the
//! poll sequence is the same every time. After the drop the runtime runs on, and the
//! tests check that
//!
//! - every body and task future was dropped (a drop guard in each),
//! - no task of the dropped group ran another step after the drop, and nothing at
//!   all (nested groups included) still runs once the runtime has run on,
//! - every handle holds a final outcome that matches what its task did,
//! - no task reported its end twice, and the group's handles refuse new spawns,
//! - and, for the case where the future completes, the result is the expected one
//!   with each error exactly once.
//!
//! A last test drops a nested group's `run` future inside a task, at each of its
//! polls, while the outer group goes on to finish normally.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt;
use taskgroup::{
    Cancelled, ErrorGroup, Node, SpawnRefused, TaskError, TaskGroup, TaskHandle, Timeout,
};
use tokio::time::sleep;

#[path = "../common/mod.rs"]
mod common;
use common::{lock, paused_runtime, Live, LiveGuard, HOUR};

const TICK: Duration = Duration::from_millis(10);
/// More polls than any shape needs: a shape that never completes is a hang.
const MAX_POLLS: usize = 10_000;

// ---------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------

common::error_types! {
    /// The error failing tasks return.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Failure(u32) => "task {} failed";
}

/// The payload panicking tasks panic with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PanicPayload(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Succeed,
    Fail,
    Panic,
}

#[derive(Default)]
struct ProbeInner {
    /// Body and task futures not yet dropped.
    live: Live,
    /// Steps taken by tasks of the outermost group (and its body).
    direct_ticks: AtomicUsize,
    /// Steps taken by tasks of nested groups.
    nested_ticks: AtomicUsize,
    /// Every end a task reported: (task id, how).
    ends: Mutex<Vec<(u32, End)>>,
    handles: Mutex<Vec<(u32, TaskHandle<u32>)>>,
    spawners: Mutex<Vec<TaskGroup>>,
}

/// What a run leaves behind, for the checks.
#[derive(Clone, Default)]
struct Probe(Arc<ProbeInner>);

impl Probe {
    /// A guard to move into a body or task future: counts it out when dropped.
    fn guard(&self) -> LiveGuard {
        self.0.live.guard()
    }

    fn live(&self) -> usize {
        self.0.live.alive()
    }

    fn tick(&self, nested: bool) {
        let counter = if nested {
            &self.0.nested_ticks
        } else {
            &self.0.direct_ticks
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn ticks(&self) -> (usize, usize) {
        (
            self.0.direct_ticks.load(Ordering::SeqCst),
            self.0.nested_ticks.load(Ordering::SeqCst),
        )
    }

    fn ended(&self, id: u32, end: End) {
        lock(&self.0.ends).push((id, end));
    }

    fn keep(&self, id: u32, handle: TaskHandle<u32>) {
        lock(&self.0.handles).push((id, handle));
    }

    fn keep_spawner(&self, tg: &TaskGroup) {
        lock(&self.0.spawners).push(tg.spawner());
    }

    /// A body's first step: keeps a spawner of its group for the checks after
    /// the drop, and gives the guard that counts the body out when dropped.
    fn enter(&self, tg: &TaskGroup) -> LiveGuard {
        self.keep_spawner(tg);
        self.guard()
    }

    /// Spawns [`task`](Probe::task) `id` of the outermost group into `tg` and
    /// keeps its handle.
    fn spawn(&self, tg: &TaskGroup, id: u32, ticks: u32, end: End) {
        self.keep(id, tg.spawn(self.task(id, ticks, end, false)));
    }

    fn cancel(&self, id: u32) {
        if let Some((_, handle)) = lock(&self.0.handles).iter().find(|(i, _)| *i == id) {
            handle.cancel();
        }
    }

    /// A task that takes `ticks` steps of [`TICK`], then ends as `end` says.
    fn task(
        &self,
        id: u32,
        ticks: u32,
        end: End,
        nested: bool,
    ) -> impl Future<Output = Result<u32, Failure>> + Send + 'static {
        let (guard, probe) = (self.guard(), self.clone());
        async move {
            let _guard = guard;
            for _ in 0..ticks {
                sleep(TICK).await;
                probe.tick(nested);
            }
            probe.end(id, end)
        }
    }

    /// A task that waits for its group's cancellation, then cleans up for `ticks`
    /// steps and fails (it reaches its failure only within a grace period).
    fn cleanup_task(
        &self,
        tg: &TaskGroup,
        id: u32,
        ticks: u32,
    ) -> impl Future<Output = Result<u32, Failure>> + Send + 'static {
        let (guard, probe, tg) = (self.guard(), self.clone(), tg.clone());
        async move {
            let _guard = guard;
            tg.cancelled().await;
            for _ in 0..ticks {
                sleep(TICK).await;
                probe.tick(false);
            }
            probe.end(id, End::Fail)
        }
    }

    fn end(&self, id: u32, end: End) -> Result<u32, Failure> {
        self.ended(id, end);
        match end {
            End::Succeed => Ok(id),
            End::Fail => Err(Failure(id)),
            End::Panic => std::panic::panic_any(PanicPayload(id)),
        }
    }

    /// Ends a task that ran a nested group the way the group ended.
    fn nested_end(&self, id: u32, result: Result<u32, ErrorGroup>) -> Result<u32, ErrorGroup> {
        let end = if result.is_ok() {
            End::Succeed
        } else {
            End::Fail
        };
        self.ended(id, end);
        result.map(|_| id)
    }

    /// The body's own steps.
    async fn body_ticks(&self, ticks: u32) {
        for _ in 0..ticks {
            sleep(TICK).await;
            self.tick(false);
        }
    }
}

/// Where a case cuts the `run` future.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// On the poll after this many polls (0: never polled).
    AfterPolls(usize),
    /// When this much virtual time has passed (the run is polled first at that
    /// instant, so a run that completes then still completes).
    AtMillis(u64),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::AfterPolls(polls) => write!(f, "dropped after {polls} polls"),
            Stop::AtMillis(ms) => write!(f, "dropped at {ms} ms"),
        }
    }
}

/// Polls `inner` until `stop`, then drops it and gives `None`; if `inner`
/// completes first, its output.
struct Cut<F> {
    inner: Option<Pin<Box<F>>>,
    polls: usize,
    stop: Stop,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl<F: Future> Cut<F> {
    fn new(inner: F, stop: Stop) -> Self {
        let ms = match stop {
            Stop::AtMillis(ms) => ms,
            Stop::AfterPolls(_) => u64::MAX / 4,
        };
        Cut {
            inner: Some(Box::pin(inner)),
            polls: 0,
            stop,
            timer: Box::pin(sleep(Duration::from_millis(ms))),
        }
    }
}

impl<F: Future> Future for Cut<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Stop::AfterPolls(limit) = self.stop {
            if self.polls == limit {
                self.inner = None;
                return Poll::Ready(None);
            }
        }
        self.polls += 1;
        let inner = self.inner.as_mut().expect("polled after completion");
        if let Poll::Ready(output) = inner.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.inner = None;
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

/// The tree of a group in short: `[1, [2], T, C]` (failure ids, nested groups,
/// `Timeout`, `Cancelled`).
fn shape_of(group: &ErrorGroup) -> String {
    let children: Vec<String> = group
        .children()
        .iter()
        .map(|node| match node {
            Node::Group(inner) => shape_of(inner),
            Node::Leaf(leaf) => {
                let error = leaf.error();
                if let Some(Failure(id)) = error.downcast_ref::<Failure>() {
                    id.to_string()
                } else if error.is::<Timeout>() {
                    "T".to_owned()
                } else if error.is::<Cancelled>() {
                    "C".to_owned()
                } else {
                    format!("?{error}")
                }
            }
        })
        .collect();
    format!("[{}]", children.join(", "))
}

/// Lets every task woken by a drop or cancellation run (the paused clock only
/// advances once the runtime is idle).
async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
    sleep(Duration::from_millis(1)).await;
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

type RunFuture = Pin<Box<dyn Future<Output = Result<u32, ErrorGroup>>>>;

/// How a run that was not dropped ended: its result, or the id of the payload
/// it resumed.
#[derive(Debug, PartialEq, Eq)]
enum Completed {
    Shape(String),
    Value(u32),
    Panic(u32),
}

/// Checks what every case must satisfy once the runtime has run on.
fn check_after(case: &str, probe: &Probe) {
    assert_eq!(
        probe.live(),
        0,
        "{case}: a body or task future was not dropped"
    );
    let mut counts: HashMap<u32, usize> = HashMap::new();
    let ends: HashMap<u32, End> = lock(&probe.0.ends)
        .iter()
        .map(|&(id, end)| {
            *counts.entry(id).or_default() += 1;
            (id, end)
        })
        .collect();
    for (id, count) in counts {
        assert_eq!(count, 1, "{case}: task {id} ended {count} times");
    }
    for (id, handle) in lock(&probe.0.handles).iter() {
        assert!(handle.is_finished(), "{case}: task {id} still running");
        let result = handle.result();
        let consistent = match (&result, ends.get(id)) {
            (Ok(value), Some(End::Succeed)) => value == id,
            (Err(TaskError::Failed(_)), Some(End::Fail)) => true,
            (Err(TaskError::Panicked), Some(End::Panic)) => true,
            (Err(TaskError::Cancelled | TaskError::NotSpawned(_)), None) => true,
            _ => false,
        };
        assert!(
            consistent,
            "{case}: task {id}: handle gives {result:?}, task did {:?}",
            ends.get(id)
        );
        // A value is taken once; an error can be read again, unchanged.
        let again = match &result {
            Ok(_) => Err(TaskError::AlreadyTaken),
            Err(error) => Err(error.clone()),
        };
        assert_eq!(
            handle.result(),
            again,
            "{case}: task {id}: a second outcome"
        );
    }
    for spawner in lock(&probe.0.spawners).iter() {
        assert!(spawner.is_closed(), "{case}: the group still accepts tasks");
        let refused = spawner.try_spawn(async {}).unwrap_err();
        assert_eq!(refused.reason, SpawnRefused::Finished, "{case}");
    }
}

/// Runs one case on a fresh paused runtime: `build`'s run future, cut at `stop`.
/// Checks everything, and gives how the run completed (`None`: it was dropped)
/// with the virtual time it took.
fn run_case(shape: &str, build: fn(&Probe) -> RunFuture, stop: Stop) -> Option<(Completed, u64)> {
    let case = format!("shape `{shape}`, {stop}");
    paused_runtime().block_on(async {
        let probe = Probe::default();
        let start = tokio::time::Instant::now();
        let run = Cut::new(build(&probe), stop);
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
        let elapsed = u64::try_from(start.elapsed().as_millis()).unwrap();
        let ticks_at_drop = probe.ticks();
        settle().await;
        let ticks_settled = probe.ticks();
        sleep(HOUR).await;
        let ticks_later = probe.ticks();
        assert_eq!(
            ticks_settled, ticks_later,
            "{case}: tasks kept running (direct, nested steps)"
        );
        let completed = match outcome {
            Ok(None) => {
                assert_eq!(
                    ticks_at_drop.0, ticks_later.0,
                    "{case}: a task of the dropped group took a step after the drop"
                );
                None
            }
            Ok(Some(Ok(value))) => Some(Completed::Value(value)),
            Ok(Some(Err(errors))) => Some(Completed::Shape(shape_of(&errors))),
            Err(payload) => match payload.downcast_ref::<PanicPayload>() {
                Some(PanicPayload(id)) => Some(Completed::Panic(*id)),
                None => std::panic::resume_unwind(payload),
            },
        };
        check_after(&case, &probe);
        completed.map(|c| (c, elapsed))
    })
}

/// Drops the run future of `build` after 0, 1, 2, … polls until it completes,
/// then at every virtual millisecond until the time it completes at; checks each
/// case, and every completed result against `expected`. Returns the number of
/// cases.
fn every_cancel_point(shape: &str, build: fn(&Probe) -> RunFuture, expected: Completed) -> usize {
    common::quiet_expected_panics::<PanicPayload>();
    let mut cases = 0;
    let mut end = None;
    for polls in 0..MAX_POLLS {
        cases += 1;
        if let Some((completed, elapsed)) = run_case(shape, build, Stop::AfterPolls(polls)) {
            assert_eq!(completed, expected, "shape `{shape}` completed wrongly");
            assert!(polls >= 2, "shape `{shape}` completed in its first poll");
            end = Some(elapsed);
            break;
        }
    }
    let end = end.unwrap_or_else(|| panic!("shape `{shape}` did not complete"));
    for ms in 0..=end {
        cases += 1;
        // At `end` itself the cut may come first, or the run may complete.
        if let Some((completed, _)) = run_case(shape, build, Stop::AtMillis(ms)) {
            assert_eq!(ms, end, "shape `{shape}` completed before {end} ms");
            assert_eq!(completed, expected, "shape `{shape}` completed wrongly");
        }
    }
    cases
}

mod nested_drop;
mod shapes;
