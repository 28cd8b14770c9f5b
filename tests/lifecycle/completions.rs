//! `completions()`: task results in the order the tasks finish.

use futures::StreamExt;
use taskgroup::{TaskError, TaskGroup};
use tokio::time::sleep;

use crate::common::{self, ms};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn results_come_in_completion_order_while_tasks_still_run() {
    let order = TaskGroup::run(async |tg| {
        let mut set = tg.completions::<u64>();
        let slow = set.spawn(async {
            sleep(ms(30)).await;
            Ok::<_, Boom>(30)
        });
        let fast = set.spawn(async {
            sleep(ms(10)).await;
            Ok::<_, Boom>(10)
        });
        let mut order = Vec::new();
        while let Some((id, result)) = set.next().await {
            order.push((id, result.unwrap()));
        }
        assert!(set.is_empty());
        Ok::<_, Boom>((order, fast, slow))
    })
    .await
    .unwrap();
    let (order, fast, slow) = order;
    assert_eq!(order, [(fast, 10), (slow, 30)]);
}

#[tokio::test(start_paused = true)]
async fn the_set_is_a_stream() {
    let sum = TaskGroup::run(async |tg| {
        let mut set = tg.completions::<u32>();
        for n in 1..=4 {
            set.spawn(async move { Ok::<_, Boom>(n) });
        }
        assert_eq!(set.len(), 4);
        Ok::<_, Boom>(set.map(|(_, r)| r.unwrap()).collect::<Vec<_>>().await)
    })
    .await
    .unwrap();
    assert_eq!(sum.iter().sum::<u32>(), 10);
}

#[tokio::test(start_paused = true)]
async fn a_failed_task_comes_out_as_failed_and_its_error_is_the_group_s() {
    let eg = TaskGroup::run(async |tg| {
        let mut set = tg.completions::<()>();
        set.spawn(async { Err::<(), _>(Boom) });
        let (_, result) = set.next().await.unwrap();
        assert!(matches!(result, Err(TaskError::Failed(_))));
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert_eq!(common::messages(&eg), ["Boom"]);
}

#[tokio::test(start_paused = true)]
async fn handles_spawned_elsewhere_can_join_the_set() {
    TaskGroup::run(async |tg| {
        let mut set = tg.completions::<&'static str>();
        let id = set.push(tg.spawn_named("named", async { Ok::<_, Boom>("a") }));
        assert_eq!(
            set.next().await.map(|(i, r)| (i, r.unwrap())),
            Some((id, "a"))
        );
        assert!(set.next().await.is_none());
        Ok::<_, Boom>(())
    })
    .await
    .unwrap();
}
