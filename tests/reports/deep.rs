//! Every form prints a group a million levels deep, or a million leaves wide,
//! without overflowing a small stack, and formats only what it shows (so its time
//! is linear in the tree's size, not in what a recursive writer would visit).

use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use taskgroup::{ErrorGroup, Node};

const LEVELS: usize = 1_000_000;

/// A stack far smaller than a main thread's 8 MiB: what a recursive writer would
/// overflow within a few thousand levels.
const SMALL_STACK: usize = 256 * 1024;

/// Runs `f` on a thread with [`SMALL_STACK`].
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .expect("printing on a small stack does not overflow")
}

/// `LEVELS` groups nested in each other, one leaf at the bottom.
fn chain() -> ErrorGroup {
    let mut eg = ErrorGroup::new("bottom", [Node::error(std::fmt::Error)]).unwrap();
    for _ in 1..LEVELS {
        eg = ErrorGroup::new("level", [eg]).unwrap();
    }
    eg
}

/// An error that counts how often it is displayed, each kind of test its own count.
struct Counted(&'static AtomicUsize);

impl fmt::Debug for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::Relaxed);
        f.write_str("Counted")
    }
}

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::Relaxed);
        f.write_str("counted")
    }
}

impl Error for Counted {}

/// Prints `eg` in every form (and walks its `source()`), returning the lengths.
fn every_form(eg: &ErrorGroup) -> [usize; 5] {
    let source = eg.source().map_or(0, |rest| rest.to_string().len());
    [
        eg.to_string().len(),
        format!("{eg:#}").len(),
        format!("{eg:?}").len(),
        format!("{eg:#?}").len(),
        source,
    ]
}

#[test]
fn every_form_prints_a_million_level_group_on_a_small_stack() {
    let eg = chain();
    let lengths = on_small_stack(move || {
        let lengths = every_form(&eg);
        drop(eg);
        lengths
    });
    // The one line names the leaf at the bottom; the drawings stop at ten levels.
    assert!(
        lengths.iter().take(4).all(|&n| n > 0 && n < 10_000),
        "{lengths:?}"
    );
}

#[test]
fn the_drawings_of_a_million_level_group_format_only_the_levels_they_show() {
    static SHOWN: AtomicUsize = AtomicUsize::new(0);
    // A leaf on every level: a writer that visited every level would display a
    // million of them.
    let mut eg = ErrorGroup::new("bottom", [Node::error(Counted(&SHOWN))]).unwrap();
    for _ in 1..LEVELS {
        eg = ErrorGroup::new("level", [Node::error(Counted(&SHOWN)), eg.into()]).unwrap();
    }
    let eg = on_small_stack(move || {
        let _ = (format!("{eg:?}"), format!("{eg:#?}"));
        eg
    });
    // Ten levels are drawn by each of the two forms.
    assert_eq!(SHOWN.load(Ordering::Relaxed), 2 * 10);
    drop(eg);
}

#[test]
fn the_one_line_form_of_a_million_leaves_formats_only_the_leaves_it_shows() {
    static SHOWN: AtomicUsize = AtomicUsize::new(0);
    let eg = ErrorGroup::from_errors(
        "wide",
        (0..LEVELS).map(|_| taskgroup::AnyError::new(Counted(&SHOWN))),
    )
    .unwrap();
    let line = eg.to_string();
    let shown = SHOWN.load(Ordering::Relaxed);
    assert!(shown < 100, "{shown} leaves displayed for one line: {line}");
    assert!(
        line.ends_with(&format!("; and {} more", LEVELS - shown)),
        "{line}"
    );
}

#[test]
fn the_drawings_of_a_million_leaves_format_only_the_first_15() {
    static SHOWN: AtomicUsize = AtomicUsize::new(0);
    let eg = ErrorGroup::from_errors(
        "wide",
        (0..LEVELS).map(|_| taskgroup::AnyError::new(Counted(&SHOWN))),
    )
    .unwrap();
    let _ = (format!("{eg:?}"), format!("{eg:#?}"));
    assert_eq!(SHOWN.load(Ordering::Relaxed), 2 * 15);
}
