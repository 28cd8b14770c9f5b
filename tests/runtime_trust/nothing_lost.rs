//! No error or panic lost: errors whose `Display` panics, futures that panic in `Drop`.

use super::*;

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
    let payload = resumed_panic(
        "the task's panic resumes",
        TaskGroup::builder().supervise().run(async |tg| {
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
        }),
    )
    .await;
    assert!(payload_is::<TaskPayload>(&*payload), "the original payload");
}

#[tokio::test]
async fn a_task_future_that_panics_in_drop_after_completing_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let payload = resumed_panic(
        "the panic in Drop resumes in the caller",
        TaskGroup::run(async |tg| {
            tg.spawn(PanicsOnDrop { ready: true });
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test]
async fn a_task_future_that_panics_in_drop_when_aborted_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let payload = resumed_panic(
        "the panic in Drop resumes in the caller",
        TaskGroup::run(async |tg| {
            tg.spawn(PanicsOnDrop { ready: false });
            tg.spawn(async {
                yield_now().await;
                Err::<(), _>(ValueError(1))
            });
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test]
async fn a_cancelled_handle_whose_future_panics_in_drop_resumes_the_panic() {
    common::quiet_expected_panics::<DropPayload>();
    let payload = resumed_panic(
        "the panic in Drop resumes in the caller",
        TaskGroup::run(async |tg| {
            let handle = tg.spawn(PanicsOnDrop { ready: false });
            yield_now().await;
            handle.cancel();
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(payload_is::<DropPayload>(&*payload));
}

#[tokio::test(start_paused = true)]
async fn a_body_future_that_panics_in_drop_resumes_after_the_tasks_are_joined() {
    common::quiet_expected_panics::<DropPayload>();
    let live = Live::default();
    // With a grace period, the stop that drops the body also aborts the task, so
    // the task is still queued when the body's drop panics.
    let payload = resumed_panic(
        "the panic in Drop resumes in the caller",
        TaskGroup::builder().grace(ms(10)).run(async |tg| {
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
        }),
    )
    .await;
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
    let payload = resumed_panic(
        "the panic in Drop resumes in the caller",
        TaskGroup::builder().limit(1).run(async |tg| {
            tg.spawn(async {
                yield_now().await;
                Err::<(), _>(ValueError(1))
            });
            let panics = PanicsOnDrop { ready: false };
            tg.spawn_blocking(move || {
                let _panics = panics;
            });
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(payload_is::<DropPayload>(&*payload));
}
