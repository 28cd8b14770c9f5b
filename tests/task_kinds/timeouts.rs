//! Timeouts and deadlines, nested ones too.

use super::*;

// ---------------------------------------------------------------------------
// 3.11 Timeouts
// ---------------------------------------------------------------------------

/// The `Timeout` leaves at the top level of `eg`.
fn top_level_timeouts(eg: &ErrorGroup) -> Vec<Timeout> {
    eg.children()
        .iter()
        .filter_map(|child| match child {
            Node::Leaf(leaf) => leaf.error().downcast_ref::<Timeout>().copied(),
            Node::Group(_) => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_timeout_adds_timeout_leaf() {
    let live = Live::default();
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(ms(50))
        .run(async |tg| {
            tg.spawn(live.sleeper(HOUR));
            let _guard = live.guard();
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    let timeout = top_level_timeouts(&eg)[0];
    assert_eq!(timeout.after(), Some(ms(50)));
    assert_eq!(timeout.to_string(), "task group timed out after 50ms");
    assert_eq!(live.alive(), 0);
    assert_eq!(start.elapsed(), ms(50));
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_deadline_adds_timeout_leaf() {
    let result = TaskGroup::builder()
        .deadline(Instant::now() + ms(30))
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let timeout = top_level_timeouts(&result.unwrap_err())[0];
    assert_eq!(timeout.after(), None);
    assert_eq!(timeout.to_string(), "task group deadline expired");
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_earlier_of_timeout_and_deadline_applies() {
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(HOUR)
        .deadline(Instant::now() + ms(30))
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(top_level_timeouts(&result.unwrap_err())[0].after(), None);
    assert_eq!(start.elapsed(), ms(30));

    let result = TaskGroup::builder()
        .timeout(ms(20))
        .deadline(Instant::now() + HOUR)
        .run(async |_tg| {
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert_eq!(
        top_level_timeouts(&result.unwrap_err())[0].after(),
        Some(ms(20))
    );
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_no_expiry_passes_the_value_through() {
    let result = TaskGroup::builder()
        .timeout(Duration::from_secs(10))
        .run(async |tg| {
            tg.spawn(sleep(ms(10)));
            sleep(ms(10)).await;
            Ok::<_, ValueError>(5)
        })
        .await;
    assert_eq!(result.unwrap(), 5);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_timeout_comes_after_earlier_errors() {
    let result = TaskGroup::builder()
        .supervise()
        .timeout(ms(50))
        .run(async |tg| {
            tg.spawn(fail_after(ms(10), 1));
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 2);
    let mut errors = eg.iter();
    assert!(errors.next().unwrap().is::<ValueError>());
    assert!(errors.next().unwrap().is::<Timeout>());
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_outermost_expired_deadline_wins() {
    // Both deadlines expire at the same instant: the outer group reports the
    // timeout, the inner group is cancelled and reports nothing.
    let after_inner = Flag::default();
    let deadline = Instant::now() + ms(10);
    let result = TaskGroup::builder()
        .deadline(deadline)
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .deadline(deadline)
                .run(async |_tg| {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
                .await;
            after_inner.set();
            inner
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 1);
    assert_eq!(top_level_timeouts(&eg).len(), 1, "{eg:?}");
    assert!(!after_inner.get(), "the inner group converted the timeout");
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_outermost_expired_deadline_wins_for_groups_in_tasks() {
    let after_inner = Flag::default();
    let result = TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            let after_inner = after_inner.clone();
            tg.spawn(async move {
                let inner = TaskGroup::builder()
                    .timeout(ms(10))
                    .run(async |_tg| {
                        sleep(HOUR).await;
                        Ok::<_, ValueError>(())
                    })
                    .await;
                after_inner.set();
                inner
            });
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.children().len(), 1, "{eg:?}");
    assert_eq!(top_level_timeouts(&eg).len(), 1);
    assert!(!after_inner.get());
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_inner_timeout_expiring_alone_is_the_inner_groups() {
    let inner_result = Arc::new(Mutex::new(None));
    let start = Instant::now();
    let result = TaskGroup::builder()
        .timeout(ms(50))
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(ms(10))
                .run(async |_tg| {
                    sleep(HOUR).await;
                    Ok::<_, ValueError>(())
                })
                .await;
            *inner_result.lock().unwrap() = Some((inner, start.elapsed()));
            // The outer body carries on until its own timeout.
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        })
        .await;
    let outer = top_level_timeouts(&result.unwrap_err());
    assert_eq!(outer[0].after(), Some(ms(50)));
    let (inner, at) = inner_result.lock().unwrap().take().unwrap();
    assert_eq!(
        top_level_timeouts(&inner.unwrap_err())[0].after(),
        Some(ms(10))
    );
    assert_eq!(at, ms(10));
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_zero_timeout_runs_the_body_up_to_its_first_await() {
    let (before, after) = (Flag::default(), Flag::default());
    let result = TaskGroup::builder()
        .timeout(Duration::ZERO)
        .run(async |_tg| {
            before.set();
            yield_now().await;
            after.set();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(before.get(), "code before the first await runs (E4)");
    assert!(!after.get(), "the timeout fires at the first await (E4)");
    assert_eq!(top_level_timeouts(&result.unwrap_err()).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_past_deadline_runs_the_body_up_to_its_first_await() {
    let now = Instant::now();
    let past = now.checked_sub(Duration::from_secs(11)).unwrap_or(now);
    let (before, after) = (Flag::default(), Flag::default());
    let result = TaskGroup::builder()
        .deadline(past)
        .run(async |_tg| {
            before.set();
            yield_now().await;
            after.set();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(before.get());
    assert!(!after.get());
    assert_eq!(top_level_timeouts(&result.unwrap_err()).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn rule_3_11_zero_timeout_body_that_never_awaits_finishes() {
    // Nothing suspends, so there is no point at which to cancel (as in Python).
    let result = TaskGroup::builder()
        .timeout(Duration::ZERO)
        .run(async |_tg| Ok::<_, ValueError>(1))
        .await;
    assert_eq!(result.unwrap(), 1);
}
