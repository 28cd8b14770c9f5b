//! Behaviour of `task_group!`: options, body, except* arms, and hygiene through
//! renamed and re-exported crates.
//!
//! The group and dispatch semantics are the runtime's and are tested there; these
//! tests check that the macro wires each construct to them.

#![deny(warnings)]

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskgroup::{task_group, ErrorGroup, Node, Timeout};

mod common;
use common::{messages, Concurrency};

// Generated code must not resolve through a user's `core` module.
#[allow(dead_code)]
mod core {}

common::error_types! {
    #[derive(Debug, PartialEq)]
    struct ValueError(u32) => "bad value {}";

    #[derive(Debug)]
    struct KeyError => "missing key";
}

async fn ok(n: u32) -> Result<u32, ValueError> {
    tokio::task::yield_now().await;
    Ok(n)
}

async fn bad(n: u32) -> Result<u32, ValueError> {
    tokio::task::yield_now().await;
    Err(ValueError(n))
}

async fn missing() -> Result<u32, KeyError> {
    Err(KeyError)
}

#[tokio::test]
async fn body_value_is_the_result_when_nothing_fails() {
    let tasks = task_group! {
        |tg| (0..10).map(|n| tg.spawn(ok(n))).collect::<Vec<_>>()
        except* ValueError as eg => {
            drop(eg);
            Vec::new()
        }
    }
    .unwrap();
    let values: Vec<u32> = tasks.iter().map(|t| t.result().unwrap()).collect();
    assert_eq!(values, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn no_arms_gives_the_group_result() {
    let result = task_group! {
        |tg| {
            tg.spawn(bad(1));
            7
        }
    };
    let errors = result.unwrap_err();
    assert_eq!(messages(&errors), ["bad value 1"]);
}

#[tokio::test]
async fn typed_arm_gets_the_errors_of_its_type_and_gives_the_value() {
    let mut seen = Vec::new();
    let value = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(bad(2));
            0
        }
        except* ValueError as eg => {
            seen.extend(eg.iter().map(|e: &ValueError| e.0));
            seen.sort();
            99
        }
    }
    .unwrap();
    assert_eq!(value, 99);
    assert_eq!(seen, [1, 2]);
}

#[tokio::test]
async fn unhandled_errors_come_back_as_err() {
    let result: Result<(), ErrorGroup> = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
        }
        except* ValueError => ()
    };
    let rest = result.unwrap_err();
    assert_eq!(messages(&rest), ["missing key"]);
    assert_eq!(rest.message(), taskgroup::TASK_GROUP_MESSAGE);
}

#[tokio::test]
async fn several_types_share_an_untyped_group() {
    let count = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
            0
        }
        except* ValueError | KeyError as eg => eg.len()
    }
    .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn catch_all_takes_the_rest() {
    let mut log = Vec::new();
    task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
        }
        except* ValueError => log.push("value"),
        except* _ as rest => log.push(if rest.len() == 1 { "rest" } else { "?" }),
    }
    .unwrap();
    assert_eq!(log, ["value", "rest"]);
}

#[tokio::test]
async fn question_mark_in_the_body_fails_the_body() {
    let rest = task_group! {
        |_tg| {
            let n: u32 = "not a number".parse()?;
            n
        }
        except* ValueError => 0
    }
    .unwrap_err();
    assert_eq!(rest.len(), 1);
    assert!(rest.iter().next().unwrap().is::<std::num::ParseIntError>());
}

#[tokio::test]
async fn question_mark_in_an_arm_raises_and_later_arms_run() {
    let mut ran = Vec::new();
    let rest = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
        }
        except* ValueError => {
            ran.push("value");
            Err(io::Error::other("raised"))?
        }
        except* KeyError => ran.push("key"),
    }
    .unwrap_err();
    assert_eq!(ran, ["value", "key"]);
    assert_eq!(messages(&rest), ["raised"]);
}

#[tokio::test]
async fn reraise_gives_the_errors_back_in_their_group() {
    let rest = task_group! {
        |tg| {
            tg.spawn(bad(1));
        }
        except* ValueError as eg => eg.reraise()?,
    }
    .unwrap_err();
    assert_eq!(rest.message(), taskgroup::TASK_GROUP_MESSAGE);
    assert_eq!(messages(&rest), ["bad value 1"]);
}

#[tokio::test]
async fn arms_can_await() {
    let value = task_group! {
        |tg| {
            tg.spawn(bad(4));
            0
        }
        except* ValueError as eg => {
            let first = eg.iter().next().map_or(0, |e| e.0);
            ok(first * 10).await.unwrap()
        }
    }
    .unwrap();
    assert_eq!(value, 40);
}

#[tokio::test]
async fn body_borrows_locals_mutably() {
    let mut spawned = 0;
    let names = vec!["a", "b"];
    task_group! {
        |tg| {
            for _ in &names {
                tg.spawn(ok(1));
                spawned += 1;
            }
        }
    }
    .unwrap();
    assert_eq!(spawned, 2);
}

#[tokio::test]
async fn move_body_takes_ownership() {
    let counter = Arc::new(AtomicUsize::new(0));
    let moved = counter.clone();
    task_group! {
        move |tg| {
            let counter = moved;
            tg.spawn(async move {
                counter.fetch_add(1, Ordering::SeqCst);
            });
        }
    }
    .unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn handle_can_be_left_unnamed() {
    assert_eq!(task_group! { || 5 }.unwrap(), 5);
    assert_eq!(task_group! { |_| 6 }.unwrap(), 6);
    assert_eq!(task_group! { |_| { 7 } }.unwrap(), 7);
}

#[tokio::test]
async fn name_option_names_the_group() {
    let name = task_group! {
        name = "downloads",
        |tg| tg.name().map(str::to_owned)
    }
    .unwrap();
    assert_eq!(name.as_deref(), Some("downloads"));
}

#[tokio::test(start_paused = true)]
async fn timeout_option_times_out_into_a_handled_timeout() {
    let timed_out = task_group! {
        timeout = Duration::from_secs(1),
        |tg| {
            tg.spawn(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
            });
            false
        }
        except* Timeout => true,
    }
    .unwrap();
    assert!(timed_out);
}

#[tokio::test(start_paused = true)]
async fn deadline_option_sets_the_deadline() {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(10);
    let rest = task_group! {
        deadline = deadline,
        grace = Duration::from_millis(1),
        |_tg| tokio::time::sleep(Duration::from_secs(60)).await
    }
    .unwrap_err();
    assert!(rest.iter().next().unwrap().is::<Timeout>());
}

#[tokio::test(start_paused = true)]
async fn limit_option_bounds_concurrency() {
    let concurrency = Concurrency::default();
    task_group! {
        limit = 2,
        |tg| {
            for _ in 0..8 {
                let concurrency = concurrency.clone();
                tg.spawn(async move {
                    concurrency.enter();
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    concurrency.leave();
                });
            }
        }
    }
    .unwrap();
    // Paused clock, one thread: all eight are ready at once and only the limit
    // holds them back, so exactly two run together.
    assert_eq!(concurrency.max(), 2);
}

#[tokio::test(start_paused = true)]
async fn supervise_option_keeps_siblings_running() {
    let mut sibling = None;
    task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            sibling = Some(tg.spawn(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, ValueError>(2)
            }));
        }
        except* ValueError => (),
    }
    .unwrap();
    assert_eq!(sibling.unwrap().result().unwrap(), 2);
}

#[tokio::test]
async fn nested_groups_nest_their_errors() {
    let rest = task_group! {
        |_tg| {
            task_group! {
                |tg| {
                    tg.spawn(bad(1));
                }
            }?
        }
        except* KeyError => (),
    }
    .unwrap_err();
    let Node::Group(inner) = &rest.children()[0] else {
        panic!("the inner group is one child of the outer group");
    };
    assert_eq!(messages(inner), ["bad value 1"]);
}

#[tokio::test]
async fn marked_match_inside_the_body_needs_no_attribute() {
    let value = task_group! {
        |_tg| {
            #[except_star]
            match bad(3).await {
                Ok(n) => n,
                ValueError(eg) => eg.iter().next().map_or(0, |e| e.0 + 100),
            }
        }
    }
    .unwrap();
    assert_eq!(value, 103);
}

#[tokio::test]
async fn arms_after_blocks_need_no_comma() {
    let value = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
            0
        }
        except* ValueError => { 1 }
        except* KeyError => { 2 }
    }
    .unwrap();
    assert_eq!(value, 2);
}

mod reexport {
    pub mod deep {
        pub use taskgroup::task_group;
    }
}

#[tokio::test]
async fn works_through_a_reexport() {
    let value = reexport::deep::task_group! { |_tg| 1 }.unwrap();
    assert_eq!(value, 1);
}

extern crate taskgroup as renamed;

#[tokio::test]
async fn works_through_a_renamed_crate() {
    let value = renamed::task_group! {
        |tg| {
            tg.spawn(bad(1));
            0
        }
        except* ValueError => 5,
    }
    .unwrap();
    assert_eq!(value, 5);
}

#[tokio::test]
async fn seed_program() -> Result<(), ErrorGroup> {
    let mut printed = Vec::new();
    let tasks = task_group! {
        |tg| (0..10).map(|n| tg.spawn(ok(n))).collect::<Vec<_>>()
        except* ValueError as eg => {
            for err in &eg { printed.push(err.to_string()); }
            Vec::new()
        }
    }?;
    let mut total = 0;
    for t in tasks {
        total += t.result().unwrap();
    }
    assert_eq!(total, 45);
    assert!(printed.is_empty());
    Ok(())
}

#[tokio::test]
#[should_panic(expected = "body failed")]
async fn a_diverging_body_compiles_without_warnings() {
    let _: Result<(), ErrorGroup> = task_group! { |_tg| panic!("body failed") };
}

#[tokio::test]
#[should_panic(expected = "arm failed")]
async fn a_diverging_arm_compiles_without_warnings() {
    let _ = task_group! {
        |tg| {
            tg.spawn(bad(1));
        }
        except* ValueError => panic!("arm failed"),
    };
}

#[tokio::test]
async fn the_group_future_is_send() {
    let joined = tokio::spawn(async {
        task_group! {
            |tg| {
                tg.spawn(bad(2));
                0
            }
            except* ValueError as eg => {
                tokio::task::yield_now().await;
                eg.len()
            }
        }
    });
    assert_eq!(joined.await.unwrap().unwrap(), 1);
}

#[taskgroup::except_star]
async fn group_inside_an_except_star_function() -> Result<u32, ErrorGroup> {
    let value = task_group! {
        |_tg| {
            #[except_star]
            match bad(5).await {
                Ok(n) => n,
                ValueError(_) => 50,
            }
        }
    }?;
    let doubled = #[except_star]
    match bad(value).await {
        Ok(n) => n,
        ValueError(eg) => eg.iter().map(|e| e.0 * 2).sum(),
    };
    Ok(doubled)
}

#[tokio::test]
async fn markers_inside_a_group_inside_an_except_star_function() {
    assert_eq!(group_inside_an_except_star_function().await.unwrap(), 100);
}
