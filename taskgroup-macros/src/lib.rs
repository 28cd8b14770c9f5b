//! Procedural macros of [`taskgroup`](https://docs.rs/taskgroup): `task_group!`
//! and `#[except_star]`. Use them through the `taskgroup` crate.
