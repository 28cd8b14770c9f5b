//! Task handles: awaiting, cancelling, ids, and `result()` after the group.

use super::*;

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
