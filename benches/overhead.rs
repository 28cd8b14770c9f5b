//! DESIGN.md §8 workloads: our task group side by side with tokio's `JoinSet`
//! and `FuturesUnordered`, on a multi-thread runtime with 2 workers and on a
//! current-thread runtime. Run with `cargo bench --bench overhead`;
//! `benches/report.py` turns the results into BENCHMARKS.md's table and chart.

use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use futures::stream::{FuturesUnordered, StreamExt};
use taskgroup::{ErrorGroup, Node, TaskGroup};
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;

const TRIVIAL_TASKS: usize = 100_000;
const SLEEPING_TASKS: usize = 10_000;
const ERRORS: usize = 10_000;

fn runtimes() -> [(&'static str, Runtime); 2] {
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let current = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    [("multi_thread", multi), ("current_thread", current)]
}

/// Errors carry a little data, as real ones do (a zero-sized error would make
/// the baseline's boxes free, which no real error is).
#[derive(Debug)]
struct Boom(u64);

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "boom {}", self.0)
    }
}

impl Error for Boom {}

#[derive(Debug)]
struct Other(u64);

impl fmt::Display for Other {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "other {}", self.0)
    }
}

impl Error for Other {}

fn spawn_join(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("spawn_join_100k/{flavor}"));
        group.sample_size(20);
        group.bench_function("taskgroup", |b| {
            b.iter(|| {
                rt.block_on(TaskGroup::run(async |tg| {
                    for _ in 0..TRIVIAL_TASKS {
                        tg.spawn(async {});
                    }
                    Ok::<_, Infallible>(())
                }))
                .expect("no task fails")
            })
        });
        group.bench_function("joinset", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut set = JoinSet::new();
                    for _ in 0..TRIVIAL_TASKS {
                        set.spawn(async {});
                    }
                    while let Some(joined) = set.join_next().await {
                        joined.expect("no task panics");
                    }
                })
            })
        });
        group.bench_function("futures_unordered", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut handles: FuturesUnordered<_> =
                        (0..TRIVIAL_TASKS).map(|_| tokio::spawn(async {})).collect();
                    while let Some(joined) = handles.next().await {
                        joined.expect("no task panics");
                    }
                })
            })
        });
        group.finish();
    }
}

fn fail_fast(c: &mut Criterion) {
    let sleep = || tokio::time::sleep(Duration::from_secs(3600));
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("fail_fast_10k/{flavor}"));
        group.sample_size(20);
        group.bench_function("taskgroup", |b| {
            b.iter(|| {
                let result = rt.block_on(TaskGroup::run(async |tg| {
                    for _ in 1..SLEEPING_TASKS {
                        tg.spawn(sleep());
                    }
                    tg.spawn(async { Err::<(), _>(Boom(0)) });
                    Ok::<_, Infallible>(())
                }));
                black_box(result.expect_err("one task fails"))
            })
        });
        group.bench_function("joinset_abort_all", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut set = JoinSet::new();
                    for _ in 1..SLEEPING_TASKS {
                        set.spawn(async move {
                            sleep().await;
                            Ok(())
                        });
                    }
                    set.spawn(async { Err::<(), _>(Boom(0)) });
                    let mut errors = Vec::new();
                    while let Some(joined) = set.join_next().await {
                        if let Ok(Err(error)) = joined {
                            errors.push(error);
                            set.abort_all();
                        }
                    }
                    black_box(errors)
                })
            })
        });
        group.bench_function("futures_unordered", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut handles: FuturesUnordered<_> = (1..SLEEPING_TASKS)
                        .map(|_| {
                            tokio::spawn(async move {
                                sleep().await;
                                Ok(())
                            })
                        })
                        .collect();
                    handles.push(tokio::spawn(async { Err::<(), _>(Boom(0)) }));
                    let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
                    let mut errors = Vec::new();
                    while let Some(joined) = handles.next().await {
                        if let Ok(Err(error)) = joined {
                            errors.push(error);
                            aborts.iter().for_each(|abort| abort.abort());
                        }
                    }
                    black_box(errors)
                })
            })
        });
        group.finish();
    }
}

fn errors(n: usize) -> Vec<Box<dyn Error + Send + Sync>> {
    (0..n)
        .map(|i| -> Box<dyn Error + Send + Sync> {
            if i % 2 == 0 {
                Box::new(Boom(i as u64))
            } else {
                Box::new(Other(i as u64))
            }
        })
        .collect()
}

fn split(c: &mut Criterion) {
    let mut group = c.benchmark_group("split_10k");
    group.bench_function("error_group_split", |b| {
        b.iter_batched(
            || {
                ErrorGroup::new("errors", errors(ERRORS).into_iter().map(Node::error))
                    .expect("not empty")
            },
            |group| black_box(group.split::<Boom>()),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("vec_partition_downcast", |b| {
        b.iter_batched(
            || errors(ERRORS),
            |errors| {
                let mut booms = Vec::new();
                let mut rest = Vec::new();
                for error in errors {
                    match error.downcast::<Boom>() {
                        Ok(boom) => booms.push(*boom),
                        Err(other) => rest.push(other),
                    }
                }
                black_box((booms, rest))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, spawn_join, fail_fast, split);
criterion_main!(benches);
