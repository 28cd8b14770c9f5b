//! Every valid setting works, and limits admit in spawn order and hold no thread while
//! waiting.

use super::*;

// ---------------------------------------------------------------------------
// Every valid setting works
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_timeout_of_duration_max_never_fires() {
    let value = TaskGroup::builder()
        .timeout(Duration::MAX)
        .run(async |tg| {
            let task = tg.spawn(async {
                sleep(HOUR).await;
                Ok::<_, ValueError>(1)
            });
            Ok::<_, ValueError>(task)
        })
        .await
        .unwrap();
    assert_eq!(value.result(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn a_grace_of_duration_max_waits_for_cooperative_tasks() {
    let result = TaskGroup::builder()
        .grace(Duration::MAX)
        .timeout(ms(10))
        .run(async |tg| {
            let spawner = tg.spawner();
            tg.spawn(async move {
                spawner.cancelled().await;
                Ok::<_, ValueError>(())
            });
            tg.cancelled().await;
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.unwrap_err().contains::<Timeout>());
}

#[tokio::test]
async fn a_limit_of_usize_max_runs_every_task() {
    let handles = TaskGroup::builder()
        .limit(usize::MAX)
        .run(async |tg| {
            let handles: Vec<_> = (0..10u32)
                .map(|i| tg.spawn(async move { Ok::<_, ValueError>(i) }))
                .collect();
            Ok::<_, ValueError>(handles)
        })
        .await
        .unwrap();
    let values: Vec<u32> = handles.iter().map(|h| h.result().unwrap()).collect();
    assert_eq!(values, (0..10).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

#[test]
fn a_limit_admits_tasks_in_spawn_order_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for round in 0..20 {
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            TaskGroup::builder()
                .limit(1)
                .run(async |tg| {
                    for i in 0..20 {
                        let order = Arc::clone(&order);
                        tg.spawn(async move {
                            lock(&order).push(i);
                            yield_now().await;
                        });
                    }
                    Ok::<_, ValueError>(())
                })
                .await
                .unwrap();
        });
        let order = lock(&order).clone();
        assert_eq!(order, (0..20).collect::<Vec<_>>(), "round {round}");
    }
}

#[tokio::test(start_paused = true)]
async fn queued_tasks_never_start_once_the_group_is_cancelling() {
    let started = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let result = TaskGroup::builder()
        .limit(1)
        .grace(HOUR)
        .run(async |tg| {
            let spawner = tg.spawner();
            tg.spawn(async move {
                spawner.cancelled().await; // holds the only permit until then
            });
            for _ in 0..5 {
                let started = Arc::clone(&started);
                tg.spawn(async move {
                    started.fetch_add(1, Ordering::SeqCst);
                });
            }
            yield_now().await;
            tg.cancel();
            Ok::<_, ValueError>(())
        })
        .await;
    assert!(result.is_ok());
    assert_eq!(started.load(Ordering::SeqCst), 0, "no queued task started");
    assert!(
        t0.elapsed() < HOUR,
        "shutdown did not wait out the grace period"
    );
}

#[test]
fn a_limited_blocking_task_holds_no_thread_while_it_waits() {
    // Two blocking threads: one runs the task holding the permit; the other
    // must stay free while the other limited tasks wait for their turn.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (release, released) = mpsc::channel::<()>();
        let ran = Arc::new(AtomicUsize::new(0));
        TaskGroup::builder()
            .limit(1)
            .run(async |tg| {
                tg.spawn_blocking(move || released.recv().map_err(|_| ValueError(0)));
                for _ in 0..4 {
                    let ran = Arc::clone(&ran);
                    tg.spawn_blocking(move || {
                        ran.fetch_add(1, Ordering::SeqCst);
                    });
                }
                yield_now().await;
                // Needs a free blocking thread while four tasks wait for the permit.
                let outside = tokio::task::spawn_blocking(|| 42).await.unwrap();
                assert_eq!(outside, 42);
                release.send(()).unwrap();
                Ok::<_, ValueError>(())
            })
            .await
            .unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 4);
    });
}
