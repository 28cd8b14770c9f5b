//! The rules of a task group, each written once and run for spawned tasks,
//! scoped tasks and local scoped tasks (`for_each_kind!`): join on exit, fail
//! fast, errors with provenance, panics, timeouts, handles.

use super::*;

for_each_kind! {
    /// `run` completes only once every task is finished.
    #[tokio::test(start_paused = true)]
    async fn join_on_exit_waits_for_every_task<K>() {
        let finished = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let result = K::run(TaskGroup::builder(), async |tg| {
            for n in 1..=3u64 {
                let finished = Arc::clone(&finished);
                K::spawn(&tg, async move {
                    sleep(ms(10 * n)).await;
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
            Ok::<_, ValueError>("body done")
        })
        .await;
        assert_eq!(result.unwrap(), "body done");
        assert_eq!(finished.load(Ordering::SeqCst), 3);
        assert!(start.elapsed() >= ms(30));
    }

    /// The first error cancels every other task and the body; nothing they
    /// owned is still alive once `run` returns.
    #[tokio::test(start_paused = true)]
    async fn fail_fast_cancels_siblings_and_body<K>() {
        let live = Live::default();
        let body_reached_end = Flag::default();
        let start = Instant::now();
        let result = K::run(TaskGroup::builder(), async |tg| {
            let sibling = K::spawn(&tg, live.sleeper(HOUR));
            K::spawn(&tg, fail_after(ms(10), 1));
            sleep(HOUR).await;
            body_reached_end.set();
            Ok::<_, ValueError>(sibling)
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(messages(&errors), ["value error 1"]);
        assert!(start.elapsed() < HOUR);
        assert!(!body_reached_end.get());
        assert_eq!(live.alive(), 0, "a sibling outlived its group");
    }

    /// Errors come in completion order, the body's last, each with the task
    /// it came from (name, id) and the spawn call's location.
    #[tokio::test(start_paused = true)]
    async fn errors_carry_provenance_in_completion_order<K>() {
        let mut ids = Vec::new();
        let result = K::run(TaskGroup::builder().supervise(), async |tg| {
            ids.push(K::spawn_named(&tg, "second", fail_after(ms(20), 2)).id());
            ids.push(K::spawn(&tg, fail_after(ms(10), 1)).id());
            sleep(ms(30)).await;
            Err::<(), _>(ValueError(3))
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(messages(&errors), ["value error 1", "value error 2", "value error 3"]);
        let origins: Vec<_> = errors.leaves().map(|leaf| leaf.origin().unwrap().clone()).collect();
        assert_eq!(origins[0].task_id(), Some(ids[1]));
        assert_eq!(origins[0].task_name(), None);
        assert_eq!(origins[1].task_id(), Some(ids[0]));
        assert_eq!(origins[1].task_name(), Some("second"));
        assert_eq!(origins[2].task_id(), None, "the body's error has no task");
        for origin in &origins {
            assert!(origin.location().file().ends_with("kinds.rs"), "{origin}");
        }
    }

    /// A panic cancels everything else, waits for it, then resumes with the
    /// original payload.
    #[tokio::test(start_paused = true)]
    async fn panic_resumes_after_everything_stopped<K>() {
        common::quiet_expected_panics::<Payload>();
        let live = Live::default();
        let run = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, live.sleeper(HOUR));
            K::spawn(&tg, panic_after(ms(10), Payload(7)));
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        });
        let payload = AssertUnwindSafe(run).catch_unwind().await.unwrap_err();
        assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(7)));
        assert_eq!(live.alive(), 0);
    }

    /// A panic in the body stops the tasks of every kind before it resumes.
    #[tokio::test(start_paused = true)]
    async fn body_panic_resumes_after_tasks_stopped<K>() {
        common::quiet_expected_panics::<Payload>();
        let live = Live::default();
        let run = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, live.sleeper(HOUR));
            sleep(ms(10)).await;
            std::panic::panic_any(Payload(8));
            #[allow(unreachable_code)]
            Ok::<_, ValueError>(())
        });
        let payload = AssertUnwindSafe(run).catch_unwind().await.unwrap_err();
        assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(8)));
        assert_eq!(live.alive(), 0);
    }

    /// A panic in a task future's `Drop` (the group stopping it) is caught and
    /// resumed like a panic in its poll.
    #[tokio::test(start_paused = true)]
    async fn drop_panic_of_a_stopped_task_resumes<K>() {
        common::quiet_expected_panics::<Payload>();
        struct PanicOnDrop;
        impl Drop for PanicOnDrop {
            fn drop(&mut self) {
                std::panic::panic_any(Payload(9));
            }
        }
        let run = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, async {
                let _bomb = PanicOnDrop;
                sleep(HOUR).await;
            });
            sleep(ms(10)).await;
            Err::<(), _>(ValueError(1))
        });
        let payload = AssertUnwindSafe(run).catch_unwind().await.unwrap_err();
        assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(9)));
    }

    /// On expiry the tasks are cancelled and the group holds a `Timeout`.
    #[tokio::test(start_paused = true)]
    async fn timeout_cancels_tasks<K>() {
        let live = Live::default();
        let start = Instant::now();
        let result = K::run(TaskGroup::builder().timeout(ms(10)), async |tg| {
            K::spawn(&tg, live.sleeper(HOUR));
            Ok::<_, ValueError>(())
        })
        .await;
        let errors = result.unwrap_err();
        assert!(errors.contains::<Timeout>());
        assert_eq!(errors.len(), 1);
        assert!(start.elapsed() >= ms(10) && start.elapsed() < HOUR);
        assert_eq!(live.alive(), 0);
    }

    /// `limit(n)`: at most `n` tasks run at once, the rest in spawn order.
    #[tokio::test(start_paused = true)]
    async fn limit_runs_at_most_n_at_once_in_spawn_order<K>() {
        let concurrency = Concurrency::default();
        let order = Arc::new(Mutex::new(Vec::new()));
        K::run(TaskGroup::builder().limit(2), async |tg| {
            for n in 0..6u64 {
                let (concurrency, order) = (concurrency.clone(), Arc::clone(&order));
                K::spawn(&tg, async move {
                    common::lock(&order).push(n);
                    concurrency.enter();
                    sleep(ms(10)).await;
                    concurrency.leave();
                });
            }
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap();
        assert_eq!(concurrency.max(), 2);
        assert_eq!(*common::lock(&order), [0, 1, 2, 3, 4, 5]);
    }

    /// Supervision: a failure cancels nothing; every error is collected.
    #[tokio::test(start_paused = true)]
    async fn supervise_keeps_siblings_running<K>() {
        let result = K::run(TaskGroup::builder().supervise(), async |tg| {
            K::spawn(&tg, fail_after(ms(10), 1));
            let ok = K::spawn(&tg, async {
                sleep(ms(30)).await;
                Ok::<_, ValueError>(5)
            });
            K::spawn(&tg, fail_after(ms(20), 2));
            Ok::<_, ValueError>(ok)
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(messages(&errors), ["value error 1", "value error 2"]);
    }

    /// With a grace period, cancelled tasks see `tg.cancelled()` and may still
    /// fail in their cleanup; errors beat cancellation.
    #[tokio::test(start_paused = true)]
    async fn grace_lets_tasks_clean_up_and_fail<K>() {
        let result = K::run(TaskGroup::builder().grace(ms(100)), async |tg| {
            let group = tg.spawner();
            K::spawn(&tg, async move {
                group.cancelled().await;
                sleep(ms(5)).await;
                Err::<(), _>(CleanupError("worker"))
            });
            K::spawn(&tg, fail_after(ms(10), 1));
            Ok::<_, ValueError>(())
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(messages(&errors), ["value error 1", "cleanup of worker failed"]);
    }

    /// After the grace period a task that ignores cancellation is dropped.
    #[tokio::test(start_paused = true)]
    async fn grace_over_drops_what_still_runs<K>() {
        let live = Live::default();
        let start = Instant::now();
        let result = K::run(TaskGroup::builder().grace(ms(100)), async |tg| {
            K::spawn(&tg, live.sleeper(HOUR));
            K::spawn(&tg, fail_after(ms(10), 1));
            Ok::<_, ValueError>(())
        })
        .await;
        assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
        assert!(start.elapsed() >= ms(110) && start.elapsed() < HOUR);
        assert_eq!(live.alive(), 0);
    }
}
