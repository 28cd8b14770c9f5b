//! A million tasks through one group, 10,000 concurrent failures, and 100 levels of
//! nested groups.

use super::*;

// ---------------------------------------------------------------------------
// Many tasks through one group
// ---------------------------------------------------------------------------

/// Spawns `n` tasks from the body into one group, each adding its index; checks
/// every result arrived, through the handles and through the tasks' own count.
async fn many_tasks(n: u64) {
    let live = Live::default();
    let (sum, ran) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let handles = TaskGroup::run(async |tg| {
        let mut handles = Vec::with_capacity(usize::try_from(n).unwrap());
        for i in 0..n {
            let (guard, sum, ran) = (live.guard(), Arc::clone(&sum), Arc::clone(&ran));
            handles.push(tg.spawn(async move {
                let _guard = guard;
                sum.fetch_add(i, Ordering::Relaxed);
                ran.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Infallible>(i)
            }));
        }
        Ok::<_, Infallible>(handles)
    })
    .await
    .unwrap();
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    assert_eq!(ran.load(Ordering::SeqCst), n, "tasks ran");
    let expected = n * (n - 1) / 2;
    assert_eq!(sum.load(Ordering::SeqCst), expected);
    let mut from_handles = 0;
    for (i, handle) in (0..n).zip(&handles) {
        assert_eq!(handle.result(), Ok(i), "handle {i}");
        from_handles += i;
    }
    assert_eq!(from_handles, expected);
}

/// A million tasks, every result counted through its handle and by the tasks
/// themselves; no task future alive once `run` returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_tasks_through_one_group() {
    many_tasks(1_000_000).await;
}

// ---------------------------------------------------------------------------
// 10,000 concurrent failures
// ---------------------------------------------------------------------------

const FAILURES: u64 = 10_000;

/// Spawns [`FAILURES`] tasks that all wait for one signal, then fail at once.
/// Returns the group's failure ids and the handles.
async fn concurrent_failures(supervise: bool) -> (Vec<u64>, Vec<TaskHandle<()>>, Live) {
    let live = Live::default();
    let (go, ready) = watch::channel(false);
    let mut handles = Vec::new();
    let mut builder = TaskGroup::builder();
    if supervise {
        builder = builder.supervise();
    }
    let result = builder
        .run(async |tg| {
            for i in 0..FAILURES {
                let (guard, mut ready) = (live.guard(), ready.clone());
                handles.push(tg.spawn(async move {
                    let _guard = guard;
                    ready.wait_for(|go| *go).await.unwrap();
                    Err::<(), _>(Failure(i))
                }));
            }
            go.send(true).unwrap();
            Ok::<_, Infallible>(())
        })
        .await;
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    let errors = result.unwrap_err();
    assert_eq!(errors.len(), errors.children().len(), "flat");
    (failure_ids(&errors), handles, live)
}

/// The failures in the group are exactly the tasks whose handles say they
/// failed, once each; every other task was cancelled.
fn check_failures(ids: &[u64], handles: &[TaskHandle<()>]) {
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "a failure appears twice");
    for (i, handle) in (0..FAILURES).zip(handles) {
        match handle.result() {
            Err(TaskError::Failed(_)) => assert!(unique.contains(&i), "failure {i} lost"),
            Err(TaskError::Cancelled) => assert!(!unique.contains(&i), "{i} cancelled yet failed"),
            other => panic!("task {i}: unexpected outcome {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_failures_all_collected_when_supervising() {
    let (ids, handles, _live) = concurrent_failures(true).await;
    assert_eq!(ids.len(), 10_000);
    check_failures(&ids, &handles);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_failures_fail_fast_keep_each_once() {
    let (ids, handles, _live) = concurrent_failures(false).await;
    assert!((1..=10_000).contains(&ids.len()), "{} failures", ids.len());
    check_failures(&ids, &handles);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_panics_resume_one_payload() {
    common::quiet_expected_panics::<PanicPayload>();
    let live = Live::default();
    let (go, ready) = watch::channel(false);
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        for i in 0..FAILURES {
            let (guard, mut ready) = (live.guard(), ready.clone());
            tg.spawn(async move {
                let _guard = guard;
                ready.wait_for(|go| *go).await.unwrap();
                if i < FAILURES {
                    std::panic::panic_any(PanicPayload(i));
                }
            });
        }
        go.send(true).unwrap();
        Ok::<_, Infallible>(())
    }))
    .catch_unwind()
    .await;
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    let payload = outcome.expect_err("the panic resumes");
    let PanicPayload(id) = payload.downcast_ref::<PanicPayload>().expect("our payload");
    assert!(*id < FAILURES);
}

// ---------------------------------------------------------------------------
// 100 levels of nested groups
// ---------------------------------------------------------------------------

const LEVELS: usize = 100;

type GroupFuture = Pin<Box<dyn Future<Output = Result<(), ErrorGroup>> + Send>>;

/// A group whose only task runs the next level; the bottom task fails.
fn nested_through_tasks(level: usize) -> GroupFuture {
    Box::pin(TaskGroup::run(async move |tg| {
        if level == 1 {
            tg.spawn(async { Err::<(), _>(Failure(0)) });
        } else {
            tg.spawn(nested_through_tasks(level - 1));
        }
        Ok::<_, Infallible>(())
    }))
}

/// A group whose body awaits the next level itself; the bottom body fails.
fn nested_through_bodies(level: usize) -> GroupFuture {
    Box::pin(TaskGroup::run(async move |_tg| {
        if level == 1 {
            Err::<(), ErrorGroup>(ErrorGroup::new("bottom", [Node::error(Failure(0))]).unwrap())
        } else {
            nested_through_bodies(level - 1).await
        }
    }))
}

/// Follows the only child down; gives the number of task groups passed and the
/// leaf at the bottom.
fn depth_of(group: &ErrorGroup) -> (usize, u64) {
    let mut depth = 0;
    let mut current = group;
    loop {
        assert_eq!(current.children().len(), 1, "one child per level");
        if current.message() == taskgroup::TASK_GROUP_MESSAGE {
            depth += 1;
        }
        match &current.children()[0] {
            Node::Group(inner) => current = inner,
            Node::Leaf(leaf) => {
                return (depth, leaf.error().downcast_ref::<Failure>().unwrap().0);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_levels_of_groups_through_tasks_nest_a_hundred_deep() {
    let errors = nested_through_tasks(LEVELS).await.unwrap_err();
    assert_eq!(depth_of(&errors), (LEVELS, 0));
    assert_eq!(errors.len(), 1);
    assert!(errors.to_string().contains("task 0 failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_levels_of_groups_through_bodies_nest_a_hundred_deep() {
    let errors = nested_through_bodies(LEVELS).await.unwrap_err();
    assert_eq!(depth_of(&errors), (LEVELS, 0));
    assert_eq!(errors.len(), 1);
    assert!(errors.to_string().contains("task 0 failed"));
}
