//! More rules for every kind of task (`for_each_kind!`): handles, cancellation
//! that is not an error, spawning into a closing group, nested groups, and one
//! limit shared by spawned and scoped tasks.

use super::*;

for_each_kind! {
    /// Awaiting a handle gives the task's value; `is_finished` follows it.
    #[tokio::test(start_paused = true)]
    async fn awaiting_a_handle_gives_its_value<K>() {
        K::run(TaskGroup::builder(), async |tg| {
            let handle = K::spawn(&tg, async {
                sleep(ms(10)).await;
                Ok::<_, ValueError>(42)
            });
            assert!(!handle.is_finished());
            assert_eq!(handle.result(), Err(TaskError::Pending));
            let mut handle = handle;
            assert_eq!((&mut handle).await, Ok(42));
            assert!(handle.is_finished());
            assert_eq!(handle.await, Err(TaskError::AlreadyTaken));
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap();
    }

    /// `cancel()` through the handle drops the task; it is not an error.
    #[tokio::test(start_paused = true)]
    async fn cancel_through_the_handle_is_not_an_error<K>() {
        let live = Live::default();
        let handle = K::run(TaskGroup::builder(), async |tg| {
            let handle = K::spawn(&tg, live.sleeper(HOUR));
            sleep(ms(10)).await;
            handle.cancel();
            Ok::<_, ValueError>(handle)
        })
        .await
        .unwrap();
        assert!(handle.is_cancelled());
        assert_eq!(handle.result(), Err(TaskError::Cancelled));
        assert_eq!(live.alive(), 0);
    }

    /// After a failed group, `result()` gives each task's outcome at once.
    #[tokio::test(start_paused = true)]
    async fn result_after_a_failed_group_gives_every_outcome<K>() {
        let mut handles = None;
        let result = K::run(TaskGroup::builder(), async |tg| {
            let ok = K::spawn(&tg, async { Ok::<_, ValueError>(1) });
            let failed = K::spawn(&tg, fail_after(ms(5), 4));
            let stopped = K::spawn(&tg, sleep(HOUR));
            handles = Some((ok, failed, stopped));
            Ok::<_, ValueError>(())
        })
        .await;
        assert_eq!(messages(&result.unwrap_err()), ["value error 4"]);
        let (ok, failed, stopped) = handles.unwrap();
        assert_eq!(ok.result(), Ok(1));
        assert!(matches!(failed.result(), Err(TaskError::Failed(summary)) if summary == "value error 4"));
        assert_eq!(stopped.result(), Err(TaskError::Cancelled));
        assert!(stopped.is_cancelled());
    }

    /// Handles of a group that succeeded: values, names and distinct ids.
    #[tokio::test(start_paused = true)]
    async fn handles_after_a_successful_group<K>() {
        let (ok, named) = K::run(TaskGroup::builder(), async |tg| {
            let ok = K::spawn(&tg, async { Ok::<_, ValueError>(1) });
            let named = K::spawn_named(&tg, "named", async { yield_now().await });
            Ok::<_, ValueError>((ok, named))
        })
        .await
        .unwrap();
        assert!(ok.is_finished() && named.is_finished());
        assert_ne!(ok.id(), named.id());
        assert_eq!(named.name(), Some("named"));
        assert_eq!(ok.name(), None);
        assert_eq!(ok.result(), Ok(1));
        assert_eq!(ok.result(), Err(TaskError::AlreadyTaken));
        assert_eq!(named.result(), Ok(()));
    }

    /// `tg.cancel()` stops the body and every task; `run` returns a group with
    /// one `Cancelled` leaf, and the tasks add nothing.
    #[tokio::test(start_paused = true)]
    async fn group_cancel_stops_everything_without_errors<K>() {
        let live = Live::default();
        let result = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, live.sleeper(HOUR));
            sleep(ms(10)).await;
            tg.cancel();
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors.contains::<Cancelled>());
        assert_eq!(live.alive(), 0);
    }

    /// A group that is closing refuses new tasks without polling them.
    #[tokio::test(start_paused = true)]
    async fn spawn_when_closing_is_refused_unpolled<K>() {
        let polled = Flag::default();
        let result = K::run(TaskGroup::builder().grace(ms(10)), async |tg| {
            tg.cancel();
            let refused = K::spawn(&tg, PollProbe { polled: polled.clone() });
            assert_eq!(
                refused.result(),
                Err(TaskError::NotSpawned(SpawnRefused::ShuttingDown))
            );
            Ok::<_, ValueError>(())
        })
        .await;
        assert!(result.is_ok(), "the body finished before the stop: {result:?}");
        assert!(!polled.get());
    }

    /// A nested group's errors become one child of the outer group.
    #[tokio::test(start_paused = true)]
    async fn nested_group_errors_nest<K>() {
        let result = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, async {
                TaskGroup::run(async |inner| {
                    inner.spawn_scoped(fail_after(ms(1), 1));
                    inner.spawn(fail_after(ms(2), 2));
                    Ok::<_, ValueError>(())
                })
                .await
            });
            Ok::<_, ValueError>(())
        })
        .await;
        let errors = result.unwrap_err();
        assert_eq!(errors.len(), 1);
        let Node::Group(inner) = &errors.children()[0] else {
            panic!("the nested group was flattened: {errors:?}")
        };
        assert_eq!(inner.len(), 1, "the first error cancelled the second");
    }

    /// One limit for both kinds: spawned and scoped tasks share the budget.
    #[tokio::test(start_paused = true)]
    async fn limit_is_one_budget_across_kinds<K>() {
        let concurrency = Concurrency::default();
        let worker = |concurrency: Concurrency| async move {
            concurrency.enter();
            sleep(ms(10)).await;
            concurrency.leave();
        };
        K::run(TaskGroup::builder().limit(3), async |tg| {
            for _ in 0..4 {
                K::spawn(&tg, worker(concurrency.clone()));
                tg.spawn(worker(concurrency.clone()));
            }
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap();
        assert_eq!(concurrency.max(), 3);
    }

    /// A nested group that its enclosing group drops (stopping the task that
    /// runs it) leaves no task running once the enclosing group returned.
    #[tokio::test]
    async fn a_dropped_nested_group_leaves_no_task_behind<K>() {
        let live = Live::default();
        let result = K::run(TaskGroup::builder(), async |tg| {
            let pending = (live.pending(), live.pending());
            K::spawn(&tg, async move {
                TaskGroup::run(async move |inner| {
                    inner.spawn(pending.0);
                    inner.spawn_scoped(pending.1);
                    std::future::pending::<()>().await;
                    Ok::<_, ValueError>(())
                })
                .await
            });
            K::spawn(&tg, async {
                yield_now().await;
                Err::<(), _>(ValueError(1))
            });
            Ok::<_, ValueError>(())
        })
        .await;
        assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
        assert_eq!(live.alive(), 0, "a nested group's task outlived the enclosing group");
    }

    /// The same when the nested group runs in the body, which the stop drops.
    #[tokio::test]
    async fn a_nested_group_in_a_dropped_body_leaves_no_task_behind<K>() {
        let live = Live::default();
        let result = K::run(TaskGroup::builder(), async |tg| {
            K::spawn(&tg, async {
                yield_now().await;
                Err::<(), _>(ValueError(1))
            });
            TaskGroup::run(async |inner| {
                inner.spawn(live.pending());
                std::future::pending::<()>().await;
                Ok::<_, ValueError>(())
            })
            .await
            .ok();
            Ok::<_, ValueError>(())
        })
        .await;
        assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
        assert_eq!(live.alive(), 0, "a nested group's task outlived the enclosing group");
    }
}
