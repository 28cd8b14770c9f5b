//! Why a group is cancelling: `cancel_reason()`, on the group and on the
//! handles of the tasks it stopped, and the note in a failed group's report.

use std::sync::{Arc, Mutex};

use futures::FutureExt;
use taskgroup::{CancelReason, TaskError, TaskGroup, TaskHandle};
use tokio::time::sleep;

use crate::common::{self, lock, ms, HOUR};

common::python_errors!(Boom);

#[tokio::test(start_paused = true)]
async fn a_task_failure_names_the_task_that_failed() {
    let sleeper = Arc::new(Mutex::new(None));
    let group = Arc::new(Mutex::new(None));
    let failing_id = Arc::new(Mutex::new(None));
    let eg = TaskGroup::run(async |tg| {
        *lock(&sleeper) = Some(tg.spawn(sleep(HOUR)));
        *lock(&group) = Some(tg.spawner());
        let failing = tg.spawn_named("fetch", async {
            sleep(ms(1)).await;
            Err::<(), _>(Boom)
        });
        *lock(&failing_id) = Some(failing.id());
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    let id = lock(&failing_id).unwrap();
    let expected = CancelReason::TaskFailed {
        id,
        name: Some("fetch".into()),
    };
    let sleeper: TaskHandle<()> = lock(&sleeper).take().unwrap();
    let group: TaskGroup = lock(&group).take().unwrap();
    assert_eq!(group.cancel_reason_of(&sleeper), Some(expected.clone()));
    assert_eq!(
        expected.to_string(),
        format!("task \"fetch\" ({id}) failed")
    );
    // The report says how many tasks the failure stopped, and why.
    assert_eq!(
        eg.notes(),
        [format!(
            "1 task was cancelled: task \"fetch\" ({id}) failed"
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn the_report_counts_every_stopped_task() {
    let eg = TaskGroup::run(async |tg| {
        for _ in 0..3 {
            tg.spawn(sleep(HOUR));
        }
        tg.spawn(async {
            sleep(ms(1)).await;
            Err::<(), _>(Boom)
        });
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    let note = &eg.notes()[0];
    assert!(note.starts_with("3 tasks were cancelled: task #"), "{note}");
    assert!(format!("{eg:#}").contains(note.as_str()), "{eg:#}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_group_that_stopped_no_task_has_no_note() {
    let eg = TaskGroup::run(async |tg| {
        tg.spawn(async { Err::<(), _>(Boom) });
        Ok::<_, Boom>(())
    })
    .await
    .unwrap_err();
    assert!(eg.notes().is_empty(), "{:?}", eg.notes());
}

#[tokio::test(start_paused = true)]
async fn the_body_s_failure_is_its_reason() {
    let reason = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&reason);
    TaskGroup::builder()
        .grace(HOUR)
        .run(async |tg| {
            let tg2 = tg.clone();
            tg.spawn(async move {
                tg2.cancelled().await;
                *lock(&seen) = tg2.cancel_reason();
            });
            Err::<(), _>(Boom)
        })
        .await
        .unwrap_err();
    assert_eq!(*lock(&reason), Some(CancelReason::BodyFailed));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_is_its_reason() {
    let sleeper = Arc::new(Mutex::new(None));
    let group = Arc::new(Mutex::new(None));
    TaskGroup::builder()
        .timeout(ms(10))
        .run(async |tg| {
            *lock(&sleeper) = Some(tg.spawn(sleep(HOUR)));
            *lock(&group) = Some(tg.spawner());
            *lock(&group) = Some(tg.spawner());
            sleep(HOUR).await;
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    let sleeper: TaskHandle<()> = lock(&sleeper).take().unwrap();
    let group: TaskGroup = lock(&group).take().unwrap();
    assert_eq!(sleeper.result(), Err(TaskError::Cancelled));
    assert_eq!(
        group.cancel_reason_of(&sleeper),
        Some(CancelReason::Deadline)
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_its_reason() {
    common::quiet_expected_panics::<&str>();
    let sleeper = Arc::new(Mutex::new(None));
    let group = Arc::new(Mutex::new(None));
    let outcome = std::panic::AssertUnwindSafe(TaskGroup::run(async |tg| {
        *lock(&sleeper) = Some(tg.spawn(sleep(HOUR)));
        *lock(&group) = Some(tg.spawner());
        tg.spawn(async { panic!("boom") as () });
        sleep(HOUR).await;
        Ok::<_, Boom>(())
    }))
    .catch_unwind()
    .await;
    assert!(outcome.is_err());
    let sleeper: TaskHandle<()> = lock(&sleeper).take().unwrap();
    let group: TaskGroup = lock(&group).take().unwrap();
    assert_eq!(
        group.cancel_reason_of(&sleeper),
        Some(CancelReason::Panicked)
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_with_gives_the_reason_and_is_not_an_error() {
    let (group, sleeper) = TaskGroup::run(async |tg| {
        let sleeper = tg.spawn(sleep(HOUR));
        tg.cancel_with("config reloaded");
        Ok::<_, Boom>((tg.spawner(), sleeper))
    })
    .await
    .unwrap();
    let expected = CancelReason::Requested(Some("config reloaded".into()));
    assert_eq!(group.cancel_reason_of(&sleeper), Some(expected.clone()));
    assert_eq!(expected.to_string(), "cancelled: config reloaded");
}

#[tokio::test(start_paused = true)]
async fn cancel_without_a_message_is_a_request_too() {
    let spawner = TaskGroup::run(async |tg| {
        tg.cancel();
        Ok::<_, Boom>(tg.spawner())
    })
    .await
    .unwrap();
    assert_eq!(spawner.cancel_reason(), Some(CancelReason::Requested(None)));
}

#[tokio::test(start_paused = true)]
async fn the_first_reason_wins() {
    let reason = Arc::new(Mutex::new(None));
    let eg = TaskGroup::builder()
        .grace(HOUR)
        .timeout(ms(10))
        .run(async |tg| {
            tg.cancel_with("first");
            sleep(ms(20)).await; // the deadline passes in the grace period
            *lock(&reason) = tg.cancel_reason();
            Ok::<_, Boom>(())
        })
        .await
        .unwrap_err();
    assert!(
        eg.contains::<taskgroup::Timeout>(),
        "the timeout still adds its leaf"
    );
    assert_eq!(
        *lock(&reason),
        Some(CancelReason::Requested(Some("first".into())))
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_cancelled_through_its_handle_says_so() {
    let (group, handle) = TaskGroup::run(async |tg| {
        let handle = tg.spawn(sleep(HOUR));
        handle.cancel();
        sleep(ms(1)).await;
        tg.cancel(); // the group's reason does not override the handle's
        Ok::<_, Boom>((tg.spawner(), handle))
    })
    .await
    .unwrap();
    assert!(handle.is_cancelled_here());
    assert_eq!(group.cancel_reason_of(&handle), Some(CancelReason::Handle));
}

#[tokio::test(start_paused = true)]
async fn only_a_cancelled_task_has_a_reason() {
    let (group, finished, running, refused) = TaskGroup::run(async |tg| {
        let finished = tg.spawn(async { Ok::<_, Boom>(1) });
        let running = tg.spawn(sleep(HOUR));
        sleep(ms(1)).await;
        assert_eq!(tg.cancel_reason_of(&running), None, "still running");
        tg.cancel_with("enough");
        let refused = tg.spawn(async { Ok::<_, Boom>(2) });
        Ok::<_, Boom>((tg.spawner(), finished, running, refused))
    })
    .await
    .unwrap();
    let enough = Some(CancelReason::Requested(Some("enough".into())));
    assert_eq!(group.cancel_reason_of(&running), enough);
    assert!(!running.is_cancelled_here());
    assert_eq!(finished.result(), Ok(1));
    assert_eq!(group.cancel_reason_of(&finished), None, "it finished first");
    assert!(matches!(refused.result(), Err(TaskError::NotSpawned(_))));
    assert_eq!(group.cancel_reason_of(&refused), None, "it never ran");
}
