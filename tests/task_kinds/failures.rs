//! Fail fast, cancellation that is not an error, and errors that always come as a group.

use super::*;

// ---------------------------------------------------------------------------
// 3.4 Fail fast
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_4_fail_fast_cancels_siblings_and_body() {
    let live = Live::default();
    let reached = Flag::default();
    let mut sibling = None;
    let start = Instant::now();
    let result = TaskGroup::run(async |tg| {
        tg.spawn(fail_after(ms(10), 1));
        let (guard, reached_in_task) = (live.guard(), reached.clone());
        sibling = Some(tg.spawn(async move {
            let _guard = guard;
            sleep(HOUR).await;
            reached_in_task.set();
        }));
        let _guard = live.guard();
        sleep(HOUR).await;
        reached.set();
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 1"]);
    assert!(!reached.get(), "a sibling or the body ran past the failure");
    assert_eq!(live.alive(), 0);
    assert!(sibling.unwrap().is_cancelled());
    assert!(start.elapsed() < ms(20));
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_body_error_cancels_tasks() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        for _ in 0..3 {
            tg.spawn(live.sleeper(HOUR));
        }
        sleep(ms(5)).await;
        Err::<(), _>(ValueError(1))
    })
    .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
    assert_eq!(live.alive(), 0);
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_errors_in_completion_order_body_last() {
    // With a grace period the cancelled body and tasks can still fail; the body
    // fails first in time, yet its error comes last.
    let result = TaskGroup::builder()
        .grace(Duration::from_secs(1))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            let tg2 = tg.clone();
            tg.spawn(async move {
                tg2.cancelled().await;
                sleep(ms(5)).await;
                Err::<(), _>(ValueError(2))
            });
            let tg3 = tg.clone();
            tg.spawn(async move {
                tg3.cancelled().await;
                sleep(ms(8)).await;
                Err::<(), _>(ValueError(3))
            });
            tg.cancelled().await;
            Err::<(), _>(ValueError(99))
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(
        messages(&eg),
        [
            "value error 1",
            "value error 2",
            "value error 3",
            "value error 99"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn rule_3_4_errors_racing_the_cancellation_are_all_kept() {
    // Three tasks fail at the same instant: how many land depends on scheduling, but
    // at least the first does and none is duplicated.
    let result = TaskGroup::run(async |tg| {
        for n in 0..3 {
            tg.spawn(fail_after(ms(10), n));
        }
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert!((1..=3).contains(&eg.len()));
    assert!(eg.iter().all(|e| e.is::<ValueError>()));
    let mut found = messages(&eg);
    // Sorted first: `dedup` only drops adjacent repeats, so a duplicate with
    // another error between the two copies used to pass.
    found.sort();
    found.dedup();
    assert_eq!(found.len(), eg.len(), "an error appears twice");
}

// ---------------------------------------------------------------------------
// 3.5 Cancellation is not an error
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_5_cancellation_is_not_an_error() {
    let result = TaskGroup::run(async |tg| {
        let handles: Vec<_> = (0..5)
            .map(|_| {
                tg.spawn(async {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
            })
            .collect();
        sleep(ms(1)).await;
        for handle in &handles {
            handle.cancel();
        }
        Ok::<_, ValueError>(handles)
    })
    .await;
    let handles = result.expect("cancelled tasks add nothing to the group");
    assert!(handles.iter().all(|h| h.is_cancelled()));
}

#[tokio::test(start_paused = true)]
async fn rule_3_5_tasks_cancelled_by_the_group_add_nothing() {
    let result = TaskGroup::run(async |tg| {
        for _ in 0..5 {
            tg.spawn(sleep(HOUR));
        }
        tg.spawn(fail_after(ms(1), 1));
        Ok::<_, ValueError>(())
    })
    .await;
    assert_eq!(result.unwrap_err().len(), 1);
}

// ---------------------------------------------------------------------------
// 3.6 Always a group
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rule_3_6_single_error_is_still_a_group() {
    let result = TaskGroup::run(async |_tg| Err::<(), _>(ValueError(1))).await;
    let eg = result.unwrap_err();
    assert_eq!(eg.message(), TASK_GROUP_MESSAGE);
    assert_eq!(eg.message(), "unhandled errors in a task group");
    assert_eq!(eg.len(), 1);
    assert!(matches!(&eg.children()[0], Node::Leaf(leaf) if leaf.error().is::<ValueError>()));
}

#[tokio::test]
async fn rule_3_6_single_task_error_is_still_a_group() {
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async { Err::<(), _>(ValueError(1)) });
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.message(), TASK_GROUP_MESSAGE);
    assert_eq!(eg.children().len(), 1);
}

#[tokio::test]
async fn rule_3_6_nested_groups_nest() {
    // An inner group's error, returned by the body, is one child of the outer group.
    let result = TaskGroup::run(async |tg| {
        tg.spawn(async {
            let inner = TaskGroup::run(async |tg| {
                tg.spawn(async { Err::<(), _>(ValueError(1)) });
                tg.spawn(async { Err::<(), _>(ValueError(2)) });
                Ok::<_, ValueError>(())
            })
            .await;
            inner
        });
        Ok::<_, ValueError>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.children().len(), 1);
    let Node::Group(inner) = &eg.children()[0] else {
        panic!("the inner group was flattened: {eg:?}");
    };
    assert_eq!(inner.message(), TASK_GROUP_MESSAGE);
    assert!((1..=2).contains(&inner.len()));
    assert!(inner.iter().all(|e| e.is::<ValueError>()));
}

#[tokio::test]
async fn rule_3_6_nested_group_from_the_body_nests() {
    let result = TaskGroup::run(async |_tg| {
        TaskGroup::run(async |_tg| Err::<(), _>(ValueError(1))).await?;
        Ok::<_, ErrorGroup>(())
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    let Node::Group(inner) = &eg.children()[0] else {
        panic!("the inner group was flattened: {eg:?}");
    };
    assert_eq!(messages(inner), ["value error 1"]);
}
