//! Where a marker may stand (statement, `let`, tail, nested, in a closure), `Ok` arms with guards, and the function's error type.

use super::*;

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
