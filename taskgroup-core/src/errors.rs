//! The run-time errors of a task group besides the errors its tasks return.

use std::fmt;

/// Why a group refused a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnRefused {
    /// The group is cancelling (a task failed, it timed out, or `cancel()` was called).
    ShuttingDown,
    /// The group has finished: its `run` returned or was dropped.
    Finished,
}

impl fmt::Display for SpawnRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpawnRefused::ShuttingDown => "the task group is shutting down",
            SpawnRefused::Finished => "the task group has finished",
        })
    }
}

impl std::error::Error for SpawnRefused {}

/// The error of [`TaskGroup::try_spawn`](crate::TaskGroup::try_spawn): the group
/// refused the task, and here is its future back, never polled.
pub struct SpawnError<F> {
    /// Why the group refused.
    pub reason: SpawnRefused,
    /// The future, handed back unpolled.
    pub future: F,
}

impl<F> fmt::Debug for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnError")
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Display for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot spawn: {}", self.reason)
    }
}

impl<F> std::error::Error for SpawnError<F> {}

/// The leaf a group returns when [`TaskGroup::cancel`](crate::TaskGroup::cancel)
/// stopped its body before the body produced a value and no task failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task group was cancelled before its body finished")
    }
}

impl std::error::Error for Cancelled {}

/// A builder setting that cannot work, reported by `run` as the group's only
/// leaf, without running the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `limit(0)`: no task could ever run.
    ZeroLimit,
    /// `run` was awaited outside a tokio runtime, where no task can be spawned.
    NoRuntime,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroLimit => {
                f.write_str("limit(0) would never let a task run; use 1 or more")
            }
            ConfigError::NoRuntime => f.write_str("a task group must run inside a tokio runtime"),
        }
    }
}

impl std::error::Error for ConfigError {}
