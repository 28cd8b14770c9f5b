//! Each group shape dropped at every poll.

use super::*;

/// Fail-fast: a task fails while others run or hang; the body finished earlier.
fn flat(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.enter(&tg);
        probe.spawn(&tg, 1, 3, End::Succeed);
        probe.spawn(&tg, 2, 5, End::Fail);
        probe.spawn(&tg, 3, 100, End::Succeed);
        probe.spawn(&tg, 4, 2, End::Succeed);
        probe.body_ticks(3).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_flat_group() {
    let cases = every_cancel_point("flat", flat, Completed::Shape("[2]".into()));
    assert!(cases > 10);
}

/// `limit(2)`: tasks waiting their turn, grandchildren spawned by tasks into the
/// same group; a grandchild fails last.
fn limited_with_grandchildren(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::builder().limit(2).run(async move |tg| {
        let _guard = probe.enter(&tg);
        for (id, child, child_end) in [(1, 11, End::Succeed), (2, 21, End::Fail)] {
            let (guard, p, tg2) = (probe.guard(), probe.clone(), tg.clone());
            let task = async move {
                let _guard = guard;
                p.keep(child, tg2.spawn(p.task(child, 3, child_end, false)));
                sleep(TICK).await;
                p.tick(false);
                p.end(id, End::Succeed)
            };
            probe.keep(id, tg.spawn(task));
        }
        probe.spawn(&tg, 3, 3, End::Succeed);
        probe.spawn(&tg, 4, 4, End::Succeed);
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_limited_group_with_grandchildren() {
    let cases = every_cancel_point(
        "limit + grandchildren",
        limited_with_grandchildren,
        Completed::Shape("[21]".into()),
    );
    assert!(cases > 10);
}

/// Three levels: the innermost task fails; the error comes out nested three deep
/// while tasks at every level hang.
fn nested(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.enter(&tg);
        probe.spawn(&tg, 1, 100, End::Succeed);
        let (guard, p, p4) = (probe.guard(), probe.clone(), probe.clone());
        let middle = async move {
            let _guard = guard;
            let middle = TaskGroup::run(async move |tg| {
                p.keep(10, tg.spawn(p.task(10, 100, End::Succeed, true)));
                let (guard, p2, p3) = (p.guard(), p.clone(), p.clone());
                let inner = async move {
                    let _guard = guard;
                    let inner = TaskGroup::run(async move |tg| {
                        p2.keep(100, tg.spawn(p2.task(100, 2, End::Succeed, true)));
                        p2.keep(101, tg.spawn(p2.task(101, 4, End::Fail, true)));
                        p2.keep(102, tg.spawn(p2.task(102, 100, End::Succeed, true)));
                        Ok::<_, Failure>(0)
                    })
                    .await;
                    p3.nested_end(11, inner)
                };
                p.keep(11, tg.spawn(inner));
                Ok::<_, Failure>(0)
            })
            .await;
            p4.nested_end(2, middle)
        };
        probe.keep(2, tg.spawn(middle));
        probe.body_ticks(1).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_nested_groups() {
    let cases = every_cancel_point("nested", nested, Completed::Shape("[[[101]]]".into()));
    assert!(cases > 10);
}

/// A grace period: one task fails, two clean up and fail within the grace
/// period, one ignores the cancellation and is cut when it ends.
fn grace(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(
        TaskGroup::builder()
            .grace(Duration::from_millis(35))
            .run(async move |tg| {
                let _guard = probe.enter(&tg);
                probe.spawn(&tg, 1, 1, End::Fail);
                probe.keep(2, tg.spawn(probe.cleanup_task(&tg, 2, 2)));
                probe.keep(3, tg.spawn(probe.cleanup_task(&tg, 3, 3)));
                probe.spawn(&tg, 4, 100, End::Succeed);
                probe.body_ticks(100).await;
                Ok::<_, Failure>(0)
            }),
    )
}

#[test]
fn drop_at_every_poll_during_a_grace_period() {
    let cases = every_cancel_point("grace", grace, Completed::Shape("[1, 2, 3]".into()));
    assert!(cases > 10);
}

/// Supervised with a timeout: two failures, then the timeout cuts the rest.
fn supervised_timeout(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(
        TaskGroup::builder()
            .supervise()
            .timeout(Duration::from_millis(35))
            .run(async move |tg| {
                let _guard = probe.enter(&tg);
                probe.spawn(&tg, 1, 1, End::Fail);
                probe.spawn(&tg, 2, 2, End::Fail);
                probe.spawn(&tg, 3, 100, End::Succeed);
                probe.spawn(&tg, 4, 3, End::Succeed);
                probe.body_ticks(100).await;
                Ok::<_, Failure>(0)
            }),
    )
}

#[test]
fn drop_at_every_poll_supervised_with_timeout() {
    let cases = every_cancel_point(
        "supervise + timeout",
        supervised_timeout,
        Completed::Shape("[1, 2, T]".into()),
    );
    assert!(cases > 10);
}

/// A task panics after another failed (supervised, so the failure cancels
/// nothing); the panic resumes in the caller with its payload.
fn panicking(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::builder().supervise().run(async move |tg| {
        let _guard = probe.enter(&tg);
        probe.spawn(&tg, 1, 1, End::Fail);
        probe.spawn(&tg, 2, 2, End::Panic);
        probe.spawn(&tg, 3, 100, End::Succeed);
        probe.body_ticks(10).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_with_a_panicking_task() {
    let cases = every_cancel_point("panic", panicking, Completed::Panic(2));
    assert!(cases > 10);
}

/// The body cancels one task through its handle, then the whole group.
fn cancelled(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.enter(&tg);
        probe.spawn(&tg, 1, 100, End::Succeed);
        probe.spawn(&tg, 2, 2, End::Succeed);
        probe.spawn(&tg, 3, 100, End::Fail);
        probe.body_ticks(1).await;
        probe.cancel(3);
        probe.body_ticks(2).await;
        tg.cancel();
        probe.body_ticks(100).await;
        Ok::<_, Failure>(0)
    }))
}

#[test]
fn drop_at_every_poll_with_handle_and_group_cancel() {
    let cases = every_cancel_point("cancel", cancelled, Completed::Shape("[C]".into()));
    assert!(cases > 10);
}

/// A group that finishes cleanly, with tasks of every length.
fn clean(probe: &Probe) -> RunFuture {
    let probe = probe.clone();
    Box::pin(TaskGroup::run(async move |tg| {
        let _guard = probe.enter(&tg);
        for id in 1..=5 {
            probe.spawn(&tg, id, id, End::Succeed);
        }
        probe.body_ticks(2).await;
        Ok::<_, Failure>(42)
    }))
}

#[test]
fn drop_at_every_poll_clean_group() {
    let cases = every_cancel_point("clean", clean, Completed::Value(42));
    assert!(cases > 10);
}
