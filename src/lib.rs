//! Python's `asyncio.TaskGroup` and PEP 654 `except*` for Rust, on tokio.
#![doc = "See the README."]

pub use taskgroup_core::*;
