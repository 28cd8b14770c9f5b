//! The groups the report tests print, and the redaction that makes their text
//! deterministic.

use std::error::Error;
use std::fmt;

use taskgroup::{AnyError, ErrorGroup, Leaf, Node, TaskGroup};

pub(crate) use crate::{
    DiskFull, NoAttemptsLeft, OsError, Refused, TimedOut, TypeError, ValueError,
};

pub(crate) fn v(n: u32) -> Node {
    Node::error(ValueError(n))
}

pub(crate) fn t(n: u32) -> Node {
    Node::error(TypeError(n))
}

pub(crate) fn o(n: u32) -> Node {
    Node::error(OsError(n))
}

pub(crate) fn group(message: &'static str, children: impl IntoIterator<Item = Node>) -> ErrorGroup {
    ErrorGroup::new(message, children).expect("test groups are non-empty")
}

/// An error with a cause that has a cause of its own, as a `thiserror` enum with
/// `#[from]`/`#[source]` fields makes: "could not load config", caused by "could
/// not read app.toml", caused by "permission denied".
#[derive(Debug)]
pub(crate) struct LoadConfig(ReadFile);

#[derive(Debug)]
pub(crate) struct ReadFile(PermissionDenied);

#[derive(Debug)]
pub(crate) struct PermissionDenied;

impl fmt::Display for LoadConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not load config")
    }
}

impl Error for LoadConfig {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

impl fmt::Display for ReadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not read app.toml")
    }
}

impl Error for ReadFile {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

impl fmt::Display for PermissionDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("permission denied")
    }
}

impl Error for PermissionDenied {}

pub(crate) fn load_config() -> LoadConfig {
    LoadConfig(ReadFile(PermissionDenied))
}

/// A group as a real program gets it: named and unnamed tasks, a nested task
/// group, a leaf with a two-level cause chain, and notes on a leaf and a group.
pub(crate) fn showcase() -> ErrorGroup {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut eg = runtime
        .block_on(TaskGroup::builder().supervise().run(async |tg| {
            tg.spawn_named("config", async { Err::<(), _>(load_config()) });
            tg.spawn_named("fetch", async {
                TaskGroup::builder()
                    .supervise()
                    .run(async |tg| {
                        tg.spawn_named("fetch a", async { Err::<(), _>(Refused) });
                        tg.spawn_named("fetch b", async { Err::<(), _>(TimedOut) });
                        Ok::<_, TimedOut>(())
                    })
                    .await
            });
            tg.spawn_named("retry", async {
                let mut leaf = Leaf::new(AnyError::new(NoAttemptsLeft));
                leaf.add_note("gave up after 3 attempts");
                Err::<(), _>(ErrorGroup::new("retries exhausted", [leaf]).unwrap())
            });
            tg.spawn(async { Err::<(), _>(DiskFull) });
            Ok::<_, TimedOut>(())
        }))
        .unwrap_err();
    eg.add_note("while starting the server");
    eg
}

/// A flat group of 40 leaves, `error 1` to `error 40`: past every width cap.
pub(crate) fn forty() -> ErrorGroup {
    ErrorGroup::from_errors(
        "forty",
        (1..=40).map(|i| AnyError::new(std::io::Error::other(format!("error {i}")))),
    )
    .unwrap()
}

/// `levels` groups nested in each other, each with a leaf and the next group:
/// `level 1 [leaf 1, level 2 [leaf 2, ...]]`.
pub(crate) fn nested_levels(levels: u32) -> ErrorGroup {
    let mut eg = ErrorGroup::new(format!("level {levels}"), [v(levels)]).unwrap();
    for level in (1..levels).rev() {
        eg = ErrorGroup::new(format!("level {level}"), [v(level), eg.into()]).unwrap();
    }
    eg
}

/// `text` with task ids renumbered in order of appearance (`#1`, `#2`, ...) and
/// the line and column of every source location replaced by `LL:CC`.
pub(crate) fn redact(text: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some((prefix, after)) = ["#", "TaskId("]
            .iter()
            .find_map(|p| rest.strip_prefix(p).map(|after| (*p, after)))
        {
            // `{:#?}` puts the number of `TaskId(n)` on a line of its own.
            let space = &after[..after.len() - after.trim_start().len()];
            let after = &after[space.len()..];
            let prefix = format!("{prefix}{space}");
            let digits = leading_digits(after);
            if !digits.is_empty() {
                let n = match ids.iter().position(|id| id == digits) {
                    Some(i) => i + 1,
                    None => {
                        ids.push(digits.to_owned());
                        ids.len()
                    }
                };
                out += &format!("{prefix}{n}");
                rest = &after[digits.len()..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix(".rs:") {
            let line = leading_digits(after);
            let after_line = &after[line.len()..];
            if let Some(after_colon) = after_line.strip_prefix(':') {
                let column = leading_digits(after_colon);
                if !line.is_empty() && !column.is_empty() {
                    out += ".rs:LL:CC";
                    rest = &after_colon[column.len()..];
                    continue;
                }
            }
        }
        if let Some((field, after)) = [("line: ", "LL"), ("col: ", "CC"), ("column: ", "CC")]
            .iter()
            .find_map(|(f, r)| rest.strip_prefix(f).map(|after| ((*f, *r), after)))
        {
            let digits = leading_digits(after);
            if !digits.is_empty() {
                out += field.0;
                out += field.1;
                rest = &after[digits.len()..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `report` without the backtrace that anyhow and eyre add when `RUST_BACKTRACE`
/// or `RUST_LIB_BACKTRACE` is set.
pub(crate) fn without_backtrace(report: &str) -> &str {
    report
        .split_once("\n\nStack backtrace:")
        .map_or(report, |(before, _)| before)
}

fn leading_digits(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    &text[..end]
}

#[test]
fn redact_renumbers_task_ids_and_hides_line_and_column() {
    assert_eq!(
        redact("in task \"a\" (#17) spawned at src/x.rs:12:5, #9 then #17 at y.rs:1:2"),
        "in task \"a\" (#1) spawned at src/x.rs:LL:CC, #2 then #1 at y.rs:LL:CC"
    );
    assert_eq!(
        redact("TaskId(17), Location { line: 12, col: 5 }, TaskId(\n    17,\n)"),
        "TaskId(1), Location { line: LL, col: CC }, TaskId(\n    1,\n)"
    );
}
