//! Model checks of the shared-state protocol with `loom`, which runs each test
//! under every interleaving of its threads (bounded preemptions), the way tokio
//! checks its own primitives. Only built with `--cfg taskgroup_loom`:
//!
//! ```sh
//! RUSTFLAGS="--cfg taskgroup_loom" cargo test -p taskgroup-core --release --lib model_check
//! ```
//!
//! Tokio's own types cannot run under loom, so a task here is a stub
//! ([`StubTask`]): an "aborted" flag the registry sets, and a "stored" flag the
//! runtime sets once it has stored the task's outcome. The protocol under test
//! is the crate's own: the live count with its closed bit ([`LiveCount`]), and
//! the registry with its stop flag and its list of ending tasks ([`Tasks`]).

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use crate::live::LiveCount;
use crate::registry::{TaskControl, Tasks};

/// Explores `f` under loom with at most three preemptions per execution, the
/// bound under which tokio checks its primitives too: bugs of this protocol
/// need one or two, and the search stays within seconds.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// A task as the registry sees it.
#[derive(Clone, Default)]
struct StubTask {
    aborted: Arc<AtomicBool>,
    /// The runtime stored the task's outcome: its handle can read it.
    stored: Arc<AtomicBool>,
}

impl TaskControl for StubTask {
    fn abort(&self) {
        self.aborted.store(true, SeqCst);
    }

    fn is_finished(&self) -> bool {
        self.stored.load(SeqCst)
    }
}

/// Where a spawned unit is: 0 not counted in, 1 running, 2 counted out.
const OUT: usize = 0;
const RUNNING: usize = 1;
const LEFT: usize = 2;

#[test]
fn a_spawn_racing_the_groups_finish_either_runs_before_it_or_is_refused() {
    model(|| {
        let live = Arc::new(LiveCount::new());
        let unit = Arc::new(AtomicUsize::new(OUT));
        let spawner = {
            let (live, unit) = (Arc::clone(&live), Arc::clone(&unit));
            thread::spawn(move || {
                if live.try_enter().is_ok() {
                    unit.store(RUNNING, SeqCst);
                    unit.store(LEFT, SeqCst);
                    live.leave();
                }
            })
        };
        live.leave(); // the body ends
        if live.try_finish() {
            // Finished: the spawn was refused, or it ran and counted out first.
            assert_ne!(unit.load(SeqCst), RUNNING);
            assert!(live.try_enter().is_err(), "a finished group takes no unit");
        }
        spawner.join().unwrap();
        assert!(
            live.try_finish(),
            "with everything counted out, it finishes"
        );
        assert_ne!(unit.load(SeqCst), RUNNING);
    });
}

#[test]
fn cancelling_while_a_unit_spawns_refuses_it_or_counts_it() {
    model(|| {
        let live = Arc::new(LiveCount::new());
        let entered = Arc::new(AtomicBool::new(false));
        let spawner = {
            let (live, entered) = (Arc::clone(&live), Arc::clone(&entered));
            thread::spawn(move || {
                if live.try_enter().is_ok() {
                    entered.store(true, SeqCst);
                }
            })
        };
        live.close(); // cancel
        spawner.join().unwrap();
        live.leave(); // the body ends
                      // A unit that got in keeps the group open until it leaves.
        assert_eq!(live.try_finish(), !entered.load(SeqCst));
    });
}

#[test]
fn a_refused_spawn_that_leaves_last_wakes_the_group() {
    // The group finished once; its run future polls again (waiting for stored
    // outcomes) and may see a refused spawn's instant in the count. Whoever
    // brings the count back to zero must wake it.
    model(|| {
        let live = Arc::new(LiveCount::new());
        live.leave(); // the body ends
        assert!(live.try_finish());
        let woken = Arc::new(AtomicBool::new(false));
        let spawner = {
            let (live, woken) = (Arc::clone(&live), Arc::clone(&woken));
            thread::spawn(move || {
                let refused = live.try_enter().expect_err("the group is finished");
                if refused.last {
                    woken.store(true, SeqCst);
                }
            })
        };
        // The run future: registers its waker, then checks the count.
        let waits = !live.try_finish();
        spawner.join().unwrap();
        if waits {
            assert!(woken.load(SeqCst), "nobody woke the group");
        }
    });
}

#[test]
fn a_task_registered_while_the_group_stops_is_aborted() {
    model(|| {
        let tasks = Arc::new(Tasks::<StubTask, (), ()>::new());
        let task = StubTask::default();
        let spawner = {
            let (tasks, task) = (Arc::clone(&tasks), task.clone());
            thread::spawn(move || {
                let key = tasks.reserve((), None);
                tasks.register(key, task);
            })
        };
        tasks.stop();
        spawner.join().unwrap();
        assert!(tasks.is_stopped());
        assert!(task.aborted.load(SeqCst), "stop never misses a task");
    });
}

#[test]
fn a_task_ending_before_its_spawner_registers_it_frees_its_entry() {
    model(|| {
        let tasks = Arc::new(Tasks::<StubTask, (), ()>::new());
        let task = StubTask::default();
        let key = tasks.reserve((), None);
        let ending = {
            let (tasks, task) = (Arc::clone(&tasks), task.clone());
            thread::spawn(move || {
                tasks.deregister(key);
                task.stored.store(true, SeqCst);
            })
        };
        tasks.register(key, task.clone());
        ending.join().unwrap();
        // The entry was freed, so a stop now has nothing to abort.
        tasks.stop();
        assert!(!task.aborted.load(SeqCst), "an ended task is not aborted");
        assert!(tasks.outcomes_stored());
    });
}

#[test]
fn once_the_group_finishes_every_outcome_is_readable() {
    // Two tasks end on other threads: each counts itself out (its future is
    // dropped), then the runtime stores its outcome. The group's future waits
    // (yielding, never blocking) for the count and the stored outcomes, as
    // `run` does; then every handle reads its outcome at once.
    model(|| {
        let live = Arc::new(LiveCount::new());
        let tasks = Arc::new(Tasks::<StubTask, (), ()>::new());
        let mut handles = Vec::new();
        let mut threads = Vec::new();
        for _ in 0..2 {
            assert!(live.try_enter().is_ok());
            let task = StubTask::default();
            let key = tasks.reserve((), None);
            tasks.register(key, task.clone());
            handles.push(task.clone());
            let (live, tasks) = (Arc::clone(&live), Arc::clone(&tasks));
            threads.push(thread::spawn(move || {
                tasks.deregister(key); // the task's guard, as its future drops
                live.leave();
                task.stored.store(true, SeqCst); // then the runtime stores it
            }));
        }
        live.leave(); // the body ends
        while !(live.try_finish() && tasks.outcomes_stored()) {
            thread::yield_now();
        }
        for handle in &handles {
            assert!(handle.stored.load(SeqCst), "an outcome not yet readable");
        }
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

#[test]
fn tasks_stopped_by_the_group_are_waited_for_before_it_finishes() {
    model(|| {
        let live = Arc::new(LiveCount::new());
        let tasks = Arc::new(Tasks::<StubTask, (), ()>::new());
        assert!(live.try_enter().is_ok());
        let task = StubTask::default();
        let key = tasks.reserve((), None);
        tasks.register(key, task.clone());
        let runner = {
            let (live, tasks, task) = (Arc::clone(&live), Arc::clone(&tasks), task.clone());
            thread::spawn(move || {
                // The runtime drops the aborted task: guard, then stored outcome.
                while !task.aborted.load(SeqCst) {
                    thread::yield_now();
                }
                tasks.deregister(key);
                live.leave();
                task.stored.store(true, SeqCst);
            })
        };
        live.close();
        tasks.stop();
        live.leave(); // the body is dropped
        while !(live.try_finish() && tasks.outcomes_stored()) {
            thread::yield_now();
        }
        assert!(task.stored.load(SeqCst));
        runner.join().unwrap();
    });
}
