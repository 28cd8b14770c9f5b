//! anyhow and eyre print an error's `Display` and then its `source()` chain: made
//! from a group, they show every leaf's message and causes exactly once.

use taskgroup::ErrorGroup;

use crate::fixtures::{forty, redact, showcase, without_backtrace};

/// The text of every leaf and cause of the showcase group, each once in it.
const SHOWCASE_TEXTS: [&str; 7] = [
    "could not load config",
    "could not read app.toml",
    "permission denied",
    "connection refused",
    "timed out",
    "no attempts left",
    "disk full",
];

fn assert_each_once(report: &str, texts: impl IntoIterator<Item = String>) {
    for text in texts {
        // "error 1" is also the start of "error 10": count whole items only.
        let count = report
            .split([';', '\n', '(', ')', ':'])
            .filter(|part| part.trim() == text)
            .count();
        assert_eq!(count, 1, "{text:?} appears {count} times in:\n{report}");
    }
}

fn forty_texts() -> impl Iterator<Item = String> {
    (1..=40).map(|i| format!("error {i}"))
}

#[test]
fn anyhow_debug_shows_every_leaf_and_cause_once() {
    let report = format!("{:?}", anyhow::Error::from(showcase()));
    let report = without_backtrace(&report);
    assert_each_once(report, SHOWCASE_TEXTS.map(String::from));
    insta::assert_snapshot!("anyhow_debug_showcase", redact(report));
}

#[test]
fn anyhow_debug_of_a_group_cut_on_its_line_shows_every_leaf_once() {
    let report = format!("{:?}", anyhow::Error::from(forty()));
    let report = without_backtrace(&report);
    assert_each_once(report, forty_texts());
    insta::assert_snapshot!("anyhow_debug_forty", report);
}

#[test]
fn anyhow_alternate_display_shows_every_leaf_once_on_one_line() {
    let report = format!("{:#}", anyhow::Error::from(forty()));
    assert!(!report.contains('\n'), "{report}");
    assert_each_once(&report, forty_texts());
}

#[test]
fn eyre_debug_shows_every_leaf_and_cause_once() {
    let report = format!("{:?}", eyre::Report::from(showcase()));
    let report = without_backtrace(&report);
    assert_each_once(report, SHOWCASE_TEXTS.map(String::from));
    insta::assert_snapshot!("eyre_debug_showcase", redact(report));
}

#[test]
fn eyre_debug_of_a_group_cut_on_its_line_shows_every_leaf_once() {
    let report = format!("{:?}", eyre::Report::from(forty()));
    assert_each_once(&report, forty_texts());
}

#[test]
fn a_typed_group_in_anyhow_shows_every_leaf_once() {
    let typed = ErrorGroup::from_errors(
        "typed",
        (1..=40).map(|i| std::io::Error::other(format!("error {i}"))),
    )
    .unwrap();
    let report = format!("{:?}", anyhow::Error::from(typed));
    assert_each_once(&report, forty_texts());
}
