//! A body that swallows the timeout's cancellation (a documented difference), and a
//! timeout around a task group.

use super::*;

// ---------------------------------------------------------------------------
// A body that swallows the timeout's cancellation (documented difference)
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_timeout_expiring() {
    // Python: a body that catches the CancelledError and carries on exits normally.
    // Rust records the Timeout leaf when the deadline expires (rule 3.11), so even a
    // body that finishes cleanly in its grace period reports it.
    let finished = Flag::default();
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .grace(secs(1.0))
        .run(async |tg| {
            sleep_or_cancelled(&tg, secs(1.0)).await;
            finished.set();
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert!(finished.get());
    assert_eq!(timeouts(&eg).len(), 1);
}

// ---------------------------------------------------------------------------
// Timeout around a TaskGroup (verified on 3.11.7; no CPython test)
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_timeout_around_taskgroup_clean_cleanup() {
    let cancelled = Flag::default();
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .run(async |tg| {
            for _ in 0..3 {
                let guard = DropFlag::new(&cancelled);
                tg.spawn(async move {
                    sleep(secs(10.0)).await;
                    guard.disarm();
                });
            }
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert!(cancelled.get(), "the children were cancelled");
    assert_eq!(eg.len(), 1);
    assert_eq!(timeouts(&eg).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn test_timeout_around_taskgroup_cleanup_error() {
    // A child fails in its cleanup: the error propagates (next to the Timeout).
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .grace(secs(1.0))
        .run(async |tg| {
            let tg2 = tg.clone();
            tg.spawn(async move {
                tokio::select! {
                    () = sleep(secs(10.0)) => Ok(()),
                    () = tg2.cancelled() => Err(ZeroDivisionError),
                }
            });
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert!(eg.contains::<ZeroDivisionError>());
    assert_eq!(timeouts(&eg).len(), 1);
}
