//! Each state a snapshot reports, and where it can be taken from.

use std::future::pending;
use std::time::Duration;

use taskgroup::{CancelReason, GroupState, TaskGroup, TaskState};

type Done = Result<(), std::fmt::Error>;

#[tokio::test(flavor = "current_thread")]
async fn a_snapshot_lists_the_tasks_that_have_not_ended_in_spawn_order() {
    TaskGroup::builder()
        .name("jobs")
        .run(async |tg| {
            let done = tg.spawn_named("quick", async {});
            let a = tg.spawn_named("a", pending::<()>());
            let b = tg.spawn(pending::<()>());
            done.await.unwrap();
            let snapshot = tg.snapshot();
            assert_eq!(snapshot.name.as_deref(), Some("jobs"));
            assert_eq!(snapshot.state, GroupState::Running);
            let ids: Vec<_> = snapshot.tasks.iter().map(|t| t.id).collect();
            assert_eq!(ids, [a.id(), b.id()], "the ended task is not listed");
            assert_eq!(snapshot.tasks[0].name.as_deref(), Some("a"));
            assert_eq!(snapshot.tasks[1].name, None);
            assert!(snapshot.tasks.iter().all(|t| t.state == TaskState::Running));
            assert!(snapshot.tasks[0].location.file().ends_with("states.rs"));
            tg.cancel();
            Done::Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn tasks_queued_under_a_limit_are_waiting_for_a_permit_until_their_turn() {
    TaskGroup::builder()
        .limit(1)
        .run(async |tg| {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            tg.spawn(async move { rx.await.map_err(|_| std::fmt::Error) });
            tg.spawn(pending::<()>());
            let snapshot = tg.snapshot();
            assert_eq!(snapshot.limit, Some(1));
            let states: Vec<_> = snapshot.tasks.iter().map(|t| t.state).collect();
            assert_eq!(states, [TaskState::Running, TaskState::WaitingForPermit]);
            tx.send(()).unwrap();
            // The first task ends and hands its permit on.
            while tg.snapshot().tasks.len() > 1 {
                tokio::task::yield_now().await;
            }
            let states: Vec<_> = tg.snapshot().tasks.iter().map(|t| t.state).collect();
            assert_eq!(states, [TaskState::Running]);
            tg.cancel();
            Done::Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn tasks_of_a_cancelling_group_in_its_grace_period_are_cancelling() {
    TaskGroup::builder()
        .grace(Duration::from_secs(60))
        .run(async |tg| {
            tg.spawn(pending::<()>());
            tg.cancel();
            let snapshot = tg.snapshot();
            assert_eq!(snapshot.state, GroupState::Cancelling);
            assert_eq!(snapshot.tasks.len(), 1);
            assert_eq!(snapshot.tasks[0].state, TaskState::Cancelling);
            Done::Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_finished_group_has_no_tasks_left() {
    let spawner = TaskGroup::run(async |tg| {
        tg.spawn(async {});
        Ok::<_, std::fmt::Error>(tg.spawner())
    })
    .await
    .unwrap();
    let snapshot = spawner.snapshot();
    assert_eq!(snapshot.state, GroupState::Finished);
    assert!(snapshot.tasks.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_task_can_take_a_snapshot_of_its_own_group() {
    TaskGroup::run(async |tg| {
        let group = tg.spawner();
        let me = tg.spawn_named("me", async move {
            let snapshot = group.snapshot();
            let names: Vec<_> = snapshot.tasks.iter().map(|t| t.name.clone()).collect();
            Ok::<_, std::fmt::Error>(names)
        });
        let names = me.await.unwrap();
        assert_eq!(names, [Some("me".into())]);
        Done::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_thread_takes_a_snapshot_through_a_spawner_without_waiting() {
    TaskGroup::run(async |tg| {
        let handle = tg.spawn_named("stuck", pending::<()>());
        let spawner = tg.spawner();
        let snapshot = std::thread::spawn(move || spawner.snapshot())
            .join()
            .unwrap();
        assert_eq!(snapshot.tasks.len(), 1);
        assert_eq!(snapshot.tasks[0].id, handle.id());
        assert!(snapshot.to_string().contains("task \"stuck\""));
        tg.cancel();
        Done::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn without_recorded_ages_a_snapshot_has_none() {
    // Ages are switched on only in `tests/snapshot_ages.rs`, its own process.
    TaskGroup::run(async |tg| {
        tg.spawn(pending::<()>());
        let snapshot = tg.snapshot();
        assert_eq!(snapshot.age, None);
        assert_eq!(snapshot.tasks[0].age, None);
        tg.cancel();
        Done::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn background_tasks_are_listed_as_background() {
    TaskGroup::run(async |tg| {
        let heartbeat = tg.spawn_background(pending::<()>());
        let work = tg.spawn(pending::<()>());
        let snapshot = tg.snapshot();
        let states: Vec<_> = snapshot.tasks.iter().map(|t| (t.id, t.state)).collect();
        assert_eq!(
            states,
            [
                (heartbeat.id(), TaskState::Background),
                (work.id(), TaskState::Running)
            ]
        );
        tg.cancel();
        Done::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancelling_group_gives_its_reason_to_itself_and_its_tasks() {
    TaskGroup::builder()
        .grace(Duration::from_secs(60))
        .run(async |tg| {
            tg.spawn(pending::<()>());
            assert_eq!(tg.snapshot().cancel_reason, None);
            tg.cancel_with("enough");
            let snapshot = tg.snapshot();
            let reason = CancelReason::Requested(Some("enough".into()));
            assert_eq!(snapshot.cancel_reason.as_ref(), Some(&reason));
            assert_eq!(snapshot.tasks[0].cancel_reason.as_ref(), Some(&reason));
            assert!(snapshot.to_string().contains("because cancelled: enough"));
            Done::Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_nested_in_a_task_is_listed_under_that_task_and_one_in_the_body_under_the_group() {
    let (ready, mut started) = tokio::sync::mpsc::unbounded_channel::<()>();
    TaskGroup::run(async |tg| {
        let in_task = tg.spawn_named("runs-a-group", async move {
            TaskGroup::builder()
                .name("in-task")
                .run(async |inner| {
                    inner.spawn(pending::<()>());
                    ready.send(()).unwrap();
                    pending::<Done>().await
                })
                .await
        });
        let group = tg.spawner();
        TaskGroup::builder()
            .name("in-body")
            .run(async |_| {
                started.recv().await;
                let snapshot = group.snapshot();
                let task = snapshot
                    .tasks
                    .iter()
                    .find(|t| t.id == in_task.id())
                    .unwrap();
                let under_task: Vec<_> = task.groups.iter().map(|g| g.name.clone()).collect();
                assert_eq!(under_task, [Some("in-task".into())]);
                assert_eq!(task.groups[0].tasks.len(), 1);
                let in_body: Vec<_> = snapshot.groups.iter().map(|g| g.name.clone()).collect();
                assert_eq!(in_body, [Some("in-body".into())]);
                Done::Ok(())
            })
            .await
            .unwrap();
        tg.cancel();
        Done::Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_finished_nested_group_is_no_longer_listed() {
    TaskGroup::run(async |tg| {
        TaskGroup::run(async |_| Done::Ok(())).await.unwrap();
        assert!(tg.snapshot().groups.is_empty());
        Done::Ok(())
    })
    .await
    .unwrap();
}
