#!/usr/bin/env python3
"""The compile-time workload of the performance targets: a generated crate with
100 `task_group!` uses against the same code lowered by hand to core calls;
reports the median `cargo check` time of each (dependencies built once
beforehand), with the spread (min and max) and the load average.

    python3 benches/compile_time.py [--uses 100] [--runs 5] [--instructions]

`--instructions` also counts the instructions rustc executes to check each crate
(valgrind's callgrind, user space), which a loaded machine does not disturb, and
adds a third crate, "expanded": the macro crate with every use replaced by what
the macro expands to, which separates the proc macro's own work from the cost
of the code it generates. Needs valgrind, and `RUSTC_BOOTSTRAP=1` for rustc's
`-Zunpretty=expanded`.

Writes target/compile-bench/result.json, which benches/report.py reads.
"""

import argparse
import json
import os
import pathlib
import re
import shlex
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
        .run(async |tg: taskgroup::Scope| -> Result<_, taskgroup::BoxError> {{
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


ENV = {**os.environ, "CARGO_TARGET_DIR": str(WORK / "target")}


def check(crate):
    start = time.perf_counter()
    subprocess.run(
        ["cargo", "check", "--quiet", "--manifest-path", str(crate / "Cargo.toml")],
        check=True,
        env=ENV,
    )
    return time.perf_counter() - start


def rustc_command(crate):
    """The rustc invocation cargo uses to check the crate itself (after a touch)."""
    (crate / "src" / "lib.rs").touch()
    out = subprocess.run(
        ["cargo", "check", "-v", "--manifest-path", str(crate / "Cargo.toml")],
        check=True,
        env=ENV,
        capture_output=True,
        text=True,
    ).stderr
    name = "compile_bench_" + crate.name
    for line in out.splitlines():
        match = re.search(r"Running `(.*)`$", line.strip())
        if match and f"--crate-name {name}" in match.group(1):
            return shlex.split(match.group(1))
    raise SystemExit(f"no rustc command for {name} in:\n{out}")


def instructions(crate, incremental):
    """Instructions rustc executes to check `crate`, counted by callgrind: a full
    check, or (`incremental`) a re-check with the incremental cache of the same
    source, which is what a timed run measures after the first (only a comment
    changes between runs, so rustc reuses the rest and expanding the macros,
    which is never cached, is most of the work)."""
    command = rustc_command(crate)
    if not incremental:
        at = command.index(next(arg for arg in command if arg.startswith("incremental=")))
        del command[at - 1 : at + 1]
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        cwd=crate,  # cargo runs rustc in the package's directory
        env=ENV,
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        raise SystemExit(f"rustc under callgrind failed:\n{run.stdout}\n{run.stderr[-3000:]}")
    return int(found.group(1))


def write_expanded(uses, salt):
    """The macro crate with each use replaced by its expansion."""
    crate = write_crate("macro", MACRO_USE, uses, salt)
    expanded = subprocess.run(
        ["cargo", "rustc", "--quiet", "--profile=check", "--manifest-path",
         str(crate / "Cargo.toml"), "--", "-Zunpretty=expanded"],
        check=True,
        env={**ENV, "RUSTC_BOOTSTRAP": "1"},
        capture_output=True,
        text=True,
    ).stdout
    target = WORK / "expanded"
    (target / "src").mkdir(parents=True, exist_ok=True)
    (target / "Cargo.toml").write_text(
        (crate / "Cargo.toml").read_text().replace("compile_bench_macro", "compile_bench_expanded")
    )
    # The uses only: the prelude's expansion (`derive(Debug)`) calls unstable helpers.
    uses_only = expanded[expanded.index("pub async fn use_0"):]
    (target / "src" / "lib.rs").write_text(
        f"// run {salt}\n#![allow(unused_braces, unused_parens)]\n{PRELUDE}{uses_only}"
    )
    return target


def count_instructions(uses):
    crates = {
        "macro": write_crate("macro", MACRO_USE, uses, "instructions"),
        "hand": write_crate("hand", HAND_USE, uses, "instructions"),
    }
    crates["expanded"] = write_expanded(uses, "instructions")
    for crate in crates.values():
        check(crate)  # dependencies built
    counts = {}
    for mode, incremental in (("full", False), ("incremental", True)):
        counts[mode] = {name: instructions(crate, incremental) for name, crate in crates.items()}
        for name, count in counts[mode].items():
            ratio = count / counts[mode]["hand"]
            print(f"{mode} check, {name}: {count:,} instructions ({ratio:.3f}x hand)", file=sys.stderr)
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uses", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--only-instructions", action="store_true", help="skip the timed runs")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    times = {"macro": [], "hand": []}
    if args.only_instructions:
        counts = count_instructions(args.uses)
        print(json.dumps({"instructions": counts, "uses": args.uses}))
        return
    for run in range(args.runs + 1):  # the first run builds the dependencies
        for name, template in (("macro", MACRO_USE), ("hand", HAND_USE)):
            crate = write_crate(name, template, args.uses, run)
            seconds = check(crate)
            if run > 0:
                times[name].append(seconds)
        print(f"run {run}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v), file=sys.stderr)
    result = {name: statistics.median(values) for name, values in times.items()}
    result.update(uses=args.uses, runs=args.runs)
    result["ratio"] = result["macro"] / result["hand"]
    result["spread"] = {name: [min(values), max(values)] for name, values in times.items()}
    result["ratio_per_run"] = [m / h for m, h in zip(times["macro"], times["hand"])]
    result["load_average"] = [load_before, os.getloadavg()[0]]
    if args.instructions:
        counts = count_instructions(args.uses)
        result["instructions"] = counts
        result["instruction_ratio"] = {
            mode: {name: n / by_name["hand"] for name, n in by_name.items()}
            for mode, by_name in counts.items()
        }
    (WORK / "result.json").write_text(json.dumps(result) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
