//! The timing workloads of the performance targets: our task group side by side
//! with tokio's `JoinSet` (and `FuturesUnordered`, `tokio::try_join!`), on a
//! multi-thread runtime with 2 workers and on a current-thread runtime.
//!
//! ```sh
//! cargo bench --bench overhead                      # every workload, full rounds
//! cargo bench --bench overhead -- --quick           # fewer rounds
//! cargo bench --bench overhead -- --only fan_out --flavour current_thread \
//!     --variant taskgroup --rounds 1 --warmup 0     # one variant (for a profiler)
//! cargo bench --bench overhead -- --only fail_fast --variant taskgroup,joinset_abort_all
//! ```
//!
//! Prints a human summary on stderr and one JSON line per workload and runtime
//! flavour on stdout; `benches/report.py` runs this several times and turns the
//! lines into BENCHMARKS.md's table and chart.
//!
//! # Method
//!
//! - **Inside a spawned task.** Every variant (ours and every baseline) runs as
//!   the body of a task spawned on the runtime (`rt.spawn`), and is timed inside
//!   that task, from just before the workload starts to just after it returns.
//!   That is how groups are used; `block_on` on the main thread would poll the
//!   workload outside the scheduler's worker and measure something else.
//! - **Same runtime, interleaved.** Each round runs every variant once, on the
//!   same runtime, in forward order in even rounds and in reverse order in odd
//!   rounds, so each variant runs as often before as after each other one. A
//!   shared machine's load drifts over seconds; criterion's default of running
//!   all samples of one benchmark before the next puts that drift on one side
//!   of a comparison, so this is a custom harness (`harness = false`).
//! - **Medians and spread.** Per variant: the median (and quartiles) of its
//!   round times. Per comparison: the ratio of medians, and the median and
//!   quartiles of the per-round ratios (ours / baseline, same round), which are
//!   paired and so robust to drift between rounds. `report.py` adds the
//!   run-to-run spread (min–max of the ratio over several full runs).
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it runs every
//! variant once on tiny sizes, as a smoke test, and prints nothing.

use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use taskgroup::{ErrorGroup, Node, TaskGroup};
use tokio::runtime::{Builder, Runtime};
use tokio::task::{yield_now, JoinSet};

/// The workload sizes; [`Sizes::SMOKE`] for the smoke test.
#[derive(Clone, Copy)]
struct Sizes {
    trivial: usize,
    sleeping: usize,
    groups: usize,
    errors: usize,
}

impl Sizes {
    const BENCH: Sizes = Sizes {
        trivial: 100_000,
        sleeping: 10_000,
        groups: 20_000,
        errors: 10_000,
    };
    const SMOKE: Sizes = Sizes {
        trivial: 100,
        sleeping: 100,
        groups: 20,
        errors: 100,
    };
}

/// How long the sleeping tasks of the fail-fast workload sleep: they never wake.
const SLEEP: Duration = Duration::from_secs(10);

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

/// Runs `workload` as a task spawned on `rt` and returns how long it took,
/// timed inside that task.
fn in_task<F>(rt: &Runtime, workload: F) -> Duration
where
    F: Future<Output = ()> + Send + 'static,
{
    rt.block_on(rt.spawn(async move {
        let start = Instant::now();
        workload.await;
        start.elapsed()
    }))
    .expect("the benchmark task panicked")
}

/// Row 1: spawn and join `n` trivial tasks.
///
/// (`JoinHandle`s in a `FuturesUnordered`, recorded here when the workloads ran
/// in `block_on`, are left out: inside a spawned task, with 100,000 handles, a
/// round takes minutes, nearly all in `FuturesUnordered`'s waker clones and
/// self-wakes, which measures that combination rather than a baseline.)
mod spawn_join {
    use super::*;

    pub async fn taskgroup(n: usize) {
        TaskGroup::run(async |tg| {
            for _ in 0..n {
                tg.spawn(async {});
            }
            Ok::<_, Infallible>(())
        })
        .await
        .expect("no task fails");
    }

    pub async fn joinset(n: usize) {
        let mut set = JoinSet::new();
        for _ in 0..n {
            set.spawn(async {});
        }
        while let Some(joined) = set.join_next().await {
            joined.expect("no task panics");
        }
    }
}

/// Row 2: `n` tasks sleeping [`SLEEP`] and one that yields once, then fails;
/// timed until every task has ended.
mod fail_fast {
    use super::*;

    async fn fail() -> Result<(), Boom> {
        yield_now().await;
        Err(Boom(0))
    }

    async fn sleep() -> Result<(), Boom> {
        tokio::time::sleep(SLEEP).await;
        Ok(())
    }

    pub async fn taskgroup(n: usize) {
        let result = TaskGroup::run(async |tg| {
            for _ in 0..n {
                tg.spawn(sleep());
            }
            tg.spawn(fail());
            Ok::<_, Infallible>(())
        })
        .await;
        black_box(result.expect_err("one task fails"));
    }

    /// `join_next` until the error, `abort_all`, then `join_next` until `None`.
    pub async fn joinset_abort_all(n: usize) {
        let mut set = JoinSet::new();
        for _ in 0..n {
            set.spawn(sleep());
        }
        set.spawn(fail());
        let mut errors = Vec::new();
        while let Some(joined) = set.join_next().await {
            if let Err(error) = joined.expect("no task panics") {
                errors.push(error);
                break;
            }
        }
        set.abort_all();
        while set.join_next().await.is_some() {}
        black_box(errors);
    }

    /// `JoinHandle`s with their abort handles kept: the same, without a `JoinSet`.
    pub async fn futures_unordered(n: usize) {
        let mut handles: FuturesUnordered<_> = (0..n).map(|_| tokio::spawn(sleep())).collect();
        handles.push(tokio::spawn(fail()));
        let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
        let mut errors = Vec::new();
        while let Some(joined) = handles.next().await {
            if let Err(error) = joined.expect("no task panics") {
                errors.push(error);
                break;
            }
        }
        aborts.iter().for_each(|abort| abort.abort());
        while handles.next().await.is_some() {}
        black_box(errors);
    }
}

/// Row 3: `groups` requests in a row, each fanning out to 3 sub-tasks that
/// yield once and return a value, and summing the values.
mod fan_out {
    use super::*;

    pub(super) async fn leaf(i: u64) -> Result<u64, Boom> {
        yield_now().await;
        Ok(i)
    }

    pub async fn taskgroup(groups: usize) {
        let mut sum = 0;
        for _ in 0..groups {
            let handles = TaskGroup::run(async |tg| {
                Ok::<_, Infallible>([0, 1, 2].map(|i| tg.spawn(leaf(i))))
            })
            .await
            .expect("no task fails");
            for handle in handles {
                sum += handle.result().expect("finished");
            }
        }
        black_box(sum);
    }

    pub async fn joinset(groups: usize) {
        let mut sum = 0;
        for _ in 0..groups {
            let mut set = JoinSet::new();
            for i in 0..3 {
                set.spawn(leaf(i));
            }
            while let Some(joined) = set.join_next().await {
                sum += joined.expect("no task panics").expect("no task fails");
            }
        }
        black_box(sum);
    }

    /// The 3 futures polled in place by the request's own task (no tokio tasks):
    /// the baseline for scoped tasks (`fan_out_scoped`).
    pub async fn try_join(groups: usize) {
        let mut sum = 0;
        for _ in 0..groups {
            let (a, b, c) = tokio::try_join!(leaf(0), leaf(1), leaf(2)).expect("no task fails");
            sum += a + b + c;
        }
        black_box(sum);
    }

    /// The same with `FuturesUnordered` (polled in place, no tokio tasks).
    pub async fn futures_unordered(groups: usize) {
        let mut sum = 0;
        for _ in 0..groups {
            let mut futures: FuturesUnordered<_> = (0..3).map(leaf).collect();
            while let Some(value) = futures.next().await {
                sum += value.expect("no task fails");
            }
        }
        black_box(sum);
    }
}

/// Row 3 with scoped tasks: the same fan-out, the 3 sub-tasks polled by the
/// group's own future (`spawn_scoped`), against the same 3 futures polled in
/// place by `tokio::try_join!` and by `FuturesUnordered`.
mod fan_out_scoped {
    use super::*;

    pub async fn taskgroup(groups: usize) {
        let mut sum = 0;
        for _ in 0..groups {
            let handles = TaskGroup::run(async |tg| {
                Ok::<_, Infallible>([0, 1, 2].map(|i| tg.spawn_scoped(fan_out::leaf(i))))
            })
            .await
            .expect("no task fails");
            for handle in handles {
                sum += handle.result().expect("finished");
            }
        }
        black_box(sum);
    }
}

/// 100,000 trivial scoped tasks in one group, against the same futures in one
/// `FuturesUnordered` polled in place.
mod scoped_many {
    use super::*;

    async fn trivial() -> Result<u64, Boom> {
        Ok(1)
    }

    pub async fn taskgroup(n: usize) {
        TaskGroup::run(async |tg| {
            for _ in 0..n {
                tg.spawn_scoped(trivial());
            }
            Ok::<_, Infallible>(())
        })
        .await
        .expect("no task fails");
    }

    pub async fn futures_unordered(n: usize) {
        let mut futures: FuturesUnordered<_> = (0..n).map(|_| trivial()).collect();
        let mut sum = 0;
        while let Some(value) = futures.next().await {
            sum += value.expect("no task fails");
        }
        black_box(sum);
    }
}

/// Row 4: split 10,000 aggregated errors by type (pure computation; timed on
/// the main thread, without a runtime).
mod split {
    use super::*;

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

    /// Times only the split; building the input and dropping the output are not timed.
    pub fn error_group_split(n: usize) -> Duration {
        let group =
            ErrorGroup::new("errors", errors(n).into_iter().map(Node::error)).expect("not empty");
        let start = Instant::now();
        let split = black_box(group.split::<Boom>());
        let elapsed = start.elapsed();
        drop(split);
        elapsed
    }

    pub fn vec_partition_downcast(n: usize) -> Duration {
        let errors = errors(n);
        let start = Instant::now();
        let mut booms = Vec::new();
        let mut rest = Vec::new();
        for error in errors {
            match error.downcast::<Boom>() {
                Ok(boom) => booms.push(*boom),
                Err(other) => rest.push(other),
            }
        }
        let split = black_box((booms, rest));
        let elapsed = start.elapsed();
        drop(split);
        elapsed
    }
}

/// One variant of a workload: how to run one round of it.
type Round = fn(&Runtime, Sizes) -> Duration;

struct Workload {
    name: &'static str,
    /// Whether it runs on both runtime flavours (false: pure computation, once).
    on_runtime: bool,
    /// Rounds in a full run; `--quick` takes a fifth.
    rounds: usize,
    /// Ours first, then the baseline the target is judged against, then any
    /// other baselines recorded beside it.
    variants: &'static [(&'static str, Round)],
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "spawn_join_100k",
        on_runtime: true,
        rounds: 30,
        variants: &[
            ("taskgroup", |rt, s| {
                in_task(rt, spawn_join::taskgroup(s.trivial))
            }),
            ("joinset", |rt, s| {
                in_task(rt, spawn_join::joinset(s.trivial))
            }),
        ],
    },
    Workload {
        name: "fail_fast_10k",
        on_runtime: true,
        rounds: 60,
        variants: &[
            ("taskgroup", |rt, s| {
                in_task(rt, fail_fast::taskgroup(s.sleeping))
            }),
            ("joinset_abort_all", |rt, s| {
                in_task(rt, fail_fast::joinset_abort_all(s.sleeping))
            }),
            ("futures_unordered", |rt, s| {
                in_task(rt, fail_fast::futures_unordered(s.sleeping))
            }),
        ],
    },
    Workload {
        name: "fan_out_20k",
        on_runtime: true,
        rounds: 30,
        variants: &[
            ("taskgroup", |rt, s| {
                in_task(rt, fan_out::taskgroup(s.groups))
            }),
            ("joinset", |rt, s| in_task(rt, fan_out::joinset(s.groups))),
            ("try_join", |rt, s| in_task(rt, fan_out::try_join(s.groups))),
            ("futures_unordered", |rt, s| {
                in_task(rt, fan_out::futures_unordered(s.groups))
            }),
        ],
    },
    Workload {
        name: "fan_out_scoped_20k",
        on_runtime: true,
        rounds: 30,
        variants: &[
            ("taskgroup_scoped", |rt, s| {
                in_task(rt, fan_out_scoped::taskgroup(s.groups))
            }),
            ("try_join", |rt, s| in_task(rt, fan_out::try_join(s.groups))),
            ("futures_unordered", |rt, s| {
                in_task(rt, fan_out::futures_unordered(s.groups))
            }),
        ],
    },
    Workload {
        name: "scoped_100k",
        on_runtime: true,
        rounds: 30,
        variants: &[
            ("taskgroup_scoped", |rt, s| {
                in_task(rt, scoped_many::taskgroup(s.trivial))
            }),
            ("futures_unordered", |rt, s| {
                in_task(rt, scoped_many::futures_unordered(s.trivial))
            }),
        ],
    },
    Workload {
        name: "split_10k",
        on_runtime: false,
        rounds: 300,
        variants: &[
            ("error_group_split", |_, s| {
                split::error_group_split(s.errors)
            }),
            ("vec_partition_downcast", |_, s| {
                split::vec_partition_downcast(s.errors)
            }),
        ],
    },
];

fn runtime(flavour: &str) -> Runtime {
    match flavour {
        "multi_thread" => Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
        _ => Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
    }
}

const FLAVOURS: [&str; 2] = ["multi_thread", "current_thread"];

struct Options {
    bench: bool,
    quick: bool,
    rounds: Option<usize>,
    warmup: usize,
    only: Option<String>,
    flavour: Option<String>,
    variant: Option<String>,
}

impl Options {
    fn parse() -> Options {
        let mut options = Options {
            bench: false,
            quick: false,
            rounds: None,
            warmup: 2,
            only: None,
            flavour: None,
            variant: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
            };
            match arg.as_str() {
                "--bench" => options.bench = true,
                "--quick" => options.quick = true,
                "--rounds" => options.rounds = Some(value("--rounds").parse().expect("a number")),
                "--warmup" => options.warmup = value("--warmup").parse().expect("a number"),
                "--only" => options.only = Some(value("--only")),
                "--flavour" => options.flavour = Some(value("--flavour")),
                "--variant" => options.variant = Some(value("--variant")),
                _ => {} // cargo passes its own flags (e.g. filters); ignore them
            }
        }
        options
    }
}

/// Quantile `q` (0..=1) of sorted `values`, by linear interpolation.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

fn summary(values: &[f64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "{{\"median\":{:e},\"p25\":{:e},\"p75\":{:e},\"min\":{:e},\"max\":{:e}}}",
        quantile(&sorted, 0.5),
        quantile(&sorted, 0.25),
        quantile(&sorted, 0.75),
        sorted[0],
        sorted[sorted.len() - 1]
    )
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile(&sorted, 0.5)
}

/// Runs every variant of `workload` for `rounds` interleaved rounds and prints
/// the results.
fn measure(workload: &Workload, flavour: &str, rt: &Runtime, options: &Options, sizes: Sizes) {
    let variants: Vec<_> = workload
        .variants
        .iter()
        .filter(|(name, _)| {
            options
                .variant
                .as_deref()
                .is_none_or(|v| v.split(',').any(|v| v == *name))
        })
        .collect();
    let rounds = match options.rounds {
        Some(rounds) => rounds,
        None if !options.bench => 1, // the smoke test
        None if options.quick => workload.rounds.div_ceil(5),
        None => workload.rounds,
    };
    let warmup = if options.bench { options.warmup } else { 0 };
    let mut times = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..warmup + rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..variants.len()).collect()
        } else {
            (0..variants.len()).rev().collect()
        };
        for i in order {
            let elapsed = (variants[i].1)(rt, sizes);
            if round >= warmup {
                times[i].push(elapsed.as_secs_f64());
            }
            if options.bench && workload.on_runtime {
                // Let the workers finish freeing the last round's tasks.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    if !options.bench || rounds == 0 {
        return;
    }
    let mut json = format!(
        "{{\"workload\":\"{}\",\"flavour\":\"{flavour}\",\"rounds\":{rounds},\"variants\":{{",
        workload.name
    );
    let cells: Vec<String> = variants
        .iter()
        .zip(&times)
        .map(|((name, _), values)| format!("\"{name}\":{}", summary(values)))
        .collect();
    json += &cells.join(",");
    json += "}";
    eprintln!("{} / {flavour} ({rounds} rounds):", workload.name);
    for ((name, _), values) in variants.iter().zip(&times) {
        eprintln!("  {name:<24} median {:>10.3} ms", median(values) * 1e3);
    }
    // Paired ratios: ours (the first variant) over each baseline, round by round.
    if variants.len() > 1 && variants[0].0 == workload.variants[0].0 {
        json += ",\"ratios\":{";
        let cells: Vec<String> = (1..variants.len())
            .map(|b| {
                let ratios: Vec<f64> = times[0].iter().zip(&times[b]).map(|(o, x)| o / x).collect();
                let of_medians = median(&times[0]) / median(&times[b]);
                eprintln!(
                    "  ratio vs {:<15} {of_medians:.3}× (per-round median {:.3}×)",
                    variants[b].0,
                    median(&ratios)
                );
                format!(
                    "\"{}\":{{\"of_medians\":{of_medians:e},\"per_round\":{}}}",
                    variants[b].0,
                    summary(&ratios)
                )
            })
            .collect();
        json += &cells.join(",");
        json += "}";
    }
    json += "}";
    println!("{json}");
}

fn main() {
    let options = Options::parse();
    // `cargo test --all-targets` runs bench binaries without `--bench`: then
    // run each variant once on tiny sizes, as a smoke test.
    let sizes = if options.bench {
        Sizes::BENCH
    } else {
        Sizes::SMOKE
    };
    for workload in WORKLOADS {
        if options
            .only
            .as_deref()
            .is_some_and(|only| !workload.name.contains(only))
        {
            continue;
        }
        if !workload.on_runtime {
            let rt = runtime("current_thread"); // unused by pure computations
            measure(workload, "none", &rt, &options, sizes);
            continue;
        }
        for flavour in FLAVOURS {
            if options.flavour.as_deref().is_some_and(|f| f != flavour) {
                continue;
            }
            let rt = runtime(flavour);
            measure(workload, flavour, &rt, &options, sizes);
        }
    }
}
