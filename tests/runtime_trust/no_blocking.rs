//! Nothing blocks or spins: handle getters answer at once, and every outcome is
//! readable once `run` returns.

use super::*;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn handle_getters_answer_at_once_after_the_run_future_is_dropped() {
    let mut handles = Vec::new();
    let dropped = tokio::time::timeout(
        ms(10),
        TaskGroup::run(async |tg| {
            for _ in 0..3 {
                handles.push(tg.spawn(sleep(HOUR)));
            }
            sleep(HOUR).await;
            Ok::<_, ValueError>(())
        }),
    )
    .await;
    assert!(dropped.is_err(), "the timeout dropped the group's future");
    // The aborted tasks are still queued on this one thread: the getters must
    // answer without waiting for them.
    for handle in &handles {
        let _ = handle.is_cancelled();
        assert!(matches!(
            handle.result(),
            Err(TaskError::Pending | TaskError::Cancelled)
        ));
    }
    // Once the runtime has run the aborts, the handles say so.
    for _ in 0..4 {
        yield_now().await;
    }
    for handle in &handles {
        assert!(handle.is_finished());
        assert!(handle.is_cancelled());
        assert_eq!(handle.result(), Err(TaskError::Cancelled));
    }
}

#[test]
fn result_of_a_running_blocking_task_answers_pending_after_the_run_is_dropped() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (release, released) = mpsc::channel::<()>();
    // The handle is a future itself; the block hands it out to read it by hand.
    #[allow(clippy::async_yields_async)]
    let handle = rt.block_on(async {
        let (started, is_started) = oneshot::channel::<()>();
        let mut handle = None;
        let run = TaskGroup::run(async |tg| {
            handle = Some(tg.spawn_blocking(move || {
                let _ = started.send(());
                released.recv().ok(); // runs until the test releases it
                Ok::<_, ValueError>(7)
            }));
            std::future::pending::<()>().await;
            Ok::<_, ValueError>(())
        });
        tokio::select! {
            _ = run => unreachable!("the body never ends"),
            _ = is_started => {}
        }
        handle.unwrap()
    });
    // The blocking task is running and its group's future is gone: `result()`
    // must not wait for it.
    assert_eq!(handle.result(), Err(TaskError::Pending));
    assert!(!handle.is_cancelled());
    release.send(()).unwrap();
    rt.block_on(async {
        // A blocking task that had started runs to its end.
        assert_eq!((&mut { handle }).await, Ok(7));
    });
}

#[test]
fn every_outcome_is_readable_once_run_returns_normally() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        for round in 0..200 {
            let handles = TaskGroup::run(async |tg| {
                let handles: Vec<_> = (0..8u32)
                    .map(|i| {
                        tg.spawn(async move {
                            yield_now().await;
                            Ok::<_, ValueError>(i)
                        })
                    })
                    .collect();
                Ok::<_, ValueError>(handles)
            })
            .await
            .unwrap();
            for (i, handle) in handles.iter().enumerate() {
                assert!(handle.is_finished(), "round {round}");
                assert!(!handle.is_cancelled(), "round {round}");
                assert_eq!(handle.result(), Ok(i as u32), "round {round}");
            }
        }
    });
}
