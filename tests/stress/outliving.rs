//! A task's future never outlives `run` on a multi-thread runtime (regressions of known
//! bugs).

use super::*;

/// A task future that owns a resource in its own fields and completes at once, as
/// hand-written futures and many library futures do (unlike an `async` block,
/// which drops its captures as it completes).
struct OwnsGuard(#[allow(dead_code)] LiveGuard);

impl Future for OwnsGuard {
    type Output = Result<(), Infallible>;

    fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Once `run` returned, the futures of tasks that completed must have been
/// dropped, with everything they own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_task_futures_are_dropped_before_run_returns() {
    for round in 0..2_000 {
        let live = Live::default();
        TaskGroup::run(async |tg| {
            for _ in 0..4 {
                tg.spawn(OwnsGuard(live.guard()));
            }
            tokio::task::yield_now().await;
            Ok::<_, Infallible>(())
        })
        .await
        .unwrap();
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a completed task's future was alive after run returned"
        );
    }
}

/// Once `run` returned, the futures of tasks aborted while waiting for their
/// turn under `limit(n)` must have been dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limited_tasks_aborted_before_their_turn_are_dropped_before_run_returns() {
    for round in 0..3_000 {
        let live = Live::default();
        let _cancelled = TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                live.spawn_pending(&tg, 20);
                tg.cancel();
                Ok::<_, Infallible>(())
            })
            .await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: an aborted task's future was alive after run returned"
        );
    }
}

/// Once `run` returned, the closures of blocking tasks that the group stopped
/// while they waited for their turn under `limit(n)` must have been dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_blocking_tasks_drop_their_closures_before_run_returns() {
    for round in 0..50 {
        let live = Live::default();
        let _cancelled = TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                // Once it has the only permit, holds it until the group is
                // cancelled (it used to sleep 2 ms, which a slow start could
                // outlast), so the tasks behind it are still waiting for their
                // turn when `cancel` stops them.
                let (release, held) = std::sync::mpsc::channel::<()>();
                tg.spawn_blocking(move || {
                    let _ = held.recv();
                });
                for _ in 0..8 {
                    let guard = live.guard();
                    tg.spawn_blocking(move || drop(guard));
                }
                tg.cancel();
                drop(release);
                Ok::<_, Infallible>(())
            })
            .await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a stopped blocking task's closure was alive after run returned"
        );
    }
}
