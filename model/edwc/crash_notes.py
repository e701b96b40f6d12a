"""Notes a command's worker process leaves for the process guarding it (edwc.cli.guard).

A crash inside HiGHS (a segmentation fault when an allocation fails under a memory limit) ends the
process with no chance to say anything or to clean up. So, as it works, the worker writes down what
the guard would need then: the model size HiGHS was given, the result folder being written and the
temporary folder it is built in. The guard reads the notes only when the worker dies by a signal.
Outside a guarded worker (tests, the library, forked children of the worker) `note` does nothing.
"""

from __future__ import annotations

import json
import os
from typing import Any

_channel: dict[str, int] = {}  # "fd": the notes file, "pid": the process that may write to it


def start(fd: int) -> None:
    """In the worker, just after the fork: notes go to fd."""
    _channel.update(fd=fd, pid=os.getpid())


def note(key: str, value: Any) -> None:
    """Record (key, value) for the guard; later values of a key win. Cheap: one small write."""
    if _channel.get("pid") != os.getpid():  # not a guarded worker (or a child it forked)
        return
    try:
        os.write(_channel["fd"], (json.dumps([key, value]) + "\n").encode())
    except (OSError, TypeError, ValueError):  # a note is a help for a message, never a reason to fail
        pass


def read(fd: int) -> dict[str, list[Any]]:
    """Every value noted under each key, in order (a key noted twice, e.g. a temporary folder per write)."""
    try:
        data = os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")
    except OSError:
        return {}
    out: dict[str, list[Any]] = {}
    for line in data.splitlines():
        try:
            key, value = json.loads(line)
        except (ValueError, TypeError):  # a line cut short by the crash
            continue
        out.setdefault(str(key), []).append(value)
    return out
