//! Only the timeout's own cancellation is converted: foreign errors and cancellations
//! pass through as they are.

use super::*;

// ---------------------------------------------------------------------------
// Only the timeout's own cancellation is converted
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_foreign_exception_passed() {
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .run(async |_tg| Err::<(), _>(KeyError))
        .await
        .unwrap_err();
    assert_eq!(eg.len(), 1);
    assert!(eg.iter().next().unwrap().is::<KeyError>());
    assert!(timeouts(&eg).is_empty(), "not expired");
}

#[tokio::test(start_paused = true)]
async fn test_foreign_exception_on_timeout() {
    // `crash()`'s `finally: 1/0` runs during the timeout's cancellation. Python
    // raises the ZeroDivisionError instead of TimeoutError; here both are kept: the
    // timeout first (it happened first), then the body's cleanup error.
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .grace(secs(1.0))
        .run(async |tg| {
            sleep_or_cancelled(&tg, secs(1.0)).await;
            Err::<(), _>(ZeroDivisionError)
        })
        .await
        .unwrap_err();
    assert_eq!(eg.len(), 2);
    let mut errors = eg.iter();
    assert!(errors.next().unwrap().is::<Timeout>());
    assert!(errors.next().unwrap().is::<ZeroDivisionError>());
}

// ---------------------------------------------------------------------------
// A foreign cancellation is not turned into a timeout
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_foreign_cancel_doesnt_timeout_if_not_expired() {
    // `asyncio.current_task().cancel()` inside the timeout: the group's `cancel()`.
    let eg = TaskGroup::builder()
        .timeout(secs(10.0))
        .run(async |tg| {
            tg.cancel();
            sleep(secs(10.0)).await;
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert!(timeouts(&eg).is_empty());
    assert_eq!(eg.len(), 1);
    assert!(eg.contains::<Cancelled>());
}

#[tokio::test(start_paused = true)]
async fn test_cancel_in_timeout_after_cancellation() {
    // The outer group is already cancelling (Python: the task caught a cancel); in
    // its cleanup an inner timeout group is cancelled by its own body: the inner
    // result is a cancellation, not a timeout.
    let inner_result = Arc::new(Mutex::new(None));
    let result = TaskGroup::builder()
        .grace(secs(5.0))
        .run(async |outer| {
            outer.cancel();
            let inner = TaskGroup::builder()
                .timeout(secs(1.0))
                .run(async |tg| {
                    tg.cancel();
                    sleep(secs(2.0)).await; // some cleanup
                    Ok::<_, KeyError>(())
                })
                .await;
            *inner_result.lock().unwrap() = Some(inner);
            Ok::<_, KeyError>(())
        })
        .await;
    assert!(result.is_ok());
    let inner = inner_result.lock().unwrap().take().unwrap().unwrap_err();
    assert!(timeouts(&inner).is_empty());
    assert!(inner.contains::<Cancelled>());
}
