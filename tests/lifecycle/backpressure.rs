//! `spawn_when_ready`: a producer waits for a turn under the limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskgroup::{TaskError, TaskGroup};
use tokio::time::sleep;

use crate::common::{self, ms, Concurrency, HOUR};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn the_producer_waits_while_the_limit_is_full() {
    let running = Concurrency::default();
    let finished = Arc::new(AtomicUsize::new(0));
    let mut most_queued = 0;
    TaskGroup::builder()
        .limit(2)
        .run(async |tg| {
            for spawned in 1..=10 {
                let (running, done) = (running.clone(), Arc::clone(&finished));
                tg.spawn_when_ready(async move {
                    running.enter();
                    sleep(ms(10)).await;
                    running.leave();
                    done.fetch_add(1, Ordering::SeqCst);
                })
                .await;
                // Spawned but not finished: at most the limit, never a queue.
                most_queued = most_queued.max(spawned - finished.load(Ordering::SeqCst));
            }
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    assert_eq!(most_queued, 2);
    assert_eq!(running.max(), 2);
    assert_eq!(finished.load(Ordering::SeqCst), 10);
}

#[tokio::test(start_paused = true)]
async fn without_a_limit_it_spawns_at_once() {
    TaskGroup::run(async |tg| {
        let handle = tg.spawn_when_ready(async { Ok::<_, Boom>(5) }).await;
        assert_eq!(handle.await, Ok(5));
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_producer_waiting_when_the_group_cancels_gets_a_refused_handle() {
    TaskGroup::builder()
        .limit(1)
        .grace(HOUR)
        .run(async |tg| {
            tg.spawn(sleep(HOUR));
            let tg2 = tg.clone();
            tg.spawn(async move {
                sleep(ms(5)).await;
                tg2.cancel();
            });
            let handle = tg.spawn_when_ready(async { Ok::<_, Boom>(1) }).await;
            assert!(matches!(handle.result(), Err(TaskError::NotSpawned(_))));
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
}
