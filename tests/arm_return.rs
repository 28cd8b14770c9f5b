//! An except* arm left early by code the macros cannot see: a user macro that
//! expands to `return` or `?` (the macros cannot expand another macro to look
//! inside it). An arm that calls a macro or uses `?` runs as its own closure
//! (an async block where it may await), so such an early exit leaves the arm
//! alone: `return Err(e)` and `?` raise into the dispatch (later arms still run,
//! the raised error joins the combined group), `return Ok(v)` gives the arm its
//! value. No error is lost.
//!
//! `anyhow::bail!` returns an `anyhow::Error`, which an arm cannot return: that
//! is a compile error at the `bail!` (tests/ui/*/bail-in-arm.rs); its
//! replacement, `Err(anyhow!(..))?`, is tested here.

#![deny(warnings)]

use std::{fmt, io};

use taskgroup::{except_star, task_group, BoxError, ErrorGroup, Node};

mod common;
use common::messages;

common::error_types! {
    #[derive(Debug, PartialEq)]
    struct ValueError(u32) => "bad value {}";

    #[derive(Debug)]
    struct KeyError => "missing key";
}

/// A user macro that leaves with an error, as `anyhow::bail!` does.
macro_rules! leave {
    ($error:expr) => {
        return Err($error.into())
    };
}

/// A user macro that leaves with a value.
macro_rules! leave_with {
    ($value:expr) => {
        return Ok($value)
    };
}

/// A user macro that hides a `?`.
macro_rules! attempt {
    ($result:expr) => {
        $result?
    };
}

/// `work [ValueError(1), io "disk", fmt::Error]`
fn mixed() -> ErrorGroup {
    ErrorGroup::new(
        "work",
        [
            Node::error(ValueError(1)),
            Node::error(io::Error::other("disk")),
            Node::error(fmt::Error),
        ],
    )
    .unwrap()
}

/// The group a function returned as its boxed error.
fn group(error: BoxError) -> ErrorGroup {
    *error
        .downcast::<ErrorGroup>()
        .expect("the function's error is the combined group")
}

/// The combined group after the first arm raised `raised` and the `fmt::Error`
/// was not handled: `"" [raised, <the original group> [fmt::Error]]`.
fn assert_raised_and_rest(result: Result<u32, BoxError>, raised: &str) {
    let combined = group(result.expect_err("the raised error and the rest escape"));
    assert_eq!(combined.message(), "");
    assert_eq!(
        messages(&combined),
        [raised, "an error occurred when formatting an argument"]
    );
    assert!(
        matches!(combined.children(), [Node::Leaf(_), Node::Group(_)]),
        "expected the raised error, then the rest in its own group: {combined:?}"
    );
}

/// The group after the first arm left with a value and the `fmt::Error` was
/// not handled: the original group, holding only the `fmt::Error`.
fn assert_rest_only(result: Result<u32, BoxError>) {
    let rest = group(result.expect_err("the rest escapes"));
    assert_ne!(rest.message(), "", "the original group, not a combined one");
    assert_eq!(
        messages(&rest),
        ["an error occurred when formatting an argument"]
    );
}

// --- #[except_star] in a sync function -----------------------------------------

#[except_star]
fn sync_leave(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            ran.push("value");
            leave!(KeyError)
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[test]
fn sync_fn_return_err_from_a_macro_in_an_arm_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(sync_leave(&mut ran), "missing key");
    assert_eq!(ran, ["value", "io"]);
}

#[except_star]
fn sync_leave_with(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            ran.push("value");
            leave_with!(7)
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[test]
fn sync_fn_return_ok_from_a_macro_in_an_arm_is_its_value_and_the_rest_escapes() {
    let mut ran = Vec::new();
    assert_rest_only(sync_leave_with(&mut ran));
    assert_eq!(ran, ["value", "io"]);
}

#[except_star]
fn sync_attempt(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            ran.push("value");
            attempt!(Err::<u32, _>(KeyError))
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[test]
fn sync_fn_question_mark_hidden_in_a_macro_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(sync_attempt(&mut ran), "missing key");
    assert_eq!(ran, ["value", "io"]);
}

#[except_star]
fn sync_anyhow(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(eg) => {
            ran.push("value");
            Err(anyhow::anyhow!("{} bad values", eg.len()))?
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[test]
fn sync_fn_anyhow_error_raised_with_question_mark_joins_the_group() {
    let mut ran = Vec::new();
    assert_raised_and_rest(sync_anyhow(&mut ran), "1 bad values");
    assert_eq!(ran, ["value", "io"]);
}

// --- #[except_star] in an async function ---------------------------------------

#[except_star]
async fn async_leave(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            tokio::task::yield_now().await;
            ran.push("value");
            leave!(KeyError)
        }
        io::Error(_) => {
            tokio::task::yield_now().await;
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[tokio::test]
async fn async_fn_return_err_from_a_macro_in_an_arm_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(async_leave(&mut ran).await, "missing key");
    assert_eq!(ran, ["value", "io"]);
}

#[except_star]
async fn async_leave_with(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            tokio::task::yield_now().await;
            ran.push("value");
            leave_with!(7)
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[tokio::test]
async fn async_fn_return_ok_from_a_macro_in_an_arm_is_its_value_and_the_rest_escapes() {
    let mut ran = Vec::new();
    assert_rest_only(async_leave_with(&mut ran).await);
    assert_eq!(ran, ["value", "io"]);
}

#[except_star]
async fn async_attempt(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = #[except_star]
    match Err::<u32, _>(mixed()) {
        Ok(n) => n,
        ValueError(_) => {
            ran.push("value");
            attempt!(async { Err::<u32, _>(KeyError) }.await)
        }
        io::Error(_) => {
            ran.push("io");
            2
        }
    };
    Ok(value)
}

#[tokio::test]
async fn async_fn_question_mark_hidden_in_a_macro_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(async_attempt(&mut ran).await, "missing key");
    assert_eq!(ran, ["value", "io"]);
}

// --- task_group! -------------------------------------------------------------------

/// A group `work` whose one task fails with [`mixed`] (one task, so that no
/// error is cancelled away by another's failure): `work [work [..]]`.
macro_rules! mixed_group {
    ($($arms:tt)*) => {
        task_group! {
            name = "work",
            |tg| {
                tg.spawn(async { Err::<(), _>(mixed()) });
                0_u32
            }
            $($arms)*
        }
    };
}

async fn group_leave(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = mixed_group! {
        except* ValueError => {
            tokio::task::yield_now().await;
            ran.push("value");
            leave!(KeyError)
        }
        except* io::Error => {
            ran.push("io");
            2
        }
    }?;
    Ok(value)
}

#[tokio::test]
async fn task_group_return_err_from_a_macro_in_an_arm_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(group_leave(&mut ran).await, "missing key");
    assert_eq!(ran, ["value", "io"]);
}

async fn group_leave_with(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = mixed_group! {
        except* ValueError => {
            ran.push("value");
            leave_with!(7)
        }
        except* io::Error => {
            ran.push("io");
            2
        }
    }?;
    Ok(value)
}

#[tokio::test]
async fn task_group_return_ok_from_a_macro_in_an_arm_is_its_value_and_the_rest_escapes() {
    let mut ran = Vec::new();
    assert_rest_only(group_leave_with(&mut ran).await);
    assert_eq!(ran, ["value", "io"]);
}

async fn group_attempt(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = mixed_group! {
        except* ValueError => {
            ran.push("value");
            attempt!(Err::<u32, _>(KeyError))
        }
        except* io::Error => {
            ran.push("io");
            2
        }
    }?;
    Ok(value)
}

#[tokio::test]
async fn task_group_question_mark_hidden_in_a_macro_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(group_attempt(&mut ran).await, "missing key");
    assert_eq!(ran, ["value", "io"]);
}

async fn group_anyhow(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = mixed_group! {
        except* ValueError as eg => {
            ran.push("value");
            Err(anyhow::anyhow!("{} bad values", eg.len()))?
        }
        except* io::Error => {
            ran.push("io");
            2
        }
    }?;
    Ok(value)
}

#[tokio::test]
async fn task_group_anyhow_error_raised_with_question_mark_joins_the_group() {
    let mut ran = Vec::new();
    assert_raised_and_rest(group_anyhow(&mut ran).await, "1 bad values");
    assert_eq!(ran, ["value", "io"]);
}

async fn group_question(ran: &mut Vec<&'static str>) -> Result<u32, BoxError> {
    let value = mixed_group! {
        // `?` without `.await` or a macro call: a sync closure in async context
        except* ValueError => {
            ran.push("value");
            Err::<u32, _>(KeyError)?
        }
        except* io::Error => {
            ran.push("io");
            2
        }
    }?;
    Ok(value)
}

#[tokio::test]
async fn task_group_question_mark_in_an_arm_that_does_not_await_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    assert_raised_and_rest(group_question(&mut ran).await, "missing key");
    assert_eq!(ran, ["value", "io"]);
}

// --- what running an arm in its own closure must keep working ----------------------

#[except_star]
fn sync_locals(input: ErrorGroup) -> Result<(Vec<u32>, Option<String>), ErrorGroup> {
    let mut log = Vec::new();
    let owned = String::from("moved");
    let mut kept = None;
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(eg) => log.extend(eg.iter().map(|e| e.0)),
        // moves `owned` into the arm, and writes a local the function reads later
        io::Error(_) => kept = Some(owned),
        _ => log.push(0),
    }
    Ok((log, kept))
}

#[test]
fn arms_borrow_locals_mutably_in_turn_and_can_move_them() {
    let (log, kept) = sync_locals(mixed()).unwrap();
    assert_eq!(log, [1, 0]);
    assert_eq!(kept.as_deref(), Some("moved"));
}

#[except_star]
fn sync_borrowed_value<'a>(
    input: ErrorGroup,
    fallback: &'a mut Vec<u32>,
    other: &'a mut Vec<u32>,
) -> Result<&'a mut Vec<u32>, ErrorGroup> {
    let value = #[except_star]
    match Err::<&mut Vec<u32>, _>(input) {
        Ok(value) => value,
        ValueError(_) => fallback,
        _ => other,
    };
    Ok(value)
}

#[test]
fn an_arm_value_can_be_a_mutable_borrow_from_outside() {
    let (mut fallback, mut other) = (vec![1], vec![2]);
    let value = sync_borrowed_value(mixed(), &mut fallback, &mut other).unwrap();
    value.push(3);
    assert_eq!((fallback, other), (vec![1], vec![2, 3]));
}
