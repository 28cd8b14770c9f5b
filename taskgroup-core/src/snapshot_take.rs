//! Taking a [`GroupSnapshot`]: copying what the group's registry and its
//! snapshot state say, then asking each nested group for its own.

use tokio::time::Instant;

use crate::nested;
use crate::shared::Shared;
use crate::{GroupSnapshot, GroupState, TaskGroup, TaskSnapshot, TaskState};

impl TaskGroup {
    /// What the group is doing now: its state, every task that has not ended
    /// (name, id, state, spawn site, age), and the groups nested in it; print
    /// it with `{}` for a tree like `python -m asyncio pstree`.
    ///
    /// It can be called from the body, from a task, or from another thread
    /// through a [`spawner`](Self::spawner): it never waits for other work,
    /// only for the registry's lock, which spawns hold briefly. Tasks running
    /// on other threads may end meanwhile, so a snapshot is a moment's view.
    ///
    /// Scoped tasks ([`Scope::spawn_scoped`](crate::Scope::spawn_scoped)) live
    /// inside the group's own future and are not listed.
    ///
    /// ```
    /// use taskgroup_core::{TaskGroup, TaskState};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// TaskGroup::builder()
    ///     .name("jobs")
    ///     .limit(1)
    ///     .run(async |tg| {
    ///         tg.spawn_named("first", std::future::pending::<()>());
    ///         tg.spawn_named("second", async {});
    ///         tokio::task::yield_now().await;
    ///         let snapshot = tg.snapshot();
    ///         let states: Vec<_> = snapshot.tasks.iter().map(|t| t.state).collect();
    ///         assert_eq!(states, [TaskState::Running, TaskState::WaitingForPermit]);
    ///         println!("{snapshot}");
    ///         tg.cancel();
    ///         Ok::<_, std::fmt::Error>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn snapshot(&self) -> GroupSnapshot {
        self.shared.take_snapshot()
    }
}

impl Shared {
    /// Drops the ids of ended tasks from what the snapshot tracks once it
    /// holds more than twice the units still running (amortised: one scan of
    /// the registry per doubling). A task spawned by another thread during the
    /// scan may lose its mark and show as running rather than background:
    /// the scan keeps only what it saw, and a snapshot is a moment's view.
    pub(crate) fn trim_watch(&self) {
        if self.watch.tracked() <= 2 * self.running() + 16 {
            return;
        }
        let mut running = std::collections::BTreeSet::new();
        self.each_task(|handle, &(id, _), _| {
            if !handle.is_some_and(tokio::task::AbortHandle::is_finished) {
                running.insert(id);
            }
        });
        self.watch.retain(|id| running.contains(id));
    }

    /// This group's snapshot, with the groups nested in it.
    pub(crate) fn take_snapshot(&self) -> GroupSnapshot {
        let shared = self;
        let now = Instant::now();
        let state = if shared.is_finished() {
            GroupState::Finished
        } else if shared.cancellation.is_fired() {
            GroupState::Cancelling
        } else {
            GroupState::Running
        };
        let cancel_reason = shared.cancel_reason().cloned();
        let rare = shared.watch.rare();
        let (waiting, background) = (&rare.waiting, &rare.background);
        let mut tasks = Vec::new();
        // The tokio task each listed task runs as, to place nested groups.
        let mut runs_as = Vec::new();
        shared.each_task(|handle, &(id, location), aside| {
            if handle.is_some_and(tokio::task::AbortHandle::is_finished) {
                return; // ended; its entry waits for a sweep
            }
            let task_state = match state {
                GroupState::Running if waiting.contains(&id) => TaskState::WaitingForPermit,
                GroupState::Running if background.contains(&id) => TaskState::Background,
                GroupState::Running => TaskState::Running,
                _ => TaskState::Cancelling,
            };
            runs_as.push((id, handle.map(tokio::task::AbortHandle::id)));
            tasks.push(TaskSnapshot {
                id,
                name: aside.and_then(|aside| aside.name.clone()),
                state: task_state,
                cancel_reason: cancel_reason.clone(),
                location,
                age: aside
                    .and_then(|aside| aside.spawned)
                    .map(|spawned| now.saturating_duration_since(spawned)),
                groups: Vec::new(),
            });
        });
        tasks.sort_by_key(|task| task.id);
        let mut groups = Vec::new();
        // Outside the registry's lock: each nested group takes its own.
        for child in nested::children(shared.key()) {
            let (runs_in, snapshot) = child.snapshot();
            let task = runs_in.and_then(|tokio_id| {
                let (id, _) = runs_as.iter().find(|(_, t)| *t == Some(tokio_id))?;
                tasks.iter_mut().find(|task| task.id == *id)
            });
            match task {
                Some(task) => task.groups.push(snapshot),
                None => groups.push(snapshot), // the body's, or a scoped task's
            }
        }
        GroupSnapshot {
            name: shared.name.clone(),
            state,
            cancel_reason,
            limit: rare.limit,
            age: rare
                .started
                .map(|started| now.saturating_duration_since(started)),
            tasks,
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::TaskGroup;

    /// Ended background tasks (and aborted queued ones) are forgotten by what
    /// a snapshot tracks: a long-lived group does not grow with every task it
    /// ever ran.
    #[tokio::test(flavor = "current_thread")]
    async fn ended_tasks_are_forgotten_by_the_snapshot_tracking() {
        TaskGroup::builder()
            .limit(1)
            .run(|tg| async move {
                for _ in 0..1_000 {
                    let handle = tg.spawn_background(async { Ok::<_, std::io::Error>(()) });
                    let _ = handle.await;
                }
                let holder = tg.spawn(std::future::pending::<()>()); // takes the one permit
                tokio::task::yield_now().await;
                for _ in 0..1_000 {
                    let queued = tg.spawn(std::future::pending::<()>());
                    queued.cancel();
                    let _ = queued.await;
                }
                holder.cancel();
                let tracked = tg.shared.watch.tracked();
                assert!(
                    tracked <= 2 * tg.shared.running() + 17,
                    "{tracked} ids still tracked"
                );
                Ok::<_, std::io::Error>(())
            })
            .await
            .unwrap();
    }
}
