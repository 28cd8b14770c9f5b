//! The tree of a running program, pinned with insta: two nested groups in
//! tasks, one with a limit, one cancelled and in its grace period; a group in
//! a scoped task of the body; a background task.

use std::future::pending;
use std::time::Duration;

use taskgroup::TaskGroup;
use tokio::sync::mpsc;

use crate::redact;

type Done = Result<(), std::fmt::Error>;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_tree_of_a_program_with_two_nested_groups_a_limit_and_a_cancelled_group() {
    let (ready, mut setup) = mpsc::unbounded_channel::<()>();
    let tree = TaskGroup::builder()
        .name("server")
        .run(async |tg| {
            let ready_pool = ready.clone();
            tg.spawn_named("pool", async move {
                TaskGroup::builder()
                    .name("connections")
                    .limit(1)
                    .run(async |pool| {
                        pool.spawn_named("conn-1", pending::<()>());
                        pool.spawn_named("conn-2", pending::<()>());
                        ready_pool.send(()).unwrap();
                        pending::<Done>().await
                    })
                    .await
            });
            let ready_cleanup = ready.clone();
            tg.spawn_named("cleanup", async move {
                TaskGroup::builder()
                    .name("flush")
                    .grace(Duration::from_secs(3600))
                    .run(async |flush| {
                        flush.spawn_named("flush-disk", pending::<()>());
                        flush.cancel_with("shutting down");
                        ready_cleanup.send(()).unwrap();
                        pending::<Done>().await
                    })
                    .await
            });
            tg.spawn(pending::<()>());
            tg.spawn_background_named("heartbeat", pending::<()>());
            let ready_scoped = ready.clone();
            tg.spawn_scoped(async move {
                TaskGroup::builder()
                    .name("in-scope")
                    .run(async |scoped| {
                        scoped.spawn_named("scoped-child", pending::<()>());
                        ready_scoped.send(()).unwrap();
                        pending::<Done>().await
                    })
                    .await
            });
            for _ in 0..3 {
                setup.recv().await;
            }
            let tree = tg.snapshot().to_string();
            tg.cancel();
            Ok::<_, std::fmt::Error>(tree)
        })
        .await
        .unwrap();
    insta::assert_snapshot!("running_program", redact(&tree));
}
