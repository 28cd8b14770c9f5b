//! Spawning into a task group from plain OS threads (Python's
//! `asyncio.run_coroutine_threadsafe`): the group's `Spawner` is
//! `Clone + Send + Sync` and carries the runtime with it.

use std::time::Duration;

use taskgroup::{ErrorGroup, TaskGroup};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), ErrorGroup> {
    let total = TaskGroup::run(async |tg| {
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let spawner = tg.spawner();
                std::thread::spawn(move || {
                    (0..3)
                        .map(|i| {
                            spawner.spawn_named(format!("thread{thread}-task{i}"), async move {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                Ok::<_, std::io::Error>(thread * 10 + i)
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut handles = Vec::new();
        for thread in threads {
            handles.extend(thread.join().expect("spawning threads do not panic"));
        }
        let mut total = 0;
        for handle in handles {
            let name = handle.name().unwrap_or_default().to_owned();
            let value = handle.await?;
            println!("{name} -> {value}");
            total += value;
        }
        Ok::<_, taskgroup::TaskError>(total)
    })
    .await?;
    println!("total: {total}");
    Ok(())
}
