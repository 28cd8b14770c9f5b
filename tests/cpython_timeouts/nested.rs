//! Nested timeouts (the outermost expired one wins), and timeouts composing with a
//! cancellation already present.

use super::*;

// ---------------------------------------------------------------------------
// Nested timeouts: the outermost expired one wins
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_nested_timeouts() {
    let cancelled = Flag::default();
    let deadline = Instant::now() + secs(0.01);
    let eg = TaskGroup::builder()
        .deadline(deadline)
        .run(async |_cm1| {
            // Only the topmost group reports the timeout; the inner one is cancelled.
            let guard = DropFlag::new(&cancelled);
            let inner = TaskGroup::builder()
                .deadline(deadline)
                .run(async |_cm2| {
                    sleep(secs(10.0)).await;
                    Ok::<_, KeyError>(())
                })
                .await;
            guard.disarm();
            inner
        })
        .await
        .unwrap_err();
    assert!(cancelled.get());
    assert_eq!(eg.len(), 1);
    assert_eq!(timeouts(&eg).len(), 1, "{eg:?}");
}

#[tokio::test(start_paused = true)]
async fn test_nested_timeouts_concurrent() {
    // The outer timeout is the shorter one. `time.sleep(0.01)` blocks the loop past
    // it; on the paused clock, `advance` jumps the clock the same way.
    let eg = TaskGroup::builder()
        .timeout(secs(0.002))
        .run(async |_tg| {
            TaskGroup::builder()
                .timeout(secs(0.1))
                .run(async |_tg| {
                    tokio::time::advance(secs(0.01)).await;
                    sleep(secs(1.0)).await;
                    Ok::<_, KeyError>(())
                })
                .await
        })
        .await
        .unwrap_err();
    assert_eq!(eg.len(), 1);
    assert_eq!(timeouts(&eg)[0].after(), Some(secs(0.002)));
}

#[tokio::test]
async fn test_nested_timeouts_loop_busy() {
    // The thread blocks past both deadlines: the outer one converts, the inner one
    // is cancelled without reporting, as CPython 3.11.7 does.
    let t0 = Instant::now();
    let inner_reported = Flag::default();
    let eg = TaskGroup::builder()
        .timeout(secs(0.1)) // (1)
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(secs(0.01)) // (2)
                .run(async |_tg| {
                    // Pretend the loop is busy for a while.
                    std::thread::sleep(secs(0.12));
                    sleep(secs(1.0)).await;
                    Ok::<_, KeyError>(())
                })
                .await;
            inner_reported.set();
            assert!(inner.is_err());
            sleep(secs(10.0)).await; // interrupted by (1)
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg)[0].after(), Some(secs(0.1)));
    assert!(!inner_reported.get(), "the outer deadline wins");
    // Real clock (a paused one would not move while the thread blocks), so only a
    // bound no load can break: the outer `sleep(10.0)` was interrupted. (It was
    // `<= 1.0`, which a stall of 0.88 s on a busy machine would break; that
    // the outer deadline fired inside the inner group, during its `sleep(1.0)`,
    // is what `inner_reported` being unset shows.)
    assert!(t0.elapsed() < secs(10.0));
}

#[tokio::test(start_paused = true)]
async fn test_nested_timeouts_inner_expires_alone() {
    // As CPython 3.11.7 does: when only the inner deadline has passed,
    // the inner group times out, the body continues, and the outer fires later.
    let inner_timeout = Arc::new(Mutex::new(None));
    let eg = TaskGroup::builder()
        .timeout(secs(0.1))
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(secs(0.01))
                .run(async |_tg| {
                    sleep(secs(1.0)).await;
                    Ok::<_, KeyError>(())
                })
                .await;
            *inner_timeout.lock().unwrap() = Some(timeouts(&inner.unwrap_err()));
            sleep(secs(10.0)).await;
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg)[0].after(), Some(secs(0.1)));
    let inner = inner_timeout.lock().unwrap().take().unwrap();
    assert_eq!(inner[0].after(), Some(secs(0.01)));
}

// ---------------------------------------------------------------------------
// Timeouts compose with cancellation already present
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_outer_task_is_not_cancelled() {
    let task = tokio::spawn(async {
        let eg = sleep_with_timeout(secs(0.001), secs(10.0))
            .await
            .unwrap_err();
        assert_eq!(timeouts(&eg).len(), 1);
    });
    let outcome = task.await;
    assert!(outcome.is_ok(), "the task finished normally, not cancelled");
}

#[tokio::test(start_paused = true)]
async fn test_outer_group_is_not_cancelled() {
    // The same one level up: an inner group timing out does not cancel the group
    // whose body ran it.
    let result = TaskGroup::run(async |tg| {
        let inner = sleep_with_timeout(secs(0.001), secs(10.0)).await;
        assert!(inner.is_err());
        assert!(!tg.is_cancelled());
        sleep(secs(0.01)).await;
        Ok::<_, KeyError>("outer finished")
    })
    .await;
    assert_eq!(result.unwrap(), "outer finished");
}

#[tokio::test(start_paused = true)]
async fn test_nested_timeout_in_finally() {
    // The outer timeout expires; in its cleanup (`finally`, here the grace period)
    // an inner timeout still works and raises its own TimeoutError, and the outer
    // group still reports its timeout.
    let inner_timeout = Arc::new(Mutex::new(None));
    let eg = TaskGroup::builder()
        .timeout(secs(0.01))
        .grace(secs(5.0))
        .run(async |tg| {
            sleep_or_cancelled(&tg, secs(1.0)).await;
            let inner = sleep_with_timeout(secs(0.01), secs(10.0)).await;
            *inner_timeout.lock().unwrap() = Some(timeouts(&inner.unwrap_err()));
            Ok::<_, KeyError>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg)[0].after(), Some(secs(0.01)));
    let inner = inner_timeout.lock().unwrap().take();
    assert_eq!(inner.expect("the inner timeout fired").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn test_timeout_after_cancellation() {
    // The enclosing group is already cancelling; a fresh timeout in its cleanup
    // still converts its own expiry.
    let inner_timeout = Arc::new(Mutex::new(None));
    let result = TaskGroup::builder()
        .grace(secs(5.0))
        .run(async |tg| {
            tg.cancel();
            let inner = sleep_with_timeout(Duration::ZERO, secs(1.0)).await; // some cleanup
            *inner_timeout.lock().unwrap() = Some(timeouts(&inner.unwrap_err()));
            Ok::<_, KeyError>(())
        })
        .await;
    assert!(result.is_ok());
    let inner = inner_timeout.lock().unwrap().take().unwrap();
    assert_eq!(inner.len(), 1);
}
