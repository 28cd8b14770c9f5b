//! The crate's main example: ten tasks, some fail at random with a
//! `ValueError`, and an except* arm prints each one. Python's version:
//!
//! ```python
//! try:
//!     async with asyncio.TaskGroup() as tg:
//!         for _ in range(10):
//!             tasks.append(tg.create_task(do_it()))
//!     for t in tasks:
//!         print(t.result())
//! except* ValueError as e:
//!     for err in e.exceptions:
//!         print(err)
//! ```

use std::time::Duration;

use taskgroup::task_group;

#[derive(Debug)]
struct ValueError(u32);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValueError: unlucky roll {}", self.0)
    }
}

impl std::error::Error for ValueError {}

/// Sleeps a little, then fails on a roll of 7 or more (so, about one time in three).
async fn do_it() -> Result<u32, ValueError> {
    let roll = rand_below(10);
    tokio::time::sleep(Duration::from_millis(10 * u64::from(roll))).await;
    if roll >= 7 {
        Err(ValueError(roll))
    } else {
        Ok(roll)
    }
}

/// A tiny random source, so the example needs no extra dependency.
fn rand_below(n: u32) -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(n);
    (hasher.finish() % u64::from(n)) as u32
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tasks = task_group! {
        |tg| (0..10).map(|_| tg.spawn(do_it())).collect::<Vec<_>>()
        except* ValueError as eg => {
            for err in &eg {
                println!("{err}");
            }
            Vec::new()
        }
    }?;
    for t in tasks {
        println!("{}", t.result()?);
    }
    Ok(())
}
