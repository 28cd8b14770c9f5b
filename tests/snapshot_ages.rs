//! Ages in snapshots, switched on for this whole test process (the switch is
//! process-wide, so it lives in a test binary of its own).

use std::future::pending;
use std::time::Duration;

use taskgroup::{GroupSnapshot, TaskGroup};

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn with_ages_recorded_tasks_and_groups_show_how_long_they_have_run() {
    GroupSnapshot::record_ages(true);
    TaskGroup::run(async |tg| {
        tg.spawn_named("old", pending::<()>());
        tokio::time::sleep(Duration::from_secs(5)).await;
        tg.spawn_named("young", pending::<()>());
        tokio::time::sleep(Duration::from_secs(1)).await;
        let snapshot = tg.snapshot();
        let ages: Vec<Duration> = snapshot.tasks.iter().map(|t| t.age.unwrap()).collect();
        assert!(ages[0] >= Duration::from_secs(6), "{ages:?}");
        assert!(ages[1] >= Duration::from_secs(1) && ages[1] < Duration::from_secs(6));
        assert!(snapshot.age.unwrap() >= Duration::from_secs(6));
        assert!(snapshot.to_string().contains(", 6.0s)"), "{snapshot}");
        tg.cancel();
        Ok::<_, std::fmt::Error>(())
    })
    .await
    .unwrap();
}
