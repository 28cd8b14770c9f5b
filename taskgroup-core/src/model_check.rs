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
//! the registry with its stop flag, whose entries stay until a sweep finds
//! their task's outcome stored ([`Tasks`]).

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
                let key = tasks.reserve((), None, 1);
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
fn a_task_ending_before_its_spawner_registers_it_is_waited_for() {
    // The task ends (counts out, then the runtime stores its outcome) on one
    // thread while its spawner, on another, has yet to fill its entry: the
    // group must not see "every outcome stored" before the entry is filled and
    // the outcome stored.
    model(|| {
        let live = Arc::new(LiveCount::new());
        let tasks = Arc::new(Tasks::<StubTask, (), ()>::new());
        let task = StubTask::default();
        assert!(live.try_enter().is_ok());
        let key = tasks.reserve((), None, live.running());
        let spawner = {
            let (tasks, task) = (Arc::clone(&tasks), task.clone());
            thread::spawn(move || tasks.register(key, task))
        };
        let ending = {
            let (live, task) = (Arc::clone(&live), task.clone());
            thread::spawn(move || {
                live.leave(); // the task's guard: no lock
                task.stored.store(true, SeqCst);
            })
        };
        live.leave(); // the body ends
        while !(live.try_finish() && tasks.outcomes_stored()) {
            thread::yield_now();
        }
        assert!(
            task.stored.load(SeqCst),
            "finished before the outcome was stored"
        );
        // The spawner has registered (its entry was waited for) and the
        // registry was emptied: a stop now has nothing to abort.
        tasks.stop();
        assert!(!task.aborted.load(SeqCst), "an ended task is not aborted");
        spawner.join().unwrap();
        ending.join().unwrap();
    });
}

#[test]
fn a_sweep_as_a_task_spawns_never_frees_a_running_tasks_entry() {
    // A full registry whose entries are mostly done is swept by the next
    // spawn; meanwhile a running task fails and reads who it is. The sweep
    // frees only done entries: the failing task always finds its own.
    model(|| {
        let tasks = Arc::new(Tasks::<StubTask, usize, ()>::new());
        let mut keys = Vec::new();
        let mut stubs = Vec::new();
        // Four entries fill the inline places; the first three are done.
        for i in 0..4 {
            let task = StubTask::default();
            let key = tasks.reserve(i, None, i + 1);
            tasks.register(key, task.clone());
            if i < 3 {
                task.stored.store(true, SeqCst);
            }
            keys.push(key);
            stubs.push(task);
        }
        let running = keys[3];
        let failing = {
            let tasks = Arc::clone(&tasks);
            thread::spawn(move || tasks.info(running).map(|(info, _)| info))
        };
        // Two units run (the failing task and the new one): at most half the
        // four entries, so this spawn sweeps the done ones before inserting.
        let new_key = tasks.reserve(4, None, 2);
        assert_ne!(new_key, running, "a running task's key was given away");
        assert_eq!(
            failing.join().unwrap(),
            Some(3),
            "the failing task lost its entry"
        );
        assert_eq!(tasks.info(running).map(|(info, _)| info), Some(3));
        assert!(!tasks.outcomes_stored(), "the running task is not done");
        stubs[3].stored.store(true, SeqCst);
        tasks.register(new_key, StubTask::default());
        assert!(!tasks.outcomes_stored(), "the new task is not done");
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
            let key = tasks.reserve((), None, live.running());
            tasks.register(key, task.clone());
            handles.push(task.clone());
            let live = Arc::clone(&live);
            threads.push(thread::spawn(move || {
                live.leave(); // the task's guard, as its future drops
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
        let key = tasks.reserve((), None, live.running());
        tasks.register(key, task.clone());
        let runner = {
            let (live, task) = (Arc::clone(&live), task.clone());
            thread::spawn(move || {
                // The runtime drops the aborted task: guard, then stored outcome.
                while !task.aborted.load(SeqCst) {
                    thread::yield_now();
                }
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
