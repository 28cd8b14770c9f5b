//! Spawning from 8 OS threads at once, racing the group's end, and while its run future
//! is dropped.

use super::*;

const THREADS: u64 = 8;
const PER_THREAD: u64 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_threads_spawn_at_once_through_the_spawner() {
    let live = Live::default();
    let ran = Arc::new(AtomicU64::new(0));
    let handles = TaskGroup::run(async |tg| {
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap()));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (spawner, start, ran, live) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    Arc::clone(&ran),
                    live.clone(),
                );
                std::thread::spawn(move || {
                    start.wait();
                    (0..PER_THREAD)
                        .map(|i| {
                            let (ran, guard) = (Arc::clone(&ran), live.guard());
                            spawner.spawn(async move {
                                let _guard = guard;
                                ran.fetch_add(1, Ordering::Relaxed);
                                Ok::<_, Infallible>(t * PER_THREAD + i)
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // The body waits for the threads (off the worker), so the group stays open.
        let joined = tokio::task::spawn_blocking(move || {
            threads
                .into_iter()
                .flat_map(|thread| thread.join().unwrap())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        Ok::<_, Infallible>(joined)
    })
    .await
    .unwrap();
    assert_eq!(live.alive(), 0, "a task future outlived the group");
    assert_eq!(ran.load(Ordering::SeqCst), THREADS * PER_THREAD);
    let mut values: Vec<u64> = handles.iter().map(|h| h.result().unwrap()).collect();
    values.sort_unstable();
    assert!(
        values.iter().copied().eq(0..THREADS * PER_THREAD),
        "a spawn lost"
    );
}

/// What one racing thread saw.
#[derive(Default)]
struct Tally {
    accepted: Vec<TaskHandle<u64>>,
    refused: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_threads_racing_the_group_end_lose_no_spawn() {
    for round in 0..5 {
        let ran = Arc::new(AtomicU64::new(0));
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap() + 1));
        // Each thread says when its first spawn is in.
        let (first_in, mut firsts) = mpsc::unbounded_channel::<()>();
        let mut threads = Vec::new();
        let result = TaskGroup::run(async |tg| {
            for _ in 0..THREADS {
                let (spawner, start, ran, first_in) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    Arc::clone(&ran),
                    first_in.clone(),
                );
                threads.push(std::thread::spawn(move || {
                    let mut tally = Tally::default();
                    start.wait();
                    for i in 0..PER_THREAD {
                        let ran = Arc::clone(&ran);
                        let task = async move {
                            ran.fetch_add(1, Ordering::SeqCst);
                            Ok::<_, Infallible>(i)
                        };
                        let outcome = spawner.try_spawn(task);
                        if i == 0 {
                            let _ = first_in.send(());
                        }
                        match outcome {
                            Ok(handle) => {
                                tally.accepted.push(handle);
                                // Pacing, not synchronisation: gives the workers a
                                // chance to drain the group, so that it can end
                                // while the threads still spawn. The assertions
                                // hold whatever the interleaving.
                                if i % 16 == 0 {
                                    std::thread::sleep(Duration::from_micros(50));
                                }
                            }
                            Err(refused) => {
                                assert!(matches!(
                                    refused.reason,
                                    SpawnRefused::Finished | SpawnRefused::ShuttingDown
                                ));
                                // The future comes back, never polled (checked
                                // below: `ran` counts only accepted tasks).
                                drop(refused.future);
                                tally.refused += 1;
                                break;
                            }
                        }
                    }
                    tally
                }));
            }
            // Let the threads start, then end the body while they spawn: once each
            // has made its first spawn (it used to sleep 2 ms and hope).
            let start = Arc::clone(&start);
            tokio::task::spawn_blocking(move || start.wait())
                .await
                .unwrap();
            watchdog("every thread's first spawn", async {
                for _ in 0..THREADS {
                    firsts
                        .recv()
                        .await
                        .expect("a thread ended before its first spawn");
                }
            })
            .await;
            Ok::<_, Infallible>(())
        })
        .await;
        let ran_at_return = ran.load(Ordering::SeqCst);
        result.unwrap();
        let tallies: Vec<Tally> = tokio::task::spawn_blocking(move || {
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
        .await
        .unwrap();
        let accepted: u64 = tallies.iter().map(|t| t.accepted.len() as u64).sum();
        // Every thread's first spawn came while the body still ran, so got in.
        assert!(
            tallies.iter().all(|t| !t.accepted.is_empty()),
            "round {round}: a spawn into the open group was refused"
        );
        assert_eq!(
            ran_at_return, accepted,
            "round {round}: every accepted spawn ran before run returned"
        );
        assert_eq!(ran.load(Ordering::SeqCst), accepted, "a refused future ran");
        for tally in &tallies {
            for handle in &tally.accepted {
                assert!(
                    handle.result().is_ok(),
                    "round {round}: an accepted task failed"
                );
            }
            // A thread stops at its first refusal or after all its spawns.
            assert!(tally.refused == 1 || tally.accepted.len() as u64 == PER_THREAD);
        }
    }
}

/// What one thread spawning into a group that is being dropped saw.
#[derive(Default)]
struct DropTally {
    accepted: Vec<TaskHandle<()>>,
    refused: u64,
}

/// Eight threads spawn never-ending tasks while the `run` future is dropped:
/// every task that got in is aborted (none left alive once the runtime ran on),
/// every other spawn is refused with its future handed back.
///
/// The run is dropped once every thread's first spawn is in (it used to be
/// dropped after 5 ms of real time, which on a busy machine could come before
/// any spawn), while the threads go on spawning. After a dropped run, a handle's
/// outcome is not readable at once (the abort runs on a worker): each handle is
/// awaited, which its own waker ends, and the guards are awaited to zero
/// (instead of polling `is_finished()` and `alive()` every 2 ms for at most 1 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_run_while_eight_threads_spawn_leaks_nothing() {
    for round in 0..5 {
        let live = Live::default();
        let start = Arc::new(Barrier::new(usize::try_from(THREADS).unwrap() + 1));
        let (first_in, mut firsts) = mpsc::unbounded_channel::<()>();
        let mut threads = Vec::new();
        let mut run = Box::pin(TaskGroup::run(async |tg| {
            for _ in 0..THREADS {
                let (spawner, start, live, first_in) = (
                    tg.spawner(),
                    Arc::clone(&start),
                    live.clone(),
                    first_in.clone(),
                );
                threads.push(std::thread::spawn(move || {
                    let mut tally = DropTally::default();
                    start.wait();
                    for i in 0..PER_THREAD {
                        let outcome = spawner.try_spawn(live.pending());
                        if i == 0 {
                            let _ = first_in.send(());
                        }
                        match outcome {
                            Ok(handle) => tally.accepted.push(handle),
                            Err(refused) => {
                                drop(refused.future);
                                tally.refused += 1;
                                break;
                            }
                        }
                        // Pacing, not synchronisation: keeps the threads spawning
                        // while the run is dropped. The assertions hold whatever
                        // the interleaving.
                        if i % 16 == 0 {
                            std::thread::sleep(Duration::from_micros(50));
                        }
                    }
                    tally
                }));
            }
            let start = Arc::clone(&start);
            tokio::task::spawn_blocking(move || start.wait())
                .await
                .unwrap();
            std::future::pending::<()>().await;
            Ok::<_, Infallible>(())
        }));
        watchdog("every thread's first spawn", async {
            tokio::select! {
                _ = &mut run => panic!("round {round}: the run never ends by itself"),
                () = async {
                    for _ in 0..THREADS {
                        firsts.recv().await.expect("a thread ended before its first spawn");
                    }
                } => {}
            }
        })
        .await;
        drop(run);
        let mut tallies: Vec<DropTally> = tokio::task::spawn_blocking(move || {
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        })
        .await
        .unwrap();
        for tally in &mut tallies {
            // Every thread's first spawn came while the body still ran, so got in.
            assert!(
                !tally.accepted.is_empty(),
                "round {round}: a spawn into the open group was refused"
            );
            for handle in &mut tally.accepted {
                // Every task ends (else the watchdog fails: "a task still
                // running"), cancelled, and the handle keeps saying so.
                let outcome = watchdog("an aborted task's handle", &mut *handle).await;
                assert_eq!(outcome, Err(TaskError::Cancelled), "round {round}");
                assert_eq!(handle.result(), Err(TaskError::Cancelled), "round {round}");
            }
            assert!(tally.refused == 1 || tally.accepted.len() as u64 == PER_THREAD);
        }
        // Aborts are asynchronous: the last guard's drop ends the wait.
        live.none_left().await;
        assert_eq!(
            live.alive(),
            0,
            "round {round}: a task outlived its dropped group"
        );
    }
}
