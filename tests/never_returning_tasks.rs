//! Tasks that never return compile and run, in this crate's edition (2021); the
//! crate `tests/edition-2024` checks the same in edition 2024, where a diverging
//! async block's output is inferred as `!` rather than `()`.
//!
//! A server's accept loop, a task that panics, and a `todo!()` stub are all
//! ordinary tasks: their handle's value type is `!` (never produced).

use std::time::Duration;

use taskgroup::{TaskError, TaskGroup};
use tokio::time::sleep;

mod common;

common::error_types! {
    /// An ordinary task error.
    #[derive(Debug)]
    struct Stop => "stop";
}

/// The payload of the task that panics on purpose.
#[derive(Debug)]
struct NeverPayload;

#[tokio::test(start_paused = true)]
async fn a_task_that_loops_forever_compiles_and_is_cancelled_with_its_group() {
    let mut looping = None;
    let result = TaskGroup::run(async |tg| {
        looping = Some(tg.spawn(async {
            loop {
                sleep(Duration::from_secs(1)).await;
            }
        }));
        tg.spawn(async {
            sleep(Duration::from_secs(3)).await;
            Err::<(), _>(Stop)
        });
        Ok::<_, Stop>(())
    })
    .await;
    assert!(result.unwrap_err().contains::<Stop>());
    assert!(matches!(
        looping.unwrap().result(),
        Err(TaskError::Cancelled)
    ));
}

#[tokio::test]
async fn a_task_that_panics_unconditionally_compiles_and_resumes_its_panic() {
    common::quiet_expected_panics::<NeverPayload>();
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(TaskGroup::run(
        async |tg| {
            tg.spawn(async { std::panic::panic_any(NeverPayload) });
            Ok::<_, Stop>(())
        },
    )))
    .await;
    let payload = outcome.expect_err("the task's panic resumes");
    assert!(payload.downcast_ref::<NeverPayload>().is_some());
}

#[tokio::test]
async fn a_todo_stub_compiles_as_a_task() {
    // Never run: a stub only has to compile while the real task is written.
    let result = TaskGroup::run(async |tg| {
        if false {
            tg.spawn(async { todo!() });
            tg.spawn_blocking(|| todo!());
        }
        Ok::<_, Stop>(())
    })
    .await;
    assert!(result.is_ok());
}
