#!/usr/bin/env python3
"""The compile-time workload of the performance targets: a generated crate with
100 `task_group!` uses against the same code lowered by hand to core calls;
reports the median `cargo check` time of each (dependencies built once
beforehand).

    python3 benches/compile_time.py [--uses 100] [--runs 5]

Writes target/compile-bench/result.json, which benches/report.py reads.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "compile-bench"

PRELUDE = """\
use std::fmt;
use std::time::Duration;

#[derive(Debug)]
pub struct ValueError(pub u32);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad value {}", self.0)
    }
}

impl std::error::Error for ValueError {}

pub async fn work(n: u32) -> Result<u32, ValueError> {
    if n % 7 == 0 { Err(ValueError(n)) } else { Ok(n) }
}
"""

MACRO_USE = """
pub async fn use_{n}() -> Result<usize, taskgroup::ErrorGroup> {{
    taskgroup::task_group! {{
        timeout = Duration::from_secs(1),
        |tg| {{
            let handle = tg.spawn(work({n}));
            handle.id();
            {n}
        }}
        except* ValueError as eg => eg.len()
    }}
}}
"""

HAND_USE = """
pub async fn use_{n}() -> Result<usize, taskgroup::ErrorGroup> {{
    let result = taskgroup::TaskGroup::builder()
        .timeout(Duration::from_secs(1))
        .run(async |tg: taskgroup::TaskGroup| -> Result<_, taskgroup::BoxError> {{
            let handle = tg.spawn(work({n}));
            handle.id();
            Ok({n})
        }})
        .await;
    let mut dispatch = taskgroup::ExceptStar::new(result);
    if let Some(eg) = dispatch.take::<ValueError>() {{
        let outcome: Result<usize, taskgroup::Raise> = Ok(eg.len());
        dispatch.settle(outcome);
    }}
    dispatch.finish()
}}
"""


def write_crate(name, template, uses, salt):
    crate = WORK / name
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "compile_bench_{name}"\nversion = "0.0.0"\nedition = "2021"\n\n'
        f'[dependencies]\ntaskgroup = {{ path = "{ROOT}" }}\n\n[workspace]\n'
    )
    body = "".join(template.format(n=n) for n in range(uses))
    (crate / "src" / "lib.rs").write_text(f"// run {salt}\n{PRELUDE}{body}")
    return crate


def check(crate):
    start = time.perf_counter()
    subprocess.run(
        ["cargo", "check", "--quiet", "--manifest-path", str(crate / "Cargo.toml")],
        check=True,
        env={**__import__("os").environ, "CARGO_TARGET_DIR": str(WORK / "target")},
    )
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uses", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times = {"macro": [], "hand": []}
    for run in range(args.runs + 1):  # the first run builds the dependencies
        for name, template in (("macro", MACRO_USE), ("hand", HAND_USE)):
            crate = write_crate(name, template, args.uses, run)
            seconds = check(crate)
            if run > 0:
                times[name].append(seconds)
        print(f"run {run}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v), file=sys.stderr)
    result = {name: statistics.median(values) for name, values in times.items()}
    result.update(uses=args.uses, runs=args.runs)
    (WORK / "result.json").write_text(json.dumps(result) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
