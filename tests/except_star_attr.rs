//! Behaviour of `#[except_star]`: `#[except_star] match` lowered into except*
//! dispatch in sync and async functions and methods, in every position.
//!
//! The dispatch rules themselves are pinned by the conformance tests; these tests
//! check that the attribute wires each construct to them correctly.

#![deny(warnings)]

use std::fmt;
use std::io;

use taskgroup::{except_star, ErrorGroup, Node};

mod common;
use common::messages;

// Generated code must not resolve through a user's `core` module.
#[allow(dead_code)]
mod core {}

common::error_types! {
    #[derive(Debug, PartialEq)]
    struct ValueError(u32) => "bad value {}";

    #[derive(Debug)]
    struct KeyError => "missing key";
}

/// `mixed [ValueError(1), io "disk", inner [ValueError(2), KeyError]]`
fn mixed() -> ErrorGroup {
    let inner = ErrorGroup::new("inner", [Node::error(ValueError(2)), Node::error(KeyError)]);
    ErrorGroup::new(
        "mixed",
        [
            Node::error(ValueError(1)),
            Node::error(io::Error::other("disk")),
            inner.unwrap().into(),
        ],
    )
    .unwrap()
}

#[except_star]
fn sync_dispatch(input: Result<u32, ErrorGroup>, log: &mut Vec<u32>) -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match input {
        Ok(value) => value,
        ValueError(eg) => {
            log.extend(eg.iter().map(|e| e.0));
            10
        }
        io::Error(eg) | fmt::Error(eg) => eg.len() as u32,
    };
    Ok(value)
}

#[test]
fn ok_value_goes_through_the_ok_arm() {
    let mut log = Vec::new();
    assert_eq!(sync_dispatch(Ok(5), &mut log).unwrap(), 5);
    assert!(log.is_empty());
}

#[test]
fn typed_arm_gets_every_matching_leaf_at_any_depth() {
    let mut log = Vec::new();
    let _ = sync_dispatch(Err(mixed()), &mut log);
    assert_eq!(log, [1, 2]);
}

#[test]
fn unhandled_rest_leaves_like_question_mark_with_its_shape() {
    let rest = sync_dispatch(Err(mixed()), &mut Vec::new()).unwrap_err();
    assert_eq!(rest.message(), "mixed");
    assert_eq!(messages(&rest), ["missing key"]);
    assert!(matches!(&rest.children()[0], Node::Group(g) if g.message() == "inner"));
}

#[except_star]
fn subgroup_shape(input: ErrorGroup) -> Result<(String, usize), ErrorGroup> {
    let mut shape = (String::new(), 0);
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(eg) => {
            let nested = eg.children().iter().filter(|c| matches!(c, Node::Group(_)));
            shape = (eg.message().to_owned(), nested.count());
        }
        _ => {}
    }
    Ok(shape)
}

#[test]
fn typed_arm_group_keeps_nesting_and_messages() {
    assert_eq!(subgroup_shape(mixed()).unwrap(), ("mixed".to_owned(), 1));
}

#[except_star]
fn several_types(input: ErrorGroup) -> Result<Vec<String>, ErrorGroup> {
    #[except_star]
    match Err::<Vec<String>, _>(input) {
        Ok(v) => Ok(v),
        ValueError(_) => Ok(Vec::new()),
        io::Error(eg) | KeyError(eg) => Ok(messages(&eg)),
    }
}

#[test]
fn several_types_arm_gets_an_untyped_group_of_all_of_them() {
    assert_eq!(several_types(mixed()).unwrap(), ["disk", "missing key"]);
}

#[except_star]
fn catch_all(input: ErrorGroup) -> Result<usize, ErrorGroup> {
    #[except_star]
    match Err::<usize, _>(input) {
        Ok(n) => Ok(n),
        ValueError(_) => Ok(100),
        rest => Ok(rest.len()),
    }
}

#[test]
fn catch_all_takes_the_rest_and_the_last_arm_gives_the_value() {
    assert_eq!(catch_all(mixed()).unwrap(), 2);
}

#[except_star]
fn raise_in_arm(input: ErrorGroup, ran: &mut Vec<&'static str>) -> Result<(), ErrorGroup> {
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(_) => {
            ran.push("value");
            Err(KeyError)?
        }
        io::Error(_) => ran.push("io"),
    }
    Ok(())
}

#[test]
fn question_mark_in_an_arm_raises_into_the_group_and_later_arms_run() {
    let mut ran = Vec::new();
    let rest = raise_in_arm(mixed(), &mut ran).unwrap_err();
    assert_eq!(ran, ["value", "io"]);
    assert_eq!(rest.message(), "");
    // the raised error first, then the unhandled rest in its original group
    assert_eq!(messages(&rest), ["missing key", "missing key"]);
    assert!(matches!(&rest.children()[1], Node::Group(g) if g.message() == "mixed"));
}

#[except_star]
fn reraise(input: ErrorGroup) -> Result<(), ErrorGroup> {
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => Ok(()),
        ValueError(eg) => eg.reraise()?,
        io::Error(_) => Ok(()),
    }
}

#[test]
fn reraise_merges_back_into_the_original_shape() {
    let rest = reraise(mixed()).unwrap_err();
    assert_eq!(rest.message(), "mixed");
    assert_eq!(
        messages(&rest),
        ["bad value 1", "bad value 2", "missing key"]
    );
}

#[except_star]
fn naked(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
    #[except_star]
    match input {
        Ok(n) => Ok(n),
        KeyError(_) => Ok(0),
    }
}

#[test]
fn naked_error_leaves_in_a_group_with_an_empty_message() {
    let rest = naked(Err(ValueError(7))).unwrap_err();
    assert_eq!((rest.message(), rest.len()), ("", 1));
    assert_eq!(naked(Ok(3)).unwrap(), 3);
}

#[except_star]
fn naked_handled(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
    let n = #[except_star]
    match input {
        Ok(n) => n,
        ValueError(eg) => eg.iter().map(|e| e.0).sum(),
    };
    Ok(n)
}

#[test]
fn naked_error_can_be_handled_by_type() {
    assert_eq!(naked_handled(Err(ValueError(7))).unwrap(), 7);
}

#[except_star]
fn statement_position(input: ErrorGroup) -> Result<Vec<u32>, ErrorGroup> {
    let mut seen = Vec::new();
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(eg) => seen.extend(eg.iter().map(|e| e.0)),
        _ => {}
    }
    Ok(seen)
}

#[test]
fn marker_on_a_statement_match() {
    assert_eq!(statement_position(mixed()).unwrap(), [1, 2]);
}

#[except_star]
fn marker_on_let(input: Result<u32, ErrorGroup>) -> Result<u32, ErrorGroup> {
    #[except_star]
    let n = match input {
        Ok(n) => n,
        _ => 0,
    };
    Ok(n + 1)
}

#[test]
fn marker_on_a_let_statement_means_its_match_initializer() {
    assert_eq!(marker_on_let(Err(mixed())).unwrap(), 1);
    assert_eq!(marker_on_let(Ok(1)).unwrap(), 2);
}

#[except_star]
fn ok_arms_with_guards(input: Result<u32, ErrorGroup>) -> Result<&'static str, ErrorGroup> {
    Ok(
        #[except_star]
        match input {
            Ok(0) => "zero",
            Ok(n) if n % 2 == 0 => "even",
            Ok(_) => "odd",
            ValueError(_) => "value",
            _ => "other",
        },
    )
}

#[test]
fn several_ok_arms_and_guards_work_as_in_a_plain_match() {
    assert_eq!(ok_arms_with_guards(Ok(0)).unwrap(), "zero");
    assert_eq!(ok_arms_with_guards(Ok(4)).unwrap(), "even");
    assert_eq!(ok_arms_with_guards(Ok(3)).unwrap(), "odd");
    assert_eq!(ok_arms_with_guards(Err(mixed())).unwrap(), "other");
}

#[except_star]
fn mutable_binding(input: ErrorGroup) -> Result<(), ErrorGroup> {
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => Ok(()),
        ValueError(mut eg) => {
            eg.add_note("seen by the handler");
            Err(eg)?
        }
        _ => Ok(()),
    }
}

#[test]
fn arm_binding_can_be_mut_and_a_raised_group_escapes_alone() {
    // everything else was handled, so the raised group is what escapes
    let raised = mutable_binding(mixed()).unwrap_err();
    assert_eq!(raised.notes(), ["seen by the handler"]);
    assert_eq!(messages(&raised), ["bad value 1", "bad value 2"]);
}

#[except_star]
fn nested_matches(input: ErrorGroup) -> Result<u32, ErrorGroup> {
    #[except_star]
    match Err::<u32, _>(input) {
        Ok(n) => Ok(n),
        ValueError(eg) => {
            let inner: Result<u32, ErrorGroup> = Err(ErrorGroup::from(eg));
            let n = #[except_star]
            match inner {
                Ok(n) => n,
                ValueError(eg) => eg.len() as u32 * 10,
            };
            Ok(n)
        }
        _ => Ok(0),
    }
}

#[test]
fn nested_marked_match_in_an_arm() {
    assert_eq!(nested_matches(mixed()).unwrap(), 0);
    let values = ErrorGroup::from_errors("v", [ValueError(1), ValueError(2)]).unwrap();
    assert_eq!(nested_matches(ErrorGroup::from(values)).unwrap(), 20);
}

#[except_star]
fn inside_closure(inputs: Vec<Result<u32, ValueError>>) -> Result<Vec<u32>, ErrorGroup> {
    inputs
        .into_iter()
        .map(|input| -> Result<u32, ErrorGroup> {
            Ok(
                #[except_star]
                match input {
                    Ok(n) => n,
                    ValueError(eg) => eg.iter().map(|e| e.0 * 100).sum(),
                },
            )
        })
        .collect()
}

#[test]
fn marker_inside_a_closure_leaves_the_closure() {
    assert_eq!(
        inside_closure(vec![Ok(1), Err(ValueError(2))]).unwrap(),
        [1, 200]
    );
}

#[except_star]
fn boxed_error(input: ErrorGroup) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(_) => {}
    }
    Ok(())
}

#[test]
fn unhandled_rest_converts_into_the_function_error_type() {
    let error = boxed_error(mixed()).unwrap_err();
    let group = error.downcast::<ErrorGroup>().unwrap();
    assert_eq!(messages(&group), ["disk", "missing key"]);
}

#[except_star]
fn anyhow_error(input: ErrorGroup) -> anyhow::Result<usize> {
    Ok(
        #[except_star]
        match Err::<usize, _>(input) {
            Ok(n) => n,
            eg => eg.len(),
        },
    )
}

#[test]
fn works_in_a_function_returning_anyhow_result() {
    assert_eq!(anyhow_error(mixed()).unwrap(), 4);
}

struct Counter {
    handled: usize,
}

impl Counter {
    #[except_star]
    fn handle(&mut self, input: ErrorGroup) -> Result<(), ErrorGroup> {
        #[except_star]
        match Err::<(), _>(input) {
            Ok(()) => {}
            ValueError(eg) => self.handled += eg.len(),
        }
        Ok(())
    }

    #[except_star]
    async fn handle_async(&mut self, input: ErrorGroup) -> Result<(), ErrorGroup> {
        #[except_star]
        match Err::<(), _>(input) {
            Ok(()) => {}
            ValueError(eg) => {
                tokio::task::yield_now().await;
                self.handled += eg.len();
            }
            _ => {}
        }
        Ok(())
    }
}

#[test]
fn methods_can_mutate_self_in_arms() {
    let mut counter = Counter { handled: 0 };
    assert_eq!(counter.handle(mixed()).unwrap_err().len(), 2);
    assert_eq!(counter.handled, 2);
}

#[tokio::test]
async fn async_methods_can_await_in_arms() {
    let mut counter = Counter { handled: 0 };
    counter.handle_async(mixed()).await.unwrap();
    assert_eq!(counter.handled, 2);
}

async fn fallible(n: u32) -> Result<u32, ValueError> {
    tokio::task::yield_now().await;
    Err(ValueError(n))
}

#[except_star]
async fn async_arms(input: ErrorGroup) -> Result<u32, ErrorGroup> {
    let mut total = 0;
    #[except_star]
    match Err::<(), _>(input) {
        Ok(()) => {}
        ValueError(eg) => {
            for error in &eg {
                total += fallible(error.0).await.unwrap_or(error.0);
            }
        }
        io::Error(_) => {
            // `?` on an awaited call raises into the combined group
            total += fallible(40).await?;
        }
        _ => {}
    }
    Ok(total)
}

#[tokio::test]
async fn async_arms_can_await_and_raise() {
    let rest = async_arms(mixed()).await.unwrap_err();
    assert_eq!(messages(&rest), ["bad value 40"]);
    assert_eq!(rest.message(), "");
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn async_fn_future_stays_send() {
    let future = async_arms(mixed());
    assert_send(&future);
    assert!(future.await.is_err());
}

// The point is an `async` block inside a sync function.
#[allow(clippy::manual_async_fn)]
#[except_star]
fn async_block_in_sync_fn(
    input: ErrorGroup,
) -> impl std::future::Future<Output = Result<u32, ErrorGroup>> {
    async move {
        #[except_star]
        match Err::<u32, _>(input) {
            Ok(n) => Ok(n),
            ValueError(eg) => {
                tokio::task::yield_now().await;
                Ok(eg.len() as u32)
            }
            _ => Ok(0),
        }
    }
}

#[tokio::test]
async fn marker_in_an_async_block_of_a_sync_fn_is_async() {
    assert_eq!(async_block_in_sync_fn(mixed()).await.unwrap(), 0);
}

#[tokio::test]
#[except_star]
async fn tokio_test_outside_except_star() -> Result<(), ErrorGroup> {
    let n = #[except_star]
    match fallible(1).await {
        Ok(n) => n,
        ValueError(eg) => {
            tokio::task::yield_now().await;
            eg.len() as u32
        }
    };
    assert_eq!(n, 1);
    Ok(())
}

#[except_star]
#[tokio::test]
async fn except_star_outside_tokio_test() -> Result<(), ErrorGroup> {
    let n = #[except_star]
    match fallible(1).await {
        Ok(n) => n,
        ValueError(eg) => {
            tokio::task::yield_now().await;
            eg.len() as u32
        }
    };
    assert_eq!(n, 1);
    Ok(())
}

#[except_star]
fn nested_fn_with_its_own_attribute() -> Result<u32, ErrorGroup> {
    #[except_star]
    fn inner(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
        Ok(
            #[except_star]
            match input {
                Ok(n) => n,
                ValueError(eg) => eg.len() as u32,
            },
        )
    }
    inner(Err(ValueError(3)))
}

#[test]
fn nested_function_is_expanded_by_its_own_attribute() {
    assert_eq!(nested_fn_with_its_own_attribute().unwrap(), 1);
}

#[taskgroup::except_star]
fn full_path_attribute(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
    Ok(
        #[taskgroup::except_star]
        match input {
            Ok(n) => n,
            ValueError(_) => 0,
        },
    )
}

#[test]
fn attribute_and_marker_by_full_path() {
    assert_eq!(full_path_attribute(Err(ValueError(1))).unwrap(), 0);
}

/// A facade that re-exports taskgroup under another path.
mod facade {
    pub mod errors {
        pub use taskgroup::*;
    }
}

#[facade::errors::except_star(crate = "crate::facade::errors")]
fn through_reexport(input: Result<u32, ValueError>) -> Result<u32, facade::errors::ErrorGroup> {
    Ok(
        #[except_star]
        match input {
            Ok(n) => n,
            ValueError(_) => 0,
        },
    )
}

#[test]
fn crate_option_resolves_through_a_reexport() {
    assert_eq!(through_reexport(Err(ValueError(1))).unwrap(), 0);
    assert_eq!(through_reexport(Ok(4)).unwrap(), 4);
}

#[except_star]
fn arm_panics(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
    Ok(
        #[except_star]
        match input {
            Ok(n) => n,
            ValueError(_) => panic!("handler failed"),
        },
    )
}

#[test]
#[should_panic(expected = "handler failed")]
fn a_panicking_arm_panics_through() {
    let _ = arm_panics(Err(ValueError(1)));
}

#[except_star]
fn skip_binding(input: Result<u32, ValueError>) -> Result<u32, ErrorGroup> {
    Ok(
        #[except_star]
        match input {
            Ok(n) => n,
            ValueError(_) => 9,
        },
    )
}

#[test]
fn arm_without_a_binding() {
    assert_eq!(skip_binding(Err(ValueError(1))).unwrap(), 9);
}
