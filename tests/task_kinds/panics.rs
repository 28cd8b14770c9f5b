//! Panics resumed after everything stopped, and dropping the `run` future.

use super::*;

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
