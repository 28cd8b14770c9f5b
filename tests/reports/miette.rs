//! With the `miette` feature a group is a `Diagnostic` whose `related()` yields
//! its children (nested groups as nested diagnostics, capped like the drawing), so
//! miette's graphical handler draws every leaf with its causes, notes and origin.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use taskgroup::ErrorGroup;

use crate::fixtures::{forty, nested_levels, redact, showcase};

fn render(eg: &dyn Diagnostic) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, eg)
        .unwrap();
    out
}

#[test]
fn related_yields_each_child_nested_groups_as_nested_diagnostics() {
    let eg = showcase();
    let related: Vec<String> = eg.related().unwrap().map(|d| d.to_string()).collect();
    assert_eq!(
        related,
        [
            "could not load config",
            "retries exhausted (1 error)",
            "disk full",
            // The task that ran a nested group finished last.
            "unhandled errors in a task group (2 errors)",
        ]
    );
    let nested = eg.related().unwrap().nth(3).unwrap();
    let leaves: Vec<String> = nested.related().unwrap().map(|d| d.to_string()).collect();
    assert_eq!(leaves, ["connection refused", "timed out"]);
}

#[test]
fn a_related_leaf_has_its_cause_chain_and_its_notes_and_origin_as_help() {
    let eg = showcase();
    let config = eg.related().unwrap().next().unwrap();
    let causes: Vec<String> = std::iter::successors(config.source(), |e| e.source())
        .map(ToString::to_string)
        .collect();
    assert_eq!(causes, ["could not read app.toml", "permission denied"]);
    let help = config.help().unwrap().to_string();
    assert!(help.starts_with("in task \"config\" (#"), "{help}");
}

#[test]
fn the_graphical_handler_draws_a_program_group() {
    insta::assert_snapshot!("miette_showcase", redact(&render(&showcase())));
}

#[test]
fn related_shows_15_children_and_counts_the_rest() {
    let eg = forty();
    let related: Vec<String> = eg.related().unwrap().map(|d| d.to_string()).collect();
    assert_eq!(related.len(), 16);
    assert_eq!(related[15], "and 25 more sub-errors");
    insta::assert_snapshot!("miette_forty", render(&eg));
}

#[test]
fn related_stops_at_ten_levels() {
    let eg = nested_levels(30);
    insta::assert_snapshot!("miette_thirty_levels", render(&eg));
}

#[test]
fn the_graphical_handler_draws_a_million_level_group() {
    let mut eg = ErrorGroup::new("bottom", [taskgroup::Node::error(std::fmt::Error)]).unwrap();
    for _ in 1..1_000_000 {
        eg = ErrorGroup::new("level", [eg]).unwrap();
    }
    let text = render(&eg);
    assert!(
        text.contains("and 1 more error nested deeper than 10 levels"),
        "{text}"
    );
}
