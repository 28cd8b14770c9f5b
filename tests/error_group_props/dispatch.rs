//! Property tests of except* dispatch against the model: every leaf to one arm or the
//! rest.

use super::*;

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
