//! An enclosing group's cancellation reaches the groups nested in it.

use std::sync::{Arc, Mutex};

use taskgroup::{CancelReason, TaskGroup, Timeout};
use tokio::time::{sleep, Instant};

use crate::common::{self, lock, ms, HOUR};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn a_nested_group_s_cancelled_fires_when_its_enclosing_group_cancels() {
    let reason = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&reason);
    let start = Instant::now();
    let eg = TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            outer.spawn(async move {
                TaskGroup::run(async |inner| {
                    inner.cancelled().await;
                    *lock(&seen) = inner.cancel_reason();
                    Ok::<_, Boom>(())
                })
                .await
            });
            outer.spawn(async {
                sleep(ms(10)).await;
                Err::<(), _>(Boom)
            });
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        common::messages(&eg),
        ["Boom"],
        "the nested group added nothing"
    );
    let reason = lock(&reason).take().expect("the nested group saw it");
    let CancelReason::Enclosing(why) = reason else {
        panic!("expected Enclosing, got {reason:?}");
    };
    assert!(matches!(*why, CancelReason::TaskFailed { .. }), "{why:?}");
    assert!(
        start.elapsed() < ms(20),
        "it did not wait out the grace period"
    );
}

#[tokio::test(start_paused = true)]
async fn a_group_nested_in_the_body_is_reached_too() {
    let fired = common::Flag::default();
    let seen = fired.clone();
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            let outer2 = outer.clone();
            TaskGroup::run(async |inner| {
                outer2.cancel();
                inner.cancelled().await;
                seen.set();
                Ok::<_, Boom>(())
            })
            .await?;
            Ok::<_, taskgroup::ErrorGroup>(())
        })
        .await
        .unwrap();
    assert!(fired.get());
}

#[tokio::test(start_paused = true)]
async fn cancellation_reaches_every_level_of_nesting() {
    let depth = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&depth);
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |g1| {
            let g1b = g1.clone();
            g1.spawn(async move {
                TaskGroup::run(async |g2| {
                    TaskGroup::run(async |g3| {
                        g1b.cancel_with("stop");
                        g3.cancelled().await;
                        lock(&seen).push(g3.cancel_reason().unwrap().to_string());
                        Ok::<_, Boom>(())
                    })
                    .await?;
                    lock(&seen).push(g2.cancel_reason().unwrap().to_string());
                    Ok::<_, taskgroup::ErrorGroup>(())
                })
                .await
            });
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    assert_eq!(
        *lock(&depth),
        [
            "the enclosing group was cancelled: the enclosing group was cancelled: cancelled: stop",
            "the enclosing group was cancelled: cancelled: stop",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_nested_group_stopped_by_its_enclosing_group_adds_no_error() {
    // The nested group ignores the signal; the enclosing group's grace period
    // ends and drops it: only the failure that cancelled the outer group remains.
    let start = Instant::now();
    let eg = TaskGroup::builder()
        .grace(ms(50))
        .run(async |outer| {
            outer.spawn(async {
                TaskGroup::run(async |inner| {
                    inner.spawn(sleep(HOUR));
                    sleep(HOUR).await;
                    Ok::<_, Boom>(())
                })
                .await
            });
            TaskGroup::run(async |inner| {
                inner.spawn(async {
                    sleep(ms(10)).await;
                    Err::<(), _>(Boom)
                });
                Ok::<_, Boom>(())
            })
            .await?;
            sleep(HOUR).await;
            Ok::<_, taskgroup::ErrorGroup>(())
        })
        .await
        .unwrap_err();
    assert_eq!(eg.len(), 1, "{eg:?}");
    let took = start.elapsed();
    assert!(
        took >= ms(60) && took < ms(70),
        "10 ms, then the 50 ms grace: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_nested_group_s_own_timeout_fires_in_the_enclosing_grace_period() {
    let inner_result = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&inner_result);
    let start = Instant::now();
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            outer.spawn(async move {
                let result = TaskGroup::builder()
                    .timeout(ms(30))
                    .run(async |_inner| {
                        sleep(HOUR).await; // ignores the enclosing cancellation
                        Ok::<_, Boom>(())
                    })
                    .await;
                *lock(&seen) = Some((result, Instant::now()));
            });
            sleep(ms(10)).await;
            outer.cancel();
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    let (result, at) = lock(&inner_result).take().unwrap();
    assert!(result.unwrap_err().contains::<Timeout>());
    let took = at - start;
    assert!(
        took >= ms(30) && took < ms(40),
        "its own timeout, not the hour: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_nested_group_that_fails_while_cancelled_by_its_enclosing_group_reports_it() {
    let eg = TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            outer.spawn(async {
                TaskGroup::run(async |inner| {
                    let inner2 = inner.clone();
                    inner.spawn(async move {
                        inner2.cancelled().await;
                        Err::<(), _>(Boom) // cleanup fails: errors beat cancellation
                    });
                    sleep(HOUR).await;
                    Ok::<_, Boom>(())
                })
                .await
            });
            sleep(ms(1)).await;
            outer.cancel();
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"]);
    assert!(
        matches!(eg.children()[0], taskgroup::Node::Group(_)),
        "nested, not flattened"
    );
}

#[tokio::test(start_paused = true)]
async fn a_group_started_in_the_enclosing_grace_period_is_not_cancelled_by_it() {
    let cancelled = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&cancelled);
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            outer.cancel();
            // Cleanup in a fresh group, as Python's `finally` may open one.
            TaskGroup::run(async |cleanup| {
                sleep(ms(1)).await;
                *lock(&seen) = Some(cleanup.is_cancelled());
                Ok::<_, Boom>(())
            })
            .await?;
            Ok::<_, taskgroup::ErrorGroup>(())
        })
        .await
        .unwrap();
    assert_eq!(*lock(&cancelled), Some(false));
}

#[tokio::test(start_paused = true)]
async fn a_finished_nested_group_is_no_longer_reached() {
    let spawner = Arc::new(Mutex::new(None));
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |outer| {
            TaskGroup::run(async |inner| {
                *lock(&spawner) = Some(inner.spawner());
                Ok::<_, Boom>(())
            })
            .await?;
            outer.cancel();
            Ok::<_, taskgroup::ErrorGroup>(())
        })
        .await
        .unwrap();
    let inner: TaskGroup = lock(&spawner).take().unwrap();
    assert!(
        !inner.is_cancelled(),
        "it finished before the enclosing group cancelled"
    );
}
