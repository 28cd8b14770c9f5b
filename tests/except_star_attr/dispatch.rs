//! The arms: types, several types, catch-all, raising, re-raising, naked errors.

use super::*;

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
