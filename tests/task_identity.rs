//! Who a task is: its name (one shared allocation, from spawn to the origin of
//! its error), the crate's `TaskId`, and tokio's own task id.

use std::sync::Arc;

use taskgroup::{TaskError, TaskGroup};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure(&'static str);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Failure {}

#[tokio::test]
async fn a_failed_tasks_origin_shares_the_name_given_at_spawn() {
    let name: Arc<str> = Arc::from("fetch");
    let errors = TaskGroup::builder()
        .supervise()
        .run({
            let name = Arc::clone(&name);
            async move |tg| {
                for _ in 0..3 {
                    tg.spawn_named(Arc::clone(&name), async { Err::<(), _>(Failure("down")) });
                }
                Ok::<_, Failure>(())
            }
        })
        .await
        .unwrap_err();
    assert_eq!(errors.len(), 3);
    for leaf in errors.leaves() {
        let origin_name = leaf.origin().unwrap().task_name().unwrap();
        assert_eq!(origin_name, "fetch");
        // The same bytes, not a copy made when the task failed.
        assert!(std::ptr::eq(origin_name.as_ptr(), name.as_ptr()));
    }
}

#[tokio::test]
async fn spawn_named_and_the_builders_name_take_the_same_string_types() {
    let shared: Arc<str> = Arc::from("shared");
    let owned = String::from("owned");
    let group_names = TaskGroup::builder()
        .name(Arc::clone(&shared))
        .run(async |tg| {
            let names = [
                tg.spawn_named("literal", async {}),
                tg.spawn_named(owned.clone(), async {}),
                tg.spawn_named(Arc::clone(&shared), async {}),
                tg.spawn_named(Box::<str>::from("boxed"), async {}),
            ]
            .map(|handle| handle.name().map(str::to_owned));
            Ok::<_, Failure>((tg.name().map(str::to_owned), names))
        })
        .await
        .unwrap();
    assert_eq!(group_names.0.as_deref(), Some("shared"));
    let names = group_names.1.map(Option::unwrap);
    assert_eq!(names, ["literal", "owned", "shared", "boxed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_named_names_the_handle_and_the_errors_origin() {
    let errors = TaskGroup::run(async |tg| {
        let handle = tg.spawn_blocking_named("checksum", || Err::<(), _>(Failure("bad sum")));
        assert_eq!(handle.name(), Some("checksum"));
        assert!(matches!(handle.await, Err(TaskError::Failed(_))));
        Ok::<_, Failure>(())
    })
    .await
    .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), Some("checksum"));
}

#[tokio::test]
async fn spawn_blocking_named_under_a_limit_keeps_its_name() {
    let errors = TaskGroup::builder()
        .limit(1)
        .run(async |tg| {
            let handle =
                tg.spawn_blocking_named(String::from("limited"), || Err::<(), _>(Failure("bad")));
            assert_eq!(handle.name(), Some("limited"));
            Ok::<_, Failure>(())
        })
        .await
        .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), Some("limited"));
}

#[tokio::test]
async fn tokio_id_is_the_id_tokio_gives_the_running_task() {
    let (handle, inside) = TaskGroup::run(async |tg| {
        let mut handle = tg.spawn(async { Ok::<_, Failure>(tokio::task::id()) });
        let inside = (&mut handle).await;
        Ok::<_, Failure>((handle, inside))
    })
    .await
    .unwrap();
    assert_eq!(handle.tokio_id(), Some(inside.unwrap()));
}

#[tokio::test]
async fn tokio_id_of_a_blocking_task_is_its_tokio_id() {
    let (id, inside) = TaskGroup::run(async |tg| {
        let handle = tg.spawn_blocking(|| Ok::<_, Failure>(tokio::task::id()));
        let id = handle.tokio_id();
        Ok::<_, Failure>((id, handle.await.unwrap()))
    })
    .await
    .unwrap();
    assert_eq!(id, Some(inside));
}

#[tokio::test]
async fn a_refused_task_has_the_crates_id_but_no_tokio_id() {
    let refused = TaskGroup::run(async |tg| {
        tg.cancel();
        let refused = tg.spawn(async {});
        Ok::<_, Failure>(refused)
    })
    .await
    .unwrap();
    assert!(matches!(refused.result(), Err(TaskError::NotSpawned(_))));
    assert_eq!(refused.tokio_id(), None);
    assert!(refused.id().as_u64() > 0);
}

#[tokio::test]
async fn tokio_ids_differ_between_tasks_and_stay_after_the_task_ended() {
    let handles =
        TaskGroup::run(async |tg| Ok::<_, Failure>([tg.spawn(async {}), tg.spawn(async {})]))
            .await
            .unwrap();
    let [a, b] = handles.map(|handle| handle.tokio_id().unwrap());
    assert_ne!(a, b);
}

#[tokio::test]
async fn a_long_task_keeps_its_origin_while_many_short_ones_end_and_are_swept() {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let errors = TaskGroup::run(async |tg| {
        tg.spawn_named("long", async {
            let _ = released.await;
            Err::<(), _>(Failure("late"))
        });
        // Each short task ends before the next spawns: spawns sweep their
        // entries, never the long task's.
        for _ in 0..1_000 {
            tg.spawn(async {}).await.unwrap();
        }
        release.send(()).unwrap();
        Ok::<_, Failure>(())
    })
    .await
    .unwrap_err();
    let origin = errors.leaves().next().unwrap().origin().unwrap();
    assert_eq!(origin.task_name(), Some("long"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handle_is_readable_once_run_returns_after_thousands_of_spawns() {
    let handles = TaskGroup::run(async |tg| {
        let mut handles = Vec::new();
        for i in 0..5_000u32 {
            handles.push(tg.spawn(async move { Ok::<_, Failure>(i) }));
            if i % 64 == 0 {
                tokio::task::yield_now().await; // let some end, so spawns sweep
            }
        }
        Ok::<_, Failure>(handles)
    })
    .await
    .unwrap();
    for (i, handle) in handles.iter().enumerate() {
        assert_eq!(handle.result(), Ok(i as u32));
    }
}
