"""How many cores this process may use: the one answer every parallel step asks (HiGHS threads,
the forked output writers, sweep workers)."""

from __future__ import annotations

import os


def machine_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a container or taskset narrows)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def share_cores(cases: int, workers: int | None = None, threads: int | None = None) -> tuple[int, int]:
    """(worker processes, HiGHS threads per case) for `cases` solves: never more than the cores in all.
    Unset, the workers take a core each (at most one per case) and each case's search gets the cores
    left over (parallel MIP, edwc.solve.highs.run_highs); a thread count asked for sets the workers."""
    cores = machine_cores()
    cases = max(1, cases)
    if threads is None:
        workers = max(1, min(workers or cores, cases, cores))
        return workers, max(1, cores // workers)
    threads = max(1, min(threads, cores))
    return max(1, min(workers or cores, cases, cores // threads)), threads
