//! The report (`{:?}` and `{:#}`): the tree drawn the way Python prints the
//! traceback of an exception group, with each leaf's cause chain, notes and origin.

use std::fmt::{self, Formatter, Write};

use super::causes::{causes, AsError};
use super::{plural, MAX_CHILDREN, MAX_DEPTH};
use crate::{ErrorGroup, Leaf, Node};

const RULE: &str = "------------------------------------";

/// Draws `group`:
///
/// ```text
/// ErrorGroup: outer (2 sub-errors)
/// +-+---------------- 1 ----------------
///   | could not read config
///   | caused by: No such file or directory (os error 2)
///   | in task "config" (#3) spawned at src/main.rs:20:12
///   +---------------- 2 ----------------
///   | ErrorGroup: inner (1 sub-error)
///   +-+---------------- 1 ----------------
///     | timed out
///     +------------------------------------
/// ```
pub(crate) fn write<E: AsError>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    write_header(group, f, "")?;
    write_children(group, f, "", 1)
}

/// `ErrorGroup: message (N sub-errors)` and the group's notes, behind `margin`.
/// Python counts a group's direct children here, as `len(eg.exceptions)`.
fn write_header<E>(group: &ErrorGroup<E>, f: &mut Formatter<'_>, margin: &str) -> fmt::Result {
    let n = group.children().len();
    f.write_str(margin)?;
    f.write_str("ErrorGroup: ")?;
    write_lines_after(f, margin, group.message())?;
    writeln!(f, " ({n} sub-error{})", plural(n))?;
    for note in group.notes() {
        write_lines(f, margin, note)?;
    }
    Ok(())
}

/// Writes `text` line by line behind `margin` (`"<indent>| "` inside the tree).
fn write_lines(f: &mut Formatter<'_>, margin: &str, text: &str) -> fmt::Result {
    f.write_str(margin)?;
    write_lines_after(f, margin, text)?;
    f.write_char('\n')
}

/// Writes `text`, its second and later lines behind `margin`, with no final newline.
fn write_lines_after(f: &mut Formatter<'_>, margin: &str, text: &str) -> fmt::Result {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            f.write_char('\n')?;
            f.write_str(margin)?;
        }
        f.write_str(line.trim_end_matches('\r'))?;
    }
    Ok(())
}

/// The children of a group at `depth` (the root's are at 1), the first
/// [`MAX_CHILDREN`] drawn and the rest counted.
fn write_children<E: AsError>(
    group: &ErrorGroup<E>,
    f: &mut Formatter<'_>,
    indent: &str,
    depth: usize,
) -> fmt::Result {
    let inner = format!("{indent}  ");
    let margin = format!("{inner}| ");
    let children = group.children();
    let shown = children.len().min(MAX_CHILDREN);
    for (i, child) in children[..shown].iter().enumerate() {
        let joint = if i == 0 { "+-+" } else { "  +" };
        writeln!(
            f,
            "{indent}{joint}---------------- {} ----------------",
            i + 1
        )?;
        match child {
            Node::Leaf(leaf) => write_leaf(leaf, f, &margin)?,
            Node::Group(nested) if depth >= MAX_DEPTH => {
                let n = nested.len();
                writeln!(
                    f,
                    "{margin}and {n} more error{} nested deeper than {MAX_DEPTH} levels",
                    plural(n)
                )?;
            }
            Node::Group(nested) => {
                write_header(nested, f, &margin)?;
                write_children(nested, f, &inner, depth + 1)?;
            }
        }
    }
    let hidden = children.len() - shown;
    if hidden > 0 {
        writeln!(f, "{inner}+---------------- ... ----------------")?;
        writeln!(f, "{margin}and {hidden} more sub-error{}", plural(hidden))?;
    }
    // The last child of a group closes the box, unless it was a group that closed
    // its own.
    let closed_by_child = matches!(children.last(), Some(Node::Group(_))) && depth < MAX_DEPTH;
    if hidden > 0 || !closed_by_child {
        writeln!(f, "{inner}+{RULE}")?;
    }
    Ok(())
}

/// A leaf: its message, a `caused by:` line for each error in its `source()`
/// chain, its notes and where it came from.
fn write_leaf<E: AsError>(leaf: &Leaf<E>, f: &mut Formatter<'_>, margin: &str) -> fmt::Result {
    let error = leaf.error().as_error();
    write_lines(f, margin, &error.to_string())?;
    for cause in causes(error) {
        write_lines(f, margin, &format!("caused by: {cause}"))?;
    }
    for note in leaf.notes() {
        write_lines(f, margin, note)?;
    }
    if let Some(origin) = leaf.origin() {
        writeln!(f, "{margin}{origin}")?;
    }
    Ok(())
}
