//! How a group prints: the writers behind its `Display`, `Debug` and miette forms.
//!
//! | form | writer |
//! |---|---|
//! | `{}` | [`line`]: one line, fit for a log field, bounded in length |
//! | `{:?}`, `{:#}` | [`tree`]: the drawing of Python's traceback of a group |
//! | `{:#?}` | [`structure`]: the derive-like nested form |
//! | miette | `diagnostic`: the drawn part of the tree as related diagnostics |
//!
//! Every writer caps the drawing (15 children, 10 levels, then "and N more"),
//! never the data, so each prints a group of any depth and width in time linear
//! in what it shows, with recursion bounded by the depth cap.

pub(crate) mod causes;
#[cfg(feature = "miette")]
mod diagnostic;
pub(crate) mod line;
pub(crate) mod structure;
pub(crate) mod tree;

/// Python's `traceback` draws at most this many children of a group.
pub(crate) const MAX_CHILDREN: usize = 15;

/// Python's `traceback` draws at most this many levels of nested groups.
pub(crate) const MAX_DEPTH: usize = 10;

/// `"s"` unless `n` is one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
