//! Both macros used from a crate that knows the facade only as `tg_renamed`
//! (its `Cargo.toml` renames the dependency). No crate named `taskgroup`
//! exists here, so each test compiles only if the expansion finds the facade
//! through the name it was given: `$crate` for `task_group!`, the `crate`
//! option for `#[except_star]`.

#![deny(warnings)]

use std::fmt;
use std::time::Duration;

use tg_renamed::{except_star, task_group, ErrorGroup, Node, TaskGroup, Timeout};

#[derive(Debug, PartialEq)]
struct ValueError(u32);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad value {}", self.0)
    }
}

impl std::error::Error for ValueError {}

#[derive(Debug)]
struct KeyError;

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing key")
    }
}

impl std::error::Error for KeyError {}

/// `g [ValueError(1), KeyError, ValueError(2)]`
fn mixed() -> Result<u32, ErrorGroup> {
    Err(ErrorGroup::new(
        "g",
        [
            Node::error(ValueError(1)),
            Node::error(KeyError),
            Node::error(ValueError(2)),
        ],
    )
    .unwrap())
}

async fn bad(n: u32) -> Result<(), ValueError> {
    Err(ValueError(n))
}

async fn missing() -> Result<(), KeyError> {
    Err(KeyError)
}

// ---------------------------------------------------------------------------
// task_group!
// ---------------------------------------------------------------------------

#[tokio::test]
async fn task_group_arms_dispatch_under_a_renamed_crate() {
    let mut seen = Vec::new();
    let value = task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
            0
        }
        except* ValueError as eg => {
            seen.extend(eg.iter().map(|e| e.0));
            1
        }
        except* _ as rest => rest.len() * 10,
    }
    .unwrap();
    assert_eq!(
        seen,
        [1],
        "supervised: both tasks failed, neither cancelled the other"
    );
    assert_eq!(value, 10, "the catch-all ran last and took the KeyError");
}

#[tokio::test]
async fn task_group_through_the_renamed_path_leaves_the_rest_unhandled() {
    let rest = tg_renamed::task_group! {
        supervise,
        |tg| {
            tg.spawn(bad(1));
            tg.spawn(missing());
        }
        except* KeyError => (),
    }
    .unwrap_err();
    let leaves: Vec<String> = rest.iter().map(ToString::to_string).collect();
    assert_eq!(leaves, ["bad value 1"]);
}

#[tokio::test(start_paused = true)]
async fn task_group_options_resolve_under_a_renamed_crate() {
    let timed_out = task_group! {
        name = "renamed",
        timeout = Duration::from_secs(1),
        limit = 2,
        |tg| {
            tg.spawn(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, ValueError>(())
            });
            false
        }
        except* Timeout => true,
    }
    .unwrap();
    assert!(timed_out);
}

#[tokio::test]
async fn an_except_star_match_inside_task_group_needs_no_crate_option() {
    let value = task_group! {
        |_tg| {
            #[except_star]
            match mixed() {
                Ok(n) => n,
                ValueError(eg) => eg.iter().map(|e| e.0).sum(),
                KeyError(_) => 100,
            }
        }
    }
    .unwrap();
    assert_eq!(value, 100, "the last arm that ran gives the value");
}

// ---------------------------------------------------------------------------
// #[except_star(crate = "...")]
// ---------------------------------------------------------------------------

#[except_star(crate = "tg_renamed")]
fn sync_dispatch(log: &mut Vec<u32>) -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match mixed() {
        Ok(n) => n,
        ValueError(eg) => {
            log.extend(eg.iter().map(|e| e.0));
            7
        }
    };
    Ok(value)
}

#[test]
fn except_star_with_the_crate_option_dispatches_under_a_renamed_crate() {
    let mut log = Vec::new();
    let rest = sync_dispatch(&mut log).unwrap_err();
    assert_eq!(log, [1, 2]);
    let leaves: Vec<String> = rest.iter().map(ToString::to_string).collect();
    assert_eq!(
        leaves,
        ["missing key"],
        "the unhandled rest leaves like `?`"
    );
}

#[tg_renamed::except_star(crate = "::tg_renamed")]
async fn async_dispatch() -> Result<usize, ErrorGroup> {
    let outcome = TaskGroup::builder()
        .supervise()
        .run(async |tg| {
            tg.spawn(bad(3));
            tg.spawn(missing());
            Ok::<_, ValueError>(0)
        })
        .await;
    let value = #[except_star]
    match outcome {
        Ok(n) => n,
        ValueError(eg) => {
            tokio::task::yield_now().await;
            eg.len()
        }
        rest => rest.len() * 10,
    };
    Ok(value)
}

#[tokio::test]
async fn an_async_except_star_with_an_absolute_crate_path_dispatches() {
    assert_eq!(async_dispatch().await.unwrap(), 10);
}

/// The facade re-exported under a module of this crate, as a crate that wraps
/// `taskgroup` would do.
mod facade {
    pub use tg_renamed as inner;
}

#[except_star(crate = "crate::facade::inner")]
fn through_a_reexport() -> Result<u32, ErrorGroup> {
    let value = #[except_star]
    match mixed() {
        Ok(n) => n,
        ValueError(eg) | KeyError(eg) => eg.reraise()?,
    };
    Ok(value)
}

#[test]
fn except_star_through_a_reexport_of_the_renamed_crate_reraises_the_original() {
    let rest = through_a_reexport().unwrap_err();
    assert_eq!(rest.message(), "g");
    assert_eq!(rest.len(), 3);
}
