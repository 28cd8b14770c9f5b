//! `ErrorGroup::split_if` and `subgroup_if`: the leaves of one type that a predicate
//! accepts (one variant of an error enum, say) against the rest, with `split`'s
//! structure rules. Behaviour tests, then a property test against a model over random
//! trees of enum leaves mixed with leaves of another type.

use std::fmt;

use proptest::collection::vec;
use proptest::prelude::*;
use taskgroup::{ErrorGroup, Leaf, Node};

/// The enum most Rust programs fail with (what thiserror derives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Parse(u32),
    Io(u32),
    Timeout(u32),
}

impl Job {
    fn id(self) -> u32 {
        match self {
            Job::Parse(id) | Job::Io(id) | Job::Timeout(id) => id,
        }
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Job {}

/// A leaf of another type, which no `split_if::<Job>` may take whatever its predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Other(u32);

impl fmt::Display for Other {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Other({})", self.0)
    }
}

impl std::error::Error for Other {}

fn is_parse(e: &Job) -> bool {
    matches!(e, Job::Parse(..))
}

fn jobs() -> ErrorGroup {
    let inner =
        ErrorGroup::new("inner", [Node::error(Job::Parse(2)), Node::error(Other(3))]).unwrap();
    ErrorGroup::new(
        "outer",
        [
            Node::error(Job::Parse(1)),
            Node::error(Job::Timeout(4)),
            inner.into(),
        ],
    )
    .unwrap()
}

#[test]
fn split_if_takes_only_leaves_of_the_type_that_the_predicate_accepts() {
    let (parse, rest) = jobs().split_if(is_parse);
    let parse: Vec<Job> = parse
        .unwrap()
        .into_leaves()
        .into_iter()
        .map(Leaf::into_error)
        .collect();
    assert_eq!(parse, [Job::Parse(1), Job::Parse(2)]);
    let rest: Vec<String> = rest.unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(rest, ["Timeout(4)", "Other(3)"]);
}

#[test]
fn split_if_keeps_nesting_messages_and_singleton_branches() {
    let (parse, _) = jobs().split_if(is_parse);
    let parse = parse.unwrap();
    assert_eq!(parse.message(), "outer");
    match &parse.children()[1] {
        Node::Group(inner) => assert_eq!((inner.message(), inner.len()), ("inner", 1)),
        Node::Leaf(_) => panic!("the singleton branch `inner` was collapsed"),
    }
}

#[test]
fn split_if_keeps_notes_of_leaves_and_groups() {
    let mut leaf = Leaf::new(taskgroup::AnyError::new(Job::Io(1)));
    leaf.add_note("reading a.toml");
    let mut eg = ErrorGroup::new("g", [leaf]).unwrap();
    eg.add_note("group note");
    let io = eg.subgroup_if(|e: &Job| matches!(e, Job::Io(..))).unwrap();
    assert_eq!(io.notes(), ["group note"]);
    assert_eq!(io.leaves().next().unwrap().notes(), ["reading a.toml"]);
}

#[test]
fn split_if_with_no_match_gives_the_group_back_whole() {
    let (none, rest) = jobs().split_if(|_: &Job| false);
    assert!(none.is_none());
    assert_eq!(rest.unwrap().len(), 4);
}

#[test]
fn split_if_never_runs_the_predicate_on_leaves_of_other_types() {
    let mut seen = Vec::new();
    let _ = jobs().split_if(|e: &Job| {
        seen.push(*e);
        true
    });
    assert_eq!(seen, [Job::Parse(1), Job::Timeout(4), Job::Parse(2)]);
}

#[test]
fn subgroup_if_is_the_first_side_of_split_if() {
    let sub = jobs().subgroup_if(|e: &Job| e.id() > 1).unwrap();
    let ids: Vec<u32> = sub.iter().map(|e| e.id()).collect();
    assert_eq!(ids, [4, 2]);
    assert!(jobs().subgroup_if(|e: &Job| e.id() > 100).is_none());
}

/// A leaf that counts its drops, to see that a panic neither leaks nor double-drops.
#[derive(Debug)]
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("counted")
    }
}

impl std::error::Error for Counted {}

#[test]
fn split_if_propagates_a_panicking_predicate_and_drops_every_leaf_once() {
    let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut eg = jobs();
    let counted = Node::error(Counted(drops.clone()));
    eg = ErrorGroup::new("with counted", [counted, eg.into()]).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eg.split_if(|e: &Job| {
            assert!(!matches!(e, Job::Parse(2)), "predicate panics");
            true
        })
    }));
    let payload = result.expect_err("the predicate's panic propagates");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"predicate panics"));
    assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn split_if_handles_a_million_levels_without_overflow() {
    let mut eg = ErrorGroup::new("0", [Node::error(Job::Io(0))]).unwrap();
    for level in 1..1_000_000u32 {
        let leaf = if level % 2 == 0 {
            Job::Parse(level)
        } else {
            Job::Io(level)
        };
        eg = ErrorGroup::new("level", [Node::error(leaf), eg.into()]).unwrap();
    }
    let (parse, rest) = eg.split_if(is_parse);
    assert_eq!(parse.unwrap().len(), 499_999);
    assert_eq!(rest.unwrap().len(), 500_001);
}

// ---------------------------------------------------------------------------
// Property: split_if agrees with PEP 654's split written over plain data
// ---------------------------------------------------------------------------

/// A leaf in the model: an enum value or a leaf of the other type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value {
    Job(Job),
    Other(u32),
}

#[derive(Clone, Debug, PartialEq)]
enum Tree {
    Leaf(Value),
    Group(String, Vec<Tree>),
}

fn value(id: u32, kind: u8) -> Value {
    match kind {
        0 => Value::Job(Job::Parse(id)),
        1 => Value::Job(Job::Io(id)),
        2 => Value::Job(Job::Timeout(id)),
        _ => Value::Other(id),
    }
}

/// Random trees (root a group, up to four levels, 1–4 children each); leaf ids are
/// handed out depth-first, so "order kept" is "ids increasing".
fn tree() -> impl Strategy<Value = Tree> {
    #[derive(Clone, Debug)]
    enum Raw {
        Leaf(u8),
        Group(Vec<Raw>),
    }
    fn number(raw: Raw, leaves: &mut u32, groups: &mut u32) -> Tree {
        match raw {
            Raw::Leaf(kind) => {
                *leaves += 1;
                Tree::Leaf(value(*leaves, kind))
            }
            Raw::Group(children) => {
                *groups += 1;
                let msg = format!("g{groups}");
                let children = children.into_iter().map(|c| number(c, leaves, groups));
                Tree::Group(msg, children.collect())
            }
        }
    }
    let leaf = (0u8..4).prop_map(Raw::Leaf);
    let node = leaf.prop_recursive(3, 48, 4, |inner| vec(inner, 1..=4).prop_map(Raw::Group));
    vec(node, 1..=4).prop_map(|children| number(Raw::Group(children), &mut 0, &mut 0))
}

fn build(tree: &Tree) -> Node {
    match tree {
        Tree::Leaf(Value::Job(job)) => Node::error(*job),
        Tree::Leaf(Value::Other(id)) => Node::error(Other(*id)),
        Tree::Group(msg, children) => {
            Node::Group(ErrorGroup::new(msg.clone(), children.iter().map(build)).unwrap())
        }
    }
}

fn model<E>(group: &ErrorGroup<E>, leaf: &impl Fn(&E) -> Value) -> Tree {
    let children = group.children().iter().map(|child| match child {
        Node::Leaf(l) => Tree::Leaf(leaf(l.error())),
        Node::Group(g) => model(g, leaf),
    });
    Tree::Group(group.message().to_owned(), children.collect())
}

fn any_value(e: &taskgroup::AnyError) -> Value {
    match (e.downcast_ref::<Job>(), e.downcast_ref::<Other>()) {
        (Some(job), _) => Value::Job(*job),
        (_, Some(other)) => Value::Other(other.0),
        _ => unreachable!("every leaf is a Job or an Other"),
    }
}

/// The model's split: the leaves `keep` accepts, every branch that still holds one.
fn project(tree: &Tree, keep: &impl Fn(Value) -> bool) -> Option<Tree> {
    match tree {
        Tree::Leaf(v) => keep(*v).then(|| tree.clone()),
        Tree::Group(msg, children) => {
            let kept: Vec<Tree> = children.iter().filter_map(|c| project(c, keep)).collect();
            (!kept.is_empty()).then(|| Tree::Group(msg.clone(), kept))
        }
    }
}

/// A random predicate over `Job`: a set of variants, and ids of one parity or any.
fn predicate() -> impl Strategy<Value = (Vec<bool>, Option<u32>)> {
    (vec(any::<bool>(), 3), prop::option::of(0u32..2))
}

fn accepts((variants, parity): &(Vec<bool>, Option<u32>), job: Job) -> bool {
    let variant = match job {
        Job::Parse(_) => 0,
        Job::Io(_) => 1,
        Job::Timeout(_) => 2,
    };
    variants[variant] && parity.is_none_or(|p| job.id() % 2 == p)
}

proptest! {
    #[test]
    fn split_if_matches_the_model_on_random_trees_of_enum_leaves(tree in tree(), pred in predicate()) {
        let Node::Group(eg) = build(&tree) else { unreachable!("roots are groups") };
        let (taken, rest) = eg.split_if(|job: &Job| accepts(&pred, *job));
        let takes = |v: Value| matches!(v, Value::Job(job) if accepts(&pred, job));
        prop_assert_eq!(taken.map(|g| model(&g, &|job: &Job| Value::Job(*job))), project(&tree, &takes));
        prop_assert_eq!(rest.map(|g| model(&g, &any_value)), project(&tree, &|v| !takes(v)));
    }

    #[test]
    fn subgroup_if_matches_the_first_side_of_split_if(tree in tree(), pred in predicate()) {
        let Node::Group(eg) = build(&tree) else { unreachable!("roots are groups") };
        let sub = eg.subgroup_if(|job: &Job| accepts(&pred, *job));
        let takes = |v: Value| matches!(v, Value::Job(job) if accepts(&pred, job));
        prop_assert_eq!(sub.map(|g| model(&g, &|job: &Job| Value::Job(*job))), project(&tree, &takes));
    }
}
