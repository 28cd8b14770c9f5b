//! Property tests of `split` and `subgroup` against the model.

use super::*;

fn check_typed_split<T: ColorError>(tree: &Tree) -> Result<(), TestCaseError> {
    let (matched, rest) = build_group(tree).split::<T>();
    let (matched, rest) = (
        matched.as_ref().map(typed_model),
        rest.as_ref().map(any_model),
    );
    prop_assert_eq!(&matched, &project(tree, &|c, _| c == T::COLOR));
    prop_assert_eq!(&rest, &project(tree, &|c, _| c != T::COLOR));
    assert_partition(tree, &[matched, rest])
}

fn check_typed_subgroup<T: ColorError>(tree: &Tree) -> Result<(), TestCaseError> {
    let sub = build_group(tree).subgroup::<T>();
    prop_assert_eq!(
        sub.as_ref().map(typed_model),
        project(tree, &|c, _| c == T::COLOR)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn split_by_keeps_every_leaf_once_in_order_with_the_original_shape(
        tree in tree(),
        wanted in vec(color(), 0..=3),
    ) {
        let pred = |c: Color, _: u32| wanted.contains(&c);
        let (matched, rest) = build_group(&tree).split_by(|e| pred(color_and_id(e).0, 0));
        let (matched, rest) = (matched.as_ref().map(any_model), rest.as_ref().map(any_model));
        prop_assert_eq!(&matched, &project(&tree, &pred));
        prop_assert_eq!(&rest, &project(&tree, &|c, id| !pred(c, id)));
        assert_partition(&tree, &[matched, rest])?;
    }

    #[test]
    fn split_by_type_keeps_every_leaf_once_in_order_with_the_original_shape(
        tree in tree(),
        which in color(),
    ) {
        match which {
            Color::Red => check_typed_split::<Red>(&tree)?,
            Color::Green => check_typed_split::<Green>(&tree)?,
            Color::Blue => check_typed_split::<Blue>(&tree)?,
            Color::Unsettled => unreachable!("trees hold generated colours"),
        }
    }

    #[test]
    fn subgroup_is_the_match_side_of_split(tree in tree(), which in color()) {
        let by_pred = build_group(&tree).subgroup_by(|e| color_and_id(e).0 == which);
        prop_assert_eq!(by_pred.as_ref().map(any_model), project(&tree, &|c, _| c == which));
        match which {
            Color::Red => check_typed_subgroup::<Red>(&tree)?,
            Color::Green => check_typed_subgroup::<Green>(&tree)?,
            Color::Blue => check_typed_subgroup::<Blue>(&tree)?,
            Color::Unsettled => unreachable!("trees hold generated colours"),
        }
    }
}
