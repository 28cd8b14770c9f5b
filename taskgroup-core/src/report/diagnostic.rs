//! With the `miette` feature, a group is a [`miette::Diagnostic`] whose
//! `related()` yields its children, nested groups as nested diagnostics, so
//! miette's handlers draw every leaf with its causes, notes and origin.
//!
//! miette asks for `&dyn Diagnostic`s borrowed from the group, and draws related
//! diagnostics recursively. So the drawn part of the tree (capped like the other
//! forms: 15 children, 10 levels) is built once as owned diagnostics and kept in
//! the group; miette's recursion is then as deep as the cap, never as the tree.

use std::error::Error;
use std::fmt::{self, Display, Formatter};

use miette::Diagnostic;

use super::causes::{causes, AsError};
use super::{line, plural, MAX_CHILDREN, MAX_DEPTH};
use crate::{ErrorGroup, Leaf, Node};

/// The group's notes, one per line, as miette's `help:`.
///
/// # Examples
///
/// ```
/// use miette::Diagnostic;
/// use taskgroup_core::{ErrorGroup, Node};
///
/// let inner = ErrorGroup::new("retries", [Node::error(std::fmt::Error)])?;
/// let eg = ErrorGroup::new("jobs", [Node::error(std::io::Error::other("disk full")), inner.into()])?;
/// let related: Vec<String> = eg.related().unwrap().map(|d| d.to_string()).collect();
/// assert_eq!(related, ["disk full", "retries (1 error)"]);
/// # Ok::<(), taskgroup_core::EmptyGroupError>(())
/// ```
impl Diagnostic for ErrorGroup {
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        help(self)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        related(self)
    }
}

/// As for an untyped group.
impl<E: Error + Send + Sync + 'static> Diagnostic for ErrorGroup<E> {
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        help(self)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        related(self)
    }
}

fn help<E>(group: &ErrorGroup<E>) -> Option<Box<dyn Display + '_>> {
    (!group.notes().is_empty()).then(|| Box::new(group.notes().join("\n")) as Box<dyn Display>)
}

fn related<'a, E: AsError>(
    group: &'a ErrorGroup<E>,
) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
    let related = group.reports().related.get_or_init(|| children(group, 1));
    Some(Box::new(related.iter().map(|d| &**d as &dyn Diagnostic)))
}

/// The children of a group at `depth` (the root's are at 1) as diagnostics: the
/// first [`MAX_CHILDREN`], then one that counts the rest.
fn children<E: AsError>(
    group: &ErrorGroup<E>,
    depth: usize,
) -> Vec<Box<dyn Diagnostic + Send + Sync>> {
    let children = group.children();
    let mut out: Vec<Box<dyn Diagnostic + Send + Sync>> = children
        .iter()
        .take(MAX_CHILDREN)
        .map(|child| Box::new(node(child, depth)) as Box<dyn Diagnostic + Send + Sync>)
        .collect();
    let hidden = children.len().saturating_sub(MAX_CHILDREN);
    if hidden > 0 {
        out.push(Box::new(Drawn::text(format!(
            "and {hidden} more sub-error{}",
            plural(hidden)
        ))));
    }
    out
}

fn node<E: AsError>(node: &Node<E>, depth: usize) -> Drawn {
    match node {
        Node::Leaf(leaf) => Drawn::leaf(leaf),
        Node::Group(group) if depth >= MAX_DEPTH => {
            let n = group.len();
            Drawn::text(format!(
                "and {n} more error{} nested deeper than {MAX_DEPTH} levels",
                plural(n)
            ))
        }
        Node::Group(group) => {
            let mut header = String::new();
            // Writing into a `String` fails only if a `Display` fails.
            let _ = line::write_header(group, &mut header);
            Drawn {
                text: header,
                help: (!group.notes().is_empty()).then(|| group.notes().join("\n")),
                cause: None,
                related: children(group, depth + 1),
            }
        }
    }
}

/// A drawn child: a leaf (its message, causes, notes and origin), a nested group
/// (its message and size, notes, and its own children) or an "and N more".
#[derive(Debug)]
struct Drawn {
    text: String,
    help: Option<String>,
    cause: Option<Cause>,
    related: Vec<Box<dyn Diagnostic + Send + Sync>>,
}

impl Drawn {
    fn text(text: String) -> Self {
        Drawn {
            text,
            help: None,
            cause: None,
            related: Vec::new(),
        }
    }

    fn leaf<E: AsError>(leaf: &Leaf<E>) -> Self {
        let error = leaf.error().as_error();
        let texts: Vec<String> = causes(error).map(|cause| cause.to_string()).collect();
        let cause = texts.into_iter().rev().fold(None, |next, text| {
            Some(Cause {
                text,
                next: next.map(Box::new),
            })
        });
        let mut help: Vec<String> = leaf.notes().to_vec();
        help.extend(leaf.origin().map(ToString::to_string));
        Drawn {
            text: error.to_string(),
            help: (!help.is_empty()).then(|| help.join("\n")),
            cause,
            related: Vec::new(),
        }
    }
}

impl Display for Drawn {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Error for Drawn {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.cause
            .as_ref()
            .map(|cause| cause as &(dyn Error + 'static))
    }
}

impl Diagnostic for Drawn {
    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|d| &**d as &dyn Diagnostic),
        ))
    }
}

/// One error of a leaf's cause chain, kept as its message.
#[derive(Debug)]
struct Cause {
    text: String,
    next: Option<Box<Cause>>,
}

impl Display for Cause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.next
            .as_deref()
            .map(|next| next as &(dyn Error + 'static))
    }
}
