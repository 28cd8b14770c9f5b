//! The structural form (`{:#?}`, and `{:?}` of a [`Node`]): nested like a derived
//! `Debug`, capped like the drawing.

use std::fmt::{self, Debug, Formatter};

use super::{MAX_CHILDREN, MAX_DEPTH};
use crate::{ErrorGroup, Node};

/// Writes `group` as `ErrorGroup { message: .., notes: .., children: [..] }`, its
/// notes only if it has some; past the caps, `... and N more` stands for the
/// children not shown and `ErrorGroup { message: .., len: N, .. }` for a group
/// nested too deep.
pub(crate) fn write<E: Debug>(group: &ErrorGroup<E>, f: &mut Formatter<'_>) -> fmt::Result {
    At { group, depth: 0 }.fmt(f)
}

/// A group `depth` levels below the one being printed.
struct At<'a, E> {
    group: &'a ErrorGroup<E>,
    depth: usize,
}

impl<E: Debug> Debug for At<'_, E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let group = self.group;
        let mut s = f.debug_struct("ErrorGroup");
        s.field("message", &group.message());
        if self.depth >= MAX_DEPTH {
            return s.field("len", &group.len()).finish_non_exhaustive();
        }
        if !group.notes().is_empty() {
            s.field("notes", &group.notes());
        }
        s.field("children", &Children(self)).finish()
    }
}

/// The children of a group, the first [`MAX_CHILDREN`] in full.
struct Children<'a, 'b, E>(&'b At<'a, E>);

impl<E: Debug> Debug for Children<'_, '_, E> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let At { group, depth } = *self.0;
        let children = group.children();
        let mut list = f.debug_list();
        for child in children.iter().take(MAX_CHILDREN) {
            match child {
                Node::Leaf(leaf) => list.entry(leaf),
                Node::Group(nested) => list.entry(&At {
                    group: nested,
                    depth: depth + 1,
                }),
            };
        }
        let hidden = children.len().saturating_sub(MAX_CHILDREN);
        if hidden > 0 {
            list.entry(&format_args!("... and {hidden} more"));
        }
        list.finish()
    }
}
