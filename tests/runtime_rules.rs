//! Behaviour tests of the runtime's rules, one behaviour per test, each named after
//! the rule it pins (a number, then the rule in words), plus the bad-input cases:
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

// ---------------------------------------------------------------------------
// 3.1 Join on exit
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_1_join_on_exit_waits_for_grandchildren() {
    let done = Flag::default();
    let start = Instant::now();
    let result = TaskGroup::run(async |tg| {
        let (tg2, done) = (tg.clone(), done.clone());
        tg.spawn(async move {
            sleep(ms(10)).await;
            // The body has long returned: this grandchild must still be joined.
            tg2.spawn(async move {
                sleep(ms(100)).await;
                done.set();
            });
        });
        Ok::<_, ValueError>("body done")
    })
    .await;
    assert_eq!(result.unwrap(), "body done");
    assert!(done.get(), "run returned before the grandchild finished");
    assert!(start.elapsed() >= ms(110));
}

#[tokio::test(start_paused = true)]
async fn rule_3_1_join_on_exit_waits_for_every_task() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        for i in 0..10 {
            let guard = live.guard();
            tg.spawn(async move {
                sleep(ms(10 * i)).await;
                drop(guard);
            });
        }
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.is_ok());
    assert_eq!(live.alive(), 0, "a task outlived its group");
}

// ---------------------------------------------------------------------------
// 3.2 Spawn
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_tasks_run_in_parallel_on_a_multi_thread_runtime() {
    // Two tasks that block their threads until they meet can only finish if they run
    // at the same time on two worker threads.
    let result = TaskGroup::run(async |tg| {
        let (to_b, from_a) = std::sync::mpsc::channel();
        let (to_a, from_b) = std::sync::mpsc::channel();
        let a = tg.spawn(async move {
            to_b.send(()).map_err(|_| ValueError(1))?;
            // WATCHDOG only turns a deadlock (the tasks never overlap) into a
            // failure; two overlapping tasks meet at once.
            from_b.recv_timeout(WATCHDOG).map_err(|_| ValueError(1))
        });
        let b = tg.spawn(async move {
            to_a.send(()).map_err(|_| ValueError(2))?;
            from_a.recv_timeout(WATCHDOG).map_err(|_| ValueError(2))
        });
        Ok::<_, ValueError>((a, b))
    })
    .await;
    let (a, b) = result.expect("both tasks met");
    assert_eq!(a.result(), Ok(()));
    assert_eq!(b.result(), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn rule_3_2_infallible_tasks_are_easy_to_write() {
    let result = TaskGroup::run(async |tg| {
        let unit = tg.spawn(async {});
        let slept = tg.spawn(sleep(ms(1)));
        Ok::<_, ValueError>((unit, slept))
    })
    .await;
    let (unit, slept) = result.unwrap();
    assert_eq!(unit.result(), Ok(()));
    assert_eq!(slept.result(), Ok(()));
}

#[tokio::test]
async fn rule_3_2_any_boxable_error_fails_a_task() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(async { Err::<(), _>(ValueError(1)) });
            tg.spawn(async { Err::<(), BoxError>("a boxed string".into()) });
            tg.spawn(async { Err::<(), _>(std::io::Error::other("disk full")) });
            tg.spawn(async { Err::<(), _>(anyhow::anyhow!("an anyhow error")) });
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 4);
    let mut found = messages(&eg);
    found.sort();
    assert_eq!(
        found,
        [
            "a boxed string",
            "an anyhow error",
            "disk full",
            "value error 1"
        ]
    );
    assert!(eg.iter().any(|e| e.is::<ValueError>()));
    assert!(eg.iter().any(|e| e.is::<std::io::Error>()));
}

// anyhow boxes the errors it carries in a private type; the `anyhow` feature unwraps
// them, so task and body errors still downcast to (and except* arms still match) the
// type they wrap.
#[cfg(feature = "anyhow")]
#[tokio::test(start_paused = true)]
async fn rule_3_2_anyhow_errors_downcast_to_the_type_they_wrap() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(async { Err::<(), _>(anyhow::Error::new(ValueError(1))) });
            sleep(ms(1)).await;
            Err::<(), _>(anyhow::Error::new(ValueError(2)))
        })
        .await;
    let eg = result.unwrap_err();
    let errors: Vec<_> = eg
        .iter()
        .map(|e| e.downcast_ref::<ValueError>().cloned())
        .collect();
    assert_eq!(errors, [Some(ValueError(1)), Some(ValueError(2))]);
}

#[tokio::test]
async fn rule_3_2_spawn_named_names_the_handle() {
    let result = TaskGroup::run(async |tg| {
        let named = tg.spawn_named("fetch", async {});
        let owned = tg.spawn_named(String::from("owned"), async {});
        let plain = tg.spawn(async {});
        Ok::<_, ValueError>((named, owned, plain))
    })
    .await;
    let (named, owned, plain) = result.unwrap();
    assert_eq!(named.name(), Some("fetch"));
    assert_eq!(owned.name(), Some("owned"));
    assert_eq!(plain.name(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawner_spawns_from_another_os_thread() {
    let result = TaskGroup::run(async |tg| {
        let spawner = tg.spawner();
        let thread = std::thread::spawn(move || {
            (0..4u32)
                .map(|i| {
                    spawner.spawn(async move {
                        sleep(ms(1)).await;
                        Ok::<_, ValueError>(i * 10)
                    })
                })
                .collect::<Vec<_>>()
        });
        let handles = thread.join().expect("the spawning thread does not panic");
        let mut total = 0;
        for handle in handles {
            total += handle.await?;
        }
        Ok::<_, TaskError>(total)
    })
    .await;
    assert_eq!(result.unwrap(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawner_on_another_thread_keeps_the_group_open_while_tasks_run() {
    // The body has finished; a task still runs, so a thread may still spawn, and the
    // group joins what it spawned (spawning is allowed until nothing is left).
    let spawned = Arc::new(Mutex::new(None));
    let ran = Flag::default();
    let result = TaskGroup::run(async |tg| {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
        // Dropped with the body's other locals as the body returns: the thread
        // spawns only then (it used to sleep 20 ms and hope the body was done).
        let (body_done, body_returned) = std::sync::mpsc::channel::<()>();
        let (spawner, spawned, ran) = (tg.spawner(), Arc::clone(&spawned), ran.clone());
        tg.spawn(async move {
            // Holds the group open until the thread below has spawned.
            let _ = ready_rx.await;
        });
        std::thread::spawn(move || {
            // Err once `body_done` is dropped, as no message is ever sent.
            assert!(body_returned.recv().is_err());
            let handle = spawner.spawn(async move {
                sleep(ms(20)).await;
                ran.set();
                Ok::<_, ValueError>(5)
            });
            *spawned.lock().unwrap() = Some(handle);
            let _ = ready_tx.send(());
        });
        let _body_done = body_done;
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.is_ok());
    assert!(ran.get(), "run returned before the thread's task finished");
    let handle = spawned.lock().unwrap().take().unwrap();
    assert_eq!(handle.result(), Ok(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_runs_on_the_blocking_pool() {
    let result = TaskGroup::run(async |tg| {
        let value = tg.spawn_blocking(|| {
            std::thread::sleep(ms(5));
            Ok::<_, ValueError>(41 + 1)
        });
        let unit = tg.spawn_blocking(|| {});
        let value = value.await?;
        unit.await?;
        Ok::<_, TaskError>(value)
    })
    .await;
    assert_eq!(result.unwrap(), 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_error_fails_the_group() {
    let result = TaskGroup::run(async |tg| {
        let failing = tg.spawn_blocking(|| Err::<(), _>(ValueError(3)));
        Ok::<_, ValueError>(failing)
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_panic_resumes_in_the_caller() {
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        tg.spawn_blocking(|| -> () { std::panic::panic_any(Payload(9)) });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the blocking task's panic resumes");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(9)));
}

// ---------------------------------------------------------------------------
// 3.3 Task handles
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_3_awaiting_a_handle_gives_its_value() {
    let result = TaskGroup::run(async |tg| {
        let handle = tg.spawn(async {
            sleep(ms(10)).await;
            Ok::<_, ValueError>(42)
        });
        assert!(!handle.is_finished());
        let value = handle.await?;
        Ok::<_, TaskError>(value)
    })
    .await;
    assert_eq!(result.unwrap(), 42);
}

#[tokio::test(start_paused = true)]
async fn rule_3_3_cancel_through_the_handle() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        let guard = live.guard();
        let mut handle = tg.spawn(async move {
            let _guard = guard;
            sleep(HOUR).await;
            Ok::<_, ValueError>(1)
        });
        sleep(ms(10)).await;
        handle.cancel();
        let outcome = (&mut handle).await;
        Ok::<_, ValueError>((outcome, handle))
    })
    .await;
    let (outcome, handle) = result.unwrap();
    assert_eq!(outcome, Err(TaskError::Cancelled));
    assert!(handle.is_finished());
    assert!(handle.is_cancelled());
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_3_cancel_after_finish_has_no_effect() {
    let result = TaskGroup::run(async |tg| {
        let handle = tg.spawn(async { Ok::<_, ValueError>(5) });
        sleep(ms(1)).await;
        assert!(handle.is_finished());
        handle.cancel();
        Ok::<_, ValueError>(handle)
    })
    .await;
    let handle = result.unwrap();
    assert!(!handle.is_cancelled());
    assert_eq!(handle.result(), Ok(5));
}

#[tokio::test]
async fn rule_3_3_ids_are_unique() {
    let result = TaskGroup::run(async |tg| {
        Ok::<_, ValueError>(
            (0..100)
                .map(|_| tg.spawn(async {}).id())
                .collect::<Vec<_>>(),
        )
    })
    .await;
    let mut ids = result.unwrap();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100);
}

#[tokio::test(start_paused = true)]
async fn rule_3_3_result_before_the_task_finished_is_pending() {
    let result = TaskGroup::run(async |tg| {
        let handle = tg.spawn(async {
            sleep(ms(10)).await;
            Ok::<_, ValueError>(1)
        });
        let early = handle.result();
        Ok::<_, ValueError>((early, handle))
    })
    .await;
    let (early, handle) = result.unwrap();
    assert_eq!(early, Err(TaskError::Pending));
    // Asking early did not lose the value.
    assert_eq!(handle.result(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn rule_3_3_failed_task_handle_gives_failed() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            let handle = tg.spawn(fail_after(ms(1), 4));
            Ok::<_, ValueError>(handle.await)
        })
        .await;
    // The body itself finished, but the task's error is still in the group.
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 4"]);
}

#[tokio::test(start_paused = true)]
async fn bad_input_handle_awaited_twice_gives_already_taken() {
    let result = TaskGroup::run(async |tg| {
        let mut handle = tg.spawn(async { Ok::<_, ValueError>(3) });
        let first = (&mut handle).await;
        let second = (&mut handle).await;
        Ok::<_, ValueError>((first, second, handle))
    })
    .await;
    let (first, second, handle) = result.unwrap();
    assert_eq!(first, Ok(3));
    assert_eq!(second, Err(TaskError::AlreadyTaken));
    assert_eq!(handle.result(), Err(TaskError::AlreadyTaken));
}

#[tokio::test(start_paused = true)]
async fn bad_input_dropped_await_keeps_the_value_in_the_handle() {
    let result = TaskGroup::run(async |tg| {
        let mut handle = tg.spawn(async {
            sleep(ms(20)).await;
            Ok::<_, ValueError>(8)
        });
        // An await cut short by a timeout must not lose the value (cancel safety).
        let cut = tokio::time::timeout(ms(5), &mut handle).await;
        assert!(cut.is_err());
        Ok::<_, ValueError>(handle.await)
    })
    .await;
    assert_eq!(result.unwrap(), Ok(8));
}

#[tokio::test(start_paused = true)]
async fn bad_input_result_on_every_handle_after_run_returned() {
    let mut handles = None;
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            let ok = tg.spawn(async { Ok::<_, ValueError>(1) });
            let failed = tg.spawn(async { Err::<u32, _>(ValueError(2)) });
            let by_handle = tg.spawn(async {
                sleep(HOUR).await;
                Ok::<u32, ValueError>(3)
            });
            let by_group = tg.spawn(async {
                sleep(HOUR).await;
                Ok::<u32, ValueError>(4)
            });
            by_handle.cancel();
            sleep(ms(10)).await;
            tg.cancel();
            let refused = tg.spawn(async { Ok::<u32, ValueError>(5) });
            // The body borrows `handles` from the test function.
            handles = Some([ok, failed, by_handle, by_group, refused]);
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 2"]);
    let [ok, failed, by_handle, by_group, refused] = handles.unwrap();
    for handle in [&ok, &failed, &by_handle, &by_group, &refused] {
        assert!(handle.is_finished());
    }
    assert_eq!(ok.result(), Ok(1));
    assert_eq!(
        failed.result(),
        Err(TaskError::Failed("value error 2".into()))
    );
    assert_eq!(by_handle.result(), Err(TaskError::Cancelled));
    assert_eq!(by_group.result(), Err(TaskError::Cancelled));
    assert_eq!(
        refused.result(),
        Err(TaskError::NotSpawned(SpawnRefused::ShuttingDown))
    );
    assert_eq!(ok.result(), Err(TaskError::AlreadyTaken));
}

// ---------------------------------------------------------------------------
// 3.4 Fail fast
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_4_fail_fast_cancels_siblings_and_body() {
    let live = Live::default();
    let reached = Flag::default();
    let mut sibling = None;
    let start = Instant::now();
    let result = TaskGroup::run(async |tg| {
        tg.spawn(fail_after(ms(10), 1));
        let (guard, reached_in_task) = (live.guard(), reached.clone());
        sibling = Some(tg.spawn(async move {
            let _guard = guard;
            sleep(HOUR).await;
            reached_in_task.set();
        }));
        let _guard = live.guard();
        sleep(HOUR).await;
        reached.set();
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 1"]);
    assert!(!reached.get(), "a sibling or the body ran past the failure");
    assert_eq!(live.alive(), 0);
    assert!(sibling.unwrap().is_cancelled());
    assert!(start.elapsed() < ms(20));
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_body_error_cancels_tasks() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        for _ in 0..3 {
            tg.spawn(live.sleeper(HOUR));
        }
        sleep(ms(5)).await;
        Err::<(), _>(ValueError(1))
    })
    .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_errors_in_completion_order_body_last() {
    // With a grace period the cancelled body and tasks can still fail; the body
    // fails first in time, yet its error comes last.
    let result = TaskGroup::builder()
        .grace(Duration::from_secs(1))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            let tg2 = tg.clone();
            tg.spawn(async move {
                tg2.cancelled().await;
                sleep(ms(5)).await;
                Err::<(), _>(ValueError(2))
            });
            let tg3 = tg.clone();
            tg.spawn(async move {
                tg3.cancelled().await;
                sleep(ms(8)).await;
                Err::<(), _>(ValueError(3))
            });
            tg.cancelled().await;
            Err::<(), _>(ValueError(99))
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(
        messages(&eg),
        [
            "value error 1",
            "value error 2",
            "value error 3",
            "value error 99"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_errors_racing_the_cancellation_are_all_kept() {
    // Three tasks fail at the same instant: how many land depends on scheduling, but
    // at least the first does and none is duplicated.
    let result = TaskGroup::run(async |tg| {
        for n in 0..3 {
            tg.spawn(fail_after(ms(10), n));
        }
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert!((1..=3).contains(&eg.len()));
    assert!(eg.iter().all(|e| e.is::<ValueError>()));
    let mut found = messages(&eg);
    // Sorted first: `dedup` only drops adjacent repeats, so a duplicate with
    // another error between the two copies used to pass.
    found.sort();
    found.dedup();
    assert_eq!(found.len(), eg.len(), "an error appears twice");
}

// ---------------------------------------------------------------------------
// 3.5 Cancellation is not an error
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_5_cancellation_is_not_an_error() {
    let result = TaskGroup::run(async |tg| {
        let handles: Vec<_> = (0..5)
            .map(|_| {
                tg.spawn(async {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
            })
            .collect();
        sleep(ms(1)).await;
        for handle in &handles {
            handle.cancel();
        }
        Ok::<_, ValueError>(handles)
    })
    .await;
    let handles = result.expect("cancelled tasks add nothing to the group");
    assert!(handles.iter().all(|h| h.is_cancelled()));
}

#[tokio::test(start_paused = true)]
async fn rule_3_5_tasks_cancelled_by_the_group_add_nothing() {
    let result = TaskGroup::run(async |tg| {
        for _ in 0..5 {
            tg.spawn(sleep(HOUR));
        }
        tg.spawn(fail_after(ms(1), 1));
        Ok::<_, ValueError>(())
    })
    .await;
    assert_eq!(result.unwrap_err().len(), 1);
}

// ---------------------------------------------------------------------------
// 3.6 Always a group
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rule_3_6_single_error_is_still_a_group() {
    let result = TaskGroup::run(async |_tg| Err::<(), _>(ValueError(1))).await;
    let eg = result.unwrap_err();
    assert_eq!(eg.message(), TASK_GROUP_MESSAGE);
    assert_eq!(eg.message(), "unhandled errors in a task group");
    assert_eq!(eg.len(), 1);
    assert!(matches!(&eg.children()[0], Node::Leaf(leaf) if leaf.error().is::<ValueError>()));
}

#[tokio::test]
async fn rule_3_6_single_task_error_is_still_a_group() {
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async { Err::<(), _>(ValueError(1)) });
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.message(), TASK_GROUP_MESSAGE);
    assert_eq!(eg.children().len(), 1);
}

#[tokio::test]
async fn rule_3_6_nested_groups_nest() {
    // An inner group's error, returned by the body, is one child of the outer group.
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async {
            let inner = TaskGroup::run(async |tg| {
                tg.spawn(async { Err::<(), _>(ValueError(1)) });
                tg.spawn(async { Err::<(), _>(ValueError(2)) });
                Ok::<_, ValueError>(())
            })
            .await;
            inner
        });
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.children().len(), 1);
    let Node::Group(inner) = &eg.children()[0] else {
        panic!("the inner group was flattened: {eg:?}");
    };
    assert_eq!(inner.message(), TASK_GROUP_MESSAGE);
    assert!((1..=2).contains(&inner.len()));
    assert!(inner.iter().all(|e| e.is::<ValueError>()));
}

#[tokio::test]
async fn rule_3_6_nested_group_from_the_body_nests() {
    let result = TaskGroup::run(async |_tg| {
        TaskGroup::run(async |_tg| Err::<(), _>(ValueError(1))).await?;
        Ok::<_, ErrorGroup>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    let Node::Group(inner) = &eg.children()[0] else {
        panic!("the inner group was flattened: {eg:?}");
    };
    assert_eq!(messages(inner), ["value error 1"]);
}

// ---------------------------------------------------------------------------
// 3.7 Panics
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_7_panic_resumes_with_original_payload_after_cancelling() {
    let live = Live::default();
    let mut panicked = None;
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        for _ in 0..3 {
            tg.spawn(live.sleeper(HOUR));
        }
        panicked = Some(tg.spawn(panic_after(ms(10), Payload(7))));
        let _guard = live.guard();
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the task's panic resumes in the caller");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
    // Everything was cancelled and awaited before the unwind resumed.
    assert_eq!(live.alive(), 0);
    assert_eq!(panicked.unwrap().result(), Err(TaskError::Panicked));
}

#[tokio::test(start_paused = true)]
async fn rule_3_7_body_panic_resumes_after_cancelling_tasks() {
    let live = Live::default();
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        tg.spawn(live.sleeper(HOUR));
        sleep(ms(5)).await;
        panic!("body boom");
        #[allow(unreachable_code)]
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the body's panic resumes in the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body boom"));
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_7_panic_wins_over_collected_errors() {
    // The error collected before the panic is reported on stderr, not returned.
    let outcome = AssertUnwindSafe(TaskGroup::builder().grace(Duration::from_secs(1)).run(
        async |tg| {
            tg.spawn(fail_after(ms(1), 1));
            tg.cancelled().await;
            std::panic::panic_any(Payload(3));
            #[allow(unreachable_code)]
            Ok::<_, ValueError>(())
        },
    ))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("a panic is never swallowed into a group");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(3)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_7_panic_through_tokio_spawn_keeps_its_payload() {
    let join = tokio::spawn(TaskGroup::run(async |tg| {
        tg.spawn(panic_after(Duration::ZERO, Payload(11)));
        tg.spawn(sleep(HOUR));
        Ok::<_, ValueError>(())
    }));
    let error = join.await.expect_err("the group's task panicked");
    assert!(error.is_panic());
    let payload = error.into_panic();
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(11)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_panicking_task_never_takes_the_runtime_down() {
    for round in 0..3 {
        let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
            for i in 0..4u32 {
                tg.spawn(async move {
                    if i == 2 {
                        panic!("task {i} panicked");
                    }
                    sleep(HOUR).await;
                });
            }
            Ok::<_, ValueError>(())
        }))
        .catch_unwind()
        .await;
        assert!(outcome.is_err(), "round {round}: the panic resumed");
    }
    // The runtime still runs tasks and groups.
    let result = TaskGroup::run(async |tg| {
        let handle = tg.spawn(async { Ok::<_, ValueError>(1) });
        Ok::<_, TaskError>(handle.await? + tokio::spawn(async { 1 }).await.unwrap())
    })
    .await;
    assert_eq!(result.unwrap(), 2);
}

// ---------------------------------------------------------------------------
// 3.8 Drop
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_8_dropping_run_aborts_tasks() {
    let live = Live::default();
    let spawner = Arc::new(Mutex::new(None));
    let run = TaskGroup::builder().limit(2).run(async |tg| {
        *spawner.lock().unwrap() = Some(tg.spawner());
        // Running tasks, tasks waiting for a permit, and a grandchild.
        for _ in 0..4 {
            tg.spawn(live.sleeper(HOUR));
        }
        let (tg2, guard) = (tg.clone(), live.guard());
        let grandchild_guard = live.guard();
        tg.spawn(async move {
            let _guard = guard;
            tg2.spawn(async move {
                let _guard = grandchild_guard;
                sleep(HOUR).await;
            });
            sleep(HOUR).await;
        });
        let _guard = live.guard();
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    });
    assert!(tokio::time::timeout(ms(10), run).await.is_err());
    settle().await;
    assert_eq!(live.alive(), 0, "a task future outlived the dropped group");
    let spawner = spawner.lock().unwrap().take().unwrap();
    assert!(spawner.is_closed());
    let refused = spawner.try_spawn(async {}).unwrap_err();
    assert_eq!(refused.reason, SpawnRefused::Finished);
}

#[tokio::test(start_paused = true)]
async fn rule_3_8_dropping_run_skips_the_grace_period() {
    // Rust has no async drop: a dropped group cannot wait for cleanup, so a grace
    // period does not apply.
    let live = Live::default();
    let cleaned_up = Flag::default();
    let run = TaskGroup::builder().grace(HOUR).run(async |tg| {
        let (guard, tg2, cleaned_up) = (live.guard(), tg.clone(), cleaned_up.clone());
        tg.spawn(async move {
            let _guard = guard;
            tg2.cancelled().await;
            sleep(ms(1)).await;
            cleaned_up.set();
        });
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    });
    assert!(tokio::time::timeout(ms(10), run).await.is_err());
    settle().await;
    assert_eq!(live.alive(), 0);
    assert!(!cleaned_up.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_8_dropping_an_unpolled_run_runs_nothing() {
    let ran = Flag::default();
    let run = TaskGroup::run(async |_tg| {
        ran.set();
        Ok::<_, ValueError>(())
    });
    drop(run);
    assert!(!ran.get());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_8_aborting_the_runner_task_aborts_the_group() {
    // Python's `r.cancel()` on the task running the group (test_cancellation).
    let live = Live::default();
    let started = Arc::new(tokio::sync::Barrier::new(6));
    let (live2, started2) = (live.clone(), Arc::clone(&started));
    let runner = tokio::spawn(TaskGroup::run(async move |tg| {
        for _ in 0..5 {
            let (guard, started) = (live2.guard(), Arc::clone(&started2));
            tg.spawn(async move {
                let _guard = guard;
                started.wait().await;
                sleep(HOUR).await;
            });
        }
        Ok::<_, ValueError>(())
    }));
    started.wait().await;
    runner.abort();
    assert!(runner.await.unwrap_err().is_cancelled());
    // Aborted tasks stop at their next poll, on the worker threads: wait for the
    // last guard's drop (it used to poll `alive()` every 5 ms for at most 1 s).
    live.none_left().await;
    assert_eq!(live.alive(), 0);
}

// ---------------------------------------------------------------------------
// 3.9 Spawn when closing
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_9_spawn_into_closing_group_is_refused() {
    let polled = Flag::default();
    let result = TaskGroup::builder()
        .grace(Duration::from_secs(1))
        .run(async |tg| {
            assert!(!tg.is_closed());
            tg.cancel();
            assert!(tg.is_closed());
            // try_spawn hands the future back, never polled.
            let refused = tg
                .try_spawn(PollProbe {
                    polled: polled.clone(),
                })
                .unwrap_err();
            assert_eq!(refused.reason, SpawnRefused::ShuttingDown);
            assert!(!polled.get());
            assert_eq!(refused.future.await, Ok(7));
            // spawn gives a handle that says why it never ran.
            let handle = tg.spawn(async { Ok::<_, ValueError>(1) });
            assert!(handle.is_finished());
            assert_eq!(
                handle.await,
                Err(TaskError::NotSpawned(SpawnRefused::ShuttingDown))
            );
            let named = tg.spawn_named("late", async {});
            assert_eq!(
                named.result(),
                Err(TaskError::NotSpawned(SpawnRefused::ShuttingDown))
            );
            let blocking = tg.spawn_blocking(|| {});
            assert_eq!(
                blocking.result(),
                Err(TaskError::NotSpawned(SpawnRefused::ShuttingDown))
            );
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.is_ok());
}

#[tokio::test]
async fn rule_3_9_spawner_after_finish_is_refused_as_finished() {
    let spawner = TaskGroup::run(async |tg| Ok::<_, ValueError>(tg.spawner()))
        .await
        .unwrap();
    assert!(spawner.is_closed());
    let polled = Flag::default();
    let refused = spawner
        .try_spawn(PollProbe {
            polled: polled.clone(),
        })
        .unwrap_err();
    assert_eq!(refused.reason, SpawnRefused::Finished);
    assert!(!polled.get());
    assert_eq!(
        refused.to_string(),
        "cannot spawn: the task group has finished"
    );
    assert_eq!(
        spawner.spawn(async {}).result(),
        Err(TaskError::NotSpawned(SpawnRefused::Finished))
    );
    assert_eq!(
        spawner.spawn_blocking(|| {}).result(),
        Err(TaskError::NotSpawned(SpawnRefused::Finished))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_spawner_used_from_a_thread_after_the_group_finished() {
    let spawner = TaskGroup::run(async |tg| Ok::<_, ValueError>(tg.spawner()))
        .await
        .unwrap();
    let outcome =
        std::thread::spawn(move || spawner.spawn(async { Ok::<_, ValueError>(1) }).result())
            .join()
            .unwrap();
    assert_eq!(outcome, Err(TaskError::NotSpawned(SpawnRefused::Finished)));
}

#[tokio::test(start_paused = true)]
async fn rule_3_9_spawn_after_a_failure_is_refused() {
    let late = Arc::new(Mutex::new(None));
    let result = TaskGroup::builder()
        .grace(Duration::from_secs(1))
        .run(async |tg| {
            tg.spawn(fail_after(ms(1), 1));
            let (tg2, late) = (tg.clone(), Arc::clone(&late));
            tg.spawn(async move {
                tg2.cancelled().await;
                *late.lock().unwrap() = Some(tg2.try_spawn(fail_after(ms(1), 2)).is_err());
            });
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert_eq!(*late.lock().unwrap(), Some(true));
}

// ---------------------------------------------------------------------------
// 3.10 Cooperative cancellation and grace
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_10_grace_period_collects_cleanup_errors() {
    let start = Instant::now();
    let result = TaskGroup::builder()
        .grace(ms(100))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            for name in ["a", "b"] {
                let tg2 = tg.clone();
                tg.spawn(async move {
                    tokio::select! {
                        () = sleep(HOUR) => Ok(()),
                        () = tg2.cancelled() => Err(CleanupError(name)),
                    }
                });
            }
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 3);
    assert!(eg.iter().next().unwrap().is::<ValueError>());
    assert_eq!(eg.iter().filter(|e| e.is::<CleanupError>()).count(), 2);
    // Everyone stopped on their own: the group did not sit out the grace period.
    assert!(start.elapsed() < ms(100));
}

#[tokio::test(start_paused = true)]
async fn rule_3_10_grace_period_with_no_cooperative_listener() {
    let live = Live::default();
    let start = Instant::now();
    let result = TaskGroup::builder()
        .grace(ms(50))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            tg.spawn(live.sleeper(HOUR));
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert_eq!(live.alive(), 0);
    // Waited for the grace period, then aborted the task that ignored it.
    let elapsed = start.elapsed();
    assert!(elapsed >= ms(60) && elapsed < ms(100), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn rule_3_10_body_that_ignores_cancellation_is_dropped_after_grace() {
    let reached = Flag::default();
    let result = TaskGroup::builder()
        .grace(ms(50))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            sleep(HOUR).await;
            reached.set();
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert!(!reached.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_10_cancelled_and_is_cancelled_observe_the_group() {
    let observed = Flag::default();
    let result = TaskGroup::builder()
        .grace(ms(50))
        .run(async |tg| {
            let (tg2, observed) = (tg.clone(), observed.clone());
            tg.spawn(async move {
                assert!(!tg2.is_cancelled());
                tg2.cancelled().await;
                assert!(tg2.is_cancelled());
                observed.set();
            });
            sleep(ms(5)).await;
            tg.cancel();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.is_ok());
    assert!(observed.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_10_without_grace_cancelled_tasks_are_dropped_at_once() {
    let cleaned_up = Flag::default();
    let result = TaskGroup::run(async |tg| {
        let (tg2, cleaned_up) = (tg.clone(), cleaned_up.clone());
        tg.spawn(async move {
            tg2.cancelled().await;
            sleep(ms(1)).await;
            cleaned_up.set();
        });
        tg.spawn(fail_after(ms(10), 1));
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.is_err());
    assert!(!cleaned_up.get());
}

// ---------------------------------------------------------------------------
// 3.11 Timeouts
// ---------------------------------------------------------------------------

/// The `Timeout` leaves at the top level of `eg`.
fn top_level_timeouts(eg: &ErrorGroup) -> Vec<Timeout> {
    eg.children()
        .iter()
        .filter_map(|child| match child {
            Node::Leaf(leaf) => leaf.error().downcast_ref::<Timeout>().copied(),
            Node::Group(_) => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_timeout_adds_timeout_leaf() {
    let live = Live::default();
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(ms(50))
        .run(async |tg| {
            tg.spawn(live.sleeper(HOUR));
            let _guard = live.guard();
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    let timeout = top_level_timeouts(&eg)[0];
    assert_eq!(timeout.after(), Some(ms(50)));
    assert_eq!(timeout.to_string(), "task group timed out after 50ms");
    assert_eq!(live.alive(), 0);
    assert_eq!(start.elapsed(), ms(50));
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_deadline_adds_timeout_leaf() {
    let result = TaskGroup::builder()
        .deadline(Instant::now() + ms(30))
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let timeout = top_level_timeouts(&result.unwrap_err())[0];
    assert_eq!(timeout.after(), None);
    assert_eq!(timeout.to_string(), "task group deadline expired");
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_earlier_of_timeout_and_deadline_applies() {
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(HOUR)
        .deadline(Instant::now() + ms(30))
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(top_level_timeouts(&result.unwrap_err())[0].after(), None);
    assert_eq!(start.elapsed(), ms(30));

    let result = TaskGroup::builder()
        .timeout(ms(20))
        .deadline(Instant::now() + HOUR)
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(
        top_level_timeouts(&result.unwrap_err())[0].after(),
        Some(ms(20))
    );
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_no_expiry_passes_the_value_through() {
    let result = TaskGroup::builder()
        .timeout(Duration::from_secs(10))
        .run(async |tg| {
            tg.spawn(sleep(ms(10)));
            sleep(ms(10)).await;
            Ok::<_, ValueError>(5)
        })
        .await;
    assert_eq!(result.unwrap(), 5);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_timeout_comes_after_earlier_errors() {
    let result = TaskGroup::builder()
        .supervise()
        .timeout(ms(50))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 2);
    let mut errors = eg.iter();
    assert!(errors.next().unwrap().is::<ValueError>());
    assert!(errors.next().unwrap().is::<Timeout>());
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_outermost_expired_deadline_wins() {
    // Both deadlines expire at the same instant: the outer group reports the
    // timeout, the inner group is cancelled and reports nothing.
    let after_inner = Flag::default();
    let deadline = Instant::now() + ms(10);
    let result = TaskGroup::builder()
        .deadline(deadline)
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .deadline(deadline)
                .run(async |_tg| {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
                .await;
            after_inner.set();
            inner
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    assert_eq!(top_level_timeouts(&eg).len(), 1, "{eg:?}");
    assert!(!after_inner.get(), "the inner group converted the timeout");
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_outermost_expired_deadline_wins_for_groups_in_tasks() {
    let after_inner = Flag::default();
    let result = TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            let after_inner = after_inner.clone();
            tg.spawn(async move {
                let inner = TaskGroup::builder()
                    .timeout(ms(10))
                    .run(async |_tg| {
                        sleep(HOUR).await;
                        Ok::<_, ValueError>(())
                    })
                    .await;
                after_inner.set();
                inner
            });
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.children().len(), 1, "{eg:?}");
    assert_eq!(top_level_timeouts(&eg).len(), 1);
    assert!(!after_inner.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_inner_timeout_expiring_alone_is_the_inner_groups() {
    let inner_result = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(ms(50))
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(ms(10))
                .run(async |_tg| {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
                .await;
            *inner_result.lock().unwrap() = Some((inner, start.elapsed()));
            // The outer body carries on until its own timeout.
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let outer = top_level_timeouts(&result.unwrap_err());
    assert_eq!(outer[0].after(), Some(ms(50)));
    let (inner, at) = inner_result.lock().unwrap().take().unwrap();
    assert_eq!(
        top_level_timeouts(&inner.unwrap_err())[0].after(),
        Some(ms(10))
    );
    assert_eq!(at, ms(10));
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_zero_timeout_runs_the_body_up_to_its_first_await() {
    let (before, after) = (Flag::default(), Flag::default());
    let result = TaskGroup::builder()
        .timeout(Duration::ZERO)
        .run(async |_tg| {
            before.set();
            yield_now().await;
            after.set();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(before.get(), "code before the first await runs (E4)");
    assert!(!after.get(), "the timeout fires at the first await (E4)");
    assert_eq!(top_level_timeouts(&result.unwrap_err()).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_past_deadline_runs_the_body_up_to_its_first_await() {
    let now = Instant::now();
    let past = now.checked_sub(Duration::from_secs(11)).unwrap_or(now);
    let (before, after) = (Flag::default(), Flag::default());
    let result = TaskGroup::builder()
        .deadline(past)
        .run(async |_tg| {
            before.set();
            yield_now().await;
            after.set();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(before.get());
    assert!(!after.get());
    assert_eq!(top_level_timeouts(&result.unwrap_err()).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_zero_timeout_body_that_never_awaits_finishes() {
    // Nothing suspends, so there is no point at which to cancel (as in Python).
    let result = TaskGroup::builder()
        .timeout(Duration::ZERO)
        .run(async |_tg| Ok::<_, ValueError>(1))
        .await;
    assert_eq!(result.unwrap(), 1);
}

// ---------------------------------------------------------------------------
// 3.12 Group cancel
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_12_cancel_from_inside() {
    let live = Live::default();
    let reached = Flag::default();
    let result = TaskGroup::run(async |tg| {
        for _ in 0..3 {
            tg.spawn(live.sleeper(HOUR));
        }
        sleep(ms(5)).await;
        tg.cancel();
        // The body stops at its next await.
        yield_now().await;
        reached.set();
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    assert!(eg.iter().next().unwrap().is::<Cancelled>());
    assert!(!reached.get());
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_12_cancel_from_a_task_after_the_body_finished_returns_its_value() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        tg.spawn(live.sleeper(HOUR));
        let tg2 = tg.clone();
        tg.spawn(async move {
            sleep(ms(10)).await;
            tg2.cancel();
        });
        Ok::<_, ValueError>(7)
    })
    .await;
    assert_eq!(result.unwrap(), 7);
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_12_cancel_then_return_without_awaiting_keeps_the_value() {
    let result = TaskGroup::run(async |tg| {
        tg.spawn(sleep(HOUR));
        tg.cancel();
        Ok::<_, ValueError>("done")
    })
    .await;
    assert_eq!(result.unwrap(), "done");
}

#[tokio::test(start_paused = true)]
async fn rule_3_12_cancel_keeps_the_errors_already_collected() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(fail_after(ms(1), 1));
            sleep(ms(5)).await;
            tg.cancel();
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    // The task's error, and no `Cancelled` leaf: cancellation is not an error.
    assert_eq!(messages(&eg), ["value error 1"]);
}

#[tokio::test(start_paused = true)]
async fn rule_3_12_cancel_from_a_task_stops_the_body() {
    let result = TaskGroup::run(async |tg| {
        let tg2 = tg.clone();
        tg.spawn(async move {
            sleep(ms(10)).await;
            tg2.cancel();
        });
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.unwrap_err().contains::<Cancelled>());
}

// ---------------------------------------------------------------------------
// 3.13 Limit
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_13_limit_bounds_concurrency() {
    let concurrency = Concurrency::default();
    let start = Instant::now();
    let result = TaskGroup::builder()
        .limit(3)
        .run(async |tg| {
            let handles: Vec<_> = (0..20)
                .map(|i| {
                    let concurrency = concurrency.clone();
                    tg.spawn(async move {
                        concurrency.enter();
                        sleep(ms(10)).await;
                        concurrency.leave();
                        Ok::<_, ValueError>(i)
                    })
                })
                .collect();
            Ok::<_, ValueError>(handles)
        })
        .await;
    let handles = result.unwrap();
    assert!(
        concurrency.max() <= 3,
        "max concurrency {}",
        concurrency.max()
    );
    // On the paused clock all 20 are ready at once: the limit, and nothing else,
    // holds them back, so three run together.
    assert_eq!(concurrency.max(), 3, "the limit was not used up");
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.result(), Ok(i));
    }
    // At most three at a time: 20 tasks of 10 ms need at least 7 rounds, and
    // with three at a time exactly 7 (virtual time).
    let elapsed = start.elapsed();
    assert!(elapsed >= ms(70) && elapsed < ms(80), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_13_limit_bounds_concurrency_in_parallel() {
    // The thread sleeps below only make overlaps likely (each task holds its worker
    // or blocking thread a moment); the assertion, an upper bound, holds for every
    // interleaving.
    let concurrency = Concurrency::default();
    let result = TaskGroup::builder()
        .limit(2)
        .run(async |tg| {
            for _ in 0..16 {
                let concurrency = concurrency.clone();
                tg.spawn(async move {
                    concurrency.enter();
                    std::thread::sleep(ms(1));
                    yield_now().await;
                    concurrency.leave();
                });
            }
            for _ in 0..4 {
                let concurrency = concurrency.clone();
                tg.spawn_blocking(move || {
                    concurrency.enter();
                    std::thread::sleep(ms(2));
                    concurrency.leave();
                });
            }
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.is_ok());
    assert!(
        concurrency.max() <= 2,
        "max concurrency {}",
        concurrency.max()
    );
}

#[tokio::test(start_paused = true)]
async fn rule_3_13_tasks_waiting_their_turn_are_cancelled_on_failure() {
    let started = Arc::new(AtomicUsize::new(0));
    let live = Live::default();
    let result = TaskGroup::builder()
        .limit(1)
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            for _ in 0..5 {
                let (started, guard) = (Arc::clone(&started), live.guard());
                tg.spawn(async move {
                    let _guard = guard;
                    started.fetch_add(1, Ordering::SeqCst);
                    sleep(ms(10)).await;
                });
            }
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert_eq!(started.load(Ordering::SeqCst), 0);
    assert_eq!(live.alive(), 0);
}

#[tokio::test]
async fn bad_input_limit_zero_is_refused_without_running_the_body() {
    let ran = Flag::default();
    let result = TaskGroup::builder()
        .limit(0)
        .run(async |_tg| {
            ran.set();
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    let error = eg.iter().next().unwrap();
    assert_eq!(
        error.downcast_ref::<ConfigError>(),
        Some(&ConfigError::ZeroLimit)
    );
    assert!(!ran.get());
}

#[test]
fn bad_input_run_outside_a_runtime_is_a_config_error() {
    let result = futures::executor::block_on(TaskGroup::run(async |_tg| Ok::<_, ValueError>(())));
    let eg = result.unwrap_err();
    let error = eg.iter().next().unwrap();
    assert_eq!(
        error.downcast_ref::<ConfigError>(),
        Some(&ConfigError::NoRuntime)
    );
}

// ---------------------------------------------------------------------------
// 3.14 Supervise
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_14_supervise_does_not_cancel_siblings() {
    let body_finished = Flag::default();
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            let sibling = tg.spawn(async {
                sleep(ms(50)).await;
                Ok::<_, ValueError>(5)
            });
            tg.spawn(fail_after(ms(20), 2));
            sleep(ms(30)).await;
            assert!(!tg.is_cancelled());
            body_finished.set();
            Ok::<_, ValueError>(sibling)
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 1", "value error 2"]);
    assert!(body_finished.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_14_supervised_body_error_does_not_cancel_tasks() {
    let finished = Flag::default();
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            let finished = finished.clone();
            tg.spawn(async move {
                sleep(ms(20)).await;
                finished.set();
            });
            Err::<(), _>(ValueError(9))
        })
        .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 9"]);
    assert!(finished.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_14_supervised_group_still_cancels_on_timeout() {
    let live = Live::default();
    let result = TaskGroup::builder()
        .supervise()
        .timeout(ms(20))
        .run(async |tg| {
            tg.spawn(live.sleeper(HOUR));
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.unwrap_err().contains::<Timeout>());
    assert_eq!(live.alive(), 0);
}

// ---------------------------------------------------------------------------
// 3.15 Provenance
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rule_3_15_provenance_names_task_id_and_spawn_location() {
    let mut spawned = None;
    let result = TaskGroup::run(async |tg| {
        let line = line!() + 1;
        let handle = tg.spawn_named("fetch", fail_after(Duration::ZERO, 1));
        spawned = Some((line, handle.id()));
        Ok::<_, ValueError>(())
    })
    .await;
    let (line, id) = spawned.unwrap();
    let eg = result.unwrap_err();
    let leaf = eg.leaves().next().unwrap();
    let origin = leaf
        .origin()
        .expect("a task error knows where it came from");
    assert_eq!(origin.task_id(), Some(id));
    assert_eq!(origin.task_name(), Some("fetch"));
    assert_eq!(origin.location().file(), file!());
    assert_eq!(origin.location().line(), line);

    let shown = format!("{eg:?}");
    assert!(shown.contains(&format!("{}:{line}", file!())), "{shown}");
    assert!(shown.contains("\"fetch\""), "{shown}");
    assert!(shown.contains(&id.to_string()), "{shown}");
    assert!(origin.to_string().contains(&format!("{}:{line}", file!())));
}

#[tokio::test]
async fn rule_3_15_unnamed_and_blocking_tasks_keep_their_location() {
    let mut lines = Vec::new();
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            lines.push(line!() + 1);
            tg.spawn(fail_after(Duration::ZERO, 1));
            lines.push(line!() + 1);
            tg.try_spawn(fail_after(Duration::ZERO, 2)).unwrap();
            lines.push(line!() + 1);
            tg.spawn_blocking(|| Err::<(), _>(ValueError(3)));
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    let mut found: Vec<(String, u32)> = eg
        .leaves()
        .map(|leaf| {
            let origin = leaf.origin().unwrap();
            assert!(origin.task_id().is_some());
            assert_eq!(origin.task_name(), None);
            assert_eq!(origin.location().file(), file!());
            (leaf.error().to_string(), origin.location().line())
        })
        .collect();
    found.sort();
    let expected: Vec<(String, u32)> = (1..=3)
        .map(|n| (format!("value error {n}"), lines[n as usize - 1]))
        .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn rule_3_15_body_error_names_the_run_call() {
    let line = line!() + 1;
    let result = TaskGroup::run(async |_tg| Err::<(), _>(ValueError(1))).await;
    let eg = result.unwrap_err();
    let origin = eg.leaves().next().unwrap().origin().unwrap().clone();
    assert_eq!(origin.task_id(), None);
    assert_eq!(origin.location().file(), file!());
    assert_eq!(origin.location().line(), line);
    assert!(format!("{eg:?}").contains("in the group body run at"));
}

#[tokio::test(start_paused = true)]
async fn rule_3_15_timeout_leaf_names_the_group() {
    let (line, result) = (
        line!(),
        TaskGroup::builder()
            .timeout(ms(1))
            .run(async |_tg| {
                sleep(HOUR).await;
                Ok::<_, ValueError>(())
            })
            .await,
    );
    let eg = result.unwrap_err();
    let origin = eg.leaves().next().unwrap().origin().unwrap().clone();
    assert_eq!(origin.location().file(), file!());
    // `run` is on a later line of the same statement.
    assert!(origin.location().line() > line);
}
