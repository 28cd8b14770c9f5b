//! In edition 2024, `async { loop { .. } }`, `async { panic!() }` and
//! `async { todo!() }` have output `!`: they must still be tasks.

use std::fmt;
use std::time::Duration;

use taskgroup::{TaskError, TaskGroup, task_group};
use tokio::time::sleep;

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

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
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<NeverPayload>().is_none() {
            default(info);
        }
    }));
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
async fn a_todo_stub_compiles_as_a_task_also_through_the_macro() -> Result<(), taskgroup::ErrorGroup>
{
    task_group! {
        |tg| {
            if false {
                tg.spawn(async { todo!() });
                tg.spawn_blocking(|| todo!());
            }
        }
    }
}
