//! A program that hangs, and how to see why: one task waits for a peer that
//! never answers. After a timeout, the program prints what its group is doing
//! (`tg.snapshot()`, drawn like `python -m asyncio pstree`), then cancels it.
//!
//! `cargo run --example stuck`; `-- --signal` waits for `SIGUSR1` instead of
//! the timeout on Unix (`kill -USR1 <pid>` from another shell), as a service
//! would.

use std::time::Duration;

use taskgroup::{GroupSnapshot, TaskGroup};
use tokio::sync::oneshot;
use tokio::time::sleep;

#[tokio::main]
async fn main() {
    // Ages cost a clock read per spawn, so they are recorded only when asked.
    GroupSnapshot::record_ages(true);
    let (spawner, group) = oneshot::channel();
    let app = tokio::spawn(TaskGroup::builder().name("app").run(async move |tg| {
        spawner.send(tg.spawner()).ok();
        tg.spawn_named("load-config", sleep(Duration::from_millis(50)));
        // The bug: nobody ever answers this peer.
        tg.spawn_named("wait-for-peer", std::future::pending::<()>());
        let workers = tg.spawn_named("workers", async {
            TaskGroup::builder()
                .name("workers")
                .limit(2)
                .run(async |workers| {
                    for job in 0..3 {
                        workers.spawn_named(format!("job-{job}"), sleep(Duration::from_secs(3600)));
                    }
                    Ok::<_, std::io::Error>(())
                })
                .await
        });
        workers.await?;
        Ok::<_, taskgroup::TaskError>(())
    }));
    let group = group.await.expect("the group's body starts");

    wait_for_trigger().await;
    if !app.is_finished() {
        println!("still running:\n{}", group.snapshot());
        group.cancel();
    }
    let outcome = app.await.expect("the group's task does not panic");
    println!(
        "\nafter cancelling: {:?}",
        outcome.map(|_| ()).map_err(|e| e.to_string())
    );
}

/// Two seconds, or `SIGUSR1` with `--signal` (Unix).
async fn wait_for_trigger() {
    #[cfg(unix)]
    if std::env::args().any(|arg| arg == "--signal") {
        use tokio::signal::unix::{signal, SignalKind};
        let mut usr1 = signal(SignalKind::user_defined1()).expect("a signal handler");
        println!(
            "pid {}: kill -USR1 {} to see the group",
            std::process::id(),
            std::process::id()
        );
        usr1.recv().await;
        return;
    }
    sleep(Duration::from_secs(2)).await;
}
