//! Conversions with `?`, and boxed and anyhow errors as leaves.

use super::*;

#[test]
fn error_group_converts_into_a_boxed_error_with_question_mark() {
    fn fails() -> Result<(), Box<dyn Error + Send + Sync>> {
        Err(mixed())?;
        Ok(())
    }
    let boxed = fails().unwrap_err();
    let eg = boxed
        .downcast::<ErrorGroup>()
        .expect("the box holds the group");
    assert_eq!(eg.len(), 4);
}

#[test]
fn error_group_converts_into_anyhow_error_with_question_mark() {
    fn fails() -> anyhow::Result<()> {
        Err(mixed())?;
        Ok(())
    }
    let error = fails().unwrap_err();
    let eg = error
        .downcast_ref::<ErrorGroup>()
        .expect("anyhow holds the group");
    assert_eq!(shape(eg), "eg[V1, T2, nested[V3, O4]]");
}

#[test]
fn boxed_error_leaf_is_matched_by_the_type_it_wraps() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(ValueError(1));
    let mut dispatch = ExceptStar::new(Err::<(), _>(boxed));
    let eg = dispatch
        .take::<ValueError>()
        .expect("the boxed ValueError matches");
    assert_eq!(eg.iter().next(), Some(&ValueError(1)));
}

#[test]
fn group_inside_a_boxed_error_becomes_a_nested_group_not_a_leaf() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(group("inner", [v(1)]));
    let eg = group("outer", [Node::error(boxed)]);
    assert_eq!(shape(&eg), "outer[inner[V1]]");
}

// anyhow boxes its errors in a private type; the `anyhow` feature unwraps them.
#[cfg(feature = "anyhow")]
#[test]
fn anyhow_error_leaf_is_matched_by_the_type_it_wraps() {
    let mut dispatch = ExceptStar::new(Err::<(), anyhow::Error>(anyhow::Error::new(ValueError(1))));
    let eg = dispatch
        .take::<ValueError>()
        .expect("the ValueError inside anyhow matches");
    assert_eq!(eg.iter().next(), Some(&ValueError(1)));
}

#[cfg(feature = "anyhow")]
#[test]
fn anyhow_error_raised_in_an_arm_escapes_as_the_type_it_wraps() {
    let result = ExceptStar::new(Err::<(), _>(group("eg", [v(1)])))
        .arm_all(|_| Err(anyhow::Error::new(OsError(9)))?)
        .finish();
    assert!(err(result).contains::<OsError>());
}

#[cfg(feature = "anyhow")]
#[test]
fn group_inside_an_anyhow_error_is_dispatched_as_a_group() {
    let mut dispatch = ExceptStar::new(Err::<(), anyhow::Error>(anyhow::Error::new(mixed())));
    let values = dispatch.take::<ValueError>().map(|eg| shape(&eg));
    assert_eq!(values.as_deref(), Some("eg[V1, nested[V3]]"));
}
