//! `tg.snapshot()`: what a running group is doing, as data and as a tree.
//! Each module holds one group of behaviours; `redact` makes the printed tree
//! deterministic (task ids renumbered in order of appearance, line and column
//! numbers hidden).

mod states;
mod tree;

/// The tree with task ids renumbered (`#1`, `#2`, ... in order of appearance)
/// and `:line:column` of spawn sites replaced by `:LL:CC`.
pub(crate) fn redact(text: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix('#') {
            let digits = leading_digits(after);
            if !digits.is_empty() {
                let n = match ids.iter().position(|id| id == digits) {
                    Some(i) => i + 1,
                    None => {
                        ids.push(digits.to_owned());
                        ids.len()
                    }
                };
                out += &format!("#{n}");
                rest = &after[digits.len()..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix(".rs:") {
            let line = leading_digits(after);
            let after_line = &after[line.len()..];
            if let Some(column) = after_line.strip_prefix(':').map(leading_digits) {
                if !line.is_empty() && !column.is_empty() {
                    out += ".rs:LL:CC";
                    rest = &after_line[1 + column.len()..];
                    continue;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn leading_digits(text: &str) -> &str {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    &text[..end]
}

#[test]
fn redaction_renumbers_ids_and_hides_line_numbers() {
    let text = "task #17 (running) spawned at tests/a.rs:12:5\ntask #9 and #17 at b.rs:1:2";
    assert_eq!(
        redact(text),
        "task #1 (running) spawned at tests/a.rs:LL:CC\ntask #2 and #1 at b.rs:LL:CC"
    );
}
