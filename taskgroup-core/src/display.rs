//! How groups print: `Display` draws the tree the way Python prints an exception
//! group's traceback; `Debug` is the nested, `repr`-like form.

use std::fmt::{self, Debug, Display, Formatter, Write};

use crate::{ErrorGroup, Leaf, Node};

/// Python's `traceback` shows at most this many children of a group.
const MAX_CHILDREN_SHOWN: usize = 15;

const RULE: &str = "------------------------------------";

impl<E: Display> Display for ErrorGroup<E> {
    /// Draws the tree like Python's exception-group traceback, with each leaf's
    /// notes and origin (task name, id and spawn location). `{:#}` prints the
    /// one-line summary instead: `message (N sub-errors)`.
    ///
    /// ```
    /// use taskgroup_core::ErrorGroup;
    ///
    /// use taskgroup_core::Node;
    ///
    /// let inner = ErrorGroup::from_errors("inner", ["b"])?;
    /// let eg = ErrorGroup::new("outer", [Node::leaf("a"), inner.into()])?;
    /// assert_eq!(format!("{eg:#}"), "outer (2 sub-errors)");
    /// assert_eq!(eg.to_string(), "\
    /// ErrorGroup: outer (2 sub-errors)
    /// +-+---------------- 1 ----------------
    ///   | a
    ///   +---------------- 2 ----------------
    ///   | ErrorGroup: inner (1 sub-error)
    ///   +-+---------------- 1 ----------------
    ///     | b
    ///     +------------------------------------
    /// ");
    /// # Ok::<(), taskgroup_core::EmptyGroupError>(())
    /// ```
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return write_summary(self, f);
        }
        f.write_str("ErrorGroup: ")?;
        write_summary(self, f)?;
        f.write_char('\n')?;
        // Python prints a group's notes right under its message, with the same margin;
        // the outermost message has none.
        write_lines(f, "", &self.notes().join("\n"))?;
        write_children(self, f, "")
    }
}

fn write_summary<E>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    let n = group.children().len();
    let plural = if n == 1 { "" } else { "s" };
    write!(f, "{} ({n} sub-error{plural})", group.message())
}

/// Writes `text` line by line behind `margin` (`"<indent>| "` inside the tree).
fn write_lines(f: &mut Formatter<'_>, margin: &str, text: &str) -> fmt::Result {
    for line in text.lines() {
        writeln!(f, "{margin}{line}")?;
    }
    Ok(())
}

fn write_children<E: Display>(
    group: &ErrorGroup<E>,
    f: &mut Formatter<'_>,
    indent: &str,
) -> fmt::Result {
    let inner = format!("{indent}  ");
    let margin = format!("{inner}| ");
    let shown = group.children().len().min(MAX_CHILDREN_SHOWN);
    for (i, child) in group.children().iter().take(shown).enumerate() {
        let joint = if i == 0 { "+-+" } else { "  +" };
        writeln!(
            f,
            "{indent}{joint}---------------- {} ----------------",
            i + 1
        )?;
        match child {
            Node::Leaf(leaf) => write_leaf(leaf, f, &margin)?,
            Node::Group(nested) => {
                writeln!(f, "{margin}ErrorGroup: {nested:#}")?;
                write_lines(f, &margin, &nested.notes().join("\n"))?;
                write_children(nested, f, &inner)?;
            }
        }
    }
    let hidden = group.children().len() - shown;
    if hidden > 0 {
        writeln!(f, "{inner}+---------------- ... ----------------")?;
        let plural = if hidden == 1 { "" } else { "s" };
        writeln!(f, "{margin}and {hidden} more sub-error{plural}")?;
    }
    // The last child of a group closes the box, unless it was a group that closed its own.
    if hidden > 0 || matches!(group.children().last(), Some(Node::Leaf(_))) {
        writeln!(f, "{inner}+{RULE}")?;
    }
    Ok(())
}

fn write_leaf<E: Display>(leaf: &Leaf<E>, f: &mut Formatter<'_>, margin: &str) -> fmt::Result {
    write_lines(f, margin, &leaf.error().to_string())?;
    for note in leaf.notes() {
        write_lines(f, margin, note)?;
    }
    if let Some(origin) = leaf.origin() {
        writeln!(f, "{margin}{origin}")?;
    }
    Ok(())
}

impl<E: Debug> Debug for ErrorGroup<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut tuple = f.debug_tuple("ErrorGroup");
        tuple.field(&self.message()).field(&self.children());
        if !self.notes().is_empty() {
            tuple.field(&self.notes());
        }
        tuple.finish()
    }
}

impl<E: Debug> Debug for Node<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Leaf(leaf) => leaf.fmt(f),
            Node::Group(group) => group.fmt(f),
        }
    }
}

impl<E: Debug> Debug for Leaf<E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.notes().is_empty() && self.origin().is_none() {
            return self.error().fmt(f);
        }
        let mut s = f.debug_struct("Leaf");
        s.field("error", self.error());
        if !self.notes().is_empty() {
            s.field("notes", &self.notes());
        }
        if let Some(origin) = self.origin() {
            s.field("origin", origin);
        }
        s.finish()
    }
}
