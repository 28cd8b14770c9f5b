//! Pattern arms in both macros: an arm that names variants of an error enum
//! (`except* JobError::Parse(..) as eg`, `eg @ JobError::Parse(..) =>`) takes the
//! leaves of that type whose value matches, as an `ErrorGroup<JobError>` in the
//! original nesting; the other leaves go on to later arms and the rest.

#![deny(warnings)]

use std::{fmt, io};

use taskgroup::{except_star, task_group, ErrorGroup, Node};

/// A thiserror-style error enum (what `#[derive(thiserror::Error)]` writes).
#[derive(Debug, Clone, PartialEq)]
enum JobError {
    Parse(u32),
    Io(String),
    Net { host: String, port: u16 },
    Timeout,
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Parse(line) => write!(f, "parse error on line {line}"),
            JobError::Io(what) => write!(f, "io: {what}"),
            JobError::Net { host, port } => write!(f, "cannot reach {host}:{port}"),
            JobError::Timeout => f.write_str("timed out"),
        }
    }
}

impl std::error::Error for JobError {}

fn net(host: &str) -> JobError {
    JobError::Net {
        host: host.to_owned(),
        port: 80,
    }
}

/// `jobs[ Parse(1), inner[ Timeout, Io("disk") ], net("a"), fmt::Error, Parse(2) ]`
fn tree() -> ErrorGroup {
    let inner = ErrorGroup::new(
        "inner",
        [
            Node::error(JobError::Timeout),
            Node::error(JobError::Io("disk".into())),
        ],
    )
    .unwrap();
    ErrorGroup::new(
        "jobs",
        [
            Node::error(JobError::Parse(1)),
            Node::Group(inner),
            Node::error(net("a")),
            Node::error(fmt::Error),
            Node::error(JobError::Parse(2)),
        ],
    )
    .unwrap()
}

fn errors(eg: &ErrorGroup<JobError>) -> Vec<JobError> {
    eg.iter().cloned().collect()
}

async fn fail(error: JobError) -> Result<(), JobError> {
    tokio::task::yield_now().await;
    Err(error)
}

#[tokio::test]
async fn task_group_pattern_arm_takes_only_the_matching_variants() {
    let mut parsed = Vec::new();
    let rest = task_group! {
        supervise,
        |tg| {
            tg.spawn(fail(JobError::Parse(1)));
            tg.spawn(fail(JobError::Timeout));
        }
        except* JobError::Parse(..) as eg => parsed = errors(&eg),
    }
    .unwrap_err();
    assert_eq!(parsed, [JobError::Parse(1)]);
    let left: Vec<_> = rest.iter().map(|e| e.to_string()).collect();
    assert_eq!(left, ["timed out"]);
}

// `Timeout {}`: the arm takes the brace form of a unit variant too.
#[allow(clippy::unneeded_struct_pattern)]
#[tokio::test]
async fn task_group_alternatives_unit_and_struct_variants_and_the_type_arm_after_them() {
    let mut seen: Vec<(&str, Vec<JobError>)> = Vec::new();
    task_group! {
        supervise,
        |tg| {
            for error in [JobError::Parse(1), JobError::Timeout, net("a"), JobError::Io("x".into())] {
                tg.spawn(fail(error));
            }
        }
        except* JobError::Io(..) | JobError::Net { .. } as eg => {
            let eg: ErrorGroup<JobError> = eg;
            let mut got = errors(&eg);
            got.sort_by_key(|e| e.to_string());
            seen.push(("io or net", got));
        }
        except* JobError::Timeout {} as eg => seen.push(("timeout", errors(&eg))),
        except* JobError as eg => seen.push(("other", errors(&eg))),
    }
    .unwrap();
    assert_eq!(
        seen,
        [
            ("io or net", vec![net("a"), JobError::Io("x".into())]),
            ("timeout", vec![JobError::Timeout]),
            ("other", vec![JobError::Parse(1)]),
        ]
    );
}

#[tokio::test]
async fn task_group_pattern_arms_can_await_and_raise() {
    let rest = task_group! {
        supervise,
        |tg| {
            tg.spawn(fail(JobError::Parse(3)));
        }
        except* JobError::Parse(..) as eg => {
            tokio::task::yield_now().await;
            Err(io::Error::other(format!("{} unparsable", eg.len())))?
        }
    }
    .unwrap_err();
    let raised: Vec<_> = rest.iter().map(|e| e.to_string()).collect();
    assert_eq!(raised, ["1 unparsable"]);
}

#[except_star]
fn dispatch(result: Result<(), ErrorGroup>, log: &mut Vec<String>) -> Result<(), ErrorGroup> {
    #[except_star]
    match result {
        Ok(()) => {}
        eg @ JobError::Parse(..) => {
            let eg: ErrorGroup<JobError> = eg;
            log.push(format!("parse {}", eg.len()));
        }
        eg @ (JobError::Io(..) | JobError::Net { .. }) => {
            log.push(format!("io or net {}", eg.len()))
        }
        eg @ JobError::Timeout => log.push(format!("timeout {}", eg.len())),
    }
    Ok(())
}

#[test]
fn except_star_pattern_arms_take_their_variants_and_keep_the_nesting() {
    let mut log = Vec::new();
    let rest = dispatch(Err(tree()), &mut log).unwrap_err();
    assert_eq!(log, ["parse 2", "io or net 2", "timeout 1"]);
    // the fmt::Error was not handled: it escapes in the original shape
    assert_eq!((rest.message(), rest.len()), ("jobs", 1));
    assert!(rest.iter().next().unwrap().is::<fmt::Error>());
}

#[except_star]
fn reraise_parse(result: Result<u32, ErrorGroup>) -> Result<u32, ErrorGroup> {
    #[except_star]
    match result {
        Ok(value) => Ok(value),
        eg @ JobError::Parse(..) => eg.reraise()?,
        JobError(_) => Ok(0),
        _ => Ok(1),
    }
}

#[test]
fn except_star_pattern_arm_reraise_keeps_the_leaves_where_they_were() {
    let rest = reraise_parse(Err(tree())).unwrap_err();
    assert_eq!(rest.message(), "jobs");
    let left: Vec<_> = rest.iter().map(|e| e.to_string()).collect();
    assert_eq!(left, ["parse error on line 1", "parse error on line 2"]);
}

#[test]
fn except_star_pattern_arm_with_no_match_does_not_run() {
    #[except_star]
    fn run(result: Result<(), ErrorGroup>) -> Result<bool, ErrorGroup> {
        let ran = #[except_star]
        match result {
            Ok(()) => false,
            _eg @ JobError::Timeout => true,
            _ => false,
        };
        Ok(ran)
    }
    let only_parse = ErrorGroup::from_errors("jobs", [JobError::Parse(1)]).unwrap();
    assert!(!run(Err(only_parse.into())).unwrap());
    let with_timeout = ErrorGroup::from_errors("jobs", [JobError::Timeout]).unwrap();
    assert!(run(Err(with_timeout.into())).unwrap());
}

#[test]
fn hand_written_take_if_is_what_the_macros_lower_to() {
    let mut dispatch = taskgroup::ExceptStar::new(Err::<(), _>(tree()));
    let parse = dispatch.take_if(|e: &JobError| matches!(e, JobError::Parse(..)));
    assert_eq!(
        parse.as_ref().map(errors),
        Some(vec![JobError::Parse(1), JobError::Parse(2)])
    );
    dispatch.settle(Ok(()));
    let nets = dispatch.take_if(|e: &JobError| matches!(e, JobError::Net { .. }));
    assert_eq!(nets.as_ref().map(errors), Some(vec![net("a")]));
    dispatch.settle(Ok(()));
    let rest = dispatch.finish().unwrap_err();
    assert_eq!(rest.len(), 3);
}
