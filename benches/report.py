#!/usr/bin/env python3
"""Runs every benchmark of DESIGN.md §8 and writes the results.

    python3 benches/report.py            # everything (about 10 minutes on 2 cores)
    python3 benches/report.py --no-run   # only redraw from benches/results.json

Writes benches/results.json, benches/chart.svg, and the table between the
markers in BENCHMARKS.md, so no number there is typed by hand.
"""

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
RESULTS = ROOT / "benches" / "results.json"
CHART = ROOT / "benches" / "chart.svg"
REPORT = ROOT / "BENCHMARKS.md"

# (workload, ours, baseline, target ratio or None)
COMPARISONS = [
    ("spawn_join_100k/multi_thread", "taskgroup", "joinset", 1.15),
    ("spawn_join_100k/current_thread", "taskgroup", "joinset", 1.15),
    ("fail_fast_10k/multi_thread", "taskgroup", "joinset_abort_all", 1.15),
    ("fail_fast_10k/current_thread", "taskgroup", "joinset_abort_all", 1.15),
    ("split_10k", "error_group_split", "vec_partition_downcast", 2.0),
]


def run(cmd, **kwargs):
    print("$", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, cwd=ROOT, check=True, text=True, **kwargs)


def median_seconds(workload, bench):
    # criterion writes a "/" in a group name as "_" in its directory
    path = CRITERION / workload.replace("/", "_") / bench / "new" / "estimates.json"
    estimates = json.loads(path.read_text())
    return estimates["median"]["point_estimate"] / 1e9


def measure():
    run(["cargo", "bench", "--bench", "overhead"])
    memory_out = run(["cargo", "bench", "--bench", "memory"], capture_output=True).stdout
    rows = [json.loads(line) for line in memory_out.splitlines() if line.startswith("{")]
    memory = next(row for row in rows if row["bench"] == "memory_per_pending_task")
    memory_zst = next(row for row in rows if row["bench"] == "memory_per_pending_task_zero_sized")
    python = json.loads(
        run([sys.executable, "benches/python_taskgroup.py"], capture_output=True).stdout
    )
    results = {"rows": [], "memory": memory, "memory_zero_sized": memory_zst, "python": python}
    for workload, ours, baseline, target in COMPARISONS:
        row = {
            "workload": workload,
            "ours": median_seconds(workload, ours),
            "baseline_name": baseline,
            "baseline": median_seconds(workload, baseline),
            "target": target,
        }
        other = CRITERION / workload.replace("/", "_") / "futures_unordered"
        if other.exists():
            row["futures_unordered"] = median_seconds(workload, "futures_unordered")
        results["rows"].append(row)
    compile_json = ROOT / "target" / "compile-bench" / "result.json"
    if compile_json.exists():
        results["compile"] = json.loads(compile_json.read_text())
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def table(results):
    python = results["python"]
    lines = [
        "| workload | taskgroup | baseline | ratio | target | met | Python 3.11 | Python / taskgroup |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        ratio = row["ours"] / row["baseline"]
        py = python.get(row["workload"].split("/")[0])
        py_cells = f"{fmt_time(py)} | {py / row['ours']:.1f}×" if py else "– | –"
        lines.append(
            f"| {row['workload']} | {fmt_time(row['ours'])} | {row['baseline_name']} "
            f"{fmt_time(row['baseline'])} | {ratio:.2f}× | ≤ {row['target']}× | "
            f"{'yes' if ratio <= row['target'] else '**no**'} | {py_cells} |"
        )
    mem = results["memory"]
    lines.append(
        f"| memory per pending task (100k, waiting on a timer) | {mem['taskgroup']:.0f} B "
        f"| joinset {mem['joinset']:.0f} B | {mem['ratio']:.2f}× | ≤ 1.2× "
        f"| {'yes' if mem['ratio'] <= 1.2 else '**no**'} "
        f"| {python['memory_per_pending_task']:.0f} B | "
        f"{python['memory_per_pending_task'] / mem['taskgroup']:.1f}× |"
    )
    zst = results.get("memory_zero_sized")
    if zst:
        lines.append(
            f"| memory per pending task (100k, zero-sized `pending()`) | {zst['taskgroup']:.0f} B "
            f"| joinset {zst['joinset']:.0f} B | {zst['ratio']:.2f}× | (≤ 1.2×) "
            f"| {'yes' if zst['ratio'] <= 1.2 else '**no**'} | – | – |"
        )
    if "compile" in results:
        c = results["compile"]
        ratio = c["macro"] / c["hand"]
        lines.append(
            f"| check time, 100 `task_group!` | {c['macro']:.2f} s | hand-lowered {c['hand']:.2f} s "
            f"| {ratio:.2f}× | ≤ 1.3× | {'yes' if ratio <= 1.3 else '**no**'} | – | – |"
        )
    return "\n".join(lines)


def chart(results):
    """A horizontal bar chart of ratios against their targets, as plain SVG."""
    bars = [(r["workload"], r["ours"] / r["baseline"], r["target"]) for r in results["rows"]]
    bars.append(("memory/pending task", results["memory"]["ratio"], 1.2))
    if "compile" in results:
        c = results["compile"]
        bars.append(("check time", c["macro"] / c["hand"], 1.3))
    width, left, bar_h, gap = 720, 250, 22, 12
    scale = (width - left - 40) / max(2.2, max(max(r, t) for _, r, t in bars) * 1.1)
    height = 50 + len(bars) * (bar_h + gap)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="20" font-weight="bold">taskgroup / baseline (lower is better; '
        "tick = target)</text>",
        f'<line x1="{left + scale}" y1="30" x2="{left + scale}" y2="{height - 10}" '
        'stroke="#888" stroke-dasharray="4"/>',
        f'<text x="{left + scale + 3}" y="{height - 12}" fill="#888">1×</text>',
    ]
    for i, (name, ratio, target) in enumerate(bars):
        y = 36 + i * (bar_h + gap)
        color = "#2a9d8f" if ratio <= target else "#e76f51"
        out += [
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{name}</text>',
            f'<rect x="{left}" y="{y}" width="{ratio * scale:.1f}" height="{bar_h}" fill="{color}"/>',
            # the label goes past both the bar and the target tick
            f'<text x="{left + max(ratio, target) * scale + 6:.1f}" y="{y + 16}">{ratio:.2f}×</text>',
            f'<line x1="{left + target * scale:.1f}" y1="{y - 3}" x2="{left + target * scale:.1f}" '
            f'y2="{y + bar_h + 3}" stroke="black" stroke-width="2"/>',
        ]
    out.append("</svg>")
    CHART.write_text("\n".join(out) + "\n")


def write_report(results):
    text = REPORT.read_text()
    block = (
        "<!-- results:start (written by benches/report.py) -->\n"
        f"{table(results)}\n\nPython {results['python']['python']}; "
        f"machine: {os.cpu_count()} cores.\n<!-- results:end -->"
    )
    text = re.sub(r"<!-- results:start.*?<!-- results:end -->", block, text, flags=re.S)
    REPORT.write_text(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-run", action="store_true", help="redraw from results.json")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if args.no_run else measure()
    chart(results)
    write_report(results)
    print(table(results))


if __name__ == "__main__":
    main()
