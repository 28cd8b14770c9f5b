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

mod common;
use common::{lock, Live, LiveGuard};

const TICK: Duration = Duration::from_millis(10);
const HOUR: Duration = Duration::from_secs(3600);
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

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
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

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// Fail-fast: a task fails while others run or hang; the body finished earlier.
fn flat(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        probe.keep(1, tg.spawn(probe.task(1, 3, End::Succeed, false)));
        probe.keep(2, tg.spawn(probe.task(2, 5, End::Fail, false)));
        probe.keep(3, tg.spawn(probe.task(3, 100, End::Succeed, false)));
        probe.keep(4, tg.spawn(probe.task(4, 2, End::Succeed, false)));
        probe.body_ticks(3).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_flat_group() {
    let cases = every_cancel_point("flat", flat, Completed::Shape("[2]".into()));
    assert!(cases > 10);
}

/// `limit(2)`: tasks waiting their turn, grandchildren spawned by tasks into the
/// same group; a grandchild fails last.
fn limited_with_grandchildren(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::builder().limit(2).run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        for (id, child, child_end) in [(1, 11, End::Succeed), (2, 21, End::Fail)] {
            let (guard, p, tg2) = (probe.guard(), probe.clone(), tg.clone());
            let task = async move {
                let _guard = guard;
                p.keep(child, tg2.spawn(p.task(child, 3, child_end, false)));
                sleep(TICK).await;
                p.tick(false);
                p.end(id, End::Succeed)
            };
            probe.keep(id, tg.spawn(task));
        }
        probe.keep(3, tg.spawn(probe.task(3, 3, End::Succeed, false)));
        probe.keep(4, tg.spawn(probe.task(4, 4, End::Succeed, false)));
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_limited_group_with_grandchildren() {
    let cases = every_cancel_point(
        "limit + grandchildren",
        limited_with_grandchildren,
        Completed::Shape("[21]".into()),
    );
    assert!(cases > 10);
}

/// Three levels: the innermost task fails; the error comes out nested three deep
/// while tasks at every level hang.
fn nested(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        probe.keep(1, tg.spawn(probe.task(1, 100, End::Succeed, false)));
        let (guard, p, p4) = (probe.guard(), probe.clone(), probe.clone());
        let middle = async move {
            let _guard = guard;
            let middle = TaskGroup::run(async move |tg| {
                p.keep(10, tg.spawn(p.task(10, 100, End::Succeed, true)));
                let (guard, p2, p3) = (p.guard(), p.clone(), p.clone());
                let inner = async move {
                    let _guard = guard;
                    let inner = TaskGroup::run(async move |tg| {
                        p2.keep(100, tg.spawn(p2.task(100, 2, End::Succeed, true)));
                        p2.keep(101, tg.spawn(p2.task(101, 4, End::Fail, true)));
                        p2.keep(102, tg.spawn(p2.task(102, 100, End::Succeed, true)));
                        Ok::<_, Failure>(0)
                    })
                    .await;
                    p3.nested_end(11, inner)
                };
                p.keep(11, tg.spawn(inner));
                Ok::<_, Failure>(0)
            })
            .await;
            p4.nested_end(2, middle)
        };
        probe.keep(2, tg.spawn(middle));
        probe.body_ticks(1).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_nested_groups() {
    let cases = every_cancel_point("nested", nested, Completed::Shape("[[[101]]]".into()));
    assert!(cases > 10);
}

/// A grace period: one task fails, two clean up and fail within the grace
/// period, one ignores the cancellation and is cut when it ends.
fn grace(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(
        TaskGroup::builder()
            .grace(Duration::from_millis(35))
            .run(async move |tg| {
                let _guard = probe.guard();
                probe.keep_spawner(&tg);
                probe.keep(1, tg.spawn(probe.task(1, 1, End::Fail, false)));
                probe.keep(2, tg.spawn(probe.cleanup_task(&tg, 2, 2)));
                probe.keep(3, tg.spawn(probe.cleanup_task(&tg, 3, 3)));
                probe.keep(4, tg.spawn(probe.task(4, 100, End::Succeed, false)));
                probe.body_ticks(100).await;
                Ok::<_, Failure>(0)
            }),
    )
}

#[test]
fn drop_at_every_poll_during_a_grace_period() {
    let cases = every_cancel_point("grace", grace, Completed::Shape("[1, 2, 3]".into()));
    assert!(cases > 10);
}

/// Supervised with a timeout: two failures, then the timeout cuts the rest.
fn supervised_timeout(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(
        TaskGroup::builder()
            .supervise()
            .timeout(Duration::from_millis(35))
            .run(async move |tg| {
                let _guard = probe.guard();
                probe.keep_spawner(&tg);
                probe.keep(1, tg.spawn(probe.task(1, 1, End::Fail, false)));
                probe.keep(2, tg.spawn(probe.task(2, 2, End::Fail, false)));
                probe.keep(3, tg.spawn(probe.task(3, 100, End::Succeed, false)));
                probe.keep(4, tg.spawn(probe.task(4, 3, End::Succeed, false)));
                probe.body_ticks(100).await;
                Ok::<_, Failure>(0)
            }),
    )
}

#[test]
fn drop_at_every_poll_supervised_with_timeout() {
    let cases = every_cancel_point(
        "supervise + timeout",
        supervised_timeout,
        Completed::Shape("[1, 2, T]".into()),
    );
    assert!(cases > 10);
}

/// A task panics after another failed (supervised, so the failure cancels
/// nothing); the panic resumes in the caller with its payload.
fn panicking(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::builder().supervise().run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        probe.keep(1, tg.spawn(probe.task(1, 1, End::Fail, false)));
        probe.keep(2, tg.spawn(probe.task(2, 2, End::Panic, false)));
        probe.keep(3, tg.spawn(probe.task(3, 100, End::Succeed, false)));
        probe.body_ticks(10).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_with_a_panicking_task() {
    let cases = every_cancel_point("panic", panicking, Completed::Panic(2));
    assert!(cases > 10);
}

/// The body cancels one task through its handle, then the whole group.
fn cancelled(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        probe.keep(1, tg.spawn(probe.task(1, 100, End::Succeed, false)));
        probe.keep(2, tg.spawn(probe.task(2, 2, End::Succeed, false)));
        probe.keep(3, tg.spawn(probe.task(3, 100, End::Fail, false)));
        probe.body_ticks(1).await;
        probe.cancel(3);
        probe.body_ticks(2).await;
        tg.cancel();
        probe.body_ticks(100).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_with_handle_and_group_cancel() {
    let cases = every_cancel_point("cancel", cancelled, Completed::Shape("[C]".into()));
    assert!(cases > 10);
}

/// A group that finishes cleanly, with tasks of every length.
fn clean(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.guard();
        probe.keep_spawner(&tg);
        for id in 1..=5 {
            probe.keep(id, tg.spawn(probe.task(id, id, End::Succeed, false)));
        }
        probe.body_ticks(2).await;
        Ok::<_, Failure>(42)
    }))
}

#[test]
fn drop_at_every_poll_clean_group() {
    let cases = every_cancel_point("clean", clean, Completed::Value(42));
    assert!(cases > 10);
}

// ---------------------------------------------------------------------------
// A nested group dropped by its own task
// ---------------------------------------------------------------------------

/// One case of a nested group cut inside its task: the task polls the nested
/// `run` future until `stop`, drops it, and succeeds; the outer group finishes
/// normally. Gives how the nested run completed (`None`: it was dropped).
fn nested_case(stop: Stop) -> Option<Result<u32, String>> {
    let case = format!("nested run {stop} by its task");
    paused_runtime().block_on(async {
        let probe = Probe::default();
        let inner_done = Arc::new(Mutex::new(None));
        let (p, done) = (probe.clone(), Arc::clone(&inner_done));
        let result = TaskGroup::run(async move |tg| {
            let (guard, p2) = (p.guard(), p.clone());
            tg.spawn(async move {
                let _guard = guard;
                let inner = TaskGroup::run(async move |tg| {
                    p2.keep_spawner(&tg);
                    p2.keep(1, tg.spawn(p2.task(1, 3, End::Succeed, true)));
                    p2.keep(2, tg.spawn(p2.task(2, 100, End::Succeed, true)));
                    p2.keep(3, tg.spawn(p2.task(3, 5, End::Fail, true)));
                    p2.body_ticks(1).await;
                    Ok::<_, Failure>(0)
                });
                let outcome = Cut::new(inner, stop).await;
                *lock(&done) = Some(outcome.map(|r| r.map_err(|e| shape_of(&e))));
                Ok::<_, Failure>(0)
            });
            Ok::<_, Failure>(0)
        })
        .await;
        assert_eq!(result.unwrap(), 0, "{case}");
        // On a current-thread runtime the aborted tasks of the nested group are
        // dropped before the outer `run` is polled again.
        assert_eq!(
            probe.live(),
            0,
            "{case}: a future alive after the outer run returned"
        );
        settle().await;
        let ticks = probe.ticks();
        sleep(HOUR).await;
        assert_eq!(ticks, probe.ticks(), "{case}: nested tasks kept running");
        check_after(&case, &probe);
        let inner = lock(&inner_done).take();
        inner.expect("the task ran to its end")
    })
}

/// A nested group's `run` future dropped inside its task, after each number of
/// polls and at each virtual millisecond, while the outer group finishes normally.
/// Once the runtime ran on, nothing of the nested group may still run.
#[test]
fn nested_run_dropped_by_its_task_at_every_point() {
    common::quiet_expected_panics::<PanicPayload>();
    let mut completed = false;
    for polls in 0..MAX_POLLS {
        if let Some(inner) = nested_case(Stop::AfterPolls(polls)) {
            assert_eq!(inner, Err("[3]".to_owned()));
            completed = true;
            break;
        }
    }
    assert!(completed, "the nested group never completed");
    // The nested group fails at 50 ms.
    for ms in 0..=50 {
        if let Some(inner) = nested_case(Stop::AtMillis(ms)) {
            assert_eq!(ms, 50, "the nested group completed early");
            assert_eq!(inner, Err("[3]".to_owned()));
        }
    }
}
