//! Methods, async functions and blocks, other attributes (`#[tokio::test]`), nested functions, and paths to the crate.

use super::*;

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
