//! except* dispatch through `ExceptStar`: each leaf goes to the first arm that matches
//! it, each arm runs at most once.

use super::*;

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
