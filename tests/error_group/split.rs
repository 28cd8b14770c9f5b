//! `split` and `subgroup`, by type and by predicate: nesting, messages, notes and leaf
//! order kept.

use super::*;

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
