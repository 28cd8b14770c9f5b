//! One snapshot per form and group: a program's group (named tasks, a nested
//! group, a two-level cause chain, notes), a 40-leaf group and a 30-level group.
//! The anyhow and eyre snapshots are in `interop`, miette's in `miette`. Task ids
//! are renumbered and line and column numbers hidden (see `fixtures::redact`).
//! Regenerate with `INSTA_UPDATE=always cargo test --test reports --all-features`
//! and read the diff.

use crate::fixtures::{forty, nested_levels, redact, showcase};

#[test]
fn debug_of_a_program_group_is_the_tree_with_tasks_causes_and_notes() {
    let eg = showcase();
    assert_eq!(format!("{eg:?}"), format!("{eg:#}"));
    insta::assert_snapshot!("debug_showcase", redact(&format!("{eg:?}")));
}

#[test]
fn display_of_a_program_group_is_one_line_with_causes_inline() {
    let line = showcase().to_string();
    assert!(!line.contains('\n'));
    insta::assert_snapshot!("display_showcase", line);
}

#[test]
fn alternate_debug_of_a_program_group_is_the_structural_form() {
    insta::assert_snapshot!("structure_showcase", redact(&format!("{:#?}", showcase())));
}

#[test]
fn debug_of_forty_leaves_draws_15_and_counts_25() {
    let eg = forty();
    assert_eq!(format!("{eg:?}"), format!("{eg:#}"));
    insta::assert_snapshot!("debug_forty", format!("{eg:?}"));
}

#[test]
fn display_of_forty_leaves_is_cut_with_and_n_more() {
    insta::assert_snapshot!("display_forty", forty().to_string());
}

#[test]
fn alternate_debug_of_forty_leaves_shows_15() {
    insta::assert_snapshot!("structure_forty", format!("{:#?}", forty()));
}

#[test]
fn debug_of_thirty_levels_draws_ten() {
    let eg = nested_levels(30);
    assert_eq!(format!("{eg:?}"), format!("{eg:#}"));
    insta::assert_snapshot!("debug_thirty_levels", format!("{eg:?}"));
}

#[test]
fn display_of_thirty_levels_lists_their_leaves_on_one_line() {
    insta::assert_snapshot!("display_thirty_levels", nested_levels(30).to_string());
}

#[test]
fn alternate_debug_of_thirty_levels_shows_ten() {
    insta::assert_snapshot!(
        "structure_thirty_levels",
        format!("{:#?}", nested_levels(30))
    );
}
