//! Behaviour of `ErrorGroup` and the except* dispatch `ExceptStar`, checked against
//! CPython's `test_exception_group.py` and `test_except_star.py`. Each test is
//! named after the rule it pins; the CPython test it mirrors, if any, is in the
//! comment above it.

use std::error::Error;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskgroup::{
    AnyError, EmptyGroupError, ErrorGroup, ExceptStar, Leaf, Node, Raise, UnsettledArm,
};

mod common;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

// Short displays keep the expected shapes readable: `V1` is ValueError(1).
common::error_types! {
    #[derive(Debug, Clone, PartialEq)]
    struct ValueError(u32) => "V{}";

    #[derive(Debug, Clone, PartialEq)]
    struct TypeError(u32) => "T{}";

    #[derive(Debug, Clone, PartialEq)]
    struct OsError(u32) => "O{}";
}

fn v(n: u32) -> Node {
    Node::error(ValueError(n))
}

fn t(n: u32) -> Node {
    Node::error(TypeError(n))
}

fn o(n: u32) -> Node {
    Node::error(OsError(n))
}

fn group(message: &'static str, children: impl IntoIterator<Item = Node>) -> ErrorGroup {
    ErrorGroup::new(message, children).expect("test groups are non-empty")
}

fn nested(message: &'static str, children: impl IntoIterator<Item = Node>) -> Node {
    Node::Group(group(message, children))
}

/// A compact picture of a tree, `msg[leaf, msg[leaf]]`, with notes as `{note}`.
fn shape<E: fmt::Display>(eg: &ErrorGroup<E>) -> String {
    let notes = |notes: &[String]| -> String { notes.iter().map(|n| format!("{{{n}}}")).collect() };
    let children: Vec<String> = eg
        .children()
        .iter()
        .map(|child| match child {
            Node::Leaf(leaf) => format!("{}{}", leaf.error(), notes(leaf.notes())),
            Node::Group(g) => shape(g),
        })
        .collect();
    format!(
        "{}[{}]{}",
        eg.message(),
        children.join(", "),
        notes(eg.notes())
    )
}

fn shape_of<E: fmt::Display>(eg: &Option<ErrorGroup<E>>) -> Option<String> {
    eg.as_ref().map(shape)
}

fn err<T>(result: Result<T, ErrorGroup>) -> ErrorGroup {
    result
        .err()
        .expect("the dispatch should let an error escape")
}

// ---------------------------------------------------------------------------
// Construction and reading
// ---------------------------------------------------------------------------

// BadConstructorArgs.test_bad_EG_construction__bad_excs_sequence: an empty sequence is
// refused (PEP 654 forbids empty groups).
#[test]
fn new_refuses_an_empty_group_with_empty_group_error() {
    let result = ErrorGroup::<AnyError>::new("empty", Vec::<Node>::new());
    assert_eq!(result.err(), Some(EmptyGroupError));
    assert_eq!(
        EmptyGroupError.to_string(),
        "an error group needs at least one error"
    );
}

#[test]
fn from_errors_refuses_an_empty_list() {
    let result = ErrorGroup::from_errors("empty", Vec::<ValueError>::new());
    assert_eq!(result.err(), Some(EmptyGroupError));
}

// test_basics_ExceptionGroup_fields: `message` and `exceptions` are what was given.
#[test]
fn message_and_children_are_what_was_given_in_order() {
    let eg = group("eg", [v(1), t(2)]);
    assert_eq!(eg.message(), "eg");
    let children: Vec<String> = eg
        .children()
        .iter()
        .map(|c| match c {
            Node::Leaf(leaf) => leaf.error().to_string(),
            Node::Group(_) => unreachable!("no nested groups here"),
        })
        .collect();
    assert_eq!(children, ["V1", "T2"]);
}

// NestedExceptionGroupBasicsTest.test_nested_group_matches_template: [[TypeError], ValueError].
#[test]
fn nested_groups_stay_nested_never_flattened() {
    let eg = group("outer", [nested("inner", [t(1)]), v(2)]);
    assert_eq!(eg.children().len(), 2);
    assert!(matches!(&eg.children()[0], Node::Group(inner) if inner.message() == "inner"));
    assert_eq!(shape(&eg), "outer[inner[T1], V2]");
}

#[test]
fn len_counts_leaves_at_every_depth_while_children_are_direct() {
    let eg = group(
        "outer",
        [v(1), nested("a", [t(2), nested("b", [o(3), v(4)])]), t(5)],
    );
    assert_eq!(eg.len(), 5);
    assert_eq!(eg.children().len(), 3);
    assert_eq!(eg.children()[1].len(), 3);
}

// LeafGeneratorTest.test_leaf_generator: leaves depth-first, left to right.
#[test]
fn iter_visits_leaves_depth_first_left_to_right() {
    let eg = group(
        "outer",
        [v(1), nested("a", [t(2), nested("b", [o(3)]), v(4)]), t(5)],
    );
    let order: Vec<String> = eg.iter().map(ToString::to_string).collect();
    assert_eq!(order, ["V1", "T2", "O3", "V4", "T5"]);
}

#[test]
fn leaves_yield_each_error_with_its_notes_in_leaf_order() {
    let mut noted = Leaf::new(AnyError::new(TypeError(2)));
    noted.add_note("second");
    let eg = group("g", [v(1), nested("inner", [Node::Leaf(noted)])]);
    let seen: Vec<(String, Vec<String>)> = eg
        .leaves()
        .map(|leaf| (leaf.error().to_string(), leaf.notes().to_vec()))
        .collect();
    assert_eq!(
        seen,
        [
            ("V1".into(), vec![]),
            ("T2".into(), vec!["second".to_string()])
        ]
    );
}

#[test]
fn typed_group_iterates_plain_references_without_downcasting() {
    let eg: ErrorGroup<ValueError> =
        ErrorGroup::from_errors("values", [ValueError(1), ValueError(2)]).unwrap();
    let mut sum = 0;
    for error in &eg {
        // `error` is a `&ValueError`: its field is right there.
        sum += error.0;
    }
    assert_eq!(sum, 3);
}

#[test]
fn into_errors_moves_the_errors_out_in_leaf_order() {
    let inner = ErrorGroup::from_errors("inner", [ValueError(2)]).unwrap();
    let eg = ErrorGroup::new(
        "outer",
        [
            Node::leaf(ValueError(1)),
            inner.into(),
            Node::leaf(ValueError(3)),
        ],
    )
    .unwrap();
    let errors: Vec<ValueError> = eg.into_iter().collect();
    assert_eq!(errors, [ValueError(1), ValueError(2), ValueError(3)]);
}

// DeepRecursionInSplitAndSubgroup: iteration keeps its own stack, so a deep tree
// does not overflow the thread's stack.
#[test]
fn iteration_over_a_very_deep_group_does_not_recurse() {
    let mut eg = group("level 0", [v(0)]);
    for _ in 0..2_000 {
        eg = group("level", [Node::Group(eg)]);
    }
    assert_eq!(eg.iter().count(), 1);
    assert_eq!(eg.len(), 1);
}

// TestExceptionGroupTypeHierarchy.test_exception_group_types and
// test_exception_group_is_generic_type.
#[test]
fn error_group_is_an_error_generic_over_its_leaf_type() {
    fn is_error<E: Error + Send + Sync + 'static>(_: &E) {}
    is_error(&group("any", [v(1)]));
    is_error(&ErrorGroup::from_errors("typed", [ValueError(1)]).unwrap());
}

// ---------------------------------------------------------------------------
// split and subgroup
// ---------------------------------------------------------------------------

fn mixed() -> ErrorGroup {
    // ExceptionGroupSplitTests's template, with nesting: eg[V1, T2, nested[V3, O4]].
    group("eg", [v(1), t(2), nested("nested", [v(3), o(4)])])
}

// test_basics_split_by_type__passthrough
#[test]
fn split_by_type_passthrough_gives_everything_as_match() {
    let eg = group("eg", [v(1), nested("nested", [v(2)])]);
    let (matched, rest) = eg.split::<ValueError>();
    assert_eq!(shape_of(&matched).as_deref(), Some("eg[V1, nested[V2]]"));
    assert!(rest.is_none());
}

// test_basics_split_by_type__no_match
#[test]
fn split_by_type_no_match_gives_everything_as_rest() {
    let (matched, rest) = mixed().split::<fmt::Error>();
    assert!(matched.is_none());
    assert_eq!(
        shape_of(&rest).as_deref(),
        Some("eg[V1, T2, nested[V3, O4]]")
    );
}

// test_basics_split_by_type__match, NestedExceptionGroupSplitTest.test_split_by_type
#[test]
fn split_by_type_match_keeps_nesting_and_messages_and_prunes_empty_branches() {
    let (matched, rest) = mixed().split::<ValueError>();
    assert_eq!(shape_of(&matched).as_deref(), Some("eg[V1, nested[V3]]"));
    assert_eq!(shape_of(&rest).as_deref(), Some("eg[T2, nested[O4]]"));

    let (matched, rest) = mixed().split::<TypeError>();
    assert_eq!(shape_of(&matched).as_deref(), Some("eg[T2]"));
    // The branch with no TypeError is not in the match side at all.
    assert_eq!(shape_of(&rest).as_deref(), Some("eg[V1, nested[V3, O4]]"));
}

// test_singleton_groups_are_kept: j1[j2[j4[T]]] stays three levels deep.
#[test]
fn split_keeps_singleton_branches() {
    let eg = group(
        "j1",
        [nested("j2", [nested("j3", [v(1)]), nested("j4", [t(2)])])],
    );
    let (matched, _) = eg.split::<TypeError>();
    assert_eq!(shape_of(&matched).as_deref(), Some("j1[j2[j4[T2]]]"));
}

#[test]
fn split_by_type_gives_a_typed_match_side() {
    let (matched, _) = mixed().split::<ValueError>();
    let matched: ErrorGroup<ValueError> = matched.unwrap();
    assert_eq!(matched.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3]);
}

// test_basics_split_by_predicate__passthrough
#[test]
fn split_by_predicate_passthrough_gives_everything_as_match() {
    let (matched, rest) = mixed().split_by(|_| true);
    assert_eq!(
        shape_of(&matched).as_deref(),
        Some("eg[V1, T2, nested[V3, O4]]")
    );
    assert!(rest.is_none());
}

// test_basics_split_by_predicate__no_match
#[test]
fn split_by_predicate_no_match_gives_everything_as_rest() {
    let (matched, rest) = mixed().split_by(|_| false);
    assert!(matched.is_none());
    assert_eq!(
        shape_of(&rest).as_deref(),
        Some("eg[V1, T2, nested[V3, O4]]")
    );
}

// test_basics_split_by_predicate__match: a predicate can cut across types.
#[test]
fn split_by_predicate_match_keeps_nesting_and_messages() {
    let odd = |e: &AnyError| e.to_string().ends_with(['1', '3']);
    let (matched, rest) = mixed().split_by(odd);
    assert_eq!(shape_of(&matched).as_deref(), Some("eg[V1, nested[V3]]"));
    assert_eq!(shape_of(&rest).as_deref(), Some("eg[T2, nested[O4]]"));
}

#[test]
fn split_by_asks_the_predicate_once_per_leaf_in_leaf_order() {
    let mut asked = Vec::new();
    let _ = mixed().split_by(|e| {
        asked.push(e.to_string());
        false
    });
    assert_eq!(asked, ["V1", "T2", "V3", "O4"]);
}

// test_basics_subgroup_by_type__passthrough / __no_match / __match
#[test]
fn subgroup_by_type_gives_the_matches_with_their_nesting_or_none() {
    let all_values = group("eg", [v(1), nested("nested", [v(2)])]);
    assert_eq!(
        shape_of(&all_values.subgroup::<ValueError>()).as_deref(),
        Some("eg[V1, nested[V2]]")
    );
    assert!(mixed().subgroup::<fmt::Error>().is_none());
    assert_eq!(
        shape_of(&mixed().subgroup::<OsError>()).as_deref(),
        Some("eg[nested[O4]]")
    );
}

// test_basics_subgroup_by_predicate__passthrough / __no_match / __match
#[test]
fn subgroup_by_predicate_gives_the_matches_with_their_nesting_or_none() {
    assert_eq!(
        shape_of(&mixed().subgroup_by(|_| true)).as_deref(),
        Some("eg[V1, T2, nested[V3, O4]]")
    );
    assert!(mixed().subgroup_by(|_| false).is_none());
    let not_value = |e: &AnyError| !e.is::<ValueError>();
    assert_eq!(
        shape_of(&mixed().subgroup_by(not_value)).as_deref(),
        Some("eg[T2, nested[O4]]")
    );
}

// test_split_copies_notes: both parts get the notes, and they are independent.
#[test]
fn split_copies_group_notes_to_both_sides_and_they_stay_independent() {
    let mut inner = group("nested", [v(3), o(4)]);
    inner.add_note("inner note");
    let mut eg = group("eg", [v(1), Node::Group(inner)]);
    eg.add_note("outer note");

    let (matched, rest) = eg.split::<ValueError>();
    let (mut matched, rest) = (matched.unwrap(), rest.unwrap());
    assert_eq!(
        shape(&matched),
        "eg[V1, nested[V3]{inner note}]{outer note}"
    );
    assert_eq!(shape(&rest), "eg[nested[O4]{inner note}]{outer note}");

    matched.add_note("only on the match");
    assert_eq!(rest.notes(), ["outer note"]);
}

#[test]
fn split_moves_leaf_notes_with_their_leaf() {
    let mut noted = Leaf::new(AnyError::new(OsError(2)));
    noted.add_note("disk full");
    let eg = group("eg", [v(1), Node::Leaf(noted)]);
    let (matched, rest) = eg.split::<OsError>();
    assert_eq!(shape_of(&matched).as_deref(), Some("eg[O2{disk full}]"));
    assert_eq!(shape_of(&rest).as_deref(), Some("eg[V1]"));
}

#[test]
fn contains_finds_a_type_at_any_depth() {
    let eg = group("eg", [v(1), nested("a", [nested("b", [o(2)])])]);
    assert!(eg.contains::<OsError>());
    assert!(!eg.contains::<TypeError>());
}

#[test]
fn typed_group_converts_into_untyped_keeping_shape_and_notes() {
    let mut inner = ErrorGroup::from_errors("inner", [ValueError(2)]).unwrap();
    inner.add_note("n");
    let typed = ErrorGroup::new("outer", [Node::leaf(ValueError(1)), inner.into()]).unwrap();
    let untyped: ErrorGroup = typed.into();
    assert_eq!(shape(&untyped), "outer[V1, inner[V2]{n}]");
    assert!(untyped.iter().all(|e| e.is::<ValueError>()));
}

#[test]
fn map_errors_converts_every_leaf_keeping_shape_messages_and_notes() {
    let mut eg = ErrorGroup::new(
        "outer",
        [
            Node::leaf(1),
            ErrorGroup::from_errors("inner", [2]).unwrap().into(),
        ],
    )
    .unwrap();
    eg.add_note("kept");
    let mapped = eg.map_errors(|n| ValueError(n * 10));
    assert_eq!(shape(&mapped), "outer[V10, inner[V20]]{kept}");
}

// ---------------------------------------------------------------------------
// Panicking predicates
// ---------------------------------------------------------------------------

/// An error that counts how often it is dropped.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("counted")
    }
}

impl Error for Counted {}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn panicking_predicate_in_split_by_propagates_and_drops_every_leaf_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let leaf = || Node::error(Counted(drops.clone()));
    let eg = group("eg", [leaf(), nested("inner", [leaf(), leaf()])]);
    let mut calls = 0;
    let result = catch_unwind(AssertUnwindSafe(|| {
        eg.split_by(|_| {
            calls += 1;
            assert!(calls < 2, "predicate failure on the second leaf");
            true
        })
    }));
    assert!(result.is_err(), "the panic propagates");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "each leaf dropped once, none leaked"
    );
}

#[test]
fn panicking_predicate_in_take_by_leaves_every_leaf_in_the_dispatch() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(mixed()));
    let result = catch_unwind(AssertUnwindSafe(|| {
        dispatch.take_by(|e| {
            assert!(!e.is::<TypeError>(), "predicate failure on T2");
            true
        })
    }));
    assert!(result.is_err(), "the panic propagates");
    // Nothing was taken: every leaf escapes in the original shape.
    let rest = err(dispatch.finish());
    assert_eq!(shape(&rest), "eg[V1, T2, nested[V3, O4]]");
}

// How groups print (`Display`, `Debug` and their alternate forms) is tested in
// `tests/reports/`.

// ---------------------------------------------------------------------------
// except* dispatch: each leaf goes to the first arm that matches it, each arm runs
// at most once
// ---------------------------------------------------------------------------

// test_naked_exception_matched_wrapped1
#[test]
fn naked_error_reaches_the_arm_wrapped_in_a_group_with_empty_message() {
    let mut seen = None;
    let result = ExceptStar::new(Err::<(), _>(ValueError(1)))
        .arm(|eg: ErrorGroup<ValueError>| {
            seen = Some(shape(&eg));
            Ok(())
        })
        .finish();
    assert!(result.is_ok());
    assert_eq!(seen.as_deref(), Some("[V1]"));
}

// test_plain_exception_not_matched; Rust returns the wrapper where CPython lets the
// naked error escape (the outcome is always a group).
#[test]
fn unmatched_naked_error_escapes_wrapped_in_empty_message_group() {
    let result = ExceptStar::new(Err::<(), _>(ValueError(1)))
        .arm(|_: ErrorGroup<TypeError>| Ok(()))
        .finish();
    assert_eq!(shape(&err(result)), "[V1]");
}

// test_reraise_plain_exception_unnamed
#[test]
fn bare_reraise_of_a_naked_error_escapes_as_the_empty_message_wrapper() {
    let result = ExceptStar::new(Err::<(), _>(ValueError(1)))
        .arm(|eg: ErrorGroup<ValueError>| eg.reraise())
        .finish();
    assert_eq!(shape(&err(result)), "[V1]");
}

// test_match_single_type_nested, test_match__supertype: leaves match at any depth;
// a "supertype" arm is a predicate over several types.
#[test]
fn arm_takes_matching_leaves_at_any_depth_and_a_predicate_can_take_several_types() {
    let mut values = None;
    let mut others = None;
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|eg: ErrorGroup<ValueError>| {
            values = Some(shape(&eg));
            Ok(())
        })
        .arm_by(
            |e| e.is::<TypeError>() || e.is::<OsError>(),
            |eg| {
                others = Some(shape(&eg));
                Ok(())
            },
        )
        .finish();
    assert!(result.is_ok());
    assert_eq!(values.as_deref(), Some("eg[V1, nested[V3]]"));
    assert_eq!(others.as_deref(), Some("eg[T2, nested[O4]]"));
}

// test_multiple_matches_unnamed: one run, one group with all the matches.
#[test]
fn each_arm_runs_once_with_all_its_matches() {
    let mut runs = Vec::new();
    let eg = group("eg", [v(1), t(2), v(3)]);
    let _ = ExceptStar::new(Err::<(), _>(eg))
        .arm(|eg: ErrorGroup<ValueError>| {
            runs.push(shape(&eg));
            Ok(())
        })
        .finish();
    assert_eq!(runs, ["eg[V1, V3]"]);
}

// test_first_match_wins_unnamed
#[test]
fn first_matching_arm_wins_and_a_later_arm_left_without_matches_does_not_run() {
    let mut first = None;
    let mut second_ran = false;
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm_by(
            |_| true,
            |eg| {
                first = Some(shape(&eg));
                Ok(())
            },
        )
        .arm(|_: ErrorGroup<ValueError>| {
            second_ran = true;
            Ok(())
        })
        .finish();
    assert!(result.is_ok());
    assert_eq!(first.as_deref(), Some("eg[V1, T2]"));
    assert!(!second_ran);
}

// test_no_match_single_type
#[test]
fn when_no_arm_matches_the_original_structure_escapes() {
    let mut ran = false;
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|_: ErrorGroup<fmt::Error>| {
            ran = true;
            Ok(())
        })
        .finish();
    assert!(!ran);
    assert_eq!(shape(&err(result)), "eg[V1, T2, nested[V3, O4]]");
}

// test_match_single_type_partial_match
#[test]
fn unhandled_rest_escapes_with_original_nesting_and_message() {
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|_: ErrorGroup<ValueError>| Ok(()))
        .finish();
    assert_eq!(shape(&err(result)), "eg[T2, nested[O4]]");
}

// test_exception_group_except_star_Exception_not_wrapped
#[test]
fn catch_all_receives_the_whole_group_with_message_and_notes() {
    let mut eg = mixed();
    eg.add_note("note");
    let mut seen = None;
    let result = ExceptStar::new(Err::<(), _>(eg))
        .arm_all(|eg| {
            seen = Some(shape(&eg));
            Ok(())
        })
        .finish();
    assert!(result.is_ok());
    assert_eq!(seen.as_deref(), Some("eg[V1, T2, nested[V3, O4]]{note}"));
}

// test_reraise_partial_handle_some_unnamed: re-raised parts merge with the rest into
// one copy of the original, in the original's leaf order, not arm order.
#[test]
fn bare_reraise_from_several_arms_merges_back_in_original_leaf_order() {
    let eg = group("eg", [v(1), t(2), nested("nested", [o(3), v(4)])]);
    let result = ExceptStar::new(Err::<(), _>(eg))
        .arm(|eg: ErrorGroup<OsError>| eg.reraise())
        .arm(|_: ErrorGroup<TypeError>| Ok(()))
        .arm(|eg: ErrorGroup<ValueError>| eg.reraise())
        .finish();
    assert_eq!(shape(&err(result)), "eg[V1, nested[O3, V4]]");
}

// test_reraise_all_unnamed: re-raising everything gives the original structure back.
#[test]
fn bare_reraise_of_everything_gives_back_the_original_structure() {
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|eg: ErrorGroup<ValueError>| eg.reraise())
        .arm_all(|eg| eg.reraise())
        .finish();
    assert_eq!(shape(&err(result)), "eg[V1, T2, nested[V3, O4]]");
}

// TestExceptStarRaise.test_raise_unnamed: EG("", [raised, rest]).
#[test]
fn raised_errors_come_first_then_the_rest_in_a_new_empty_message_group() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm(|_: ErrorGroup<ValueError>| Err(OsError(9))?)
        .finish();
    assert_eq!(shape(&err(result)), "[O9, eg[T2]]");
}

// `?` in an arm does not skip the arms after it.
#[test]
fn an_error_raised_in_an_arm_does_not_skip_later_arms() {
    let mut later_ran = false;
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm(|_: ErrorGroup<ValueError>| {
            "not a number".parse::<i32>()?;
            Ok(())
        })
        .arm(|_: ErrorGroup<TypeError>| {
            later_ran = true;
            Ok(())
        })
        .finish();
    assert!(later_ran);
    let escaped = err(result);
    assert_eq!(escaped.message(), "");
    assert!(escaped.contains::<std::num::ParseIntError>());
}

// test_raise_handle_all_raise_one_unnamed. CPython lets the one error escape
// naked; Rust keeps it in a group "", as the outcome is always a group.
#[test]
fn a_single_raised_leaf_escapes_alone_in_an_empty_message_group() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm_all(|_| Err(OsError(9))?)
        .finish();
    assert_eq!(shape(&err(result)), "[O9]");
}

// Where the single raised error is a group, it escapes as itself.
#[test]
fn a_single_raised_group_escapes_as_itself() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1)])))
        .arm_all(|_| Err(group("new", [o(9)]))?)
        .finish();
    assert_eq!(shape(&err(result)), "new[O9]");
}

// test_raise_handle_all_raise_two_unnamed
#[test]
fn several_raised_errors_stay_flat_in_arm_order() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm(|_: ErrorGroup<TypeError>| Err(OsError(3))?)
        .arm(|_: ErrorGroup<ValueError>| Err(OsError(4))?)
        .finish();
    assert_eq!(shape(&err(result)), "[O3, O4]");
}

// A group raised in an arm is one child, never flattened.
#[test]
fn a_raised_group_is_nested_as_one_child() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1), t(2)])))
        .arm(|_: ErrorGroup<ValueError>| Err(group("new", [o(9), o(8)]))?)
        .finish();
    assert_eq!(shape(&err(result)), "[new[O9, O8], eg[T2]]");
}

// Oracle case 5: `raise e` is a new error, so the message appears twice.
#[test]
fn raising_the_received_group_as_a_new_error_nests_it_next_to_the_rest() {
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|eg: ErrorGroup<ValueError>| Err(eg)?)
        .finish();
    assert_eq!(
        shape(&err(result)),
        "[eg[V1, nested[V3]], eg[T2, nested[O4]]]"
    );
}

// test_catch_unhashable_leaf_exception, test_reraise_unhashable_leaf: two leaves
// that compare equal are still two leaves, each put back in its own place.
#[test]
fn routing_is_by_identity_not_equality() {
    let eg = group("eg", [v(1), nested("inner", [t(2), v(1)])]);
    let result = ExceptStar::new(Err::<(), _>(eg))
        .arm(|eg: ErrorGroup<ValueError>| {
            assert_eq!(eg.iter().filter(|e| **e == ValueError(1)).count(), 2);
            eg.reraise()
        })
        .finish();
    assert_eq!(shape(&err(result)), "eg[V1, inner[T2, V1]]");
}

// `except* ()` is legal and never matches.
#[test]
fn an_arm_matching_no_type_never_runs() {
    let mut ran = false;
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm_by(
            |_| false,
            |_| {
                ran = true;
                Ok(())
            },
        )
        .finish();
    assert!(!ran);
    assert_eq!(err(result).len(), 4);
}

// test_nested_except_stars: an arm can run another dispatch over what it got.
#[test]
fn an_arm_can_run_a_nested_dispatch_over_its_group() {
    let mut inner_saw = None;
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm_all(|eg| {
            ExceptStar::new(Err::<(), _>(eg))
                .arm(|values: ErrorGroup<ValueError>| {
                    inner_saw = Some(shape(&values));
                    Ok(())
                })
                .finish()?;
            Ok(())
        })
        .finish();
    assert_eq!(inner_saw.as_deref(), Some("eg[V1, nested[V3]]"));
    // The inner rest was raised from the outer arm as a new error.
    assert_eq!(shape(&err(result)), "eg[T2, nested[O4]]");
}

// When everything was handled, the value is that of the last arm that ran.
#[test]
fn finish_returns_the_value_of_the_last_arm_that_ran() {
    let result = ExceptStar::new(Err::<&str, _>(group("eg", [v(1), t(2)])))
        .arm(|_: ErrorGroup<ValueError>| Ok("values"))
        .arm(|_: ErrorGroup<OsError>| Ok("never"))
        .arm(|_: ErrorGroup<TypeError>| Ok("types"))
        .finish();
    assert_eq!(result.unwrap(), "types");
}

#[test]
fn ok_result_runs_no_arm_and_gives_back_its_value() {
    let mut ran = false;
    let result = ExceptStar::new(Ok::<_, ErrorGroup>(7))
        .arm_all(|_| {
            ran = true;
            Ok(0)
        })
        .finish();
    assert_eq!(result.unwrap(), 7);
    assert!(!ran);
}

#[test]
fn an_arm_that_takes_but_never_settles_is_reported_as_unsettled() {
    let mut dispatch = ExceptStar::<()>::new(Err(ValueError(1)));
    let _taken = dispatch.take::<ValueError>();
    let escaped = err(dispatch.finish());
    assert!(escaped.contains::<UnsettledArm>());
}

// Chained arms run at once, in order, so they may share mutable local state.
#[test]
fn arms_mutate_shared_local_state_one_after_another() {
    let mut log: Vec<String> = Vec::new();
    let mut handled = 0;
    let result = ExceptStar::new(Err::<(), _>(mixed()))
        .arm(|eg: ErrorGroup<ValueError>| {
            log.push(format!("values {}", eg.len()));
            handled += eg.len();
            Ok(())
        })
        .arm(|eg: ErrorGroup<TypeError>| {
            log.push(format!("types {}", eg.len()));
            handled += eg.len();
            Ok(())
        })
        .arm_all(|eg| {
            log.push(format!("rest {}", eg.len()));
            handled += eg.len();
            Ok(())
        })
        .finish();
    assert!(result.is_ok());
    assert_eq!(log, ["values 2", "types 1", "rest 1"]);
    assert_eq!(handled, 4);
}

async fn log_remotely(eg: &ErrorGroup<ValueError>) -> usize {
    tokio::task::yield_now().await;
    eg.len()
}

// The inline form (what the macros generate) lets an arm `.await`.
#[tokio::test]
async fn an_async_arm_can_await_in_the_inline_take_and_settle_form() {
    let mut dispatch = ExceptStar::new(Err::<usize, _>(mixed()));
    if let Some(eg) = dispatch.take::<ValueError>() {
        let logged = log_remotely(&eg).await;
        dispatch.settle(Ok(logged));
    }
    if let Some(eg) = dispatch.take_all() {
        tokio::task::yield_now().await;
        dispatch.settle(Err(Raise::from(eg)));
    }
    let escaped = err(dispatch.finish());
    assert_eq!(shape(&escaped), "eg[T2, nested[O4]]");
}

// ---------------------------------------------------------------------------
// Conversions with `?`, boxed and anyhow errors
// ---------------------------------------------------------------------------

#[test]
fn error_group_converts_into_a_boxed_error_with_question_mark() {
    fn fails() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(mixed())?;
        Ok(())
    }
    let boxed = fails().unwrap_err();
    let eg = boxed
        .downcast::<ErrorGroup>()
        .expect("the box holds the group");
    assert_eq!(eg.len(), 4);
}

#[test]
fn error_group_converts_into_anyhow_error_with_question_mark() {
    fn fails() -> anyhow::Result<()> {
        Err(mixed())?;
        Ok(())
    }
    let error = fails().unwrap_err();
    let eg = error
        .downcast_ref::<ErrorGroup>()
        .expect("anyhow holds the group");
    assert_eq!(shape(eg), "eg[V1, T2, nested[V3, O4]]");
}

#[test]
fn boxed_error_leaf_is_matched_by_the_type_it_wraps() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(ValueError(1));
    let mut dispatch = ExceptStar::new(Err::<(), _>(boxed));
    let eg = dispatch
        .take::<ValueError>()
        .expect("the boxed ValueError matches");
    assert_eq!(eg.iter().next(), Some(&ValueError(1)));
}

#[test]
fn group_inside_a_boxed_error_becomes_a_nested_group_not_a_leaf() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(group("inner", [v(1)]));
    let eg = group("outer", [Node::error(boxed)]);
    assert_eq!(shape(&eg), "outer[inner[V1]]");
}

// anyhow boxes its errors in a private type; the `anyhow` feature unwraps them.
#[cfg(feature = "anyhow")]
#[test]
fn anyhow_error_leaf_is_matched_by_the_type_it_wraps() {
    let mut dispatch = ExceptStar::new(Err::<(), anyhow::Error>(anyhow::Error::new(ValueError(1))));
    let eg = dispatch
        .take::<ValueError>()
        .expect("the ValueError inside anyhow matches");
    assert_eq!(eg.iter().next(), Some(&ValueError(1)));
}

#[cfg(feature = "anyhow")]
#[test]
fn anyhow_error_raised_in_an_arm_escapes_as_the_type_it_wraps() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1)])))
        .arm_all(|_| Err(anyhow::Error::new(OsError(9)))?)
        .finish();
    assert!(err(result).contains::<OsError>());
}

#[cfg(feature = "anyhow")]
#[test]
fn group_inside_an_anyhow_error_is_dispatched_as_a_group() {
    let mut dispatch = ExceptStar::new(Err::<(), anyhow::Error>(anyhow::Error::new(mixed())));
    let values = dispatch.take::<ValueError>().map(|eg| shape(&eg));
    assert_eq!(values.as_deref(), Some("eg[V1, nested[V3]]"));
}
