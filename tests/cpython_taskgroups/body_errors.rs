//! A body error aborts the children and is wrapped; a body that turns its cancellation
//! into another error contributes it.

use super::*;

// ---------------------------------------------------------------------------
// A body error aborts the children and is wrapped
// ---------------------------------------------------------------------------

type Pair = (TaskHandle<u32>, TaskHandle<u32>);

async fn foo1_09() -> Result<u32, ZeroDivisionError> {
    sleep(secs(1.0)).await;
    Ok(42)
}

async fn foo2_09() -> Result<u32, ZeroDivisionError> {
    sleep(secs(2.0)).await;
    Ok(11)
}

/// `_09` and `_10`: the body fails (after `delay` seconds, or at once) while
/// two children sleep; both children are cancelled and the body's error is
/// wrapped in the group.
async fn body_fails_beside_two_children(delay: Option<f64>) {
    let mut tasks: Option<Pair> = None;
    let result = TaskGroup::run(async |g| {
        tasks = Some((g.spawn(foo1_09()), g.spawn(foo2_09())));
        if let Some(delay) = delay {
            sleep(secs(delay)).await;
        }
        Err::<(), _>(ZeroDivisionError)
    })
    .await;
    assert_eq!(get_error_types(&result.unwrap_err()), ["ZeroDivisionError"]);
    let (t1, t2) = tasks.unwrap();
    assert!(t1.is_cancelled());
    assert!(t2.is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_09() {
    body_fails_beside_two_children(Some(0.1)).await;
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_10() {
    body_fails_beside_two_children(None).await;
}

// ---------------------------------------------------------------------------
// A body that turns its cancellation into another error contributes it
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn test_taskgroup_18() {
    // External cancellation, cooperatively: the group is cancelled from outside and
    // its body, told so, raises `MyExc`.
    let num = Counter::default();
    let outside = Outside::default();
    let run = TaskGroup::builder().grace(secs(1.0)).run(async |g| {
        outside.enter(&g);
        tokio::select! {
            () = sleep(secs(10.0)) => Ok(()),
            () = g.cancelled() => {
                num.add(10);
                Err(MyExc)
            }
        }
    });
    let (result, ()) = tokio::join!(run, outside.cancel_after(0.1));
    assert_eq!(get_error_types(&result.unwrap_err()), ["MyExc"]);
    assert_eq!(num.get(), 10);
}

#[tokio::test(start_paused = true)]
async fn test_taskgroup_19() {
    // `nested()` raises `MyExc` in `finally` when the crash cancels it; with a grace
    // period the body sees the cancellation and fails in its cleanup.
    let result = TaskGroup::builder()
        .grace(secs(1.0))
        .run(async |g| {
            g.spawn(divide_by_zero_after(0.1));
            sleep_or_cancelled(&g, secs(10.0)).await;
            Err::<(), _>(MyExc)
        })
        .await;
    let eg = result.unwrap_err();
    assert_eq!(get_error_types(&eg), ["MyExc", "ZeroDivisionError"]);
    // Child errors first, the body's last.
    let order: Vec<String> = eg.iter().map(ToString::to_string).collect();
    assert_eq!(order, ["ZeroDivisionError", "MyExc"]);
}
