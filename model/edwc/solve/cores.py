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
