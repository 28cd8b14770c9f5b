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

mod common;
use common::{lock, ms, Flag, Live, HOUR};

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

fn payload_is<P: 'static>(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.downcast_ref::<P>().is_some()
}

// ---------------------------------------------------------------------------
// Nothing blocks or spins
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn handle_getters_answer_at_once_after_the_run_future_is_dropped() {
    let mut handles = Vec::new();
    let dropped = tokio::time::timeout(
        ms(10),
        TaskGroup::run(async |tg| {
            for _ in 0..3 {
                handles.push(tg.spawn(sleep(HOUR)));
            }
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(dropped.is_err(), "the timeout dropped the group's future");
    // The aborted tasks are still queued on this one thread: the getters must
    // answer without waiting for them.
    for handle in &handles {
        let _ = handle.is_cancelled();
        assert!(matches!(
            handle.result(),
            Err(TaskError::Pending | TaskError::Cancelled)
        ));
    }
    // Once the runtime has run the aborts, the handles say so.
    for _ in 0..4 {
        yield_now().await;
    }
    for handle in &handles {
        assert!(handle.is_finished());
        assert!(handle.is_cancelled());
        assert_eq!(handle.result(), Err(TaskError::Cancelled));
    }
}

#[test]
fn result_of_a_running_blocking_task_answers_pending_after_the_run_is_dropped() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (release, released) = mpsc::channel::<()>();
    // The handle is a future itself; the block hands it out to read it by hand.
    #[allow(clippy::async_yields_async)]
    let handle = rt.block_on(async {
        let (started, is_started) = oneshot::channel::<()>();
        let mut handle = None;
        let run = TaskGroup::run(async |tg| {
            handle = Some(tg.spawn_blocking(move || {
                let _ = started.send(());
                released.recv().ok(); // runs until the test releases it
                Ok::<_, ValueError>(7)
            }));
            std::future::pending::<()>().await;
            Ok::<_, ValueError>(())
        });
        tokio::select! {
            _ = run => unreachable!("the body never ends"),
            _ = is_started => {}
        }
        handle.unwrap()
    });
    // The blocking task is running and its group's future is gone: `result()`
    // must not wait for it.
    assert_eq!(handle.result(), Err(TaskError::Pending));
    assert!(!handle.is_cancelled());
    release.send(()).unwrap();
    rt.block_on(async {
        // A blocking task that had started runs to its end.
        assert_eq!((&mut { handle }).await, Ok(7));
    });
}

#[test]
fn every_outcome_is_readable_once_run_returns_normally() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        for round in 0..200 {
            let handles = TaskGroup::run(async |tg| {
                let handles: Vec<_> = (0..8u32)
                    .map(|i| {
                        tg.spawn(async move {
                            yield_now().await;
                            Ok::<_, ValueError>(i)
                        })
                    })
                    .collect();
                Ok::<_, ValueError>(handles)
            })
            .await
            .unwrap();
            for (i, handle) in handles.iter().enumerate() {
                assert!(handle.is_finished(), "round {round}");
                assert!(!handle.is_cancelled(), "round {round}");
                assert_eq!(handle.result(), Ok(i as u32), "round {round}");
            }
        }
    });
}

// ---------------------------------------------------------------------------
// No error or panic lost
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_task_error_whose_display_panics_is_kept() {
    common::quiet_expected_panics::<DisplayPanic>();
    let mut handle = None;
    let result = AssertUnwindSafe(TaskGroup::run(async |tg| {
        handle = Some(tg.spawn(async { Err::<(), _>(PanickyDisplay) }));
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let errors = result.expect("a Display that panics is not the task's panic");
    let errors = errors.expect_err("the task's error is kept");
    assert_eq!(errors.len(), 1);
    assert!(errors.contains::<PanickyDisplay>());
    assert!(matches!(
        handle.unwrap().result(),
        Err(TaskError::Failed(_))
    ));
}

#[tokio::test]
async fn a_panic_while_reporting_errors_beside_a_panic_keeps_the_payload() {
    common::quiet_expected_panics::<DisplayPanic>();
    let (failed, has_failed) = oneshot::channel::<()>();
    let outcome = AssertUnwindSafe(TaskGroup::builder().supervise().run(async |tg| {
        tg.spawn(async move {
            let _ = failed.send(());
            Err::<(), _>(PanickyDisplay)
        });
        tg.spawn(async move {
            let _ = has_failed.await;
            std::panic::panic_any(TaskPayload);
            #[allow(unreachable_code)]
            Ok::<_, ValueError>(())
        });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the task's panic resumes");
    assert!(payload_is::<TaskPayload>(&*payload), "the original payload");
}

#[tokio::test]
async fn a_task_future_that_panics_in_drop_after_completing_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        tg.spawn(PanicsOnDrop { ready: true });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic in Drop resumes in the caller");
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test]
async fn a_task_future_that_panics_in_drop_when_aborted_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        tg.spawn(PanicsOnDrop { ready: false });
        tg.spawn(async {
            yield_now().await;
            Err::<(), _>(ValueError(1))
        });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic in Drop resumes in the caller");
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test]
async fn a_cancelled_handle_whose_future_panics_in_drop_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        let handle = tg.spawn(PanicsOnDrop { ready: false });
        yield_now().await;
        handle.cancel();
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic in Drop resumes in the caller");
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test(start_paused = true)]
async fn a_body_future_that_panics_in_drop_resumes_after_the_tasks_are_joined() {
    common::quiet_expected_panics::<DropPayload>();
    let live = Live::default();
    // With a grace period, the stop that drops the body also aborts the task, so
    // the task is still queued when the body's drop panics.
    let outcome = AssertUnwindSafe(TaskGroup::builder().grace(ms(10)).run(async |tg| {
        let guard = live.guard();
        tg.spawn(async move {
            let _guard = guard;
            sleep(HOUR).await;
        });
        let spawner = tg.spawner();
        tg.spawn(async move {
            yield_now().await;
            spawner.cancel(); // stops the body, which is dropped
        });
        let _panics = PanicsOnDrop { ready: false };
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic in Drop resumes in the caller");
    assert!(payload_is::<DropPayload>(&*payload));
    assert_eq!(
        live.alive(),
        0,
        "every task was joined before the panic resumed"
    );
}

#[tokio::test]
async fn a_blocking_task_whose_closure_panics_in_drop_unstarted_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let outcome = AssertUnwindSafe(TaskGroup::builder().limit(1).run(async |tg| {
        tg.spawn(async {
            yield_now().await;
            Err::<(), _>(ValueError(1))
        });
        let panics = PanicsOnDrop { ready: false };
        tg.spawn_blocking(move || {
            let _panics = panics;
        });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic in Drop resumes in the caller");
    assert!(payload_is::<DropPayload>(&*payload));
}

// ---------------------------------------------------------------------------
// Every valid setting works
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_timeout_of_duration_max_never_fires() {
    let value = TaskGroup::builder()
        .timeout(Duration::MAX)
        .run(async |tg| {
            let task = tg.spawn(async {
                sleep(HOUR).await;
                Ok::<_, ValueError>(1)
            });
            Ok::<_, ValueError>(task)
        })
        .await
        .unwrap();
    assert_eq!(value.result(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn a_grace_of_duration_max_waits_for_cooperative_tasks() {
    let result = TaskGroup::builder()
        .grace(Duration::MAX)
        .timeout(ms(10))
        .run(async |tg| {
            let spawner = tg.spawner();
            tg.spawn(async move {
                spawner.cancelled().await;
                Ok::<_, ValueError>(())
            });
            tg.cancelled().await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.unwrap_err().contains::<Timeout>());
}

#[tokio::test]
async fn a_limit_of_usize_max_runs_every_task() {
    let handles = TaskGroup::builder()
        .limit(usize::MAX)
        .run(async |tg| {
            let handles: Vec<_> = (0..10u32)
                .map(|i| tg.spawn(async move { Ok::<_, ValueError>(i) }))
                .collect();
            Ok::<_, ValueError>(handles)
        })
        .await
        .unwrap();
    let values: Vec<u32> = handles.iter().map(|h| h.result().unwrap()).collect();
    assert_eq!(values, (0..10).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

#[test]
fn a_limit_admits_tasks_in_spawn_order_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for round in 0..20 {
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            TaskGroup::builder()
                .limit(1)
                .run(async |tg| {
                    for i in 0..20 {
                        let order = Arc::clone(&order);
                        tg.spawn(async move {
                            lock(&order).push(i);
                            yield_now().await;
                        });
                    }
                    Ok::<_, ValueError>(())
                })
                .await
                .unwrap();
        });
        let order = lock(&order).clone();
        assert_eq!(order, (0..20).collect::<Vec<_>>(), "round {round}");
    }
}

#[tokio::test(start_paused = true)]
async fn queued_tasks_never_start_once_the_group_is_cancelling() {
    let started = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let result = TaskGroup::builder()
        .limit(1)
        .grace(HOUR)
        .run(async |tg| {
            let spawner = tg.spawner();
            tg.spawn(async move {
                spawner.cancelled().await; // holds the only permit until then
            });
            for _ in 0..5 {
                let started = Arc::clone(&started);
                tg.spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                });
            }
            yield_now().await;
            tg.cancel();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.is_ok());
    assert_eq!(started.load(Ordering::SeqCst), 0, "no queued task started");
    assert!(
        t0.elapsed() < HOUR,
        "shutdown did not wait out the grace period"
    );
}

#[test]
fn a_limited_blocking_task_holds_no_thread_while_it_waits() {
    // Two blocking threads: one runs the task holding the permit; the other
    // must stay free while the other limited tasks wait for their turn.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (release, released) = mpsc::channel::<()>();
        let ran = Arc::new(AtomicUsize::new(0));
        TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                tg.spawn_blocking(move || released.recv().map_err(|_| ValueError(0)));
                for _ in 0..4 {
                    let ran = Arc::clone(&ran);
                    tg.spawn_blocking(move || {
                        ran.fetch_add(1, Ordering::SeqCst);
                    });
                }
                yield_now().await;
                // Needs a free blocking thread while four tasks wait for the permit.
                let outside = tokio::task::spawn_blocking(|| 42).await.unwrap();
                assert_eq!(outside, 42);
                release.send(()).unwrap();
                Ok::<_, ValueError>(())
            })
            .await
            .unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 4);
    });
}

// ---------------------------------------------------------------------------
// Nested groups
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_nested_timeout_fires_while_the_enclosing_group_waits_out_its_grace() {
    let t0 = Instant::now();
    let inner_elapsed = Arc::new(Mutex::new(None));
    let result = TaskGroup::builder()
        .timeout(ms(10))
        .grace(Duration::from_secs(5))
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(ms(60))
                .run(async |_tg| {
                    sleep(HOUR).await; // ignores the enclosing group's cancellation
                    Ok::<_, ValueError>(())
                })
                .await;
            *lock(&inner_elapsed) = Some(t0.elapsed());
            assert!(inner.unwrap_err().contains::<Timeout>());
            Ok::<_, ValueError>(())
        })
        .await;
    let inner_elapsed = lock(&inner_elapsed).expect("the inner group returned");
    assert!(inner_elapsed < Duration::from_secs(1), "{inner_elapsed:?}");
    assert!(result.unwrap_err().contains::<Timeout>());
}

// ---------------------------------------------------------------------------
// Cheap summaries
// ---------------------------------------------------------------------------

fn nested(level: usize) -> Pin<Box<dyn Future<Output = Result<(), ErrorGroup>> + Send>> {
    Box::pin(async move {
        TaskGroup::run(async move |tg| {
            if level == 0 {
                tg.spawn(async { Err::<(), _>(ValueError(0)) });
            } else {
                let handle = tg.spawn(nested(level - 1));
                let _ = (&mut { handle }).await;
            }
            Ok::<_, ValueError>(())
        })
        .await
    })
}

#[tokio::test]
async fn a_failed_task_handle_carries_a_summary_not_the_tree() {
    let mut handle = None;
    let _ = TaskGroup::run(async |tg| {
        handle = Some(tg.spawn(nested(50)));
        Ok::<_, ValueError>(())
    })
    .await;
    match handle.unwrap().result() {
        Err(TaskError::Failed(summary)) => {
            assert!(summary.len() < 200, "{} bytes", summary.len());
            assert!(summary.contains("1 error"), "{summary}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Cosmetic
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_spawner_after_a_successful_group_is_not_cancelled() {
    let spawner = TaskGroup::run(async |tg| Ok::<_, ValueError>(tg.spawner()))
        .await
        .unwrap();
    assert!(!spawner.is_cancelled());
    assert!(spawner.cancelled().now_or_never().is_none());
    assert!(spawner.is_closed());
}

#[tokio::test]
async fn a_group_whose_run_future_was_dropped_is_cancelled() {
    let flag = Flag::default();
    let mut spawner = None;
    let run = TaskGroup::run(async |tg| {
        spawner = Some(tg.spawner());
        flag.set();
        std::future::pending::<()>().await;
        Ok::<_, ValueError>(())
    });
    assert!(run.now_or_never().is_none());
    assert!(flag.get());
    assert!(spawner.unwrap().is_cancelled());
}

// ---------------------------------------------------------------------------
// Provenance, kept in the group's registry rather than in each task
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_task_reusing_a_named_tasks_registry_slot_does_not_inherit_its_name() {
    let errors = TaskGroup::run(async |tg| {
        let named = tg.spawn_named("first", async { Ok::<_, ValueError>(()) });
        let _ = (&mut { named }).await; // ended: its slot is free again
        tg.spawn(async {
            yield_now().await;
            Err::<(), _>(ValueError(2))
        });
        Ok::<_, ValueError>(())
    })
    .await
    .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), None, "{origin}");
}

#[tokio::test(start_paused = true)]
async fn a_named_task_failing_in_the_grace_period_keeps_its_identity() {
    let mut id = None;
    let errors = TaskGroup::builder()
        .grace(ms(10))
        .run(async |tg| {
            let spawner = tg.spawner();
            let handle = tg.spawn_named("cleanup", async move {
                spawner.cancelled().await;
                Err::<(), _>(ValueError(3))
            });
            id = Some(handle.id());
            tg.cancel();
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), Some("cleanup"));
    assert_eq!(origin.task_id(), id);
}
