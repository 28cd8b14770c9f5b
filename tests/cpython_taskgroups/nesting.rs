//! Nested groups, and KeyboardInterrupt / SystemExit (panics) bypassing grouping.

use super::*;

// ---------------------------------------------------------------------------
// Nested groups
// ---------------------------------------------------------------------------

/// The runner of `_11` and `_12`: an outer group (optionally with a sleeping child)
/// around an inner group whose five children fail in cleanup. Python cancels the
/// runner from outside, which reaches the inner children through the inner body.
/// Here the outer group is cancelled cooperatively from outside; its cancellation
/// does not reach into the inner group by itself (the inner group would only be
/// dropped when the outer grace period ends), so the inner children listen to the
/// outer group's `cancelled()`.
async fn runner_11(with_outer_child: bool) -> Result<(), ErrorGroup> {
    let spawner = Arc::new(Mutex::new(None));
    let run = TaskGroup::builder().grace(secs(1.0)).run(async |g1| {
        *spawner.lock().unwrap() = Some(g1.spawner());
        if with_outer_child {
            g1.spawn(sleep(secs(10.0)));
        }
        TaskGroup::run(async |g2| {
            for _ in 0..5 {
                g2.spawn(fail_in_cleanup(g1.clone()));
            }
            sleep(secs(10.0)).await;
            Ok::<_, ZeroDivisionError>(())
        })
        .await
    });
    let cancel = async {
        sleep(secs(0.1)).await;
        spawner.lock().unwrap().take().unwrap().cancel();
    };
    tokio::join!(run, cancel).0
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_11() {
    let eg = runner_11(false).await.unwrap_err();
    assert_eq!(get_error_types(&eg), ["ExceptionGroup"]);
    assert_eq!(get_error_types(nested(&eg, 0)), ["ZeroDivisionError"]);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_12() {
    let eg = runner_11(true).await.unwrap_err();
    assert_eq!(get_error_types(&eg), ["ExceptionGroup"]);
    assert_eq!(get_error_types(nested(&eg, 0)), ["ZeroDivisionError"]);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_13() {
    // The outer child fails first: the outer group cancels its body, which is inside
    // the inner group, so the inner group contributes nothing.
    let r = tokio::spawn(TaskGroup::run(async |g1| {
        g1.spawn(crash_after(0.1));
        TaskGroup::run(async |g2| {
            g2.spawn(crash_after(10.0));
            Ok::<_, ValueError>(())
        })
        .await
    }));
    let eg = r.await.unwrap().unwrap_err();
    assert_eq!(get_error_types(&eg), ["ValueError"]);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_14() {
    let r = tokio::spawn(TaskGroup::run(async |g1| {
        g1.spawn(crash_after(10.0));
        TaskGroup::run(async |g2| {
            g2.spawn(crash_after(0.1));
            Ok::<_, ValueError>(())
        })
        .await
    }));
    let eg = r.await.unwrap().unwrap_err();
    assert_eq!(get_error_types(&eg), ["ExceptionGroup"]);
    assert_eq!(get_error_types(nested(&eg, 0)), ["ValueError"]);
}

// ---------------------------------------------------------------------------
// KeyboardInterrupt and SystemExit (panics) bypass grouping
// ---------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
struct KeyboardInterrupt;

#[tokio::test(start_paused = true)]
async fn test_taskgroup_20() {
    // The body's `finally` raises KeyboardInterrupt while the crash cancels it: the
    // panic propagates unwrapped (the collected ZeroDivisionError is reported on
    // stderr, not lost).
    let outcome = AssertUnwindSafe(TaskGroup::builder().grace(secs(1.0)).run(async |g| {
        g.spawn(divide_by_zero_after(0.1));
        tokio::select! {
            () = sleep(secs(10.0)) => {}
            () = g.cancelled() => {}
        }
        std::panic::panic_any(KeyboardInterrupt);
        #[allow(unreachable_code)]
        Ok::<_, ZeroDivisionError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("KeyboardInterrupt propagates");
    assert_eq!(
        payload.downcast_ref::<KeyboardInterrupt>(),
        Some(&KeyboardInterrupt)
    );
}

async fn keyboard_interrupt_after(t: f64) {
    sleep(secs(t)).await;
    std::panic::panic_any(KeyboardInterrupt)
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_21() {
    // Disabled in CPython (`_test_taskgroup_21`): a KeyboardInterrupt in a child
    // crashes the asyncio loop. A panicking child works in Rust: it cancels the body
    // at once (no grace for panics, so its `TypeError` cleanup never happens) and
    // the panic resumes in the caller.
    let outcome = AssertUnwindSafe(TaskGroup::builder().grace(secs(1.0)).run(async |g| {
        g.spawn(keyboard_interrupt_after(0.1));
        tokio::select! {
            () = sleep(secs(10.0)) => {}
            () = g.cancelled() => {}
        }
        Err::<(), _>(TypeError)
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("KeyboardInterrupt propagates");
    assert_eq!(
        payload.downcast_ref::<KeyboardInterrupt>(),
        Some(&KeyboardInterrupt)
    );
}
