//! A task group with a timeout and a grace period: when time is up, tasks are
//! told to stop (`tg.cancelled()`), get a moment to clean up, and the group
//! reports a `Timeout` next to any error that came before it.

use std::time::Duration;

use taskgroup::{ErrorGroup, ExceptStar, TaskGroup, Timeout};

#[tokio::main]
async fn main() -> Result<(), ErrorGroup> {
    let result = TaskGroup::builder()
        .name("slow-work")
        .timeout(Duration::from_millis(50))
        .grace(Duration::from_millis(20))
        .run(async |tg| {
            for i in 0..3u64 {
                let tg2 = tg.clone();
                tg.spawn_named(format!("worker-{i}"), async move {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(i + 1)) => println!("worker-{i} finished"),
                        _ = tg2.cancelled() => println!("worker-{i} told to stop; cleaning up"),
                    }
                    Ok::<_, std::io::Error>(())
                });
            }
            Ok::<_, std::io::Error>(())
        })
        .await;

    ExceptStar::new(result)
        .arm(|eg: ErrorGroup<Timeout>| {
            for timeout in &eg {
                println!("handled: {timeout}");
            }
            Ok(())
        })
        .finish()
}
