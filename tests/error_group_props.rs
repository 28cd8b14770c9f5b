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

// ---------------------------------------------------------------------------
// split and subgroup
// ---------------------------------------------------------------------------

fn check_typed_split<T: ColorError>(tree: &Tree) -> Result<(), TestCaseError> {
    let (matched, rest) = build_group(tree).split::<T>();
    let (matched, rest) = (
        matched.as_ref().map(typed_model),
        rest.as_ref().map(any_model),
    );
    prop_assert_eq!(&matched, &project(tree, &|c, _| c == T::COLOR));
    prop_assert_eq!(&rest, &project(tree, &|c, _| c != T::COLOR));
    assert_partition(tree, &[matched, rest])
}

fn check_typed_subgroup<T: ColorError>(tree: &Tree) -> Result<(), TestCaseError> {
    let sub = build_group(tree).subgroup::<T>();
    prop_assert_eq!(
        sub.as_ref().map(typed_model),
        project(tree, &|c, _| c == T::COLOR)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn split_by_keeps_every_leaf_once_in_order_with_the_original_shape(
        tree in tree(),
        wanted in vec(color(), 0..=3),
    ) {
        let pred = |c: Color, _: u32| wanted.contains(&c);
        let (matched, rest) = build_group(&tree).split_by(|e| pred(color_and_id(e).0, 0));
        let (matched, rest) = (matched.as_ref().map(any_model), rest.as_ref().map(any_model));
        prop_assert_eq!(&matched, &project(&tree, &pred));
        prop_assert_eq!(&rest, &project(&tree, &|c, id| !pred(c, id)));
        assert_partition(&tree, &[matched, rest])?;
    }

    #[test]
    fn split_by_type_keeps_every_leaf_once_in_order_with_the_original_shape(
        tree in tree(),
        which in color(),
    ) {
        match which {
            Color::Red => check_typed_split::<Red>(&tree)?,
            Color::Green => check_typed_split::<Green>(&tree)?,
            Color::Blue => check_typed_split::<Blue>(&tree)?,
            Color::Unsettled => unreachable!("trees hold generated colours"),
        }
    }

    #[test]
    fn subgroup_is_the_match_side_of_split(tree in tree(), which in color()) {
        let by_pred = build_group(&tree).subgroup_by(|e| color_and_id(e).0 == which);
        prop_assert_eq!(by_pred.as_ref().map(any_model), project(&tree, &|c, _| c == which));
        match which {
            Color::Red => check_typed_subgroup::<Red>(&tree)?,
            Color::Green => check_typed_subgroup::<Green>(&tree)?,
            Color::Blue => check_typed_subgroup::<Blue>(&tree)?,
            Color::Unsettled => unreachable!("trees hold generated colours"),
        }
    }
}

// ---------------------------------------------------------------------------
// except* dispatch
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Matcher {
    /// `take::<T>()`.
    Typed(Color),
    /// `take_by(pred)` over a set of colours (possibly empty: `except* ()`).
    Colors(Vec<Color>),
    /// `take_all()`.
    All,
}

impl Matcher {
    fn matches(&self, color: Color) -> bool {
        match self {
            Matcher::Typed(c) => *c == color,
            Matcher::Colors(cs) => cs.contains(&color),
            Matcher::All => true,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Nothing,
    /// Raises a new `Blue(RAISED_ID + arm index)`.
    RaiseNew,
    Reraise,
    /// Raises the received group as a new error (`raise e`).
    NamedReraise,
    /// Takes the errors and never calls `settle`: they are dropped, and an
    /// `UnsettledArm` leaf is raised in their place.
    Unsettled,
}

/// Ids of leaves raised in arms start here, well above any tree leaf.
const RAISED_ID: u32 = 1000;

fn arm() -> impl Strategy<Value = (Matcher, Action)> {
    let matcher = prop_oneof![
        3 => color().prop_map(Matcher::Typed),
        3 => vec(color(), 0..=2).prop_map(Matcher::Colors),
        1 => Just(Matcher::All),
    ];
    let action = prop_oneof![
        Just(Action::Nothing),
        Just(Action::RaiseNew),
        Just(Action::Reraise),
        Just(Action::NamedReraise),
        Just(Action::Unsettled),
    ];
    (matcher, action)
}

/// The arm's outcome, or `None` for an arm that never settles.
fn act<E>(action: Action, index: usize, eg: ErrorGroup<E>) -> Option<Result<(), Raise>>
where
    ErrorGroup<E>: Error + Send + Sync + 'static,
    ErrorGroup: From<ErrorGroup<E>>,
{
    Some(match action {
        Action::Nothing => Ok(()),
        Action::RaiseNew => Err(Raise::from(Blue(RAISED_ID + index as u32))),
        Action::Reraise => eg.reraise(),
        Action::NamedReraise => Err(Raise::from(eg)),
        Action::Unsettled => return None,
    })
}

fn typed_arm<T: ColorError>(d: &mut ExceptStar<()>, action: Action, index: usize) -> Option<Tree> {
    let eg = d.take::<T>()?;
    let received = typed_model(&eg);
    if let Some(outcome) = act(action, index, eg) {
        d.settle(outcome);
    }
    Some(received)
}

/// Runs one arm (inline `take`/`settle` form); returns what it received, if it ran.
fn run_arm(
    d: &mut ExceptStar<()>,
    (matcher, action): &(Matcher, Action),
    index: usize,
) -> Option<Tree> {
    let eg = match matcher {
        Matcher::Typed(Color::Red) => return typed_arm::<Red>(d, *action, index),
        Matcher::Typed(Color::Green) => return typed_arm::<Green>(d, *action, index),
        Matcher::Typed(Color::Blue) => return typed_arm::<Blue>(d, *action, index),
        Matcher::Typed(Color::Unsettled) => unreachable!("arms match generated colours"),
        Matcher::Colors(_) => d.take_by(|e| matcher.matches(color_and_id(e).0))?,
        Matcher::All => d.take_all()?,
    };
    let received = any_model(&eg);
    if let Some(outcome) = act(*action, index, eg) {
        d.settle(outcome);
    }
    Some(received)
}

fn empty_group(children: Vec<Tree>) -> Tree {
    Tree::Group {
        msg: String::new(),
        notes: Vec::new(),
        children,
    }
}

/// The note on the `UnsettledArm` leaf raised for an arm that dropped `taken` errors.
fn unsettled_note(taken: usize) -> String {
    let plural = if taken == 1 { "" } else { "s" };
    format!("the arm took {taken} error{plural} and neither handled nor raised them")
}

/// except* over the model: what each arm receives, and what escapes.
///
/// Arms run in order; each takes every pending leaf it matches and runs only if it
/// took one. What it does with them:
/// - `Nothing`: handled; `RaiseNew`: handled, and a new leaf is raised;
/// - `Reraise`: they go back to the rest, in their original places;
/// - `NamedReraise`: the group it received is raised as it is;
/// - `Unsettled`: dropped, and an `UnsettledArm` leaf, noting how many, is raised in
///   their place, at the arm's position among the raised errors.
///
/// What escapes: nothing if nothing was raised and the rest is empty; the rest alone
/// (original shape) if nothing was raised; the one raised group alone, or a raised
/// leaf in `""`, if the rest is empty; otherwise `""` holding everything raised, in arm
/// order, then the rest.
fn model_dispatch(tree: &Tree, arms: &[(Matcher, Action)]) -> (Vec<Option<Tree>>, Option<Tree>) {
    let mut pending: Vec<(Color, u32)> = leaves(tree);
    let mut reraised: HashSet<u32> = HashSet::new();
    let mut raised: Vec<Tree> = Vec::new();
    let mut received = Vec::new();
    for (index, (matcher, action)) in arms.iter().enumerate() {
        let taken: HashSet<u32> = pending
            .iter()
            .filter(|(c, _)| matcher.matches(*c))
            .map(|&(_, id)| id)
            .collect();
        pending.retain(|(_, id)| !taken.contains(id));
        let got = project(tree, &|_, id| taken.contains(&id));
        match (action, &got) {
            (_, None) | (Action::Nothing, _) => {}
            (Action::RaiseNew, _) => raised.push(Tree::Leaf {
                color: Color::Blue,
                id: RAISED_ID + index as u32,
                notes: Vec::new(),
            }),
            (Action::Reraise, _) => reraised.extend(&taken),
            (Action::NamedReraise, Some(group)) => raised.push(group.clone()),
            (Action::Unsettled, _) => raised.push(Tree::Leaf {
                color: Color::Unsettled,
                id: UNSETTLED_ID,
                notes: vec![unsettled_note(taken.len())],
            }),
        }
        received.push(got);
    }
    let rest = project(tree, &|_, id| {
        reraised.contains(&id) || pending.iter().any(|&(_, p)| p == id)
    });
    let outcome = match (raised.len(), rest) {
        (0, rest) => rest,
        (1, None) => match raised.pop() {
            Some(group @ Tree::Group { .. }) => Some(group),
            leaf => Some(empty_group(leaf.into_iter().collect())),
        },
        (_, rest) => Some(empty_group(raised.into_iter().chain(rest).collect())),
    };
    (received, outcome)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dispatch_hands_each_leaf_to_one_arm_or_the_rest_keeping_order_and_shape(
        tree in tree(),
        arms in vec(arm(), 1..=4),
    ) {
        let mut dispatch = ExceptStar::new(Err::<(), _>(build_group(&tree)));
        let received: Vec<Option<Tree>> =
            arms.iter().enumerate().map(|(i, arm)| run_arm(&mut dispatch, arm, i)).collect();
        let outcome = dispatch.finish().err().as_ref().map(any_model);

        let (want_received, want_outcome) = model_dispatch(&tree, &arms);
        prop_assert_eq!(&received, &want_received);
        prop_assert_eq!(&outcome, &want_outcome);

        // The invariant itself: each original leaf is handled by exactly one arm (one that
        // settled without giving it back), escapes exactly once, or was dropped by an
        // arm that never settled, which then escapes as exactly one `UnsettledArm` leaf
        // whose note counts what it dropped.
        let mut seen: Vec<u32> = Vec::new();
        let mut dropped_by_arm: Vec<usize> = Vec::new();
        for (got, (_, action)) in received.iter().zip(&arms) {
            match action {
                Action::Nothing | Action::RaiseNew => seen.extend(ids(got.as_ref())),
                Action::Unsettled if got.is_some() => {
                    let dropped = ids(got.as_ref());
                    dropped_by_arm.push(dropped.len());
                    seen.extend(dropped);
                }
                _ => {}
            }
        }
        let escaped = ids(outcome.as_ref());
        seen.extend(escaped.iter().filter(|&&id| id < RAISED_ID));
        seen.sort_unstable();
        prop_assert_eq!(seen, ids(Some(&tree)), "a leaf was lost or duplicated");
        let raised = escaped.iter().filter(|&&id| (RAISED_ID..UNSETTLED_ID).contains(&id)).count();
        let raising_arms = received.iter().zip(&arms)
            .filter(|(got, (_, action))| got.is_some() && matches!(action, Action::RaiseNew))
            .count();
        prop_assert_eq!(raised, raising_arms, "each raised error escapes once");
        let unsettled_notes: Vec<String> = outcome
            .as_ref()
            .map(unsettled_leaves)
            .unwrap_or_default();
        let want_notes: Vec<String> = dropped_by_arm.into_iter().map(unsettled_note).collect();
        prop_assert_eq!(unsettled_notes, want_notes, "each unsettled arm escapes once, with its count");
    }
}

/// The notes of the `UnsettledArm` leaves of `tree`, in order.
fn unsettled_leaves(tree: &Tree) -> Vec<String> {
    match tree {
        Tree::Leaf {
            color: Color::Unsettled,
            notes,
            ..
        } => notes.clone(),
        Tree::Leaf { .. } => Vec::new(),
        Tree::Group { children, .. } => children.iter().flat_map(unsettled_leaves).collect(),
    }
}
