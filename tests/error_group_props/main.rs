//! Property tests for "no error lost, none duplicated". Over random trees (depth ≤ 4,
//! 1–4 children per group) and random arm lists, `split`, `subgroup` and the except*
//! dispatch keep every leaf exactly once and in order. They also keep the shape
//! (messages, notes, nesting, singleton branches) of every branch they keep.
//!
//! Each property compares the library against a small model: `project` is PEP 654's
//! split written over plain data, and `model_dispatch` is PEP 654's except* (first
//! matching arm takes a leaf, raised errors then the unhandled rest escape in a group
//! `""`, a bare re-raise merges back into the original shape), plus the one rule of
//! hand-written dispatch: an arm that takes errors and never settles raises an
//! `UnsettledArm` in their place.

use std::collections::HashSet;
use std::error::Error;

use proptest::collection::vec;
use proptest::prelude::*;
use taskgroup::{AnyError, ErrorGroup, ExceptStar, Leaf, Node, Raise, UnsettledArm};

#[path = "../common/mod.rs"]
mod common;

// ---------------------------------------------------------------------------
// Three distinct leaf types, so typed `split::<T>` and `take::<T>` can be tested
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Color {
    Red,
    Green,
    Blue,
    /// An `UnsettledArm` leaf, raised by the dispatch (never generated).
    Unsettled,
}

/// The id every `UnsettledArm` leaf has in the model, above any other id.
const UNSETTLED_ID: u32 = 2000;

trait ColorError: Error + Send + Sync + 'static {
    const COLOR: Color;
    fn id(&self) -> u32;
}

macro_rules! color_errors {
    ($($name:ident),*) => {$(
        common::error_types! {
            #[derive(Debug)]
            struct $name(u32) => concat!(stringify!($name), " {}");
        }

        impl ColorError for $name {
            const COLOR: Color = Color::$name;
            fn id(&self) -> u32 {
                self.0
            }
        }
    )*};
}

color_errors!(Red, Green, Blue);

fn new_error(color: Color, id: u32) -> AnyError {
    match color {
        Color::Red => AnyError::new(Red(id)),
        Color::Green => AnyError::new(Green(id)),
        Color::Blue => AnyError::new(Blue(id)),
        Color::Unsettled => AnyError::new(UnsettledArm),
    }
}

fn color_and_id(e: &AnyError) -> (Color, u32) {
    fn as_color<T: ColorError>(e: &AnyError) -> Option<(Color, u32)> {
        e.downcast_ref::<T>().map(|leaf| (T::COLOR, leaf.id()))
    }
    if e.is::<UnsettledArm>() {
        return (Color::Unsettled, UNSETTLED_ID);
    }
    as_color::<Red>(e)
        .or_else(|| as_color::<Green>(e))
        .or_else(|| as_color::<Blue>(e))
        .expect("every leaf is a colour error or an unsettled arm")
}

// ---------------------------------------------------------------------------
// The model: trees as plain data
// ---------------------------------------------------------------------------

/// What an `ErrorGroup` should look like. Leaf ids are numbered depth-first, so "leaf
/// order kept" means "ids increasing".
#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Leaf {
        color: Color,
        id: u32,
        notes: Vec<String>,
    },
    Group {
        msg: String,
        notes: Vec<String>,
        children: Vec<Tree>,
    },
}

/// A generated tree before ids and messages are handed out; `bool`s say "has a note".
#[derive(Clone, Debug)]
enum Raw {
    Leaf(Color, bool),
    Group(bool, Vec<Raw>),
}

fn color() -> impl Strategy<Value = Color> {
    prop_oneof![Just(Color::Red), Just(Color::Green), Just(Color::Blue)]
}

fn note() -> impl Strategy<Value = bool> {
    prop::bool::weighted(0.2)
}

/// A group root with up to three more levels of groups below it, 1–4 children each.
fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (color(), note()).prop_map(|(c, n)| Raw::Leaf(c, n));
    let node = leaf.prop_recursive(3, 48, 4, |inner| {
        (note(), vec(inner, 1..=4)).prop_map(|(n, children)| Raw::Group(n, children))
    });
    (note(), vec(node, 1..=4)).prop_map(|(n, children)| {
        let (mut leaves, mut groups) = (0, 0);
        number(Raw::Group(n, children), &mut leaves, &mut groups)
    })
}

fn number(raw: Raw, leaves: &mut u32, groups: &mut u32) -> Tree {
    let notes_for = |has: bool, name: String| {
        if has {
            vec![format!("note:{name}")]
        } else {
            vec![]
        }
    };
    match raw {
        Raw::Leaf(color, has_note) => {
            let id = *leaves;
            *leaves += 1;
            let notes = notes_for(has_note, format!("e{id}"));
            Tree::Leaf { color, id, notes }
        }
        Raw::Group(has_note, children) => {
            let msg = format!("g{groups}");
            *groups += 1;
            let notes = notes_for(has_note, msg.clone());
            let children = children
                .into_iter()
                .map(|c| number(c, leaves, groups))
                .collect();
            Tree::Group {
                msg,
                notes,
                children,
            }
        }
    }
}

fn build(tree: &Tree) -> Node {
    match tree {
        Tree::Leaf { color, id, notes } => {
            let mut leaf = Leaf::new(new_error(*color, *id));
            notes.iter().for_each(|n| leaf.add_note(n.clone()));
            Node::Leaf(leaf)
        }
        Tree::Group {
            msg,
            notes,
            children,
        } => {
            let mut group = ErrorGroup::new(msg.clone(), children.iter().map(build)).unwrap();
            notes.iter().for_each(|n| group.add_note(n.clone()));
            Node::Group(group)
        }
    }
}

fn build_group(tree: &Tree) -> ErrorGroup {
    match build(tree) {
        Node::Group(group) => group,
        Node::Leaf(_) => unreachable!("generated roots are groups"),
    }
}

/// The model of a library group; `leaf` reads colour and id off each error.
fn model<E>(group: &ErrorGroup<E>, leaf: &impl Fn(&E) -> (Color, u32)) -> Tree {
    let children = group.children().iter().map(|child| match child {
        Node::Leaf(l) => {
            let (color, id) = leaf(l.error());
            Tree::Leaf {
                color,
                id,
                notes: l.notes().to_vec(),
            }
        }
        Node::Group(g) => model(g, leaf),
    });
    Tree::Group {
        msg: group.message().to_owned(),
        notes: group.notes().to_vec(),
        children: children.collect(),
    }
}

fn any_model(group: &ErrorGroup) -> Tree {
    model(group, &color_and_id)
}

fn typed_model<T: ColorError>(group: &ErrorGroup<T>) -> Tree {
    model(group, &|e: &T| (T::COLOR, e.id()))
}

/// PEP 654's split over the model: the leaves `keep` accepts, with every branch that
/// still holds one (message, notes and nesting unchanged, singletons not collapsed).
fn project(tree: &Tree, keep: &impl Fn(Color, u32) -> bool) -> Option<Tree> {
    match tree {
        Tree::Leaf { color, id, .. } => keep(*color, *id).then(|| tree.clone()),
        Tree::Group {
            msg,
            notes,
            children,
        } => {
            let kept: Vec<Tree> = children.iter().filter_map(|c| project(c, keep)).collect();
            (!kept.is_empty()).then(|| Tree::Group {
                msg: msg.clone(),
                notes: notes.clone(),
                children: kept,
            })
        }
    }
}

fn leaves(tree: &Tree) -> Vec<(Color, u32)> {
    match tree {
        Tree::Leaf { color, id, .. } => vec![(*color, *id)],
        Tree::Group { children, .. } => children.iter().flat_map(leaves).collect(),
    }
}

fn ids(tree: Option<&Tree>) -> Vec<u32> {
    tree.map(leaves)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, id)| id)
        .collect()
}

/// Every leaf of `original` is in exactly one part, and each part keeps leaf order.
fn assert_partition(original: &Tree, parts: &[Option<Tree>]) -> Result<(), TestCaseError> {
    let mut all: Vec<u32> = Vec::new();
    for part in parts {
        let part_ids = ids(part.as_ref());
        prop_assert!(
            part_ids.windows(2).all(|w| w[0] < w[1]),
            "order lost: {part_ids:?}"
        );
        all.extend(part_ids);
    }
    all.sort_unstable();
    prop_assert_eq!(all, ids(Some(original)), "a leaf was lost or duplicated");
    Ok(())
}

mod dispatch;
mod split;
