//! A nested group dropped by its own task at every point.

use super::*;

/// One case of a nested group cut inside its task: the task polls the nested
/// `run` future until `stop`, drops it, and succeeds; the outer group finishes
/// normally. Gives how the nested run completed (`None`: it was dropped).
fn nested_case(stop: Stop) -> Option<Result<u32, String>> {
    let case = format!("nested run {stop} by its task");
    paused_runtime().block_on(async {
        let probe = Probe::default();
        let inner_done = Arc::new(Mutex::new(None));
        let (p, done) = (probe.clone(), Arc::clone(&inner_done));
        let result = TaskGroup::run(async move |tg| {
            let (guard, p2) = (p.guard(), p.clone());
            tg.spawn(async move {
                let _guard = guard;
                let inner = TaskGroup::run(async move |tg| {
                    p2.keep_spawner(&tg);
                    p2.keep(1, tg.spawn(p2.task(1, 3, End::Succeed, true)));
                    p2.keep(2, tg.spawn(p2.task(2, 100, End::Succeed, true)));
                    p2.keep(3, tg.spawn(p2.task(3, 5, End::Fail, true)));
                    p2.body_ticks(1).await;
                    Ok::<_, Failure>(0)
                });
                let outcome = Cut::new(inner, stop).await;
                *lock(&done) = Some(outcome.map(|r| r.map_err(|e| shape_of(&e))));
                Ok::<_, Failure>(0)
            });
            Ok::<_, Failure>(0)
        })
        .await;
        assert_eq!(result.unwrap(), 0, "{case}");
        // On a current-thread runtime the aborted tasks of the nested group are
        // dropped before the outer `run` is polled again.
        assert_eq!(
            probe.live(),
            0,
            "{case}: a future alive after the outer run returned"
        );
        settle().await;
        let ticks = probe.ticks();
        sleep(HOUR).await;
        assert_eq!(ticks, probe.ticks(), "{case}: nested tasks kept running");
        check_after(&case, &probe);
        let inner = lock(&inner_done).take();
        inner.expect("the task ran to its end")
    })
}

/// A nested group's `run` future dropped inside its task, after each number of
/// polls and at each virtual millisecond, while the outer group finishes normally.
/// Once the runtime ran on, nothing of the nested group may still run.
#[test]
fn nested_run_dropped_by_its_task_at_every_point() {
    common::quiet_expected_panics::<PanicPayload>();
    let mut completed = false;
    for polls in 0..MAX_POLLS {
        if let Some(inner) = nested_case(Stop::AfterPolls(polls)) {
            assert_eq!(inner, Err("[3]".to_owned()));
            completed = true;
            break;
        }
    }
    assert!(completed, "the nested group never completed");
    // The nested group fails at 50 ms.
    for ms in 0..=50 {
        if let Some(inner) = nested_case(Stop::AtMillis(ms)) {
            assert_eq!(ms, 50, "the nested group completed early");
            assert_eq!(inner, Err("[3]".to_owned()));
        }
    }
}
