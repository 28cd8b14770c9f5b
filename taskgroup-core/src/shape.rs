//! [`Shape`]: the tree of an error group with its leaves taken out, which an
//! except* dispatch rebuilds subgroups from.

use std::borrow::Cow;

use crate::{AnyError, ErrorGroup, Leaf, Node};

/// The tree of the original error with its leaves taken out, as a flat list of
/// steps in depth-first order: flat, so that walking, rebuilding and dropping it
/// never recurse, however deep the tree. Leaves are numbered in the same order (their
/// dispatch positions), so the n-th `Leaf` step is position n of `pending`.
pub(crate) struct Shape {
    steps: Vec<Step>,
    /// The message and notes of each group, indexed by [`Step::Open`].
    groups: Vec<(Cow<'static, str>, Vec<String>)>,
}

#[derive(Clone, Copy)]
enum Step {
    Leaf,
    /// A group starts; its children follow, up to the matching `Close`.
    Open(usize),
    Close,
}

impl Shape {
    /// Moves the leaves of `group` into `leaves` and keeps the rest as a shape.
    pub(crate) fn take_apart(group: ErrorGroup, leaves: &mut Vec<Option<Leaf<AnyError>>>) -> Shape {
        let mut shape = Shape {
            steps: Vec::new(),
            groups: Vec::new(),
        };
        let mut stack = vec![shape.open(group)];
        while let Some(children) = stack.last_mut() {
            match children.next() {
                Some(Node::Leaf(leaf)) => {
                    leaves.push(Some(leaf));
                    shape.steps.push(Step::Leaf);
                }
                Some(Node::Group(nested)) => {
                    let children = shape.open(nested);
                    stack.push(children);
                }
                None => {
                    stack.pop();
                    shape.steps.push(Step::Close);
                }
            }
        }
        shape
    }

    fn open(&mut self, group: ErrorGroup) -> std::vec::IntoIter<Node> {
        let (message, notes, children) = group.into_parts();
        self.steps.push(Step::Open(self.groups.len()));
        self.groups.push((message, notes));
        children.into_iter()
    }

    /// Rebuilds the part of the tree whose leaves `pick` hands out, pruning empty
    /// branches and keeping singletons, messages and notes (PEP 654 `split`);
    /// `None` if `pick` hands out nothing.
    pub(crate) fn project<U>(
        &self,
        mut pick: impl FnMut(usize) -> Option<Leaf<U>>,
    ) -> Option<ErrorGroup<U>> {
        // The children kept so far of each open group, innermost last.
        let mut stack: Vec<(usize, Vec<Node<U>>)> = Vec::new();
        let mut position = 0;
        for step in &self.steps {
            match *step {
                Step::Leaf => {
                    let picked = pick(position);
                    position += 1;
                    if let (Some(leaf), Some((_, kept))) = (picked, stack.last_mut()) {
                        kept.push(Node::Leaf(leaf));
                    }
                }
                Step::Open(group) => stack.push((group, Vec::new())),
                Step::Close => {
                    let (group, kept) = stack.pop()?;
                    let group = (!kept.is_empty()).then(|| {
                        let (message, notes) = &self.groups[group];
                        ErrorGroup::from_children(message.clone(), notes.clone(), kept)
                    });
                    match stack.last_mut() {
                        Some((_, parent)) => parent.extend(group.map(Node::Group)),
                        // The root closes last.
                        None => return group,
                    }
                }
            }
        }
        None
    }
}
