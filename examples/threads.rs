//! Spawning into a task group from plain OS threads (Python's
//! `asyncio.run_coroutine_threadsafe`): the group's `Spawner` is
//! `Clone + Send + Sync` and carries the runtime with it.
//!
//! `cargo run --example threads -- --fail` makes one task fail, to show what
//! `main` prints for a failed group: the tree, with each error's task, spawn site
//! and causes.

use std::time::Duration;
use std::{fmt, io};

use taskgroup::{ErrorGroup, TaskGroup};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), ErrorGroup> {
    let fail = std::env::args().any(|arg| arg == "--fail");
    let total = TaskGroup::run(async |tg| {
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let spawner = tg.spawner();
                std::thread::spawn(move || {
                    (0..3)
                        .map(|i| {
                            spawner.spawn_named(format!("thread{thread}-task{i}"), async move {
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                if fail && (thread, i) == (2, 1) {
                                    return Err(io::Error::new(
                                        io::ErrorKind::NotFound,
                                        ReadInput(io::Error::from(io::ErrorKind::PermissionDenied)),
                                    ));
                                }
                                Ok::<_, io::Error>(thread * 10 + i)
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

/// An error with a cause, as most real errors have (a `thiserror` `#[source]`).
#[derive(Debug)]
struct ReadInput(io::Error);

impl fmt::Display for ReadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not read the input file")
    }
}

impl std::error::Error for ReadInput {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
