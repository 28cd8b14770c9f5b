//! [`CancelReason`]: why a group is cancelling, and the slot that keeps the
//! first one.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::{TaskGroup, TaskHandle, TaskId};

/// Why a group started cancelling (Trio's and AnyIO's cancel reasons): read it
/// with [`TaskGroup::cancel_reason`](crate::TaskGroup::cancel_reason), or for
/// the task of a cancelled handle with
/// [`TaskGroup::cancel_reason_of`](crate::TaskGroup::cancel_reason_of).
///
/// The first reason wins: a group that times out after a task failed keeps
/// saying the task failed. A reason is never an error; the report of a failed
/// group says how many tasks were cancelled and why.
///
/// ```
/// use taskgroup_core::{CancelReason, TaskGroup};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let result = TaskGroup::run(async |tg| {
///     tg.cancel_with("shutting down");
///     assert_eq!(tg.cancel_reason(), Some(CancelReason::Requested(Some("shutting down".into()))));
///     Ok::<_, std::fmt::Error>(())
/// })
/// .await;
/// assert!(result.is_ok()); // the body had finished: cancelling is not an error
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelReason {
    /// A task returned an error, and the group does not supervise.
    TaskFailed {
        /// The task that failed.
        id: TaskId,
        /// Its name, if it was spawned with one.
        name: Option<Arc<str>>,
    },
    /// The group's body returned an error.
    BodyFailed,
    /// A task or the body panicked.
    Panicked,
    /// The group's timeout or deadline expired.
    Deadline,
    /// The enclosing group started cancelling, for this reason.
    Enclosing(Arc<CancelReason>),
    /// [`TaskGroup::cancel`](crate::TaskGroup::cancel) (no message) or
    /// [`TaskGroup::cancel_with`](crate::TaskGroup::cancel_with).
    Requested(Option<Arc<str>>),
    /// The body and every ordinary task finished: the background tasks are
    /// cancelled (see [`TaskGroup::spawn_background`](crate::TaskGroup::spawn_background)).
    WorkDone,
    /// The token given to the builder's `cancel_on` was cancelled (a shutdown
    /// from outside the group).
    Shutdown,
    /// The group's `run` future was dropped before it finished.
    Dropped,
    /// This task was cancelled through its own handle
    /// ([`TaskHandle::cancel`](crate::TaskHandle::cancel)); its group may run on.
    Handle,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelReason::TaskFailed {
                id,
                name: Some(name),
            } => {
                write!(f, "task {name:?} ({id}) failed")
            }
            CancelReason::TaskFailed { id, name: None } => write!(f, "task {id} failed"),
            CancelReason::BodyFailed => f.write_str("the group's body failed"),
            CancelReason::Panicked => f.write_str("a task panicked"),
            CancelReason::Deadline => f.write_str("the group's deadline expired"),
            CancelReason::Enclosing(reason) => {
                write!(f, "the enclosing group was cancelled: {reason}")
            }
            CancelReason::Requested(Some(message)) => write!(f, "cancelled: {message}"),
            CancelReason::Requested(None) => f.write_str("the group was cancelled"),
            CancelReason::WorkDone => f.write_str("the group's work is done"),
            CancelReason::Shutdown => f.write_str("shutdown requested from outside the group"),
            CancelReason::Dropped => f.write_str("the group's future was dropped"),
            CancelReason::Handle => f.write_str("cancelled through its handle"),
        }
    }
}

impl TaskGroup {
    /// Cancels the group like [`cancel`](Self::cancel), giving `reason` as
    /// why: [`cancel_reason`](Self::cancel_reason) and the handles of the
    /// tasks it stops say [`CancelReason::Requested`] with it (Trio's and
    /// AnyIO's `cancel(reason=...)`). Not an error.
    pub fn cancel_with(&self, reason: impl Into<Arc<str>>) {
        self.shared.request_cancel(Some(reason.into()));
    }

    /// Why the group is cancelling, once it is: the first of a task's failure,
    /// the body's, a panic, the deadline, the enclosing group, a request, the
    /// end of its work (background tasks), or a shutdown from outside.
    pub fn cancel_reason(&self) -> Option<CancelReason> {
        self.shared.cancel_reason().cloned()
    }

    /// Why the task of `handle` (a task of this group) was cancelled, once it
    /// was: [`CancelReason::Handle`] if through its handle, otherwise this
    /// group's reason. `None` while it runs, or if it ended any other way.
    ///
    /// An accessor here rather than on the handle: the handle would have to
    /// keep its group, a word more in every handle and a reference count more
    /// in every spawn, for the few handles ever asked.
    ///
    /// ```
    /// use taskgroup_core::{CancelReason, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (group, sleeper) = TaskGroup::run(async |tg| {
    ///     let sleeper = tg.spawn(std::future::pending::<()>());
    ///     tg.cancel_with("enough");
    ///     Ok::<_, std::fmt::Error>((tg.spawner(), sleeper))
    /// })
    /// .await
    /// .unwrap();
    /// let why = group.cancel_reason_of(&sleeper);
    /// assert_eq!(why, Some(CancelReason::Requested(Some("enough".into()))));
    /// # }
    /// ```
    pub fn cancel_reason_of<T>(&self, handle: &TaskHandle<T>) -> Option<CancelReason> {
        if handle.is_cancelled_here() {
            return Some(CancelReason::Handle);
        }
        if !handle.is_cancelled() {
            return None;
        }
        self.cancel_reason()
    }
}

/// The first reason a group was given to cancel; later ones are ignored.
#[derive(Default)]
pub(crate) struct ReasonSlot(OnceLock<CancelReason>);

impl ReasonSlot {
    /// Keeps `reason` if it is the first; `true` if it was.
    pub(crate) fn set(&self, reason: CancelReason) -> bool {
        self.0.set(reason).is_ok()
    }

    pub(crate) fn get(&self) -> Option<&CancelReason> {
        self.0.get()
    }
}

/// The note a failed group's report gets when its cancellation stopped tasks.
pub(crate) fn cancelled_note(count: usize, reason: &CancelReason) -> String {
    if count == 1 {
        format!("1 task was cancelled: {reason}")
    } else {
        format!("{count} tasks were cancelled: {reason}")
    }
}
