//! [`TaskGroup::snapshot`]: what a running group is doing, as data for tools
//! and as a tree to print (`python -m asyncio pstree`, a Java thread dump of
//! structured scopes).

use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::snapshot_track;
use crate::{TaskGroup, TaskId};

/// A group as [`TaskGroup::snapshot`] saw it: its state, its tasks that had
/// not ended, and the groups nested in its body. `Display` draws the tree
/// (`{}`), as `python -m asyncio pstree` does.
///
/// The fields are public for tools; the type is `non_exhaustive`, so later
/// versions can say more.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupSnapshot {
    /// The name the builder gave, if any.
    pub name: Option<Arc<str>>,
    /// Running, cancelling or finished.
    pub state: GroupState,
    /// The limit on how many tasks run at once, if any.
    pub limit: Option<usize>,
    /// How long the group has run, if ages are recorded
    /// ([`GroupSnapshot::record_ages`]).
    pub age: Option<Duration>,
    /// The tasks that had not ended, in spawn order.
    pub tasks: Vec<TaskSnapshot>,
    /// The groups running in this group's body (groups running inside a task
    /// are in that task's [`TaskSnapshot::groups`]).
    pub groups: Vec<GroupSnapshot>,
}

/// One task of a [`GroupSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// The task's id, as its handle and its errors give it.
    pub id: TaskId,
    /// The name it was spawned with, if any.
    pub name: Option<Arc<str>>,
    /// What it is doing.
    pub state: TaskState,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// How long ago it was spawned, if ages are recorded
    /// ([`GroupSnapshot::record_ages`]).
    pub age: Option<Duration>,
    /// The groups running inside this task.
    pub groups: Vec<GroupSnapshot>,
}

/// What a group is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupState {
    /// Its body or tasks run, and it accepts new tasks.
    Running,
    /// It started cancelling: its tasks are being stopped (or have their grace
    /// period), and it refuses new ones.
    Cancelling,
    /// Everything ended; its `run` has returned or is about to.
    Finished,
}

/// What a task is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// It runs (or waits on something of its own).
    Running,
    /// It waits for its turn under the group's limit.
    WaitingForPermit,
    /// Its group is cancelling and it has not ended yet.
    Cancelling,
}

impl GroupSnapshot {
    /// Switches on (or off) recording when tasks and groups start, for the
    /// whole process, so that snapshots show their ages. Off by default: it
    /// reads the clock at every spawn, which a group never looked at should not
    /// pay for. Tasks spawned while it is off have no age.
    ///
    /// The clock is tokio's, so under paused time (tests) ages are paused too.
    ///
    /// ```
    /// use taskgroup_core::{GroupSnapshot, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// GroupSnapshot::record_ages(true);
    /// TaskGroup::run(async |tg| {
    ///     tg.spawn(std::future::pending::<()>());
    ///     tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    ///     let snapshot = tg.snapshot();
    ///     assert!(snapshot.tasks[0].age.unwrap().as_secs() >= 2);
    ///     tg.cancel();
    ///     Ok::<_, std::fmt::Error>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn record_ages(on: bool) {
        snapshot_track::record_ages(on);
    }
}

impl TaskGroup {
    /// What the group is doing now: its state, every task that has not ended
    /// (name, id, state, spawn site, age), and the groups nested in it; print
    /// it with `{}` for a tree like `python -m asyncio pstree`.
    ///
    /// It can be called from the body, from a task, or from another thread
    /// through a [`spawner`](Self::spawner): it never waits for other work,
    /// only for the registry's lock, which spawns hold briefly. Tasks running
    /// on other threads may end meanwhile, so a snapshot is a moment's view.
    ///
    /// Scoped tasks ([`Scope::spawn_scoped`](crate::Scope::spawn_scoped)) live
    /// inside the group's own future and are not listed.
    ///
    /// ```
    /// use taskgroup_core::{TaskGroup, TaskState};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// TaskGroup::builder()
    ///     .name("jobs")
    ///     .limit(1)
    ///     .run(async |tg| {
    ///         tg.spawn_named("first", std::future::pending::<()>());
    ///         tg.spawn_named("second", async {});
    ///         tokio::task::yield_now().await;
    ///         let snapshot = tg.snapshot();
    ///         let states: Vec<_> = snapshot.tasks.iter().map(|t| t.state).collect();
    ///         assert_eq!(states, [TaskState::Running, TaskState::WaitingForPermit]);
    ///         println!("{snapshot}");
    ///         tg.cancel();
    ///         Ok::<_, std::fmt::Error>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn snapshot(&self) -> GroupSnapshot {
        let shared = &*self.shared;
        let now = Instant::now();
        let state = if shared.is_finished() {
            GroupState::Finished
        } else if shared.cancellation.is_fired() {
            GroupState::Cancelling
        } else {
            GroupState::Running
        };
        let waiting = shared.watch.waiting();
        let mut tasks = Vec::new();
        shared.each_task(|handle, &(id, location), aside| {
            if handle.is_some_and(tokio::task::AbortHandle::is_finished) {
                return; // ended; its entry waits for a sweep
            }
            let state = if waiting.contains(&id) && state == GroupState::Running {
                TaskState::WaitingForPermit
            } else if state == GroupState::Running {
                TaskState::Running
            } else {
                TaskState::Cancelling
            };
            tasks.push(TaskSnapshot {
                id,
                name: aside.and_then(|aside| aside.name.clone()),
                state,
                location,
                age: aside
                    .and_then(|aside| aside.spawned)
                    .map(|spawned| now.saturating_duration_since(spawned)),
                groups: Vec::new(),
            });
        });
        tasks.sort_by_key(|task| task.id);
        GroupSnapshot {
            name: shared.name.clone(),
            state,
            limit: shared.watch.limit,
            age: shared
                .watch
                .started
                .map(|started| now.saturating_duration_since(started)),
            tasks,
            groups: Vec::new(),
        }
    }
}
