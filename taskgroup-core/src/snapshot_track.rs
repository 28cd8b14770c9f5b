//! What a group keeps so that a snapshot can say more than the registry does:
//! which tasks wait for a permit under `limit`, which run in the background,
//! which tokio task a nested group runs in, and (when ages are recorded) when
//! each task was spawned.
//!
//! None of it costs a group that is never looked at: the waiting set is
//! touched only by tasks that actually queue for a permit (they have just
//! taken the semaphore's lock anyway), the background set only by background
//! spawns, the tokio task id only by groups that nest, and spawn times are read from the
//! clock only once [`record_ages`] was switched on, which costs every other
//! spawn one relaxed load.

use std::collections::BTreeSet;

use tokio::time::Instant;

use crate::origin::TaskName;
use crate::sync::{lock, Mutex};
use crate::TaskId;

/// Whether spawns read the clock, so that snapshots show ages.
static AGES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Switches recording of spawn times on or off, for the whole process.
pub(crate) fn record_ages(on: bool) {
    AGES.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The time now, if ages are recorded.
#[inline]
pub(crate) fn now_if_recording() -> Option<Instant> {
    if AGES.load(std::sync::atomic::Ordering::Relaxed) {
        Some(Instant::now())
    } else {
        None
    }
}

/// What the registry keeps beside a task's entry, for the few tasks that have
/// any of it: a name, or a spawn time.
#[derive(Clone)]
pub(crate) struct Aside {
    pub(crate) name: Option<TaskName>,
    pub(crate) spawned: Option<Instant>,
}

impl Aside {
    /// `None` (no map entry at all) for an unnamed task while ages are off.
    #[inline]
    pub(crate) fn new(name: Option<TaskName>) -> Option<Aside> {
        let spawned = now_if_recording();
        if name.is_none() && spawned.is_none() {
            return None;
        }
        Some(Aside { name, spawned })
    }
}

/// A group's state for snapshots: two words in every group (a lock and a
/// pointer); the rest is allocated only by groups that need it (a limit,
/// ages, a background task, an enclosing group), so that the group's shared
/// state stays small.
pub(crate) struct Watch {
    rare: Mutex<Option<Box<Rare>>>,
}

/// What few groups have, as a snapshot reads it.
#[derive(Clone, Default)]
pub(crate) struct Rare {
    /// When the group started, if ages are recorded.
    pub(crate) started: Option<Instant>,
    /// The group's limit, as given.
    pub(crate) limit: Option<usize>,
    /// The tokio task the group runs in, if it is nested (read once, when a
    /// nested group starts: only groups that nest pay for it).
    pub(crate) runs_in: Option<tokio::task::Id>,
    /// The tasks queued for a permit under the limit.
    pub(crate) waiting: BTreeSet<TaskId>,
    /// The background tasks (ended ones may still be in it: the snapshot
    /// lists only the tasks it finds running).
    pub(crate) background: BTreeSet<TaskId>,
}

impl Watch {
    #[inline]
    pub(crate) fn new(limit: Option<usize>, nested: bool) -> Self {
        let started = now_if_recording();
        let rare = (started.is_some() || limit.is_some() || nested).then(|| {
            Box::new(Rare {
                started,
                limit,
                runs_in: if nested { tokio::task::try_id() } else { None },
                ..Rare::default()
            })
        });
        Watch {
            rare: Mutex::new(rare),
        }
    }

    fn with(&self, change: impl FnOnce(&mut Rare)) {
        change(lock(&self.rare).get_or_insert_with(Box::default));
    }

    /// The task `id` queues for a permit.
    pub(crate) fn queued(&self, id: TaskId) {
        self.with(|rare| {
            rare.waiting.insert(id);
        });
    }

    /// The task `id` has its permit, or will never get one.
    pub(crate) fn admitted(&self, id: TaskId) {
        self.with(|rare| {
            rare.waiting.remove(&id);
        });
    }

    /// The task `id` runs in the background.
    pub(crate) fn background(&self, id: TaskId) {
        self.with(|rare| {
            rare.background.insert(id);
        });
    }

    /// How many task ids the waiting and background sets hold, ended tasks'
    /// included.
    pub(crate) fn tracked(&self) -> usize {
        lock(&self.rare)
            .as_ref()
            .map_or(0, |rare| rare.waiting.len() + rare.background.len())
    }

    /// Forgets the ids of tasks that are no longer running (`running` says
    /// which are), so that a long-lived group that spawns many background
    /// tasks, or whose queued tasks are aborted, does not grow without bound.
    pub(crate) fn retain(&self, running: impl Fn(&TaskId) -> bool) {
        if let Some(rare) = lock(&self.rare).as_mut() {
            rare.waiting.retain(&running);
            rare.background.retain(&running);
        }
    }

    /// The tokio task the group runs in, if it is nested.
    pub(crate) fn runs_in(&self) -> Option<tokio::task::Id> {
        lock(&self.rare).as_ref().and_then(|rare| rare.runs_in)
    }

    /// A copy of what few groups have (all empty for most).
    pub(crate) fn rare(&self) -> Rare {
        lock(&self.rare).as_deref().cloned().unwrap_or_default()
    }
}
