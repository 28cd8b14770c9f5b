//! Performance target: heap bytes per pending task, 100,000 tasks, our task group
//! against tokio's `JoinSet`, counted by a global allocator. Run with
//! `cargo bench --bench memory`; prints one JSON line per kind of task.
//!
//! Both the group and the `JoinSet` run inside a task spawned on a
//! current-thread runtime (as groups are used), one after the other, and count
//! only what their own spawns allocate (the bytes live when every task has
//! been polled once and is pending, minus the bytes live before the first spawn).
//!
//! Two kinds of pending task: one waiting on a timer (`sleep`), the typical
//! case, and `std::future::pending()`, a zero-sized future. Tokio rounds every
//! task allocation up to a multiple of 128 bytes; `JoinSet` with a zero-sized
//! future just fits 128, and any wrapper state (ours: the group, registry key,
//! task id, name and spawn location) moves the task to the 256 class.

// The counting allocator must implement `GlobalAlloc`, an unsafe trait; the
// library crates themselves forbid unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::future::pending;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use taskgroup::TaskGroup;
use tokio::task::JoinSet;

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TASKS: usize = 100_000;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Heap bytes per task while `TASKS` tasks made by `task` are pending in a group.
async fn taskgroup_bytes<F>(task: fn() -> F) -> f64
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let mut per_task = 0.0;
    let _ = TaskGroup::run(async |tg| {
        tokio::task::yield_now().await;
        let before = live();
        for _ in 0..TASKS {
            tg.spawn(task());
        }
        tokio::task::yield_now().await; // every task polled once: pending
        per_task = (live() - before) as f64 / TASKS as f64;
        tg.cancel();
        Ok::<_, Infallible>(())
    })
    .await;
    per_task
}

/// The same in a `JoinSet`.
async fn joinset_bytes<F>(task: fn() -> F) -> f64
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let before = live();
    let mut set = JoinSet::new();
    for _ in 0..TASKS {
        set.spawn(task());
    }
    tokio::task::yield_now().await;
    let per_task = (live() - before) as f64 / TASKS as f64;
    set.shutdown().await;
    per_task
}

fn sleeping() -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_secs(3600))
}

/// Runs `bytes` as a task spawned on `rt`, as groups are used.
fn in_task(
    rt: &tokio::runtime::Runtime,
    bytes: impl std::future::Future<Output = f64> + Send + 'static,
) -> f64 {
    rt.block_on(rt.spawn(bytes))
        .expect("the benchmark task panicked")
}

fn report(bench: &str, ours: f64, joinset: f64) {
    println!(
        "{{\"bench\":\"{bench}\",\"taskgroup\":{ours:.1},\"joinset\":{joinset:.1},\"ratio\":{:.3}}}",
        ours / joinset
    );
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`; skip then.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ours = in_task(&rt, taskgroup_bytes(sleeping));
    let joinset = in_task(&rt, joinset_bytes(sleeping));
    report("memory_per_pending_task", ours, joinset);
    let ours = in_task(&rt, taskgroup_bytes(pending::<()>));
    let joinset = in_task(&rt, joinset_bytes(pending::<()>));
    report("memory_per_pending_task_zero_sized", ours, joinset);
}
