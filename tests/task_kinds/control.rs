//! Group cancel, limits, supervision and provenance.

use super::*;

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
