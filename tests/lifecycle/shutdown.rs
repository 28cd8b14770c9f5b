//! `Builder::cancel_on`: a shutdown from outside (feature `tokio-util`).
#![cfg(feature = "tokio-util")]

use taskgroup::{CancelReason, TaskError, TaskGroup};
use tokio::time::{sleep, Instant};
use tokio_util::sync::CancellationToken;

use crate::common::{self, ms, HOUR};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn a_cancelled_token_cancels_the_group_with_its_grace_period() {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        sleep(ms(10)).await;
        trigger.cancel();
    });
    let start = Instant::now();
    let (group, drained, stuck) = TaskGroup::builder()
        .cancel_on(token)
        .grace(ms(50))
        .run(async |tg| {
            let tg2 = tg.clone();
            let drained = tg.spawn(async move {
                tg2.cancelled().await;
                Ok::<_, Boom>(tg2.cancel_reason())
            });
            let stuck = tg.spawn(sleep(HOUR));
            Ok::<_, Boom>((tg.spawner(), drained, stuck))
        })
        .await
        .unwrap();
    assert_eq!(drained.result(), Ok(Some(CancelReason::Shutdown)));
    assert_eq!(stuck.result(), Err(TaskError::Cancelled));
    assert_eq!(group.cancel_reason_of(&stuck), Some(CancelReason::Shutdown));
    let took = start.elapsed();
    assert!(
        took >= ms(60) && took < ms(70),
        "10 ms, then the grace: {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_token_cancelled_before_the_group_starts_cancels_it_at_once() {
    let token = CancellationToken::new();
    token.cancel();
    let result = TaskGroup::builder()
        .cancel_on(token)
        .run(async |tg| {
            sleep(HOUR).await;
            Ok::<_, Boom>(tg.cancel_reason())
        })
        .await;
    assert!(result.unwrap_err().contains::<taskgroup::Cancelled>());
}

#[tokio::test(start_paused = true)]
async fn one_token_shuts_down_many_groups() {
    let token = CancellationToken::new();
    let groups: Vec<_> = (0..3)
        .map(|_| {
            let token = token.clone();
            tokio::spawn(async move {
                TaskGroup::builder()
                    .cancel_on(token)
                    .grace(HOUR)
                    .run(async |tg| {
                        tg.cancelled().await;
                        Ok::<_, Boom>(())
                    })
                    .await
            })
        })
        .collect();
    sleep(ms(5)).await;
    token.cancel();
    for group in groups {
        group.await.unwrap().unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_group_that_finishes_first_leaves_the_token_alone() {
    let token = CancellationToken::new();
    TaskGroup::builder()
        .cancel_on(token.clone())
        .run(async |_tg| Ok::<_, Boom>(()))
        .await
        .unwrap();
    assert!(!token.is_cancelled());
    token.cancel(); // the watcher is gone; nothing to reach
}
