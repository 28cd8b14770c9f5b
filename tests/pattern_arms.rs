//! Property tests of pattern arms: over random trees of enum leaves (and leaves of
//! another type) and random arm lists mixing type arms, pattern arms and a
//! catch-all, every leaf is handled by exactly one arm (the first whose type and
//! pattern match it) or is in the rest, in order and in its original nesting,
//! against a model. Once by hand with `ExceptStar::take_if`, once through the
//! lowering of `#[except_star]` pattern arms.

use std::fmt;

use proptest::collection::vec;
use proptest::prelude::*;
use taskgroup::{except_star, AnyError, ErrorGroup, ExceptStar, Node};

/// An error enum whose every variant carries the leaf's id, to follow each leaf.
#[derive(Debug, Clone, PartialEq)]
enum JobError {
    Parse(u32),
    Io(u32),
    Net { id: u32 },
    Timeout { id: u32 },
}

const KINDS: usize = 4;

impl JobError {
    fn new(kind: usize, id: u32) -> Self {
        match kind {
            0 => JobError::Parse(id),
            1 => JobError::Io(id),
            2 => JobError::Net { id },
            _ => JobError::Timeout { id },
        }
    }

    fn kind(&self) -> usize {
        match self {
            JobError::Parse(_) => 0,
            JobError::Io(_) => 1,
            JobError::Net { .. } => 2,
            JobError::Timeout { .. } => 3,
        }
    }

    fn id(&self) -> u32 {
        match self {
            JobError::Parse(id) | JobError::Io(id) => *id,
            JobError::Net { id } | JobError::Timeout { id } => *id,
        }
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for JobError {}

/// A second error type, which no pattern of `JobError` may take.
#[derive(Debug, Clone, PartialEq)]
struct DbError(u32);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "db {}", self.0)
    }
}

impl std::error::Error for DbError {}

/// A leaf of the model: `None` is a `DbError`, `Some(kind)` a `JobError` variant.
type Kind = Option<usize>;

#[derive(Debug, Clone)]
enum Tree {
    Leaf(Kind),
    Group(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        1 => Just(None),
        4 => (0..KINDS).prop_map(Some),
    ]
    .prop_map(Tree::Leaf);
    leaf.prop_recursive(4, 48, 4, |inner| vec(inner, 1..5).prop_map(Tree::Group))
}

/// One leaf as the model sees it: id, kind, and the messages of its groups.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    id: u32,
    kind: Kind,
    path: Vec<String>,
}

/// Builds the group (the root is always a group) and the model's leaves.
fn build(tree: &Tree) -> (ErrorGroup, Vec<Seen>) {
    let mut leaves = Vec::new();
    let mut groups = 0;
    let children = match tree {
        Tree::Group(children) => children.clone(),
        leaf => vec![leaf.clone()],
    };
    let root = build_group(&children, &mut Vec::new(), &mut groups, &mut leaves);
    (root, leaves)
}

fn build_group(
    children: &[Tree],
    path: &mut Vec<String>,
    groups: &mut usize,
    leaves: &mut Vec<Seen>,
) -> ErrorGroup {
    let message = format!("g{groups}");
    *groups += 1;
    path.push(message.clone());
    let nodes: Vec<Node> = children
        .iter()
        .map(|child| match child {
            Tree::Leaf(kind) => {
                let id = leaves.len() as u32;
                leaves.push(Seen {
                    id,
                    kind: *kind,
                    path: path.clone(),
                });
                match kind {
                    Some(kind) => Node::error(JobError::new(*kind, id)),
                    None => Node::error(DbError(id)),
                }
            }
            Tree::Group(nested) => Node::Group(build_group(nested, path, groups, leaves)),
        })
        .collect();
    path.pop();
    ErrorGroup::new(message, nodes).unwrap()
}

/// The leaves of a received group, with their paths, as the model writes them.
fn seen<E>(group: &ErrorGroup<E>, what: &impl Fn(&E) -> (u32, Kind)) -> Vec<Seen> {
    fn walk<E>(
        group: &ErrorGroup<E>,
        path: &mut Vec<String>,
        what: &impl Fn(&E) -> (u32, Kind),
        out: &mut Vec<Seen>,
    ) {
        path.push(group.message().to_owned());
        for child in group.children() {
            match child {
                Node::Leaf(leaf) => {
                    let (id, kind) = what(leaf.error());
                    out.push(Seen {
                        id,
                        kind,
                        path: path.clone(),
                    });
                }
                Node::Group(nested) => walk(nested, path, what, out),
            }
        }
        path.pop();
    }
    let mut out = Vec::new();
    walk(group, &mut Vec::new(), what, &mut out);
    out
}

fn job(error: &JobError) -> (u32, Kind) {
    (error.id(), Some(error.kind()))
}

fn untyped(error: &AnyError) -> (u32, Kind) {
    match (
        error.downcast_ref::<JobError>(),
        error.downcast_ref::<DbError>(),
    ) {
        (Some(error), _) => job(error),
        (_, Some(DbError(id))) => (*id, None),
        _ => unreachable!("only the two generated types"),
    }
}

#[derive(Debug, Clone)]
enum Arm {
    /// `except* JobError`
    Job,
    /// `except* DbError`
    Db,
    /// `except* JobError::A(..) | JobError::B { .. } ...`: the kinds it names.
    Pattern(Vec<bool>),
    /// `except* _`
    All,
}

impl Arm {
    fn takes(&self, kind: Kind) -> bool {
        match (self, kind) {
            (Arm::Job, Some(_)) | (Arm::Db, None) | (Arm::All, _) => true,
            (Arm::Pattern(kinds), Some(kind)) => kinds[kind],
            _ => false,
        }
    }
}

fn arms() -> impl Strategy<Value = Vec<Arm>> {
    let arm = prop_oneof![
        1 => Just(Arm::Job),
        1 => Just(Arm::Db),
        4 => vec(any::<bool>(), KINDS).prop_map(Arm::Pattern),
    ];
    (vec(arm, 0..6), any::<bool>()).prop_map(|(mut arms, catch_all)| {
        if catch_all {
            arms.push(Arm::All);
        }
        arms
    })
}

/// PEP 654's dispatch over the model: each leaf to the first arm that takes it.
fn model(leaves: &[Seen], arms: &[Arm]) -> (Vec<Vec<Seen>>, Vec<Seen>) {
    let mut taken = vec![Vec::new(); arms.len()];
    let mut rest = Vec::new();
    for leaf in leaves {
        match arms.iter().position(|arm| arm.takes(leaf.kind)) {
            Some(arm) => taken[arm].push(leaf.clone()),
            None => rest.push(leaf.clone()),
        }
    }
    (taken, rest)
}

fn rest_of(result: Result<(), ErrorGroup>) -> Vec<Seen> {
    match result {
        Ok(()) => Vec::new(),
        Err(rest) => seen(&rest, &untyped),
    }
}

/// The same dispatch through `#[except_star]`, with a fixed arm list:
/// parse, io or net, every other `JobError`, every `DbError`.
#[except_star]
fn by_macro(result: Result<(), ErrorGroup>, log: &mut [Vec<Seen>]) -> Result<(), ErrorGroup> {
    #[except_star]
    match result {
        Ok(()) => {}
        eg @ JobError::Parse(..) => log[0] = seen(&eg, &job),
        eg @ (JobError::Io(..) | JobError::Net { .. }) => log[1] = seen(&eg, &job),
        JobError(eg) => log[2] = seen(&eg, &job),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_leaf_goes_to_the_first_matching_arm_or_the_rest(tree in tree(), arms in arms()) {
        let (group, leaves) = build(&tree);
        let (expected, expected_rest) = model(&leaves, &arms);
        let mut dispatch = ExceptStar::new(Err::<(), _>(group));
        for (arm, expected) in arms.iter().zip(&expected) {
            let got = match arm {
                Arm::Job => dispatch.take::<JobError>().map(|eg| seen(&eg, &job)),
                Arm::Db => dispatch
                    .take::<DbError>()
                    .map(|eg| seen(&eg, &|e: &DbError| (e.0, None))),
                Arm::Pattern(kinds) => dispatch
                    .take_if(|e: &JobError| kinds[e.kind()])
                    .map(|eg| seen(&eg, &job)),
                Arm::All => dispatch.take_all().map(|eg| seen(&eg, &untyped)),
            };
            // an arm with no matches does not run
            prop_assert_eq!(got.is_some(), !expected.is_empty());
            if let Some(got) = got {
                prop_assert_eq!(&got, expected);
                dispatch.settle(Ok(()));
            }
        }
        prop_assert_eq!(rest_of(dispatch.finish()), expected_rest);
    }

    #[test]
    fn except_star_pattern_arms_follow_the_model(tree in tree()) {
        let (group, leaves) = build(&tree);
        let arms = [
            Arm::Pattern(vec![true, false, false, false]),
            Arm::Pattern(vec![false, true, true, false]),
            Arm::Job,
        ];
        let (expected, expected_rest) = model(&leaves, &arms);
        let mut log = vec![Vec::new(); arms.len()];
        let rest = rest_of(by_macro(Err(group), &mut log));
        prop_assert_eq!(log, expected);
        prop_assert_eq!(rest, expected_rest);
    }
}

#[test]
fn a_panicking_pattern_predicate_takes_nothing() {
    let group = ErrorGroup::from_errors("g", [JobError::Parse(0), JobError::Io(1)]).unwrap();
    let mut dispatch = ExceptStar::new(Err::<(), _>(group));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatch.take_if(|e: &JobError| match e {
            JobError::Io(_) => panic!("predicate fails"),
            _ => true,
        })
    }));
    assert!(panicked.is_err());
    assert!(dispatch.has_pending());
    let rest = dispatch.finish().unwrap_err();
    assert_eq!(rest.len(), 2);
}
