#!/usr/bin/env python3
"""The performance-target workloads in Python 3.11's asyncio.TaskGroup, for the
comparison table in BENCHMARKS.md. Prints one JSON object: median seconds per
workload, and bytes per pending task (tracemalloc).

    python3 benches/python_taskgroup.py [--repeat N]
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
import tracemalloc

TRIVIAL_TASKS = 100_000
SLEEPING_TASKS = 10_000
FAN_OUT_GROUPS = 20_000
ERRORS = 10_000


class Boom(Exception):
    pass


class Other(Exception):
    pass


async def trivial():
    return None


async def spawn_join():
    async with asyncio.TaskGroup() as tg:
        for _ in range(TRIVIAL_TASKS):
            tg.create_task(trivial())


async def fail():
    await asyncio.sleep(0)  # yields once
    raise Boom()


async def fail_fast():
    try:
        async with asyncio.TaskGroup() as tg:
            for _ in range(SLEEPING_TASKS):
                tg.create_task(asyncio.sleep(10))
            tg.create_task(fail())
    except* Boom:
        pass


async def leaf(i):
    await asyncio.sleep(0)  # yields once
    return i


async def fan_out():
    total = 0
    for _ in range(FAN_OUT_GROUPS):
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(leaf(i)) for i in range(3)]
        total += sum(t.result() for t in tasks)
    return total


def split():
    errors = [Boom() if i % 2 == 0 else Other() for i in range(ERRORS)]
    start = time.perf_counter()
    group = ExceptionGroup("errors", errors)
    group.split(Boom)
    return time.perf_counter() - start


async def pending_bytes():
    never = asyncio.Event()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    async with asyncio.TaskGroup() as tg:
        for _ in range(TRIVIAL_TASKS):
            tg.create_task(never.wait())
        await asyncio.sleep(0)  # every task started and pending
        per_task = (tracemalloc.get_traced_memory()[0] - before) / TRIVIAL_TASKS
        for task in list(tg._tasks):
            task.cancel()
    tracemalloc.stop()
    return per_task


def timed(run_async):
    start = time.perf_counter()
    asyncio.run(run_async())
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if sys.version_info < (3, 11):
        sys.exit("needs Python 3.11+ (asyncio.TaskGroup)")
    result = {
        "python": sys.version.split()[0],
        "spawn_join_100k": statistics.median(timed(spawn_join) for _ in range(args.repeat)),
        "fail_fast_10k": statistics.median(timed(fail_fast) for _ in range(args.repeat)),
        "fan_out_20k": statistics.median(timed(fan_out) for _ in range(args.repeat)),
        "split_10k": statistics.median(split() for _ in range(args.repeat)),
        "memory_per_pending_task": asyncio.run(pending_bytes()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
