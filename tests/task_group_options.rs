//! `task_group!` options that choose what kind of group runs: `local` (the
//! handle is a `LocalScope`, whose scoped tasks need not be `Send`) and
//! `cancel_on = token` (a `CancellationToken` that shuts the group down).

#![deny(warnings)]

use std::time::Duration;

use taskgroup::{task_group, Timeout};

#[tokio::test(flavor = "current_thread")]
async fn local_option_runs_scoped_tasks_that_are_not_send() {
    let counter = std::rc::Rc::new(std::cell::Cell::new(0));
    let total = task_group! {
        local,
        timeout = Duration::from_secs(60),
        |tg| {
            for _ in 0..3 {
                let counter = std::rc::Rc::clone(&counter);
                tg.spawn_scoped(async move { counter.set(counter.get() + 1) });
            }
            7
        }
        except* Timeout => 0,
    }
    .unwrap();
    assert_eq!((total, counter.get()), (7, 3));
}

#[cfg(feature = "tokio-util")]
#[tokio::test(start_paused = true)]
async fn cancel_on_option_shuts_the_group_down_with_the_token() {
    let shutdown = tokio_util::sync::CancellationToken::new();
    let trigger = shutdown.clone();
    let value = task_group! {
        cancel_on = shutdown,
        grace = Duration::from_secs(5), // the body drains on its own
        |tg| {
            trigger.cancel();
            tg.cancelled().await;
            tg.cancel_reason()
        }
    }
    .unwrap();
    assert_eq!(value, Some(taskgroup::CancelReason::Shutdown));
}
