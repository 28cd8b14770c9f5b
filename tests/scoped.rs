//! What only scoped tasks do: borrow from the function running the group, hold
//! `!Send` values in a local group, keep the group's future `Send`, share the
//! group's future fairly, and end synchronously with it. (The rules every kind
//! of task follows are in `tests/task_kinds/`.)

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskgroup::{ErrorGroup, TaskGroup};
use tokio::task::yield_now;
use tokio::time::sleep;

mod common;
use common::{messages, ms, Live, HOUR};

common::error_types! {
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct ValueError(u32) => "value error {}";
}

async fn greet(name: &str) -> Result<usize, ValueError> {
    yield_now().await;
    Ok(name.len())
}

/// The group that `tokio::spawn` must accept: it borrows `names` in scoped
/// tasks, and is run by an `async fn`, the shape rustc once could not prove
/// `Send` for an `AsyncFnOnce` body.
async fn greet_all(names: Vec<String>) -> Result<usize, ErrorGroup> {
    TaskGroup::run(async |tg| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| tg.spawn_scoped(greet(name)))
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        Ok::<_, ValueError>(total)
    })
    .await
}

#[tokio::test]
async fn scoped_tasks_borrow_from_the_caller() {
    let names = vec![String::from("Ada"), String::from("Grace")];
    let seen = Arc::new(AtomicUsize::new(0));
    TaskGroup::run(async |tg| {
        for name in &names {
            let seen = &seen;
            tg.spawn_scoped(async move {
                let len = greet(name).await?;
                seen.fetch_add(len, Ordering::SeqCst);
                Ok::<_, ValueError>(())
            });
        }
        Ok::<_, ValueError>(())
    })
    .await
    .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 8);
    assert_eq!(names.len(), 2, "still ours after the group");
}

#[tokio::test]
async fn a_scoped_group_is_send_inside_tokio_spawn() {
    let names = vec![String::from("Ada"), String::from("Grace")];
    let total = tokio::spawn(greet_all(names)).await.unwrap().unwrap();
    assert_eq!(total, 8);
}

#[test]
fn the_run_future_is_send_when_its_tasks_are() {
    fn assert_send<T: Send>(_: &T) {}
    let names = vec![String::from("Ada")];
    let future = greet_all(names);
    assert_send(&future);
}

#[tokio::test(flavor = "current_thread")]
async fn a_local_group_runs_futures_that_hold_an_rc_across_await() {
    let log = Rc::new(RefCell::new(Vec::new()));
    TaskGroup::builder()
        .local()
        .run(async |tg| {
            for n in 0..3 {
                let log = Rc::clone(&log);
                tg.spawn_scoped(async move {
                    yield_now().await;
                    log.borrow_mut().push(n);
                });
            }
            Ok::<_, ValueError>(())
        })
        .await
        .unwrap();
    let mut log = log.take();
    log.sort_unstable();
    assert_eq!(log, [0, 1, 2]);
}

#[test]
fn a_local_group_runs_in_a_local_set() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let count = local.block_on(&runtime, async {
        let counter = Rc::new(Cell::new(0));
        let task = tokio::task::spawn_local({
            let counter = Rc::clone(&counter);
            async move {
                TaskGroup::builder()
                    .local()
                    .run(async |tg| {
                        tg.spawn(async { yield_now().await }); // a tokio task beside
                        for _ in 0..10 {
                            let counter = Rc::clone(&counter);
                            tg.spawn_scoped(async move {
                                yield_now().await;
                                counter.set(counter.get() + 1);
                            });
                        }
                        Ok::<_, ValueError>(())
                    })
                    .await
            }
        });
        task.await.unwrap().unwrap();
        counter.get()
    });
    assert_eq!(count, 10);
}

/// Ten thousand scoped tasks that yield often all finish, and the body is
/// polled between their rounds: it counts its own yields while they run.
#[tokio::test(flavor = "current_thread")]
async fn ten_thousand_busy_scoped_tasks_do_not_starve_the_body() {
    const TASKS: usize = 10_000;
    const YIELDS: usize = 20;
    let finished = AtomicUsize::new(0);
    let body_rounds = TaskGroup::run(async |tg| {
        for _ in 0..TASKS {
            tg.spawn_scoped(async {
                for _ in 0..YIELDS {
                    yield_now().await;
                }
                finished.fetch_add(1, Ordering::Relaxed);
            });
        }
        let mut rounds = 0;
        // The body yields too; it must get polled while the tasks still run.
        while finished.load(Ordering::Relaxed) < TASKS {
            rounds += 1;
            yield_now().await;
        }
        Ok::<_, ValueError>(rounds)
    })
    .await
    .unwrap();
    assert_eq!(finished.load(Ordering::Relaxed), TASKS);
    assert!(body_rounds >= YIELDS, "the body ran {body_rounds} rounds");
}

/// Tasks that wake themselves at once (no runtime yield) are polled in rounds
/// too: `FuturesUnordered` yields after two self-wakes, and the group then
/// polls the body again.
#[tokio::test(flavor = "current_thread")]
async fn self_waking_scoped_tasks_do_not_starve_the_body() {
    const TASKS: usize = 100;
    let stop = Cell::new(false);
    let started = Cell::new(0);
    let body_rounds = TaskGroup::builder()
        .local()
        .run(async |tg| {
            for _ in 0..TASKS {
                tg.spawn_scoped(async {
                    started.set(started.get() + 1);
                    while !stop.get() {
                        let mut woke = false;
                        std::future::poll_fn(|cx| {
                            if woke {
                                return std::task::Poll::Ready(());
                            }
                            woke = true;
                            cx.waker().wake_by_ref();
                            std::task::Poll::Pending
                        })
                        .await;
                    }
                });
            }
            // Every task gets its turn while the others spin, and the body is
            // polled meanwhile (it would hang here otherwise).
            let mut rounds = 0;
            while started.get() < TASKS {
                rounds += 1;
                yield_now().await;
            }
            stop.set(true);
            Ok::<_, ValueError>(rounds)
        })
        .await
        .unwrap();
    assert_eq!(started.get(), TASKS);
    assert!(body_rounds > 1, "the body was polled between the rounds");
}

#[tokio::test(start_paused = true)]
async fn a_scoped_task_spawns_scoped_tasks_after_the_body_returned() {
    let done = AtomicUsize::new(0);
    TaskGroup::run(async |tg| {
        let scope = tg.scope();
        let done = &done;
        tg.spawn_scoped(async move {
            sleep(ms(10)).await;
            scope.spawn_scoped(async move {
                sleep(ms(10)).await;
                done.fetch_add(1, Ordering::SeqCst);
            });
        });
        Ok::<_, ValueError>(())
    })
    .await
    .unwrap();
    assert_eq!(done.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_spawns_from_another_os_thread() {
    let words = vec!["one", "three"];
    let total = AtomicUsize::new(0);
    TaskGroup::run(async |tg| {
        let scope = tg.scope();
        let (total, words) = (&total, &words);
        // A plain thread borrows the scope for a moment: the scoped tasks it
        // spawns are polled by the group, on the group's task.
        std::thread::scope(|threads| {
            threads.spawn(|| {
                for word in words {
                    scope.spawn_scoped(async move {
                        total.fetch_add(word.len(), Ordering::SeqCst);
                    });
                }
            });
        });
        Ok::<_, ValueError>(())
    })
    .await
    .unwrap();
    assert_eq!(total.load(Ordering::SeqCst), 8);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_run_future_drops_scoped_tasks_at_once() {
    let live = Live::default();
    let run = TaskGroup::run(async |tg| {
        tg.spawn_scoped(live.sleeper(HOUR));
        sleep(HOUR).await;
        Ok::<_, ValueError>(())
    });
    let _ = tokio::time::timeout(ms(10), run).await;
    assert_eq!(
        live.alive(),
        0,
        "dropped with the group's future, synchronously"
    );
}

#[tokio::test(start_paused = true)]
async fn a_scoped_failure_in_a_spawned_group_counts_like_any() {
    let result = TaskGroup::run(async |tg| {
        let borrowed = String::from("x");
        tg.spawn_scoped(async { Err::<(), _>(ValueError(1)) });
        sleep(Duration::from_millis(1)).await;
        Ok::<_, ValueError>(borrowed)
    })
    .await;
    assert_eq!(messages(&result.unwrap_err()), ["value error 1"]);
}
