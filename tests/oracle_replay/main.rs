//! Conformance with CPython's `except*`: replays the 300 oracle cases in
//! `tests/data/oracle_cases.jsonl` (copied from `../shared/conformance/`) through
//! [`ExceptStar`], and, when Python ≥ 3.11.4 and `oracle.py` are present, compares fresh
//! random cases against the live oracle.
//!
//! One documented difference: where CPython lets a single *leaf*
//! escape naked, the Rust dispatch returns a group `""` holding that leaf. The expected
//! outcome is normalised that way; everything else must match exactly.

use std::error::Error;

use serde_json::{json, Value};
use taskgroup::{AnyError, ErrorGroup, ExceptStar, Node, Raise};

#[path = "../common/mod.rs"]
mod common;
mod live;

use common::oracle::{
    build_node, caught, clauses, group_json, matches, normalise, recorded_case, recorded_cases,
    Action, Clause, OracleJson, OracleLeaf, A, B2, C, D, K,
};

// ---------------------------------------------------------------------------
// Replaying one case
// ---------------------------------------------------------------------------

/// An arm's handler: records the group it received in `slot`, then does what
/// the clause's handler does.
fn handle<E: OracleJson>(slot: &mut Value, action: &Action, eg: ErrorGroup<E>) -> Result<(), Raise>
where
    ErrorGroup<E>: Error + Send + Sync + 'static,
    ErrorGroup: From<ErrorGroup<E>>,
{
    *slot = group_json(&eg);
    match action {
        Action::Nothing => Ok(()),
        Action::Raise(spec) => match build_node(spec) {
            Node::Leaf(leaf) => {
                // A raised leaf goes through `Raise` as a bare error, so notes cannot ride
                // along; the oracle's generator never puts notes on raised leaves.
                assert!(
                    leaf.notes().is_empty(),
                    "notes on a raised leaf are not replayable"
                );
                Err(Raise::from(leaf.into_error()))
            }
            Node::Group(group) => Err(Raise::from(group)),
        },
        Action::Reraise => eg.reraise(),
        // Raising the received group as a new error nests it; a re-raise would merge
        // it back into the original shape.
        Action::NamedReraise => Err(Raise::from(eg)),
    }
}

/// Runs one clause as an arm. Odd-numbered clauses use the inline `take`/`settle` form,
/// even ones the chained-closure form, so both are replayed.
fn run_clause(
    dispatch: ExceptStar<()>,
    index: usize,
    clause: &Clause,
    slot: &mut Value,
) -> ExceptStar<()> {
    let inline = index % 2 == 1;
    // Single types without subclasses use typed `take::<T>()`; B has a subclass (B2), so
    // it goes through a predicate like tuples and catch-alls.
    match clause.types.as_slice() {
        [t] if t == "A" => typed_arm::<A>(dispatch, inline, &clause.action, slot),
        [t] if t == "B2" => typed_arm::<B2>(dispatch, inline, &clause.action, slot),
        [t] if t == "C" => typed_arm::<C>(dispatch, inline, &clause.action, slot),
        [t] if t == "D" => typed_arm::<D>(dispatch, inline, &clause.action, slot),
        [t] if t == "K" => typed_arm::<K>(dispatch, inline, &clause.action, slot),
        types if types.iter().any(|t| t == "BaseException") => {
            catch_all_arm(dispatch, inline, &clause.action, slot)
        }
        types => {
            let pred = |e: &AnyError| types.iter().any(|t| matches(t, e));
            predicate_arm(dispatch, inline, pred, &clause.action, slot)
        }
    }
}

fn typed_arm<T: OracleLeaf>(
    mut dispatch: ExceptStar<()>,
    inline: bool,
    action: &Action,
    slot: &mut Value,
) -> ExceptStar<()> {
    if !inline {
        return dispatch.arm(|eg: ErrorGroup<T>| handle(slot, action, eg));
    }
    if let Some(eg) = dispatch.take::<T>() {
        dispatch.settle(handle(slot, action, eg));
    }
    dispatch
}

fn predicate_arm(
    mut dispatch: ExceptStar<()>,
    inline: bool,
    pred: impl FnMut(&AnyError) -> bool,
    action: &Action,
    slot: &mut Value,
) -> ExceptStar<()> {
    if !inline {
        return dispatch.arm_by(pred, |eg| handle(slot, action, eg));
    }
    if let Some(eg) = dispatch.take_by(pred) {
        dispatch.settle(handle(slot, action, eg));
    }
    dispatch
}

fn catch_all_arm(
    mut dispatch: ExceptStar<()>,
    inline: bool,
    action: &Action,
    slot: &mut Value,
) -> ExceptStar<()> {
    if !inline {
        return dispatch.arm_all(|eg| handle(slot, action, eg));
    }
    if let Some(eg) = dispatch.take_all() {
        dispatch.settle(handle(slot, action, eg));
    }
    dispatch
}

/// Runs an oracle input through `ExceptStar`; returns the oracle's output shape.
fn replay(input: &Value) -> Value {
    let clauses = clauses(input);
    let mut received = vec![Value::Null; clauses.len()];
    let mut dispatch = ExceptStar::new(caught(&input["tree"]));
    for (i, (clause, slot)) in clauses.iter().zip(&mut received).enumerate() {
        dispatch = run_clause(dispatch, i, clause, slot);
    }
    let outcome = match dispatch.finish() {
        Ok(()) => Value::Null,
        Err(group) => group_json(&group),
    };
    json!({"clauses": received, "outcome": outcome})
}

/// The replay's answer versus CPython's, as a report line when they differ.
fn mismatch(label: &str, input: &Value, cpython: Value) -> Option<String> {
    let want = normalise(cpython);
    let got = replay(input);
    (got != want).then(|| format!("{label}:\n  input {input}\n  want  {want}\n  got   {got}"))
}

// ---------------------------------------------------------------------------
// The recorded cases
// ---------------------------------------------------------------------------

fn assert_case(number: u64) {
    let record = recorded_case(number);
    if let Some(report) = mismatch(
        &format!("case {number}"),
        &record["input"],
        record["output"].clone(),
    ) {
        panic!("{report}");
    }
}

#[test]
fn except_star_replays_all_300_cpython_oracle_cases() {
    let mut count = 0;
    let mut mismatches = Vec::new();
    for record in recorded_cases() {
        count += 1;
        let label = format!("case {}", record["case"]);
        mismatches.extend(mismatch(&label, &record["input"], record["output"].clone()));
    }
    assert!(
        mismatches.is_empty(),
        "{} of {count} cases differ from CPython:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(count, 300, "the oracle file should hold 300 cases");
}

// The five cases the oracle's README checks by hand, pinned on their own so a failure
// names the rule it breaks.

#[test]
fn oracle_case_7_first_match_wins_and_one_raised_leaf_escapes_in_empty_group() {
    assert_case(7);
}

#[test]
fn oracle_case_41_raised_errors_come_first_then_the_rest_with_singletons_kept() {
    assert_case(41);
}

#[test]
fn oracle_case_11_naked_error_arm_sees_empty_wrapper_and_its_raise_escapes() {
    assert_case(11);
}

#[test]
fn oracle_case_5_named_reraise_is_nested_as_new_error_next_to_the_rest() {
    assert_case(5);
}

#[test]
fn oracle_case_67_exception_catch_all_leaves_base_leaf_with_its_nesting() {
    assert_case(67);
}
