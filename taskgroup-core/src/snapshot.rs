//! [`TaskGroup::snapshot`]: what a running group is doing, as data for tools
//! and as a tree to print (`python -m asyncio pstree`, a Java thread dump of
//! structured scopes). Taking one is `snapshot_take.rs`.

use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::snapshot_track;
use crate::{CancelReason, TaskId};

/// A group as [`TaskGroup::snapshot`](crate::TaskGroup::snapshot) saw it: its state, its tasks that had
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
    /// Why the group is cancelling, once it is.
    pub cancel_reason: Option<CancelReason>,
    /// The limit on how many tasks run at once, if any.
    pub limit: Option<usize>,
    /// How long the group has run, if ages are recorded
    /// ([`GroupSnapshot::record_ages`]).
    pub age: Option<Duration>,
    /// The tasks that had not ended, in spawn order.
    pub tasks: Vec<TaskSnapshot>,
    /// The groups running in this group's body or its scoped tasks (groups
    /// running inside a spawned task are in that task's
    /// [`TaskSnapshot::groups`]).
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
    /// Why it is being cancelled: its group's reason, once the group
    /// cancels.
    pub cancel_reason: Option<CancelReason>,
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
    /// A background task ([`TaskGroup::spawn_background`](crate::TaskGroup::spawn_background)),
    /// running until the group's work is done.
    Background,
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
