//! External cancellation of the parent cancels every child; errors beat cancellation.

use super::*;

// ---------------------------------------------------------------------------
// External cancellation of the parent cancels every child
// ---------------------------------------------------------------------------

/// Five children sleeping 5 s, each counting one into `num` if cancelled.
fn spawn_five_sleepers(g: &TaskGroup, num: &Counter) {
    for _ in 0..5 {
        g.spawn(num.sleeper(1, 5.0));
    }
}

#[tokio::test(start_paused = true)]
async fn test_cancellation() {
    // Python cancels the task running the group; in Rust that is aborting it, which
    // drops the `run` future (rule 3.8).
    let num = Counter::default();
    let num2 = num.clone();
    let r = tokio::spawn(TaskGroup::run(async move |g| {
        spawn_five_sleepers(&g, &num2);
        Ok::<_, ZeroDivisionError>(())
    }));
    abort_runner_after(r, 0.1).await;
    assert_eq!(num.get(), 5);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_07() {
    let num = Counter::default();
    let num2 = num.clone();
    let r = tokio::spawn(TaskGroup::run(async move |g| {
        spawn_five_sleepers(&g, &num2);
        num2.sleeper(10, 10.0).await;
        Ok::<_, ZeroDivisionError>(())
    }));
    abort_runner_after(r, 0.1).await;
    assert_eq!(num.get(), 15);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_17() {
    let num = Counter::default();
    let num2 = num.clone();
    let r = tokio::spawn(TaskGroup::run(async move |_g| {
        num2.sleeper(10, 10.0).await;
        Ok::<_, ZeroDivisionError>(())
    }));
    abort_runner_after(r, 0.1).await;
    assert_eq!(num.get(), 10);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_22() {
    // The body has finished; the group is waiting for its children when cancelled.
    let num = Counter::default();
    let num2 = num.clone();
    let r = tokio::spawn(TaskGroup::run(async move |g| {
        for t in [1.0, 2.0] {
            g.spawn(num2.sleeper(1, t));
        }
        Ok::<_, ZeroDivisionError>(())
    }));
    abort_runner_after(r, 0.05).await;
    assert_eq!(num.get(), 2, "both children were cancelled");
}

// ---------------------------------------------------------------------------
// Errors beat cancellation (cooperative equivalents)
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_taskgroup_08() {
    // Python: the runner is cancelled and five children raise 1/0 in `finally`.
    // Rust: a dropped child cannot raise, so the group is cancelled cooperatively
    // from outside (through a spawner) and the children fail in their grace period.
    let outside = Outside::default();
    let run = TaskGroup::builder().grace(secs(1.0)).run(async |g| {
        outside.enter(&g);
        for _ in 0..5 {
            g.spawn(fail_in_cleanup(g.clone()));
        }
        sleep(secs(10.0)).await;
        Ok::<_, ZeroDivisionError>(())
    });
    let (result, ()) = tokio::join!(run, outside.cancel_after(0.1));
    let eg = result.unwrap_err();
    assert_eq!(get_error_types(&eg), ["ZeroDivisionError"]);
    assert_eq!(eg.len(), 5);
}

/// The body of `_15` and `_16`: `crash_soon` fails at 0.3 s; the body is told of an
/// external cancellation at 0.1 s and spends 0.5 s cleaning up, during which the
/// crash cancels it.
async fn runner_15(external: Arc<Notify>) -> Result<(), ErrorGroup> {
    TaskGroup::run(async |g| {
        g.spawn(divide_by_zero_after(0.3));
        tokio::select! {
            () = sleep(secs(10.0)) => {}
            () = external.notified() => sleep(secs(0.5)).await,
        }
        Err::<(), _>(MyExc) // re-raising the cancellation; never reached
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_15() {
    // Python's external `r.cancel()` reaches only the body (the group learns of it
    // when the body exits); here the body listens to a signal instead.
    let external = Arc::new(Notify::new());
    let r = tokio::spawn(runner_15(Arc::clone(&external)));
    sleep(secs(0.1)).await;
    assert!(!r.is_finished());
    external.notify_one();
    let eg = r.await.unwrap().unwrap_err();
    assert_eq!(get_error_types(&eg), ["ZeroDivisionError"]);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_16() {
    let external = Arc::new(Notify::new());
    let nested_runner = runner_15(Arc::clone(&external));
    let r = tokio::spawn(async move { tokio::spawn(nested_runner).await.unwrap() });
    sleep(secs(0.1)).await;
    assert!(!r.is_finished());
    external.notify_one();
    let eg = r.await.unwrap().unwrap_err();
    assert_eq!(get_error_types(&eg), ["ZeroDivisionError"]);
}
