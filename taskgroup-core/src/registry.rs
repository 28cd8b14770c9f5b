//! [`Tasks`]: a group's registry of its tasks, to stop them and to know when
//! the runtime has stored every task's outcome.
//!
//! A task's entry is made as it is spawned and holds its abort handle and who
//! it is (read only when it fails). A task that ends takes no lock: its entry
//! stays until a sweep finds that the runtime has stored its outcome. That is
//! what the group must wait for anyway: a task counts itself out of its group
//! as its future is dropped, and tokio stores its output just after, on the
//! same thread, so when the count reaches zero a task that ended on another
//! worker may be a few instructions short of having its outcome readable. `run`
//! returns only once every entry's task is complete in tokio's eyes
//! ([`Tasks::outcomes_stored`], the sweep that empties the registry), so that
//! after `run` every handle gives its outcome at once, and the handles never
//! wait.
//!
//! A group that runs long and spawns many short tasks sweeps as it spawns,
//! when the registry is full and at least half of its entries belong to tasks
//! that have left the group: so the registry holds at most about twice as many
//! entries as tasks run at once, and a spawn pays for the sweep only once per
//! as many spawns as the sweep frees.

use std::collections::BTreeMap;

use crate::entries::Entries;
use crate::sync::{lock, AtomicBool, Mutex, Ordering};

/// The key of a task's entry in its group's registry; 32 bits keep the task small.
pub(crate) type TaskKey = u32;

/// What the registry needs of a task: tokio's `AbortHandle`, or a stub in the
/// model checks.
pub(crate) trait TaskControl {
    /// Stops the task at its next poll.
    fn abort(&self);
    /// Whether the runtime has stored the task's outcome.
    fn is_finished(&self) -> bool;
}

impl TaskControl for tokio::task::AbortHandle {
    fn abort(&self) {
        tokio::task::AbortHandle::abort(self);
    }

    fn is_finished(&self) -> bool {
        tokio::task::AbortHandle::is_finished(self)
    }
}

/// A task's entry: its abort handle once spawned, and what the group keeps
/// about it (who it is, read only when it fails, so that the task's own
/// allocation does not carry it). Names, which few tasks have, are kept aside
/// so that every entry stays 24 bytes.
struct Entry<H, I> {
    /// `None` while the task is being spawned.
    task: Option<H>,
    info: I,
}

impl<H: TaskControl, I> Entry<H, I> {
    /// Whether the task is spawned and the runtime has stored its outcome: its
    /// entry may go.
    fn is_done(&self) -> bool {
        self.task.as_ref().is_some_and(H::is_finished)
    }
}

struct Registry<H, I, N> {
    entries: Entries<Entry<H, I>>,
    /// The names of the named tasks, by key; `None` until the first, so that a
    /// group without names never makes, clears or drops a map.
    names: Option<BTreeMap<usize, N>>,
}

impl<H: TaskControl, I, N> Registry<H, I, N> {
    /// Frees the entries whose task is done (and their names).
    fn sweep(&mut self) {
        let Registry { entries, names } = self;
        entries.retain(|key, entry| {
            let done = entry.is_done();
            if let (true, Some(names)) = (done, names.as_mut()) {
                names.remove(&key);
            }
            !done
        });
    }
}

/// The registry and the flag that says its tasks were stopped.
pub(crate) struct Tasks<H, I, N> {
    registry: Mutex<Registry<H, I, N>>,
    /// Set (under the lock) when tasks must stop; read without the lock by the
    /// body's poll and by blocking tasks about to start.
    stopped: AtomicBool,
}

impl<H: TaskControl, I: Clone, N: Clone> Tasks<H, I, N> {
    pub(crate) fn new() -> Self {
        Tasks {
            registry: Mutex::new(Registry {
                entries: Entries::new(),
                names: None,
            }),
            stopped: AtomicBool::new(false),
        }
    }

    /// Makes the entry of a task about to be spawned (the task needs its key).
    /// `running`: how many tasks are in the group now, this one included; when
    /// the registry is full and fewer than half of its entries belong to
    /// running tasks, the others are swept first (rather than growing it).
    pub(crate) fn reserve(&self, info: I, name: Option<N>, running: usize) -> TaskKey {
        let entry = Entry { task: None, info };
        let mut registry = lock(&self.registry);
        let entries = &registry.entries;
        if entries.is_full() && running <= entries.len() / 2 {
            registry.sweep();
        }
        let key = registry.entries.insert(entry);
        if let Some(name) = name {
            registry
                .names
                .get_or_insert_with(BTreeMap::new)
                .insert(key, name);
        }
        // Four billion tasks running at once in one group is beyond any memory.
        key as TaskKey
    }

    /// Fills a task's entry once it is spawned; aborts the task if the tasks
    /// were stopped meanwhile.
    pub(crate) fn register(&self, key: TaskKey, task: H) {
        let mut registry = lock(&self.registry);
        if self.is_stopped() {
            task.abort(); // `stop` has been through the entries already
        }
        if let Some(entry) = registry.entries.get_mut(key as usize) {
            entry.task = Some(task);
        }
    }

    /// What the group keeps about a task; its entry exists at least until the
    /// task has ended and the runtime has stored its outcome, so always while
    /// the task runs (and fails).
    pub(crate) fn info(&self, key: TaskKey) -> Option<(I, Option<N>)> {
        let key = key as usize;
        let registry = lock(&self.registry);
        let info = registry.entries.get(key)?.info.clone();
        let name = registry.names.as_ref().and_then(|names| names.get(&key));
        Some((info, name.cloned()))
    }

    /// Calls `each` with every entry (its task, `None` while being spawned;
    /// who it is; its name or other rare data), under the lock: for a
    /// snapshot of the group, which copies what it needs and lets go.
    pub(crate) fn for_each(&self, mut each: impl FnMut(Option<&H>, &I, Option<&N>)) {
        let registry = lock(&self.registry);
        let names = registry.names.as_ref();
        for (key, entry) in registry.entries.iter() {
            let aside = names.and_then(|names| names.get(&key));
            each(entry.task.as_ref(), &entry.info, aside);
        }
    }

    /// Aborts every task: each is dropped at its next poll (blocking tasks that
    /// started run to the end). Under the lock, which no ending task takes, so
    /// the aborted tasks, ending all at once, never wait for it; the entries
    /// stay, so a task failing as it is stopped still finds who it is.
    pub(crate) fn stop(&self) {
        let registry = lock(&self.registry);
        if self.is_stopped() {
            return;
        }
        // Under the lock, so a task registered after this sees the flag.
        self.stopped.store(true, Ordering::Release);
        for (_, entry) in registry.entries.iter() {
            if let Some(task) = &entry.task {
                task.abort();
            }
        }
    }

    /// Whether tasks must stop (the body too).
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Whether the runtime has stored the outcome of every task; once it has,
    /// the registry is emptied (a spawner kept after the group keeps none of
    /// its tasks alive). Asked once the live count is zero, so no task is added
    /// meanwhile; an entry still being filled (its task ended before its
    /// spawner registered it) waits for the spawner.
    pub(crate) fn outcomes_stored(&self) -> bool {
        let mut registry = lock(&self.registry);
        if !registry.entries.iter().all(|(_, entry)| entry.is_done()) {
            // Free those that are, so that the next ask looks only at the rest.
            registry.sweep();
            return false;
        }
        registry.entries.clear();
        registry.names = None;
        true
    }
}

#[cfg(all(test, not(taskgroup_loom)))]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;

    use super::{TaskControl, Tasks};

    /// A task as the registry sees it; `stored`: the runtime stored its outcome.
    #[derive(Clone, Default)]
    struct Stub {
        aborted: Arc<AtomicBool>,
        stored: Arc<AtomicBool>,
    }

    impl TaskControl for Stub {
        fn abort(&self) {
            self.aborted.store(true, SeqCst);
        }

        fn is_finished(&self) -> bool {
            self.stored.load(SeqCst)
        }
    }

    fn len(tasks: &Tasks<Stub, usize, ()>) -> usize {
        super::lock(&tasks.registry).entries.len()
    }

    #[test]
    fn an_entry_is_three_words() {
        type Spawned = (crate::TaskId, &'static std::panic::Location<'static>);
        let size = std::mem::size_of::<super::Entry<tokio::task::AbortHandle, Spawned>>();
        assert_eq!(size, 24, "every task pays for its entry");
    }

    #[test]
    fn a_group_spawning_short_tasks_one_after_another_keeps_a_small_registry() {
        let tasks = Tasks::<Stub, usize, ()>::new();
        let mut largest = 0;
        for i in 0..10_000 {
            // The body and this task run; every earlier task has ended.
            let key = tasks.reserve(i, None, 2);
            let task = Stub::default();
            tasks.register(key, task.clone());
            task.stored.store(true, SeqCst);
            largest = largest.max(len(&tasks));
        }
        assert!(largest <= 8, "the registry grew to {largest} entries");
    }

    #[test]
    fn a_registry_of_running_tasks_grows_without_sweeping_them() {
        let tasks = Tasks::<Stub, usize, ()>::new();
        let stubs: Vec<Stub> = (0..100)
            .map(|i| {
                let key = tasks.reserve(i, None, i + 2);
                let task = Stub::default();
                tasks.register(key, task.clone());
                task
            })
            .collect();
        assert_eq!(len(&tasks), 100);
        for (i, _) in stubs.iter().enumerate() {
            assert_eq!(tasks.info(i as u32).map(|(info, _)| info), Some(i));
        }
    }

    #[test]
    fn once_every_outcome_is_stored_the_registry_holds_no_task() {
        let tasks = Tasks::<Stub, usize, ()>::new();
        let stubs: Vec<Stub> = (0..10)
            .map(|i| {
                let key = tasks.reserve(i, None, i + 2);
                let task = Stub::default();
                tasks.register(key, task.clone());
                task
            })
            .collect();
        assert!(!tasks.outcomes_stored());
        for stub in &stubs[..9] {
            stub.stored.store(true, SeqCst);
        }
        assert!(!tasks.outcomes_stored(), "one outcome is not stored yet");
        assert_eq!(len(&tasks), 1, "the stored ones are freed meanwhile");
        stubs[9].stored.store(true, SeqCst);
        assert!(tasks.outcomes_stored());
        // Nothing of the tasks is kept (a spawner kept after the group keeps
        // no task alive).
        assert_eq!(len(&tasks), 0);
        assert!(stubs
            .iter()
            .all(|stub| Arc::strong_count(&stub.stored) == 1));
    }

    #[test]
    fn stop_aborts_every_registered_task_and_keeps_their_entries() {
        let tasks = Tasks::<Stub, usize, ()>::new();
        let stubs: Vec<Stub> = (0..6)
            .map(|i| {
                let key = tasks.reserve(i, None, i + 2);
                let task = Stub::default();
                tasks.register(key, task.clone());
                task
            })
            .collect();
        tasks.stop();
        assert!(stubs.iter().all(|stub| stub.aborted.load(SeqCst)));
        assert_eq!(tasks.info(5).map(|(info, _)| info), Some(5));
        // Registered after the stop: aborted at once.
        let late = Stub::default();
        let key = tasks.reserve(6, None, 8);
        tasks.register(key, late.clone());
        assert!(late.aborted.load(SeqCst));
    }
}
