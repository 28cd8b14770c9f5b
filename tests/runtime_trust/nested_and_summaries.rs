//! Nested timeouts inside a grace period, and task handles carrying a summary, not the
//! tree.

use super::*;

// ---------------------------------------------------------------------------
// Nested groups
// ---------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_nested_timeout_fires_while_the_enclosing_group_waits_out_its_grace() {
    let t0 = Instant::now();
    let inner_elapsed = Arc::new(Mutex::new(None));
    let result = TaskGroup::builder()
        .timeout(ms(10))
        .grace(Duration::from_secs(5))
        .run(async |_tg| {
            let inner = TaskGroup::builder()
                .timeout(ms(60))
                .run(async |_tg| {
                    sleep(HOUR).await; // ignores the enclosing group's cancellation
                    Ok::<_, ValueError>(())
                })
                .await;
            *lock(&inner_elapsed) = Some(t0.elapsed());
            assert!(inner.unwrap_err().contains::<Timeout>());
            Ok::<_, ValueError>(())
        })
        .await;
    let inner_elapsed = lock(&inner_elapsed).expect("the inner group returned");
    assert!(inner_elapsed < Duration::from_secs(1), "{inner_elapsed:?}");
    assert!(result.unwrap_err().contains::<Timeout>());
}

// ---------------------------------------------------------------------------
// Cheap summaries
// ---------------------------------------------------------------------------

fn nested(level: usize) -> Pin<Box<dyn Future<Output = Result<(), ErrorGroup>> + Send>> {
    Box::pin(async move {
        TaskGroup::run(async move |tg| {
            if level == 0 {
                tg.spawn(async { Err::<(), _>(ValueError(0)) });
            } else {
                let handle = tg.spawn(nested(level - 1));
                let _ = (&mut { handle }).await;
            }
            Ok::<_, ValueError>(())
        })
        .await
    })
}

#[tokio::test]
async fn a_failed_task_handle_carries_a_summary_not_the_tree() {
    let mut handle = None;
    let _ = TaskGroup::run(async |tg| {
        handle = Some(tg.spawn(nested(50)));
        Ok::<_, ValueError>(())
    })
    .await;
    match handle.unwrap().result() {
        Err(TaskError::Failed(summary)) => {
            assert!(summary.len() < 200, "{} bytes", summary.len());
            assert!(summary.contains("1 error"), "{summary}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}
