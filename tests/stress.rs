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

// ---------------------------------------------------------------------------
// Many tasks through one group
// ---------------------------------------------------------------------------

/// Spawns `n` tasks from the body into one group, each adding its index; checks
/// every result arrived, through the handles and through the tasks' own count.
async fn many_tasks(n: u64) {
    let live = Live::default();
    let (sum, ran) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let handles = TaskGroup::run(async |tg| {
        let mut handles = Vec::with_capacity(usize::try_from(n).unwrap());
        for i in 0..n {
            let (guard, sum, ran) = (live.guard(), Arc::clone(&sum), Arc::clone(&ran));
            handles.push(tg.spawn(async move {
                let _guard = guard;
                sum.fetch_add(i, Ordering::Relaxed);
                ran.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Infallible>(i)
            }));
        }
        Ok::<_, Infallible>(handles)
    })
    .await
    .unwrap();
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    assert_eq!(ran.load(Ordering::SeqCst), n, "tasks ran");
    let expected = n * (n - 1) / 2;
    assert_eq!(sum.load(Ordering::SeqCst), expected);
    let mut from_handles = 0;
    for (i, handle) in (0..n).zip(&handles) {
        assert_eq!(handle.result(), Ok(i), "handle {i}");
        from_handles += i;
    }
    assert_eq!(from_handles, expected);
}

/// A million tasks, every result counted through its handle and by the tasks
/// themselves; no task future alive once `run` returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_tasks_through_one_group() {
    many_tasks(1_000_000).await;
}

// ---------------------------------------------------------------------------
// 10,000 concurrent failures
// ---------------------------------------------------------------------------

const FAILURES: u64 = 10_000;

/// Spawns [`FAILURES`] tasks that all wait for one signal, then fail at once.
/// Returns the group's failure ids and the handles.
async fn concurrent_failures(supervise: bool) -> (Vec<u64>, Vec<TaskHandle<()>>, Live) {
    let live = Live::default();
    let (go, ready) = watch::channel(false);
    let mut handles = Vec::new();
    let mut builder = TaskGroup::builder();
    if supervise {
        builder = builder.supervise();
    }
    let result = builder
        .run(async |tg| {
            for i in 0..FAILURES {
                let (guard, mut ready) = (live.guard(), ready.clone());
                handles.push(tg.spawn(async move {
                    let _guard = guard;
                    ready.wait_for(|go| *go).await.unwrap();
                    Err::<(), _>(Failure(i))
                }));
            }
            go.send(true).unwrap();
            Ok::<_, Infallible>(())
        })
        .await;
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    let errors = result.unwrap_err();
    assert_eq!(errors.len(), errors.children().len(), "flat");
    (failure_ids(&errors), handles, live)
}

/// The failures in the group are exactly the tasks whose handles say they
/// failed, once each; every other task was cancelled.
fn check_failures(ids: &[u64], handles: &[TaskHandle<()>]) {
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a failure appears twice");
    for (i, handle) in (0..FAILURES).zip(handles) {
        match handle.result() {
            Err(TaskError::Failed(_)) => assert!(unique.contains(&i), "failure {i} lost"),
            Err(TaskError::Cancelled) => assert!(!unique.contains(&i), "{i} cancelled yet failed"),
            other => panic!("task {i}: unexpected outcome {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_failures_all_collected_when_supervising() {
    let (ids, handles, _live) = concurrent_failures(true).await;
    assert_eq!(ids.len(), 10_000);
    check_failures(&ids, &handles);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_failures_fail_fast_keep_each_once() {
    let (ids, handles, _live) = concurrent_failures(false).await;
    assert!((1..=10_000).contains(&ids.len()), "{} failures", ids.len());
    check_failures(&ids, &handles);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_panics_resume_one_payload() {
    common::quiet_expected_panics::<PanicPayload>();
    let live = Live::default();
    let (go, ready) = watch::channel(false);
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        for i in 0..FAILURES {
            let (guard, mut ready) = (live.guard(), ready.clone());
            tg.spawn(async move {
                let _guard = guard;
                ready.wait_for(|go| *go).await.unwrap();
                if i < FAILURES {
                    std::panic::panic_any(PanicPayload(i));
                }
            });
        }
        go.send(true).unwrap();
        Ok::<_, Infallible>(())
    }))
    .catch_unwind()
    .await;
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    let payload = outcome.expect_err("the panic resumes");
    let PanicPayload(id) = payload.downcast_ref::<PanicPayload>().expect("our payload");
    assert!(*id < FAILURES);
}

// ---------------------------------------------------------------------------
// 100 levels of nested groups
// ---------------------------------------------------------------------------

const LEVELS: usize = 100;

type GroupFuture = Pin<Box<dyn Future<Output = Result<(), ErrorGroup>> + Send>>;

/// A group whose only task runs the next level; the bottom task fails.
fn nested_through_tasks(level: usize) -> GroupFuture {
    Box::pin(TaskGroup::run(async move |tg| {
        if level == 1 {
            tg.spawn(async { Err::<(), _>(Failure(0)) });
        } else {
            tg.spawn(nested_through_tasks(level - 1));
        }
        Ok::<_, Infallible>(())
    }))
}

/// A group whose body awaits the next level itself; the bottom body fails.
fn nested_through_bodies(level: usize) -> GroupFuture {
    Box::pin(TaskGroup::run(async move |_tg| {
        if level == 1 {
            Err::<(), ErrorGroup>(ErrorGroup::new("bottom", [Node::error(Failure(0))]).unwrap())
        } else {
            nested_through_bodies(level - 1).await
        }
    }))
}

/// Follows the only child down; gives the number of task groups passed and the
/// leaf at the bottom.
fn depth_of(group: &ErrorGroup) -> (usize, u64) {
    let mut depth = 0;
    let mut current = group;
    loop {
        assert_eq!(current.children().len(), 1, "one child per level");
        if current.message() == taskgroup::TASK_GROUP_MESSAGE {
            depth += 1;
        }
        match &current.children()[0] {
            Node::Group(inner) => current = inner,
            Node::Leaf(leaf) => {
                return (depth, leaf.error().downcast_ref::<Failure>().unwrap().0);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_levels_of_groups_through_tasks_nest_a_hundred_deep() {
    let errors = nested_through_tasks(LEVELS).await.unwrap_err();
    assert_eq!(depth_of(&errors), (LEVELS, 0));
    assert_eq!(errors.len(), 1);
    assert!(errors.to_string().contains("task 0 failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_levels_of_groups_through_bodies_nest_a_hundred_deep() {
    let errors = nested_through_bodies(LEVELS).await.unwrap_err();
    assert_eq!(depth_of(&errors), (LEVELS, 0));
    assert_eq!(errors.len(), 1);
    assert!(errors.to_string().contains("task 0 failed"));
}

// ---------------------------------------------------------------------------
// Spawning from 8 OS threads
// ---------------------------------------------------------------------------

const THREADS: u64 = 8;
const PER_THREAD: u64 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_threads_spawn_at_once_through_the_spawner() {
    let live = Live::default();
    let ran = Arc::new(AtomicU64::new(0));
    let handles = TaskGroup::run(async |tg| {
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap()));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (spawner, start, ran, live) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    Arc::clone(&ran),
                    live.clone(),
                );
                std::thread::spawn(move || {
                    start.wait();
                    (0..PER_THREAD)
                        .map(|i| {
                            let (ran, guard) = (Arc::clone(&ran), live.guard());
                            spawner.spawn(async move {
                                let _guard = guard;
                                ran.fetch_add(1, Ordering::Relaxed);
                                Ok::<_, Infallible>(t * PER_THREAD + i)
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // The body waits for the threads (off the worker), so the group stays open.
        let joined = tokio::task::spawn_blocking(move || {
            threads
                .into_iter()
                .flat_map(|thread| thread.join().unwrap())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        Ok::<_, Infallible>(joined)
    })
    .await
    .unwrap();
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    assert_eq!(ran.load(Ordering::SeqCst), THREADS * PER_THREAD);
    let mut values: Vec<u64> = handles.iter().map(|h| h.result().unwrap()).collect();
    values.sort_unstable();
    assert!(
        values.iter().copied().eq(0..THREADS * PER_THREAD),
        "a spawn lost"
    );
}

/// What one racing thread saw.
#[derive(Default)]
struct Tally {
    accepted: Vec<TaskHandle<u64>>,
    refused: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_threads_racing_the_group_end_lose_no_spawn() {
    for round in 0..5 {
        let ran = Arc::new(AtomicU64::new(0));
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap() + 1));
        // Each thread says when its first spawn is in.
        let (first_in, mut firsts) = mpsc::unbounded_channel::<()>();
        let mut threads = Vec::new();
        let result = TaskGroup::run(async |tg| {
            for _ in 0..THREADS {
                let (spawner, start, ran, first_in) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    Arc::clone(&ran),
                    first_in.clone(),
                );
                threads.push(std::thread::spawn(move || {
                    let mut tally = Tally::default();
                    start.wait();
                    for i in 0..PER_THREAD {
                        let ran = Arc::clone(&ran);
                        let task = async move {
                            ran.fetch_add(1, Ordering::SeqCst);
                            Ok::<_, Infallible>(i)
                        };
                        let outcome = spawner.try_spawn(task);
                        if i == 0 {
                            let _ = first_in.send(());
                        }
                        match outcome {
                            Ok(handle) => {
                                tally.accepted.push(handle);
                                // Pacing, not synchronisation: gives the workers a
                                // chance to drain the group, so that it can end
                                // while the threads still spawn. The assertions
                                // hold whatever the interleaving.
                                if i % 16 == 0 {
                                    std::thread::sleep(Duration::from_micros(50));
                                }
                            }
                            Err(refused) => {
                                assert!(matches!(
                                    refused.reason,
                                    SpawnRefused::Finished | SpawnRefused::ShuttingDown
                                ));
                                // The future comes back, never polled (checked
                                // below: `ran` counts only accepted tasks).
                                drop(refused.future);
                                tally.refused += 1;
                                break;
                            }
                        }
                    }
                    tally
                }));
            }
            // Let the threads start, then end the body while they spawn: once each
            // has made its first spawn (it used to sleep 2 ms and hope).
            let start = Arc::clone(&start);
            tokio::task::spawn_blocking(move || start.wait())
                .await
                .unwrap();
            watchdog("every thread's first spawn", async {
                for _ in 0..THREADS {
                    firsts
                        .recv()
                        .await
                        .expect("a thread ended before its first spawn");
                }
            })
            .await;
            Ok::<_, Infallible>(())
        })
        .await;
        let ran_at_return = ran.load(Ordering::SeqCst);
        result.unwrap();
        let tallies: Vec<Tally> = tokio::task::spawn_blocking(move || {
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
        .await
        .unwrap();
        let accepted: u64 = tallies.iter().map(|t| t.accepted.len() as u64).sum();
        // Every thread's first spawn came while the body still ran, so got in.
        assert!(
            tallies.iter().all(|t| !t.accepted.is_empty()),
            "round {round}: a spawn into the open group was refused"
        );
        assert_eq!(
            ran_at_return, accepted,
            "round {round}: every accepted spawn ran before run returned"
        );
        assert_eq!(ran.load(Ordering::SeqCst), accepted, "a refused future ran");
        for tally in &tallies {
            for handle in &tally.accepted {
                assert!(
                    handle.result().is_ok(),
                    "round {round}: an accepted task failed"
                );
            }
            // A thread stops at its first refusal or after all its spawns.
            assert!(tally.refused == 1 || tally.accepted.len() as u64 == PER_THREAD);
        }
    }
}

/// What one thread spawning into a group that is being dropped saw.
#[derive(Default)]
struct DropTally {
    accepted: Vec<TaskHandle<()>>,
    refused: u64,
}

/// Eight threads spawn never-ending tasks while the `run` future is dropped:
/// every task that got in is aborted (none left alive once the runtime ran on),
/// every other spawn is refused with its future handed back.
///
/// The run is dropped once every thread's first spawn is in (it used to be
/// dropped after 5 ms of real time, which on a busy machine could come before
/// any spawn), while the threads go on spawning. After a dropped run, a handle's
/// outcome is not readable at once (the abort runs on a worker): each handle is
/// awaited, which its own waker ends, and the guards are awaited to zero
/// (instead of polling `is_finished()` and `alive()` every 2 ms for at most 1 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_run_while_eight_threads_spawn_leaks_nothing() {
    for round in 0..5 {
        let live = Live::default();
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap() + 1));
        let (first_in, mut firsts) = mpsc::unbounded_channel::<()>();
        let mut threads = Vec::new();
        let mut run = Box::pin(TaskGroup::run(async |tg| {
            for _ in 0..THREADS {
                let (spawner, start, live, first_in) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    live.clone(),
                    first_in.clone(),
                );
                threads.push(std::thread::spawn(move || {
                    let mut tally = DropTally::default();
                    start.wait();
                    for i in 0..PER_THREAD {
                        let outcome = spawner.try_spawn(live.pending());
                        if i == 0 {
                            let _ = first_in.send(());
                        }
                        match outcome {
                            Ok(handle) => tally.accepted.push(handle),
                            Err(refused) => {
                                drop(refused.future);
                                tally.refused += 1;
                                break;
                            }
                        }
                        // Pacing, not synchronisation: keeps the threads spawning
                        // while the run is dropped. The assertions hold whatever
                        // the interleaving.
                        if i % 16 == 0 {
                            std::thread::sleep(Duration::from_micros(50));
                        }
                    }
                    tally
                }));
            }
            let start = Arc::clone(&start);
            tokio::task::spawn_blocking(move || start.wait())
                .await
                .unwrap();
            std::future::pending::<()>().await;
            Ok::<_, Infallible>(())
        }));
        watchdog("every thread's first spawn", async {
            tokio::select! {
                _ = &mut run => panic!("round {round}: the run never ends by itself"),
                () = async {
                    for _ in 0..THREADS {
                        firsts.recv().await.expect("a thread ended before its first spawn");
                    }
                } => {}
            }
        })
        .await;
        drop(run);
        let mut tallies: Vec<DropTally> = tokio::task::spawn_blocking(move || {
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
        .await
        .unwrap();
        let mut accepted = 0;
        for tally in &mut tallies {
            // Every thread's first spawn came while the body still ran, so got in.
            assert!(
                !tally.accepted.is_empty(),
                "round {round}: a spawn into the open group was refused"
            );
            accepted += tally.accepted.len();
            for handle in &mut tally.accepted {
                // Every task ends (else the watchdog fails: "a task still
                // running"), cancelled, and the handle keeps saying so.
                let outcome = watchdog("an aborted task's handle", &mut *handle).await;
                assert_eq!(outcome, Err(TaskError::Cancelled), "round {round}");
                assert_eq!(handle.result(), Err(TaskError::Cancelled), "round {round}");
            }
            assert!(tally.refused == 1 || tally.accepted.len() as u64 == PER_THREAD);
        }
        assert!(accepted >= usize::try_from(THREADS).unwrap());
        // Aborts are asynchronous: the last guard's drop ends the wait.
        live.none_left().await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a task outlived its dropped group"
        );
    }
}

// ---------------------------------------------------------------------------
// Known bugs: a task's future can outlive `run` (multi-thread runtime)
// ---------------------------------------------------------------------------

/// A task future that owns a resource in its own fields and completes at once, as
/// hand-written futures and many library futures do (unlike an `async` block,
/// which drops its captures as it completes).
struct OwnsGuard(#[allow(dead_code)] LiveGuard);

impl Future for OwnsGuard {
    type Output = Result<(), Infallible>;

    fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Once `run` returned, the futures of tasks that completed must have been
/// dropped, with everything they own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_task_futures_are_dropped_before_run_returns() {
    for round in 0..2_000 {
        let live = Live::default();
        TaskGroup::run(async |tg| {
            for _ in 0..4 {
                tg.spawn(OwnsGuard(live.guard()));
            }
            tokio::task::yield_now().await;
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a completed task's future was alive after run returned"
        );
    }
}

/// Once `run` returned, the futures of tasks aborted while waiting for their
/// turn under `limit(n)` must have been dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limited_tasks_aborted_before_their_turn_are_dropped_before_run_returns() {
    for round in 0..3_000 {
        let live = Live::default();
        let _cancelled = TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                for _ in 0..20 {
                    tg.spawn(live.pending());
                }
                tg.cancel();
                Ok::<_, Infallible>(())
            })
            .await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: an aborted task's future was alive after run returned"
        );
    }
}

/// Once `run` returned, the closures of blocking tasks that the group stopped
/// while they waited for their turn under `limit(n)` must have been dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_blocking_tasks_drop_their_closures_before_run_returns() {
    for round in 0..50 {
        let live = Live::default();
        let _cancelled = TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                // Once it has the only permit, holds it until the group is
                // cancelled (it used to sleep 2 ms, which a slow start could
                // outlast), so the tasks behind it are still waiting for their
                // turn when `cancel` stops them.
                let (release, held) = std::sync::mpsc::channel::<()>();
                tg.spawn_blocking(move || {
                    let _ = held.recv();
                });
                for _ in 0..8 {
                    let guard = live.guard();
                    tg.spawn_blocking(move || drop(guard));
                }
                tg.cancel();
                drop(release);
                Ok::<_, Infallible>(())
            })
            .await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a stopped blocking task's closure was alive after run returned"
        );
    }
}
