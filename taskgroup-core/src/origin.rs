//! [`Origin`]: where an error leaf came from: its task (id and name) or the
//! group's body, and the source location of the `spawn` (or `run`) call.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A process-unique task id, handed out in spawn order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A task's name: one allocation, made at spawn and shared (never copied) by
/// its handle, its group's registry and the origin of each error it returns.
pub(crate) type TaskName = Arc<str>;

/// What produced an error leaf: a task (with its name and id) or a group's body,
/// and the source location of the `spawn` or `run` call.
///
/// This is also who a task is while it runs: its group's registry keeps these
/// parts (the name aside, since few tasks have one) and puts them together only
/// when the task fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    task: Option<(TaskId, Option<TaskName>)>,
    location: &'static Location<'static>,
}

impl Origin {
    /// An error returned by the task `id` (named `name`) spawned at `location`.
    pub fn task(id: TaskId, name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        Origin {
            task: Some((id, name)),
            location,
        }
    }

    /// An error produced by a group's body or the group itself (a timeout), at `location`.
    pub fn body(location: &'static Location<'static>) -> Self {
        Origin {
            task: None,
            location,
        }
    }

    /// The id of the task, or `None` for the body.
    pub fn task_id(&self) -> Option<TaskId> {
        self.task.as_ref().map(|(id, _)| *id)
    }

    /// The name given at spawn, if any.
    pub fn task_name(&self) -> Option<&str> {
        self.task.as_ref().and_then(|(_, name)| name.as_deref())
    }

    /// Where the task was spawned, or where the group was run.
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.task {
            Some((id, Some(name))) => write!(f, "in task {name:?} ({id}) spawned at ")?,
            Some((id, None)) => write!(f, "in task {id} spawned at ")?,
            None => f.write_str("in the group body run at ")?,
        }
        write!(f, "{}", self.location)
    }
}
