//! A leaf as an error: its message and its cause chain, for every report.

use std::error::Error;
use std::fmt::{self, Write};

use crate::AnyError;

/// What the reports need of a leaf: the leaf as an error, for its message and its
/// `source()` chain. An untyped group's leaves are [`AnyError`]s, which are not
/// `Error`s themselves (see its docs); a typed group's leaves are.
pub(crate) trait AsError {
    fn as_error(&self) -> &(dyn Error + '_);
}

impl AsError for AnyError {
    fn as_error(&self) -> &(dyn Error + '_) {
        self.as_dyn()
    }
}

impl<E: Error> AsError for E {
    fn as_error(&self) -> &(dyn Error + '_) {
        self
    }
}

/// The errors behind `error`: its `source()`, that one's `source()`, and so on.
pub(crate) fn causes<'a>(
    error: &'a (dyn Error + 'a),
) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(error.source(), |&cause| cause.source())
}

/// Writes `error`'s message followed by its causes inline, on one line:
/// `disk full (caused by: write failed: EIO)`.
pub(crate) fn write_inline(out: &mut impl Write, error: &dyn Error) -> fmt::Result {
    let mut out = OneLine(out);
    write!(out, "{error}")?;
    let mut causes = causes(error).peekable();
    if causes.peek().is_some() {
        out.write_str(" (caused by: ")?;
        for (i, cause) in causes.enumerate() {
            if i > 0 {
                out.write_str(": ")?;
            }
            write!(out, "{cause}")?;
        }
        out.write_char(')')?;
    }
    Ok(())
}

/// `error` inline as a `String`: see [`write_inline`].
pub(crate) fn inline(error: &dyn Error) -> String {
    let mut text = String::new();
    // Writing into a `String` fails only if a `Display` returns an error itself.
    let _ = write_inline(&mut text, error);
    text
}

/// A writer that keeps everything on one line: a line break becomes a space.
pub(crate) struct OneLine<W>(pub(crate) W);

impl<W: Write> Write for OneLine<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // `\r\n` is one break; a carriage return alone is dropped.
        let mut parts = s.split('\n').map(|part| part.trim_end_matches('\r'));
        if let Some(first) = parts.next() {
            self.0.write_str(first)?;
        }
        for part in parts {
            self.0.write_char(' ')?;
            self.0.write_str(part)?;
        }
        Ok(())
    }
}
