//! Normal completion, one child cancelled through its handle, and the first failure
//! aborting the group.

use super::*;

// ---------------------------------------------------------------------------
// Normal completion; results readable after exit
// ---------------------------------------------------------------------------

/// `_01` and `_02`: two children with results, the second spawned `gap`
/// seconds after the first (or at once); both results are readable after exit.
async fn both_results_readable_after_exit(gap: Option<f64>) {
    let (t1, t2) = TaskGroup::run(async |g| {
        let t1 = g.spawn(foo1_value());
        if let Some(gap) = gap {
            sleep(secs(gap)).await;
        }
        let t2 = g.spawn(foo2_value());
        Ok::<_, ZeroDivisionError>((t1, t2))
    })
    .await
    .unwrap();
    assert_eq!(t1.result(), Ok(42));
    assert_eq!(t2.result(), Ok(11));
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_01() {
    both_results_readable_after_exit(None).await;
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_02() {
    both_results_readable_after_exit(Some(0.15)).await;
}

// ---------------------------------------------------------------------------
// Explicitly cancelling one child is not an error
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_taskgroup_03() {
    let (t1, t2) = TaskGroup::run(async |g| {
        let t1 = g.spawn(async {
            sleep(secs(1.0)).await;
            Ok::<_, ZeroDivisionError>(42)
        });
        sleep(secs(0.15)).await;
        // Cancel t1 explicitly: everything else keeps working.
        t1.cancel();
        let t2 = g.spawn(foo2_value());
        Ok::<_, ZeroDivisionError>((t1, t2))
    })
    .await
    .unwrap();
    assert!(t1.is_cancelled());
    assert_eq!(t2.result(), Ok(11));
}

// ---------------------------------------------------------------------------
// The first failure aborts the group; the result is a group
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_taskgroup_04() {
    let num = Counter::default();
    let t2_cancel = Counter::default();
    let mut t2 = None;
    let runner = async {
        TaskGroup::run(async |g| {
            g.spawn(divide_by_zero_after(0.1));
            let (sleeper, num) = (t2_cancel.sleeper(1, 1.0), num.clone());
            t2 = Some(g.spawn(async move {
                sleeper.await;
                num.add(1);
            }));
            Ok::<_, ZeroDivisionError>(())
        })
        .await?;
        num.add(10);
        Ok::<_, ErrorGroup>(())
    };
    let eg = runner.await.unwrap_err();
    assert_eq!(get_error_types(&eg), ["ZeroDivisionError"]);
    assert_eq!(num.get(), 0);
    assert_eq!(t2_cancel.get(), 1);
    assert!(t2.unwrap().is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn test_cancel_children_on_child_error() {
    let num = Counter::default();
    let t2_cancel = Counter::default();
    let runner_cancel = Counter::default();
    let runner = async {
        TaskGroup::run(async |g| {
            g.spawn(divide_by_zero_after(0.1));
            g.spawn(divide_by_zero_after(0.1));
            g.spawn(divide_by_zero_after(0.1));
            let (sleeper, num) = (t2_cancel.sleeper(1, 5.0), num.clone());
            g.spawn(async move {
                sleeper.await;
                num.add(1);
            });
            runner_cancel.sleeper(1, 10.0).await;
            Ok::<_, ZeroDivisionError>(())
        })
        .await?;
        num.add(10);
        Ok::<_, ErrorGroup>(())
    };
    let eg = runner.await.unwrap_err();
    assert_eq!(get_error_types(&eg), ["ZeroDivisionError"]);
    // The three failures race the cancellation: one to three of them land.
    assert!((1..=3).contains(&eg.len()), "{eg:?}");
    assert_eq!(num.get(), 0);
    assert_eq!(t2_cancel.get(), 1);
    assert_eq!(runner_cancel.get(), 1);
}
