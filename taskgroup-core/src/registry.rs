//! [`Tasks`]: a group's registry of its running tasks, to stop them, and of the
//! tasks that ended but whose outcome the runtime may not have stored yet.
//!
//! A task counts itself out of its group as its future is dropped, and tokio
//! stores its output just after, on the same thread. So when the count reaches
//! zero, a task that ended on another worker may be a few instructions short of
//! having its outcome readable. `run` returns only once every ended task is
//! complete in tokio's eyes ([`Tasks::outcomes_stored`]), so that after `run`
//! every handle gives its outcome at once, and the handles never wait.

use std::collections::{HashMap, VecDeque};

use slab::Slab;

use crate::sync::{lock, AtomicBool, Mutex, Ordering};

/// A task's slot in its group's registry; 32 bits keep the task small.
pub(crate) type TaskKey = u32;

/// What the registry needs of a running task: tokio's `AbortHandle`, or a stub
/// in the model checks.
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

/// A task's entry in the registry: its abort handle once spawned, and what the
/// group keeps about it (its identity, read only when it fails, so that the
/// task's own allocation does not carry it). Names, which few tasks have, are
/// kept aside so that every entry stays 32 bytes.
struct Entry<H, I> {
    /// `None` while the task is being spawned (and after a stop took it).
    task: Option<H>,
    /// The task ended before its spawner filled the entry; the spawner frees it.
    ended: bool,
    info: I,
}

struct Registry<H, I, N> {
    tasks: Slab<Entry<H, I>>,
    /// The names of the named tasks, by key.
    names: HashMap<usize, N>,
    ending: Ending<H>,
}

impl<H, I, N> Registry<H, I, N> {
    /// Frees a task's entry (and its name).
    fn remove(&mut self, key: usize) -> Entry<H, I> {
        if !self.names.is_empty() {
            self.names.remove(&key);
        }
        self.tasks.remove(key)
    }
}

/// Ended tasks whose outcome may not be stored yet, oldest first. Swept from
/// the front as tasks end, so it holds only the few that ended at about the
/// same moment on other workers (and, after a stop, the aborted ones).
struct Ending<H> {
    queue: VecDeque<H>,
}

impl<H: TaskControl> Ending<H> {
    fn new() -> Self {
        Ending {
            queue: VecDeque::new(),
        }
    }

    /// Keeps `task` until the runtime has stored its outcome, and takes out up
    /// to two of the oldest entries that are complete (one check when, as
    /// usual, the oldest is), for the caller to drop outside the lock: the last
    /// reference to a task frees its memory, which is no work for a lock holder.
    #[must_use = "drop the released tasks outside the lock"]
    fn push(&mut self, task: H) -> [Option<H>; 2] {
        let mut released = [None, None];
        for place in &mut released {
            if !self.queue.front().is_some_and(H::is_finished) {
                break;
            }
            *place = self.queue.pop_front();
        }
        self.queue.push_back(task);
        released
    }

    fn extend(&mut self, tasks: impl IntoIterator<Item = H>) {
        self.queue.extend(tasks);
    }

    /// Drops the entries that are complete; `true` if none is left.
    fn sweep(&mut self) -> bool {
        self.queue.retain(|task| !task.is_finished());
        self.queue.is_empty()
    }
}

/// The registry and the flag that says its tasks were stopped.
pub(crate) struct Tasks<H, I, N> {
    registry: Mutex<Registry<H, I, N>>,
    /// Set (under the lock) when tasks must stop; read without the lock by the
    /// body's poll and by ending tasks.
    stopped: AtomicBool,
}

impl<H: TaskControl, I: Clone, N: Clone> Tasks<H, I, N> {
    pub(crate) fn new() -> Self {
        Tasks {
            registry: Mutex::new(Registry {
                tasks: Slab::with_capacity(4),
                names: HashMap::new(),
                ending: Ending::new(),
            }),
            stopped: AtomicBool::new(false),
        }
    }

    /// Reserves an entry for a task about to be spawned (the task needs its key).
    pub(crate) fn reserve(&self, info: I, name: Option<N>) -> TaskKey {
        let entry = Entry {
            task: None,
            ended: false,
            info,
        };
        let mut registry = lock(&self.registry);
        let key = registry.tasks.insert(entry);
        if let Some(name) = name {
            registry.names.insert(key, name);
        }
        // Four billion tasks running at once in one group is beyond any memory.
        key as TaskKey
    }

    /// Fills a task's entry once it is spawned, or frees it if the task already
    /// ended; aborts it if the tasks were stopped meanwhile.
    pub(crate) fn register(&self, key: TaskKey, task: H) {
        let key = key as usize;
        let mut registry = lock(&self.registry);
        if self.is_stopped() {
            task.abort(); // `stop` has taken the handles already
            registry.ending.extend([task]);
        } else if registry.tasks.get(key).is_some_and(|entry| entry.ended) {
            registry.remove(key);
            let released = registry.ending.push(task);
            drop(registry);
            drop(released);
        } else if let Some(entry) = registry.tasks.get_mut(key) {
            entry.task = Some(task);
        }
    }

    /// Frees a task's entry as it ends (or marks it for its spawner to free).
    pub(crate) fn deregister(&self, key: TaskKey) {
        // After a stop the entries hold no handles: skip the lock that
        // thousands of tasks ending at once would otherwise queue on.
        if self.is_stopped() {
            return;
        }
        let key = key as usize;
        let mut registry = lock(&self.registry);
        if self.is_stopped() {
            return; // stopped while we waited for the lock
        }
        let Some(entry) = registry.tasks.get_mut(key) else {
            return;
        };
        if entry.task.is_none() {
            entry.ended = true;
            return;
        }
        if let Some(task) = registry.remove(key).task {
            let released = registry.ending.push(task);
            drop(registry);
            drop(released);
        }
    }

    /// What the group keeps about a task, while its entry exists (always while
    /// the task runs: a stop keeps the entries, taking only their handles).
    pub(crate) fn info(&self, key: TaskKey) -> Option<(I, Option<N>)> {
        let key = key as usize;
        let registry = lock(&self.registry);
        let info = registry.tasks.get(key)?.info.clone();
        Some((info, registry.names.get(&key).cloned()))
    }

    /// Aborts every task: each is dropped at its next poll (blocking tasks that
    /// started run to the end). Returns how many it aborted.
    pub(crate) fn stop(&self) -> usize {
        let tasks: Vec<H> = {
            let mut registry = lock(&self.registry);
            if self.is_stopped() {
                return 0;
            }
            // Under the lock, so a task registered after this sees the flag.
            self.stopped.store(true, Ordering::Release);
            // Take the handles and abort outside the lock: the aborted tasks,
            // ending all at once, then never wait for it. The entries stay, so a
            // task failing as it is stopped still finds its identity.
            registry
                .tasks
                .iter_mut()
                .filter_map(|(_, entry)| entry.task.take())
                .collect()
        };
        for task in &tasks {
            task.abort();
        }
        let stopped = tasks.len();
        // Kept until the runtime has stored their outcomes.
        lock(&self.registry).ending.extend(tasks);
        stopped
    }

    /// Whether tasks must stop (the body too).
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Whether the runtime has stored the outcome of every task that ended;
    /// asked once the live count is zero, so no task is added meanwhile.
    pub(crate) fn outcomes_stored(&self) -> bool {
        lock(&self.registry).ending.sweep()
    }
}
