//! Spawning into a closing group, and cooperative cancellation with a grace period.

use super::*;

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
