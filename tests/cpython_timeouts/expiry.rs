//! Expiry raises a timeout the body observes as cancellation; no expiry, no timeout; a
//! zero or past deadline fires at the first suspension point.

use super::*;

// ---------------------------------------------------------------------------
// Expiry raises TimeoutError; the body observes cancellation
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_timeout_basic() {
    let eg = sleep_with_timeout(secs(0.01), secs(10.0))
        .await
        .unwrap_err();
    assert_eq!(eg.len(), 1);
    assert_eq!(timeouts(&eg)[0].after(), Some(secs(0.01)));
}

#[tokio::test(start_paused = true)]
async fn test_timeout_at_basic() {
    let start = Instant::now();
    let deadline = Instant::now() + secs(0.01);
    let eg = TaskGroup::builder()
        .deadline(deadline)
        .run(async |_tg| {
            sleep(secs(10.0)).await;
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1);
    assert_eq!(timeouts(&eg)[0].after(), None);
    // `cm.when() == deadline`: the group stopped exactly at it.
    assert_eq!(start + start.elapsed(), deadline);
}

#[tokio::test(start_paused = true)]
async fn test_waiter_cancelled() {
    let cancelled = Flag::default();
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .run(async |_tg| {
            let guard = DropFlag::new(&cancelled);
            sleep(secs(10.0)).await;
            guard.disarm();
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1);
    assert!(cancelled.get());
}

// ---------------------------------------------------------------------------
// No expiry; no timeout
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_timeout_not_called() {
    let result = TaskGroup::builder()
        .timeout(secs(10.0))
        .run(async |_tg| {
            sleep(secs(0.01)).await;
            Ok::<_, KeyError>("done")
        })
        .await;
    assert_eq!(result.unwrap(), "done");
}

#[tokio::test(start_paused = true)]
async fn test_timeout_disabled() {
    // `timeout(None)`: a builder without `.timeout()`; nothing ever expires.
    let result = TaskGroup::builder()
        .run(async |_tg| {
            sleep(secs(0.01)).await;
            Ok::<_, KeyError>(())
        })
        .await;
    assert!(result.is_ok());
}

#[tokio::test(start_paused = true)]
async fn test_timeout_at_disabled() {
    // `timeout_at(None)`: a builder without `.deadline()`, even over a long sleep.
    let result = TaskGroup::builder()
        .run(async |_tg| {
            sleep(secs(3600.0)).await;
            Ok::<_, KeyError>(())
        })
        .await;
    assert!(result.is_ok());
}

// ---------------------------------------------------------------------------
// A zero or past deadline fires at the first suspension point
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_timeout_zero() {
    let t0 = Instant::now();
    let eg = sleep_with_timeout(Duration::ZERO, secs(10.0))
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1);
    assert!(t0.elapsed() < secs(2.0));
}

/// `async with timeout(...): before = True; await asyncio.sleep(0); after = True`
/// under `builder`, whose deadline has come: the group times out, and the body
/// is cancelled at its first suspension point.
async fn cut_at_the_first_suspension_point(builder: taskgroup::Builder) {
    let (before, after) = (Flag::default(), Flag::default());
    let result = builder
        .run(async |_tg| {
            before.set();
            yield_now().await; // asyncio.sleep(0)
            after.set();
            Ok::<_, KeyError>(())
        })
        .await;
    assert_eq!(timeouts(&result.unwrap_err()).len(), 1);
    assert!(
        before.get(),
        "the body ran up to its first suspension point"
    );
    assert!(!after.get(), "cancelled at the first suspension point");
}

/// `loop.time() - 11`, or now if the clock is younger than that.
fn eleven_seconds_ago() -> Instant {
    let now = Instant::now();
    now.checked_sub(secs(11.0)).unwrap_or(now)
}

#[tokio::test(start_paused = true)]
async fn test_timeout_zero_sleep_zero() {
    let t0 = Instant::now();
    cut_at_the_first_suspension_point(TaskGroup::builder().timeout(Duration::ZERO)).await;
    assert!(t0.elapsed() < secs(2.0));
}

#[tokio::test]
async fn test_timeout_zero_sleep_zero_real_clock() {
    // Same on a running clock, where a deadline of "now" is not yet a whole tick of
    // tokio's timer wheel.
    cut_at_the_first_suspension_point(TaskGroup::builder().timeout(Duration::ZERO)).await;
}

#[tokio::test(start_paused = true)]
async fn test_timeout_in_the_past_sleep_zero() {
    cut_at_the_first_suspension_point(TaskGroup::builder().deadline(eleven_seconds_ago())).await;
}

#[tokio::test]
async fn test_timeout_in_the_past_sleep_zero_real_clock() {
    cut_at_the_first_suspension_point(TaskGroup::builder().deadline(eleven_seconds_ago())).await;
}
