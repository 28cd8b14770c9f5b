//! Join on exit and spawning: every kind of spawn, and the group waiting for all of them.

use super::*;

// ---------------------------------------------------------------------------
// 3.1 Join on exit
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn rule_3_1_join_on_exit_waits_for_grandchildren() {
    let done = Flag::default();
    let start = Instant::now();
    let result = TaskGroup::run(async |tg| {
        let (tg2, done) = (tg.clone(), done.clone());
        tg.spawn(async move {
            sleep(ms(10)).await;
            // The body has long returned: this grandchild must still be joined.
            tg2.spawn(async move {
                sleep(ms(100)).await;
                done.set();
            });
        });
        Ok::<_, ValueError>("body done")
    })
    .await;
    assert_eq!(result.unwrap(), "body done");
    assert!(done.get(), "run returned before the grandchild finished");
    assert!(start.elapsed() >= ms(110));
}

#[tokio::test(start_paused = true)]
async fn rule_3_1_join_on_exit_waits_for_every_task() {
    let live = Live::default();
    let result = TaskGroup::run(async |tg| {
        for i in 0..10 {
            let guard = live.guard();
            tg.spawn(async move {
                sleep(ms(10 * i)).await;
                drop(guard);
            });
        }
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.is_ok());
    assert_eq!(live.alive(), 0, "a task outlived its group");
}

// ---------------------------------------------------------------------------
// 3.2 Spawn
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_tasks_run_in_parallel_on_a_multi_thread_runtime() {
    // Two tasks that block their threads until they meet can only finish if they run
    // at the same time on two worker threads.
    let result = TaskGroup::run(async |tg| {
        let (to_b, from_a) = std::sync::mpsc::channel();
        let (to_a, from_b) = std::sync::mpsc::channel();
        let a = tg.spawn(async move {
            to_b.send(()).map_err(|_| ValueError(1))?;
            // WATCHDOG only turns a deadlock (the tasks never overlap) into a
            // failure; two overlapping tasks meet at once.
            from_b.recv_timeout(WATCHDOG).map_err(|_| ValueError(1))
        });
        let b = tg.spawn(async move {
            to_a.send(()).map_err(|_| ValueError(2))?;
            from_a.recv_timeout(WATCHDOG).map_err(|_| ValueError(2))
        });
        Ok::<_, ValueError>((a, b))
    })
    .await;
    let (a, b) = result.expect("both tasks met");
    assert_eq!(a.result(), Ok(()));
    assert_eq!(b.result(), Ok(()));
}

#[tokio::test(start_paused = true)]
async fn rule_3_2_infallible_tasks_are_easy_to_write() {
    let result = TaskGroup::run(async |tg| {
        let unit = tg.spawn(async {});
        let slept = tg.spawn(sleep(ms(1)));
        Ok::<_, ValueError>((unit, slept))
    })
    .await;
    let (unit, slept) = result.unwrap();
    assert_eq!(unit.result(), Ok(()));
    assert_eq!(slept.result(), Ok(()));
}

#[tokio::test]
async fn rule_3_2_any_boxable_error_fails_a_task() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(async { Err::<(), _>(ValueError(1)) });
            tg.spawn(async { Err::<(), BoxError>("a boxed string".into()) });
            tg.spawn(async { Err::<(), _>(std::io::Error::other("disk full")) });
            tg.spawn(async { Err::<(), _>(anyhow::anyhow!("an anyhow error")) });
            Ok::<_, ValueError>(())
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(eg.len(), 4);
    let mut found = messages(&eg);
    found.sort();
    assert_eq!(
        found,
        [
            "a boxed string",
            "an anyhow error",
            "disk full",
            "value error 1"
        ]
    );
    assert!(eg.iter().any(|e| e.is::<ValueError>()));
    assert!(eg.iter().any(|e| e.is::<std::io::Error>()));
}

// anyhow boxes the errors it carries in a private type; the `anyhow` feature unwraps
// them, so task and body errors still downcast to (and except* arms still match) the
// type they wrap.
#[cfg(feature = "anyhow")]
#[tokio::test(start_paused = true)]
async fn rule_3_2_anyhow_errors_downcast_to_the_type_they_wrap() {
    let result = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(async { Err::<(), _>(anyhow::Error::new(ValueError(1))) });
            sleep(ms(1)).await;
            Err::<(), _>(anyhow::Error::new(ValueError(2)))
        })
        .await;
    let eg = result.unwrap_err();
    let errors: Vec<_> = eg
        .iter()
        .map(|e| e.downcast_ref::<ValueError>().cloned())
        .collect();
    assert_eq!(errors, [Some(ValueError(1)), Some(ValueError(2))]);
}

#[tokio::test]
async fn rule_3_2_spawn_named_names_the_handle() {
    let result = TaskGroup::run(async |tg| {
        let named = tg.spawn_named("fetch", async {});
        let owned = tg.spawn_named(String::from("owned"), async {});
        let plain = tg.spawn(async {});
        Ok::<_, ValueError>((named, owned, plain))
    })
    .await;
    let (named, owned, plain) = result.unwrap();
    assert_eq!(named.name(), Some("fetch"));
    assert_eq!(owned.name(), Some("owned"));
    assert_eq!(plain.name(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawner_spawns_from_another_os_thread() {
    let result = TaskGroup::run(async |tg| {
        let spawner = tg.spawner();
        let thread = std::thread::spawn(move || {
            (0..4u32)
                .map(|i| {
                    spawner.spawn(async move {
                        sleep(ms(1)).await;
                        Ok::<_, ValueError>(i * 10)
                    })
                })
                .collect::<Vec<_>>()
        });
        let handles = thread.join().expect("the spawning thread does not panic");
        let mut total = 0;
        for handle in handles {
            total += handle.await?;
        }
        Ok::<_, TaskError>(total)
    })
    .await;
    assert_eq!(result.unwrap(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawner_on_another_thread_keeps_the_group_open_while_tasks_run() {
    // The body has finished; a task still runs, so a thread may still spawn, and the
    // group joins what it spawned (spawning is allowed until nothing is left).
    let spawned = Arc::new(Mutex::new(None));
    let ran = Flag::default();
    let result = TaskGroup::run(async |tg| {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
        // Dropped with the body's other locals as the body returns: the thread
        // spawns only then (it used to sleep 20 ms and hope the body was done).
        let (body_done, body_returned) = std::sync::mpsc::channel::<()>();
        let (spawner, spawned, ran) = (tg.spawner(), Arc::clone(&spawned), ran.clone());
        tg.spawn(async move {
            // Holds the group open until the thread below has spawned.
            let _ = ready_rx.await;
        });
        std::thread::spawn(move || {
            // Err once `body_done` is dropped, as no message is ever sent.
            assert!(body_returned.recv().is_err());
            let handle = spawner.spawn(async move {
                sleep(ms(20)).await;
                ran.set();
                Ok::<_, ValueError>(5)
            });
            *spawned.lock().unwrap() = Some(handle);
            let _ = ready_tx.send(());
        });
        let _body_done = body_done;
        Ok::<_, ValueError>(())
    })
    .await;
    assert!(result.is_ok());
    assert!(ran.get(), "run returned before the thread's task finished");
    let handle = spawned.lock().unwrap().take().unwrap();
    assert_eq!(handle.result(), Ok(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_runs_on_the_blocking_pool() {
    let result = TaskGroup::run(async |tg| {
        let value = tg.spawn_blocking(|| {
            std::thread::sleep(ms(5));
            Ok::<_, ValueError>(41 + 1)
        });
        let unit = tg.spawn_blocking(|| {});
        let value = value.await?;
        unit.await?;
        Ok::<_, TaskError>(value)
    })
    .await;
    assert_eq!(result.unwrap(), 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_error_fails_the_group() {
    let result = TaskGroup::run(async |tg| {
        let failing = tg.spawn_blocking(|| Err::<(), _>(ValueError(3)));
        Ok::<_, ValueError>(failing)
    })
    .await;
    let eg = result.unwrap_err();
    assert_eq!(messages(&eg), ["value error 3"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_3_2_spawn_blocking_panic_resumes_in_the_caller() {
    let outcome = AssertUnwindSafe(TaskGroup::run(async |tg| {
        tg.spawn_blocking(|| -> () { std::panic::panic_any(Payload(9)) });
        Ok::<_, ValueError>(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the blocking task's panic resumes");
    assert_eq!(payload.downcast_ref::<Payload>(), Some(&Payload(9)));
}
