//! How a group reads wherever Rust prints it: `{:?}` and `{:#}` draw the tree,
//! `{}` is one line, `{:#?}` the structural form; anyhow, eyre and miette show
//! every leaf; every form prints a million-level group on a small stack. Each form
//! is pinned by a snapshot (`snapshots/`), with task ids renumbered and line and
//! column numbers redacted so the snapshots do not change with unrelated edits.

#[path = "../common/mod.rs"]
mod common;

mod deep;
mod fixtures;
mod interop;
mod line;
#[cfg(feature = "miette")]
mod miette;
mod snapshots;
mod structure;
mod tree;

// `V1` is ValueError(1): short texts keep the expected drawings readable.
common::error_types! {
    #[derive(Debug, Clone, PartialEq)]
    struct ValueError(u32) => "V{}";

    #[derive(Debug, Clone, PartialEq)]
    struct TypeError(u32) => "T{}";

    #[derive(Debug, Clone, PartialEq)]
    struct OsError(u32) => "O{}";

    #[derive(Debug)]
    struct Refused => "connection refused";

    #[derive(Debug)]
    struct TimedOut => "timed out";

    #[derive(Debug)]
    struct DiskFull => "disk full";

    #[derive(Debug)]
    struct NoAttemptsLeft => "no attempts left";
}
