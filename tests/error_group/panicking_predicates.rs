//! A predicate that panics in `split_by` or `take_by` loses and duplicates no leaf.

use super::*;

/// An error that counts how often it is dropped.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("counted")
    }
}

impl Error for Counted {}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn panicking_predicate_in_split_by_propagates_and_drops_every_leaf_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let leaf = || Node::error(Counted(drops.clone()));
    let eg = group("eg", [leaf(), nested("inner", [leaf(), leaf()])]);
    let mut calls = 0;
    let result = catch_unwind(AssertUnwindSafe(|| {
        eg.split_by(|_| {
            calls += 1;
            assert!(calls < 2, "predicate failure on the second leaf");
            true
        })
    }));
    assert!(result.is_err(), "the panic propagates");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        3,
        "each leaf dropped once, none leaked"
    );
}

#[test]
fn panicking_predicate_in_take_by_leaves_every_leaf_in_the_dispatch() {
    let mut dispatch = ExceptStar::new(Err::<(), _>(mixed()));
    let result = catch_unwind(AssertUnwindSafe(|| {
        dispatch.take_by(|e| {
            assert!(!e.is::<TypeError>(), "predicate failure on T2");
            true
        })
    }));
    assert!(result.is_err(), "the panic propagates");
    // Nothing was taken: every leaf escapes in the original shape.
    let rest = err(dispatch.finish());
    assert_eq!(shape(&rest), "eg[V1, T2, nested[V3, O4]]");
}
