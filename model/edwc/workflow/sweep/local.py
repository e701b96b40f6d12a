"""Local worker processes for a sweep: one fresh process per case, at most `workers` at a time.

Why not a process pool: when one pool worker dies (the out-of-memory killer, a crash in the
solver) the pool breaks and every pending case fails with it. Here each case has its own
process, so a dead process fails its own case only, named with the signal that ended it.

No worker outlives the sweep: each one asks the kernel for SIGKILL when its parent dies
(Linux prctl PR_SET_PDEATHSIG, checked against a parent that died before it was asked) and,
on any system, a watchdog thread ends it once its parent is gone. Workers ignore SIGINT, so a
Ctrl-C in the terminal reaches only the parent, which then ends the running workers itself.
Workers solve in scratch folders under one folder of the parent's, which the parent removes when
the sweep ends, however it ends: a killed worker leaves no scratch folder behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from edwc.crash_notes import note
from edwc.workflow.sweep.runners import OnDone, Outcome, Task, run_case
from edwc.workflow.sweep.transfer import Files

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the parent process `parent` ends."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="edwc-parent-watch", daemon=True).start()


def _worker(task: Task, files: Files, conn: Connection, parent: int, scratch: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it ends us on Ctrl-C
    _die_with_parent(parent)
    outcome = run_case(task, files, scratch)
    conn.send(outcome)
    conn.close()


def _death_message(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = {signal.SIGKILL: " (the out-of-memory killer sends this)",
                signal.SIGSEGV: " (a crash, most likely out of memory: HiGHS does not survive a failed allocation)",
                signal.SIGBUS: " (a crash, most likely out of memory)"}.get(signal.Signals(-code), "")
        return f"worker process ended by {name}{hint}"
    return f"worker process ended with exit code {code} before sending its result"


def run_local(tasks: list[Task], files: Files, workers: int, on_done: OnDone) -> None:
    """Run each task in its own spawned process (no solver state inherited), `workers` at a time."""
    ctx = multiprocessing.get_context("spawn")
    pending = list(tasks)
    running: dict[Any, tuple[Task, BaseProcess, Connection, float]] = {}
    proc: BaseProcess
    scratch: str | None = None
    try:  # made inside the try: a Ctrl-C right after mkdtemp must still remove it
        scratch = tempfile.mkdtemp(prefix="edwc-sweep-")
        note("tmp", [os.path.dirname(scratch), os.path.basename(scratch), []])  # removed by the guard after a crash
        while pending or running:
            while pending and len(running) < workers:
                task = pending.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(task, files, send, os.getpid(), scratch), daemon=True,
                                   name=f"edwc-case-{task.case.name}")
                proc.start()
                send.close()  # the child holds the only write end: EOF when it dies
                running[recv] = (task, proc, recv, time.perf_counter())
            for ready in wait(list(running)):
                task, done_proc, recv, t0 = running.pop(ready)
                try:
                    outcome = recv.recv()
                except (EOFError, OSError):
                    done_proc.join()
                    outcome = Outcome(task.case.name, "error", False, _death_message(done_proc.exitcode),
                                      seconds=time.perf_counter() - t0, worker=f"local:{done_proc.pid}")
                recv.close()
                done_proc.join()
                on_done(task, outcome)
    finally:  # interrupted (Ctrl-C, SIGTERM) or on_done failed: no worker may outlive the sweep
        for _, child, _, _ in running.values():
            child.kill()
        for _, child, pipe, _ in running.values():
            child.join(5)
            pipe.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
