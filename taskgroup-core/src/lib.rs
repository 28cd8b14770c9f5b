//! The runtime of [`taskgroup`](https://docs.rs/taskgroup): Python's
//! `asyncio.TaskGroup` on tokio, PEP 654 error groups and `except*` dispatch.
//!
//! Most users depend on the `taskgroup` facade crate instead, which re-exports
//! everything here together with the `task_group!` and `#[except_star]` macros.

#![forbid(unsafe_code)]

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __macro_support;
mod any_error;
mod auto_traits;
mod background;
mod backpressure;
mod builder;
mod cancel_reason;
mod completions;
mod dispatch;
mod display;
mod enclosing;
mod entries;
mod error_group;
mod errors;
mod group;
mod handle;
mod handover;
mod leaf;
mod live;
mod nested;
mod origin;
mod registry;
mod report;
mod reschedule;
mod run;
mod scope;
mod scoped;
mod scoped_handle;
mod scoped_set;
mod scoped_task;
mod settings;
mod shape;
mod shared;
#[cfg(feature = "tokio-util")]
mod shutdown;
mod signal;
mod snapshot;
mod snapshot_display;
mod snapshot_take;
mod snapshot_track;
mod start;
mod summary;
mod sync;
mod task;
mod timeout;
mod tokio_names;

#[cfg(all(test, taskgroup_loom))]
mod model_check;
#[cfg(all(test, taskgroup_loom))]
mod model_check_background;

pub use any_error::{AnyError, BoxError};
pub use builder::{Builder, Local, Threaded};
pub use cancel_reason::CancelReason;
pub use completions::Completions;
pub use dispatch::{ExceptStar, Raise, UnsettledArm};
pub use error_group::{
    EmptyGroupError, ErrorGroup, IntoIter, Iter, Leaves, Node, TASK_GROUP_MESSAGE,
};
pub use errors::{Cancelled, ConfigError, SpawnError, SpawnRefused};
pub use group::{Spawner, TaskGroup};
pub use handle::{FailureSummary, TaskError, TaskHandle};
pub use leaf::Leaf;
pub use origin::{Origin, TaskId};
pub use run::Run;
pub use scope::{LocalScope, Scope};
pub use scoped_handle::ScopedHandle;
pub use snapshot::{GroupSnapshot, GroupState, TaskSnapshot, TaskState};
pub use start::{Ready, StartError};
pub use task::TaskOutput;
pub use timeout::Timeout;
