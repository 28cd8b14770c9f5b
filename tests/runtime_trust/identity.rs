//! Cosmetic states of spawners and dropped groups, and provenance kept in the group's
//! registry.

use super::*;

// ---------------------------------------------------------------------------
// Cosmetic
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_spawner_after_a_successful_group_is_not_cancelled() {
    let spawner = TaskGroup::run(async |tg| Ok::<_, ValueError>(tg.spawner()))
        .await
        .unwrap();
    assert!(!spawner.is_cancelled());
    assert!(spawner.cancelled().now_or_never().is_none());
    assert!(spawner.is_closed());
}

#[tokio::test]
async fn a_group_whose_run_future_was_dropped_is_cancelled() {
    let flag = Flag::default();
    let mut spawner = None;
    let run = TaskGroup::run(async |tg| {
        spawner = Some(tg.spawner());
        flag.set();
        std::future::pending::<()>().await;
        Ok::<_, ValueError>(())
    });
    assert!(run.now_or_never().is_none());
    assert!(flag.get());
    assert!(spawner.unwrap().is_cancelled());
}

// ---------------------------------------------------------------------------
// Provenance, kept in the group's registry rather than in each task
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_task_reusing_a_named_tasks_registry_slot_does_not_inherit_its_name() {
    let errors = TaskGroup::run(async |tg| {
        let named = tg.spawn_named("first", async { Ok::<_, ValueError>(()) });
        let _ = (&mut { named }).await; // ended: its slot is free again
        tg.spawn(async {
            yield_now().await;
            Err::<(), _>(ValueError(2))
        });
        Ok::<_, ValueError>(())
    })
    .await
    .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), None, "{origin}");
}

#[tokio::test(start_paused = true)]
async fn a_named_task_failing_in_the_grace_period_keeps_its_identity() {
    let mut id = None;
    let errors = TaskGroup::builder()
        .grace(ms(10))
        .run(async |tg| {
            let spawner = tg.spawner();
            let handle = tg.spawn_named("cleanup", async move {
                spawner.cancelled().await;
                Err::<(), _>(ValueError(3))
            });
            id = Some(handle.id());
            tg.cancel();
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), Some("cleanup"));
    assert_eq!(origin.task_id(), id);
}
