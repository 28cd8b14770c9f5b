//! The one-line form (`{}`): the message, the number of errors, and each leaf's
//! message with its causes inline, cut with "and N more" past a length bound. The
//! leaves it leaves out are what the group's `source()` returns, so a report that
//! prints `{}` and then the source chain (anyhow, eyre) shows every leaf once.

use std::error::Error;
use std::fmt::{self, Formatter, Write};

use super::causes::{inline, AsError, OneLine};
use super::plural;
use crate::{BoxError, ErrorGroup};

/// The one-line form stops adding leaves once their text is this long (in bytes);
/// the first leaf is always shown whole, however long.
pub(crate) const MAX_LINE: usize = 200;

/// Writes `group` on one line:
/// `message (3 errors): disk full (caused by: EIO); timed out; and 1 more`.
pub(crate) fn write<E: AsError>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    write_header(group, f)?;
    f.write_str(": ")?;
    let shown = shown(group);
    f.write_str(&shown.join("; "))?;
    let hidden = group.len() - shown.len();
    if hidden > 0 {
        write!(f, "; and {hidden} more")?;
    }
    Ok(())
}

/// `message (N errors)`, or `N errors` for a group without a message.
pub(crate) fn write_header<E>(group: &ErrorGroup<E>, f: &mut impl Write) -> fmt::Result {
    let n = group.len();
    let message = group.message();
    if message.is_empty() {
        write!(f, "{n} error{}", plural(n))
    } else {
        write!(OneLine(&mut *f), "{message}")?;
        write!(f, " ({n} error{})", plural(n))
    }
}

/// The leaves the line shows, each as its inline text: leaves in order until their
/// text reaches [`MAX_LINE`], at least one.
fn shown<E: AsError>(group: &ErrorGroup<E>) -> Vec<String> {
    let mut shown = Vec::new();
    let mut length = 0;
    for error in group.iter() {
        if length >= MAX_LINE {
            break;
        }
        let text = inline(error.as_error());
        length += text.len() + 2;
        shown.push(text);
    }
    shown
}

/// The leaves that [`write`] leaves out, as one error whose message lists them all
/// on one line; `None` if the line shows every leaf.
pub(crate) fn rest<E: AsError>(group: &ErrorGroup<E>) -> Option<BoxError> {
    let shown = shown(group).len();
    let hidden = group.len() - shown;
    if hidden == 0 {
        return None;
    }
    let rest: Vec<String> = group
        .iter()
        .skip(shown)
        .map(|error| inline(error.as_error()))
        .collect();
    let text = format!(
        "the other {hidden} error{}: {}",
        plural(hidden),
        rest.join("; ")
    );
    Some(Box::new(RestOfLine(text)))
}

/// The leaves a group's one-line form leaves out: what the group's `source()`
/// returns.
#[derive(Debug)]
struct RestOfLine(String);

impl fmt::Display for RestOfLine {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for RestOfLine {}
