#!/usr/bin/env python3
"""Runs every benchmark of the performance targets and writes the results.

    python3 benches/report.py              # everything: 3 full runs of the timing benches
    python3 benches/report.py --quick      # a fifth of the rounds per run, Python twice
    python3 benches/report.py --runs 5     # more full runs, for a tighter spread
    python3 benches/report.py --compile    # also re-measure check time (benches/compile_time.py)
    python3 benches/report.py --no-run     # only redraw from benches/results.json

Writes benches/results.json, benches/chart.svg, and the tables between the
markers in BENCHMARKS.md, so no number there is typed by hand.

Each full run of `benches/overhead.rs` runs every variant of a workload in
interleaved rounds, inside a spawned task, on the same runtime (see the
method in its header) and reports medians. A ratio here is ours / baseline
of those medians; the number shown is the median (the upper one for an even
number) over the full runs, and the spread is its min–max over the runs
(run-to-run), next to the quartiles of
the per-round paired ratios of the middle run (within a run). The times shown
are the medians of that middle run (the run whose ratio is the median one).
"""

import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benches" / "results.json"
CHART = ROOT / "benches" / "chart.svg"
REPORT = ROOT / "BENCHMARKS.md"
COMPILE_JSON = ROOT / "target" / "compile-bench" / "result.json"

# (workload, ours, baseline the target is judged against, target ratio)
ROWS = [
    ("spawn_join_100k", "taskgroup", "joinset", 1.0),
    ("fail_fast_10k", "taskgroup", "joinset_abort_all", 1.0),
    ("fan_out_20k", "taskgroup", "joinset", 1.05),
    ("fan_out_scoped_20k", "taskgroup_scoped", "try_join", 1.5),
    ("fan_out_scoped_20k", "taskgroup_scoped", "futures_unordered", 1.1),
    ("scoped_100k", "taskgroup_scoped", "futures_unordered", 1.2),
    ("split_10k", "error_group_split", "vec_partition_downcast", 1.5),
]
# Baselines recorded beside the judged one: (workload, baseline, note)
EXTRA = [
    ("fail_fast_10k", "futures_unordered", "`JoinHandle`s in a `FuturesUnordered`, abort handles kept"),
    ("fan_out_20k", "try_join", "polled in place (spawned tasks against it: the scoped rows judge it)"),
    ("fan_out_20k", "futures_unordered", "polled in place (spawned tasks against it: the scoped rows judge it)"),
]
MEMORY_TARGETS = {"memory_per_pending_task": 1.0, "memory_per_pending_task_zero_sized": 1.2}
COMPILE_TARGET = 1.15
FLAVOURS = ["multi_thread", "current_thread", "none"]


def run(cmd, **kwargs):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=True, text=True, **kwargs)


def parse_lines(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def measure(args):
    load_before = os.getloadavg()
    started = time.time()
    run(["cargo", "bench", "--no-run", "--bench", "overhead", "--bench", "memory"])
    extra = ["--quick"] if args.quick else []
    runs = []
    for i in range(args.runs):
        print(f"# full run {i + 1} of {args.runs}", file=sys.stderr, flush=True)
        out = run(["cargo", "bench", "-q", "--bench", "overhead", "--", *extra],
                  stdout=subprocess.PIPE).stdout
        runs.append(parse_lines(out))
    memory = {row["bench"]: row for row in parse_lines(
        run(["cargo", "bench", "-q", "--bench", "memory"], stdout=subprocess.PIPE).stdout)}
    repeat = ["--repeat", "2"] if args.quick else []
    python = json.loads(run([sys.executable, "benches/python_taskgroup.py", *repeat],
                            stdout=subprocess.PIPE).stdout)
    if args.compile:
        run([sys.executable, "benches/compile_time.py"])
    compile_result = None
    if COMPILE_JSON.exists():
        compile_result = json.loads(COMPILE_JSON.read_text())
    elif RESULTS.exists():  # keep the last measured one rather than drop the row
        compile_result = json.loads(RESULTS.read_text()).get("compile")
        if compile_result:
            compile_result["carried_over"] = True
    results = {
        "runs": runs,
        "quick": args.quick,
        "memory": memory,
        "python": python,
        "compile": compile_result,
        "machine": {
            "cores": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "minutes": round((time.time() - started) / 60, 1),
        },
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    return results


def find(run_lines, workload, flavour):
    return next((line for line in run_lines
                 if line["workload"] == workload and line["flavour"] == flavour), None)


def comparison(results, workload, flavour, ours, baseline):
    """Medians over runs and the run-to-run spread of the ratio, or None."""
    per_run = []
    for run_lines in results["runs"]:
        line = find(run_lines, workload, flavour)
        if line and ours in line["variants"] and baseline in line["variants"]:
            per_run.append(line)
    if not per_run:
        return None
    ours_t = [line["variants"][ours]["median"] for line in per_run]
    base_t = [line["variants"][baseline]["median"] for line in per_run]
    ratios = [o / b for o, b in zip(ours_t, base_t)]
    # within-run spread: paired per-round ratios of the run whose ratio is the median
    middle = sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]
    paired = per_run[middle].get("ratios", {}).get(baseline, {}).get("per_round")
    # the times shown are those of that middle run, so that they give its ratio
    return {
        "ours": ours_t[middle],
        "baseline": base_t[middle],
        "ratio": ratios[middle],
        "min": min(ratios),
        "max": max(ratios),
        "runs": len(ratios),
        "rounds": per_run[middle]["rounds"],
        "paired_p25": paired["p25"] if paired else None,
        "paired_p75": paired["p75"] if paired else None,
    }


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def verdict(c, target):
    if c["max"] <= target:
        return "yes"
    if c["ratio"] <= target:
        return "yes (not every run)"
    if c["min"] <= target:
        return "**no** (some runs yes)"
    return "**no**"


def spread(c):
    within = (f"{c['paired_p25']:.2f}–{c['paired_p75']:.2f}×"
              if c["paired_p25"] is not None else "–")
    return f"{c['min']:.2f}–{c['max']:.2f}× | {within}"


def rows(results):
    """(label, comparison, target, workload) for every judged row found."""
    out = []
    judged_twice = {w for w, *_ in ROWS if sum(r[0] == w for r in ROWS) > 1}
    for workload, ours, baseline, target in ROWS:
        for flavour in FLAVOURS:
            c = comparison(results, workload, flavour, ours, baseline)
            if c:
                label = workload if flavour == "none" else f"{workload}/{flavour}"
                if workload in judged_twice:
                    label += f" vs {baseline}"
                out.append((label, c, target, workload, baseline))
    return out


def table(results):
    python = results["python"]
    runs = len(results["runs"])
    lines = [
        f"| workload | taskgroup | baseline | ratio | run-to-run (min–max, {runs} runs) "
        "| within a run (per-round p25–p75) | target | met | Python 3.11 | Python / taskgroup |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, c, target, workload, baseline in rows(results):
        py = python.get(workload)
        py_cells = f"{fmt_time(py)} | {py / c['ours']:.1f}×" if py else "– | –"
        lines.append(
            f"| {label} | {fmt_time(c['ours'])} | {baseline} {fmt_time(c['baseline'])} "
            f"| {c['ratio']:.2f}× | {spread(c)} | ≤ {target}× | {verdict(c, target)} | {py_cells} |"
        )
    memory = results["memory"]
    for bench, what in [("memory_per_pending_task", "waiting on a timer"),
                        ("memory_per_pending_task_zero_sized", "zero-sized `pending()`")]:
        m = memory.get(bench)
        if not m:
            continue
        target = MEMORY_TARGETS[bench]
        py = python.get(bench)
        py_cells = f"{py:.0f} B | {py / m['taskgroup']:.1f}×" if py else "– | –"
        lines.append(
            f"| memory per pending task (100k, {what}) | {m['taskgroup']:.0f} B "
            f"| joinset {m['joinset']:.0f} B | {m['ratio']:.2f}× | exact | exact | ≤ {target}× "
            f"| {'yes' if m['ratio'] <= target else '**no**'} | {py_cells} |"
        )
    c = results.get("compile")
    if c:
        ratio = c["macro"] / c["hand"]
        lines.append(
            f"| check time, 100 `task_group!` | {c['macro']:.2f} s | hand-lowered {c['hand']:.2f} s "
            f"| {ratio:.2f}× | (median of {c.get('runs', 15)} checks"
            f"{'; from an earlier report, rerun with `--compile`' if c.get('carried_over') else ''}) "
            f"| – | ≤ {COMPILE_TARGET}× "
            f"| {'yes' if ratio <= COMPILE_TARGET else '**no**'} | – | – |"
        )
    lines += ["", "Other baselines, recorded beside the judged one (same runs):", "",
              "| workload | baseline | its time | taskgroup / it | run-to-run | note |",
              "|---|---|---|---|---|---|"]
    for workload, baseline, note in EXTRA:
        for flavour in FLAVOURS:
            c = comparison(results, workload, flavour, "taskgroup", baseline)
            if c:
                lines.append(
                    f"| {workload}/{flavour} | {baseline} | {fmt_time(c['baseline'])} "
                    f"| {c['ratio']:.2f}× | {c['min']:.2f}–{c['max']:.2f}× | {note} |"
                )
    m = results["machine"]
    lines += [
        "",
        f"{runs} full runs{' (`--quick`)' if results.get('quick') else ''}, "
        f"{m['minutes']} minutes; machine: {m['cores']} cores, load average "
        f"{' '.join(map(str, m['load_before']))} before and "
        f"{' '.join(map(str, m['load_after']))} after; Python {python['python']}.",
    ]
    return "\n".join(lines)


def chart(results):
    """A horizontal bar chart of ratios (whiskers: run-to-run min–max) against
    their targets, as plain SVG."""
    bars = [(label, c["ratio"], c["min"], c["max"], target)
            for label, c, target, _, _ in rows(results)]
    for bench, target in MEMORY_TARGETS.items():
        m = results["memory"].get(bench)
        if m:
            name = "memory/pending task" + (" (ZST)" if "zero" in bench else "")
            bars.append((name, m["ratio"], m["ratio"], m["ratio"], target))
    c = results.get("compile")
    if c:
        r = c["macro"] / c["hand"]
        bars.append(("check time", r, r, r, COMPILE_TARGET))
    width, left, bar_h, gap = 760, 290, 22, 12
    top = max(max(hi, t) for _, _, _, hi, t in bars)
    scale = (width - left - 60) / max(2.2, top * 1.1)
    height = 50 + len(bars) * (bar_h + gap)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-weight="bold">taskgroup / baseline (lower is better; '
        "tick = target, whisker = run-to-run)</text>",
        f'<line x1="{left + scale}" y1="30" x2="{left + scale}" y2="{height - 10}" '
        'stroke="#888" stroke-dasharray="4"/>',
        f'<text x="{left + scale + 3}" y="{height - 12}" fill="#888">1×</text>',
    ]
    for i, (name, ratio, lo, hi, target) in enumerate(bars):
        y = 36 + i * (bar_h + gap)
        color = "#2a9d8f" if ratio <= target else "#e76f51"
        mid = y + bar_h / 2
        out += [
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{name}</text>',
            f'<rect x="{left}" y="{y}" width="{ratio * scale:.1f}" height="{bar_h}" fill="{color}"/>',
            f'<line x1="{left + lo * scale:.1f}" y1="{mid}" x2="{left + hi * scale:.1f}" '
            f'y2="{mid}" stroke="#333" stroke-width="1.5"/>',
            # the label goes past the bar, the whisker and the target tick
            f'<text x="{left + max(hi, target) * scale + 6:.1f}" y="{y + 16}">{ratio:.2f}×</text>',
            f'<line x1="{left + target * scale:.1f}" y1="{y - 3}" x2="{left + target * scale:.1f}" '
            f'y2="{y + bar_h + 3}" stroke="black" stroke-width="2"/>',
        ]
    out.append("</svg>")
    CHART.write_text("\n".join(out) + "\n")


def write_report(results):
    text = REPORT.read_text()
    block = (
        "<!-- results:start (written by benches/report.py) -->\n"
        f"{table(results)}\n<!-- results:end -->"
    )
    text = re.sub(r"<!-- results:start.*?<!-- results:end -->", lambda _: block, text, flags=re.S)
    REPORT.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-run", action="store_true", help="redraw from results.json")
    parser.add_argument("--quick", action="store_true", help="a fifth of the rounds per run")
    parser.add_argument("--runs", type=int, default=3, help="full runs of the timing benches")
    parser.add_argument("--compile", action="store_true", help="also run compile_time.py")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if args.no_run else measure(args)
    chart(results)
    write_report(results)
    print(table(results))


if __name__ == "__main__":
    main()
