//! `deadline()` and `reschedule()`: a deadline the body and tasks may move.

use taskgroup::{TaskGroup, Timeout};
use tokio::time::{sleep, Instant};

use crate::common::{self, ms, HOUR};

common::python_errors!(Boom);

fn timeouts(eg: &taskgroup::ErrorGroup) -> Vec<Timeout> {
    eg.leaves()
        .filter_map(|leaf| leaf.error().downcast_ref::<Timeout>().copied())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn deadline_reports_the_builder_s_timeout_as_an_instant() {
    let start = Instant::now();
    TaskGroup::builder()
        .timeout(ms(100))
        .run(async |tg| {
            assert_eq!(tg.deadline(), Some(start + ms(100)));
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    TaskGroup::run(async |tg| {
        assert_eq!(tg.deadline(), None);
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn rescheduling_later_lets_the_work_finish() {
    let start = Instant::now();
    TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            tg.reschedule(Some(start + ms(50)));
            assert_eq!(tg.deadline(), Some(start + ms(50)));
            sleep(ms(40)).await;
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn rescheduling_earlier_expires_sooner() {
    let start = Instant::now();
    let eg = TaskGroup::builder()
        .timeout(HOUR)
        .run(async |tg| {
            tg.reschedule(Some(Instant::now() + ms(20)));
            sleep(HOUR).await;
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(took >= ms(20) && took < ms(30), "{took:?}");
    // The builder's timeout no longer applies: the leaf says the deadline expired.
    assert_eq!(timeouts(&eg)[0].after(), None);
}

#[tokio::test(start_paused = true)]
async fn a_group_without_a_deadline_can_be_given_one() {
    let start = Instant::now();
    let eg = TaskGroup::run(async |tg| {
        tg.reschedule(Some(start + ms(15)));
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1);
    assert!(start.elapsed() < ms(20));
}

#[tokio::test(start_paused = true)]
async fn rescheduling_to_none_removes_the_deadline() {
    TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            tg.reschedule(None);
            assert_eq!(tg.deadline(), None);
            sleep(ms(100)).await;
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_task_can_reschedule_its_group() {
    let start = Instant::now();
    TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            let tg2 = tg.clone();
            tg.spawn(async move {
                // Each unit of progress buys more time (a watchdog).
                for _ in 0..5 {
                    sleep(ms(8)).await;
                    tg2.reschedule(Some(Instant::now() + ms(10)));
                }
            });
            Ok::<_, Boom>(())
        })
        .await
        .unwrap();
    assert!(start.elapsed() >= ms(40));
}

#[tokio::test(start_paused = true)]
async fn a_deadline_in_the_past_expires_at_once() {
    let start = Instant::now();
    let eg = TaskGroup::run(async |tg| {
        tg.reschedule(Some(start));
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1);
    assert!(start.elapsed() < ms(2));
}

#[tokio::test(start_paused = true)]
async fn rescheduling_a_cancelling_group_has_no_effect() {
    let eg = TaskGroup::builder()
        .timeout(ms(10))
        .grace(HOUR)
        .run(async |tg| {
            sleep(ms(20)).await; // expired; the body has its grace period
            tg.reschedule(Some(Instant::now() + ms(5)));
            sleep(ms(20)).await;
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    assert_eq!(timeouts(&eg).len(), 1, "one expiry, not two");
}
