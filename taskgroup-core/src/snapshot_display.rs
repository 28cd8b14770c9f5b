//! How a [`GroupSnapshot`] prints: a tree drawn like `python -m asyncio
//! pstree`, one line per group and task.
//!
//! ```text
//! task group "server" (running, limit 2)
//! ├── task "accept" #1 (running) spawned at src/main.rs:12:8
//! │   └── task group "connection" (cancelling) because the group's deadline expired
//! │       └── task #3 (cancelling) spawned at src/main.rs:20:12
//! └── task #2 (waiting for a permit) spawned at src/main.rs:13:8
//! ```

use std::fmt::{self, Write};
use std::time::Duration;

use crate::{GroupSnapshot, GroupState, TaskSnapshot, TaskState};

impl fmt::Display for GroupSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_group_line(f, self, false)?;
        write_group_children(f, self, &mut String::new())
    }
}

impl fmt::Display for TaskSnapshot {
    /// The task's own line, without the groups nested in it (nor its group's
    /// cancel reason, which its group's line gives).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task ")?;
        if let Some(name) = &self.name {
            write!(f, "{name:?} ")?;
        }
        write!(f, "{} ({}", self.id, self.state)?;
        write_age(f, self.age)?;
        write!(f, ") spawned at {}", self.location)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Running => "running",
            TaskState::WaitingForPermit => "waiting for a permit",
            TaskState::Background => "background",
            TaskState::Cancelling => "cancelling",
        })
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GroupState::Running => "running",
            GroupState::Cancelling => "cancelling",
            GroupState::Finished => "finished",
        })
    }
}

/// `task group "name" (state, limit n, age) because why`, and where it runs when that is
/// its enclosing group's body.
fn write_group_line(
    f: &mut fmt::Formatter<'_>,
    group: &GroupSnapshot,
    in_body: bool,
) -> fmt::Result {
    f.write_str("task group ")?;
    if let Some(name) = &group.name {
        write!(f, "{name:?} ")?;
    }
    write!(f, "({}", group.state)?;
    if let Some(limit) = group.limit {
        write!(f, ", limit {limit}")?;
    }
    write_age(f, group.age)?;
    f.write_char(')')?;
    if let Some(reason) = &group.cancel_reason {
        write!(f, " because {reason}")?;
    }
    if in_body {
        f.write_str(" in the body")?;
    }
    Ok(())
}

fn write_age(f: &mut fmt::Formatter<'_>, age: Option<Duration>) -> fmt::Result {
    match age {
        Some(age) => write!(f, ", {age:.1?}"),
        None => Ok(()),
    }
}

/// A group's tasks (each with its nested groups), then the groups in its
/// body; `prefix` is the drawing of the levels above.
fn write_group_children(
    f: &mut fmt::Formatter<'_>,
    group: &GroupSnapshot,
    prefix: &mut String,
) -> fmt::Result {
    let count = group.tasks.len() + group.groups.len();
    let tasks = group.tasks.iter().map(Child::Task);
    let groups = group.groups.iter().map(Child::Group);
    for (i, child) in tasks.chain(groups).enumerate() {
        let last = i + 1 == count;
        write!(f, "\n{prefix}{}", if last { "└── " } else { "├── " })?;
        let depth = prefix.len();
        prefix.push_str(if last { "    " } else { "│   " });
        match child {
            Child::Task(task) => {
                write!(f, "{task}")?;
                write_nested(f, &task.groups, prefix)?;
            }
            Child::Group(nested) => {
                write_group_line(f, nested, true)?;
                write_group_children(f, nested, prefix)?;
            }
        }
        prefix.truncate(depth);
    }
    Ok(())
}

/// The groups running inside a task.
fn write_nested(
    f: &mut fmt::Formatter<'_>,
    groups: &[GroupSnapshot],
    prefix: &mut String,
) -> fmt::Result {
    for (i, group) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        write!(f, "\n{prefix}{}", if last { "└── " } else { "├── " })?;
        let depth = prefix.len();
        prefix.push_str(if last { "    " } else { "│   " });
        write_group_line(f, group, false)?;
        write_group_children(f, group, prefix)?;
        prefix.truncate(depth);
    }
    Ok(())
}

enum Child<'a> {
    Task(&'a TaskSnapshot),
    Group(&'a GroupSnapshot),
}
