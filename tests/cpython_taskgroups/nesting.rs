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
    let outside = Outside::default();
    let run = TaskGroup::builder().grace(secs(1.0)).run(async |g1| {
        outside.enter(&g1);
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
    tokio::join!(run, outside.cancel_after(0.1)).0
}

/// What `_11`, `_12` and `_14` see: the outer group holds one child, the inner
/// group, whose errors are all of type `inner`.
fn assert_only_the_inner_group_of(eg: &ErrorGroup, inner: &str) {
    assert_eq!(get_error_types(eg), ["ExceptionGroup"]);
    assert_eq!(eg.children().len(), 1, "{eg:?}");
    assert_eq!(get_error_types(nested(eg, 0)), [inner]);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_11() {
    let eg = runner_11(false).await.unwrap_err();
    assert_only_the_inner_group_of(&eg, "ZeroDivisionError");
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_12() {
    let eg = runner_11(true).await.unwrap_err();
    assert_only_the_inner_group_of(&eg, "ZeroDivisionError");
}

/// The runner of `_13` and `_14`: an outer group whose child crashes after
/// `outer` seconds, around an inner group whose child crashes after `inner`.
async fn crashes_outside_and_inside(outer: f64, inner: f64) -> ErrorGroup {
    let r = tokio::spawn(TaskGroup::run(async move |g1| {
        g1.spawn(crash_after(outer));
        TaskGroup::run(async |g2| {
            g2.spawn(crash_after(inner));
            Ok::<_, ValueError>(())
        })
        .await
    }));
    r.await.unwrap().unwrap_err()
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_13() {
    // The outer child fails first: the outer group cancels its body, which is inside
    // the inner group, so the inner group contributes nothing.
    let eg = crashes_outside_and_inside(0.1, 10.0).await;
    assert_eq!(get_error_types(&eg), ["ValueError"]);
    assert_eq!(eg.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_14() {
    let eg = crashes_outside_and_inside(10.0, 0.1).await;
    assert_only_the_inner_group_of(&eg, "ValueError");
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
    let payload = resumed_panic(
        "KeyboardInterrupt propagates",
        TaskGroup::builder().grace(secs(1.0)).run(async |g| {
            g.spawn(divide_by_zero_after(0.1));
            sleep_or_cancelled(&g, secs(10.0)).await;
            std::panic::panic_any(KeyboardInterrupt);
            #[allow(unreachable_code)]
            Ok::<_, ZeroDivisionError>(())
        }),
    )
    .await;
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
    let payload = resumed_panic(
        "KeyboardInterrupt propagates",
        TaskGroup::builder().grace(secs(1.0)).run(async |g| {
            g.spawn(keyboard_interrupt_after(0.1));
            sleep_or_cancelled(&g, secs(10.0)).await;
            Err::<(), _>(TypeError)
        }),
    )
    .await;
    assert_eq!(
        payload.downcast_ref::<KeyboardInterrupt>(),
        Some(&KeyboardInterrupt)
    );
}
