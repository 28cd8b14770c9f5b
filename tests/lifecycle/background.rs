//! `spawn_background`: cancelled once the body and every ordinary task are done.

use taskgroup::{CancelReason, TaskError, TaskGroup};
use tokio::time::{sleep, Instant};

use crate::common::{self, ms, Flag, HOUR};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn background_tasks_are_cancelled_once_the_work_is_done() {
    let start = Instant::now();
    let saw_reason = Flag::default();
    let (value, background) = TaskGroup::builder()
        .grace(HOUR)
        .run(async |tg| {
            let tg2 = tg.clone();
            let seen = saw_reason.clone();
            let background = tg.spawn_background(async move {
                tg2.cancelled().await;
                if tg2.cancel_reason() == Some(CancelReason::WorkDone) {
                    seen.set();
                }
                Ok::<_, Boom>("cleaned up")
            });
            tg.spawn(sleep(ms(30)));
            Ok::<_, Boom>((7, background))
        })
        .await
        .unwrap();
    assert_eq!(value, 7);
    assert!(saw_reason.get(), "the background task saw WorkDone");
    assert_eq!(background.result(), Ok("cleaned up"));
    let took = start.elapsed();
    assert!(
        took >= ms(30) && took < ms(40),
        "ended with the work: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn background_tasks_are_stopped_after_the_grace_period_and_that_is_not_an_error() {
    let start = Instant::now();
    let (group, background) = TaskGroup::builder()
        .grace(ms(50))
        .run(async |tg| {
            let background = tg.spawn_background(std::future::pending::<()>());
            tg.spawn(sleep(ms(10)));
            Ok::<_, Boom>((tg.spawner(), background))
        })
        .await
        .unwrap();
    assert_eq!(background.result(), Err(TaskError::Cancelled));
    assert_eq!(
        group.cancel_reason_of(&background),
        Some(CancelReason::WorkDone)
    );
    let took = start.elapsed();
    assert!(
        took >= ms(60) && took < ms(70),
        "work 10 ms, grace 50 ms: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn background_tasks_without_grace_stop_when_the_work_ends() {
    let start = Instant::now();
    TaskGroup::run(async |tg| {
        tg.spawn_background(sleep(HOUR));
        sleep(ms(5)).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
    assert!(start.elapsed() < ms(10));
}

#[tokio::test(start_paused = true)]
async fn a_background_task_s_error_counts_like_any_task_s() {
    let eg = TaskGroup::run(async |tg| {
        tg.spawn_background(async {
            sleep(ms(1)).await;
            Err::<(), _>(Boom)
        });
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"]);
}

#[tokio::test(start_paused = true)]
async fn a_background_task_failing_in_its_cleanup_fails_the_group() {
    let eg = TaskGroup::builder()
        .grace(HOUR)
        .run(async |tg| {
            let tg2 = tg.clone();
            tg.spawn_background(async move {
                tg2.cancelled().await;
                Err::<(), _>(Boom)
            });
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"]);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "background panic")]
async fn a_background_task_s_panic_resumes_in_the_caller() {
    common::quiet_expected_panics::<&str>();
    let _ = TaskGroup::run(async |tg| {
        tg.spawn_background(async {
            sleep(ms(1)).await;
            panic!("background panic");
        });
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_group_without_background_tasks_is_never_cancelled_by_finishing() {
    let spawner = TaskGroup::run(async |tg| {
        tg.spawn(sleep(ms(5)));
        Ok::<_, Boom>(tg.spawner())
    })
    .await
    .unwrap();
    assert!(!spawner.is_cancelled());
    assert_eq!(spawner.cancel_reason(), None);
}

#[tokio::test(start_paused = true)]
async fn background_tasks_that_ended_first_leave_the_group_uncancelled() {
    let spawner = TaskGroup::run(async |tg| {
        tg.spawn_background(sleep(ms(1)));
        sleep(ms(5)).await;
        Ok::<_, Boom>(tg.spawner())
    })
    .await
    .unwrap();
    assert!(!spawner.is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn background_tasks_run_while_tasks_spawned_by_tasks_still_run() {
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&ticks);
    TaskGroup::run(async |tg| {
        tg.spawn_background(async move {
            loop {
                sleep(ms(10)).await;
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let tg2 = tg.clone();
        tg.spawn(async move {
            sleep(ms(5)).await;
            tg2.spawn(sleep(ms(100))); // after the body ended
        });
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
    let ticks = ticks.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (10..=11).contains(&ticks),
        "ran through 105 ms of work: {ticks}"
    );
}

#[tokio::test(start_paused = true)]
async fn spawning_in_the_background_into_a_cancelling_group_is_refused() {
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |tg| {
            tg.cancel();
            let handle = tg.spawn_background(async { Ok::<_, Boom>(1) });
            assert!(matches!(handle.result(), Err(TaskError::NotSpawned(_))));
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_named_background_task_keeps_its_name() {
    TaskGroup::run(async |tg| {
        let handle = tg.spawn_background_named("heartbeat", sleep(HOUR));
        assert_eq!(handle.name(), Some("heartbeat"));
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_tasks_from_another_thread_end_with_the_work() {
    for _ in 0..200 {
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        TaskGroup::run(async |tg| {
            let spawner = tg.spawner();
            let thread = std::thread::spawn(move || {
                spawner.spawn_background(async { std::future::pending::<()>().await });
                let _ = done_tx.send(());
            });
            let _ = done_rx.await;
            thread.join().unwrap();
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    }
}
