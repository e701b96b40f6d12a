"""Commands that solve run in a forked worker process, so that a crash in HiGHS is a clean failure.

Under a memory limit (RLIMIT_AS, `ulimit -v`) HiGHS can die of a segmentation fault when an
allocation fails (finding N-oom-segv). A segfault cannot be caught in the process it kills, and HiGHS
cannot run alone in a child: the lazy network's rounds and the polish reuse one HiGHS model with
Python in between. So the whole command runs in a worker forked at its start (cheap: only the
command line is loaded then, one thread), and this process waits for it:

- the worker writes to the same terminal (progress streams as before) and ends with the command's
  own exit code, which is passed on;
- killed by SIGSEGV, SIGBUS, SIGABRT or SIGKILL (the out-of-memory killer), the worker could say
  nothing: this process says it in one line (likely out of memory, the model's size from the
  worker's notes, edwc.crash_notes), removes the temporary result folder it left, says what is at
  --out, and exits 1;
- Ctrl-C in a terminal reaches both processes; the worker handles it (exit 130) and this one waits.
  SIGINT, SIGTERM or SIGHUP sent to this process alone (kill, a scheduler) is passed on to the worker.
  If this process is killed outright, the kernel sends the worker SIGTERM (Linux), an interruption.

Only the real command line is guarded (`entry` enables it): click's test runner calls commands in
its own process, where a fork would lose the captured output.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import click

from edwc import crash_notes

ENABLED: list[bool] = []  # set by edwc.cli.main.entry
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# bytes: the libraries' 383 MB with room for their buffers; measured at 520 MB OpenBLAS still gave up on one
MIN_ADDRESS_SPACE = 640 * 2**20
GRACE_S = 20.0  # how long an interrupted worker may take to stop (it removes its temporary folder) before it is killed
CRASH_NAMES = {signal.SIGSEGV: "a segmentation fault", signal.SIGBUS: "a bus error", signal.SIGABRT: "an abort",
               signal.SIGKILL: "as the kernel's out-of-memory killer sends"}
SI_KERNEL = 0x80  # si_code of a signal the kernel sent (Ctrl-C from the terminal), not another process
PR_SET_PDEATHSIG = 1
EDWC_CODES = (0, 1, 2, 130)  # the exit codes edwc ends with (edwc.cli.main); any other is a crash


def guarded(f: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command in a forked worker when guarding is enabled (see the module's docstring)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not ENABLED or not hasattr(os, "fork"):
            return f(*args, **kwargs)
        _enough_address_space()
        with tempfile.TemporaryFile() as notes:
            for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
                stream.flush()
            parent = os.getpid()
            pid = os.fork()
            if pid == 0:  # the worker: the command as it would run unguarded
                crash_notes.start(notes.fileno())
                _die_with(parent)
                return f(*args, **kwargs)
            status, passed = _wait(pid)
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) in EDWC_CODES:
                sys.exit(os.WEXITSTATUS(status))
            left = crash_notes.read(notes.fileno())
        ended = os.WTERMSIG(status) if os.WIFSIGNALED(status) else -os.WEXITSTATUS(status)
        if passed and ended == signal.SIGKILL:  # killed by this process after the grace: it was an interruption
            ended = passed
        code, message = _after_death(ended, left)
        click.echo(message, err=True)
        sys.exit(code)

    return wrapper


def _enough_address_space() -> None:
    """Refuse at once a memory limit (ulimit -v) below what edwc's libraries take to load: measured 383 MB of
    address space (VmPeak after importing the solve's libraries, Python 3.11, this project's pins). Between about
    340 and 380 MB scipy's OpenBLAS retries a failing 32 MB buffer forever while it loads: a hang, not an error."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and soft < MIN_ADDRESS_SPACE:
        click.echo(f"error: out of memory: the process's memory limit (ulimit -v) is {soft / 2**20:,.0f} MB; edwc's "
                   f"libraries alone take about 400 MB of address space and a solve more: raise it to at least "
                   f"{MIN_ADDRESS_SPACE // 2**20} MB (china-2025 needs about 800 MB)", err=True)
        sys.exit(1)


def _die_with(parent: int) -> None:
    """In the worker: be sent SIGTERM (stop as on Ctrl-C, nothing half-written) when the guard dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # the guard died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _wait(pid: int) -> tuple[int, int]:
    """Wait for the worker; return its wait status and the signal passed on to it (0: none). Signals sent to this
    process alone are passed on; a worker that has not stopped GRACE_S after an interruption (stuck in C code,
    where Python cannot raise KeyboardInterrupt) is killed, so an interrupted edwc always ends."""
    watched = {signal.SIGCHLD, *PASSED_ON}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, watched)  # taken by sigtimedwait, never by Python's handlers
    passed, since = 0, 0.0
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status, passed
            info = signal.sigtimedwait(watched, 1.0)  # the timeout only guards against a missed SIGCHLD
            if info is not None and info.si_signo in PASSED_ON:
                passed, since = passed or info.si_signo, since or time.monotonic()
                if info.si_code != SI_KERNEL:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, info.si_signo)
            if since and time.monotonic() - since > GRACE_S:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _after_death(ended: int, left: dict[str, list[Any]]) -> tuple[int, str]:
    """The exit code and the one line for a worker ended by signal `ended` (> 0), or that left abruptly with
    exit code -`ended` (not one edwc uses: the C library's exit when it cannot allocate a thread, 127), once
    its leftovers are removed."""
    where = _clean_up(left)
    if ended in PASSED_ON:
        return 130, f"interrupted ({signal.Signals(ended).name}){where}"
    if ended > 0 and ended not in CRASH_NAMES:
        name = signal.Signals(ended).name
        return 1, f"error: edwc's worker process was ended by {name} before it finished{where}"
    if ended < 0 and ended != -127:
        return 1, f"error: edwc's worker process ended abruptly (exit code {-ended}){where}"
    how = (f"{signal.Signals(ended).name}: {CRASH_NAMES[signal.Signals(ended)]}" if ended > 0 else
           "exit code 127, the C library's when it cannot allocate memory for a new thread")
    size = []
    if left.get("instance"):
        size.append(left["instance"][-1])
    if left.get("highs"):
        rows, cols, nonzeros = left["highs"][-1]
        size.append(f"HiGHS had {rows:,} rows, {cols:,} columns, {nonzeros:,} non-zeros")
    during = " while HiGHS was solving" if left.get("highs") else ""
    return 1, (f"error: edwc's solving process crashed ({how}){during}"
               + (f" ({'; '.join(size)})" if size else "") + f": most likely out of memory{where}. "
               "Try a smaller instance (fewer regions, sites or periods), a higher memory limit (ulimit -v) "
               "or a machine with more memory.")


def _clean_up(left: dict[str, list[Any]]) -> str:
    """Remove the temporary folders the worker left (not one it had already swapped into place); say what
    is at the result folder."""
    placed = {tmp: out for tmp, out in left.get("placed", [])}
    for parent, prefix, created in left.get("tmp", []):
        with contextlib.suppress(OSError):
            for name in os.listdir(parent):
                tmp = os.path.join(parent, name)
                if name.startswith(prefix) and tmp not in placed:
                    _remove(tmp)
        for folder in created:  # parents made for the result, deepest first, if still empty
            with contextlib.suppress(OSError):
                os.rmdir(folder)
    if not left.get("out"):
        return ""
    out, existed = left["out"][-1]
    if out in placed.values():
        return f"; {out} holds the new result"
    return f"; {out} still holds the earlier result" if existed else f"; nothing was written to {out}"


def _remove(folder: str) -> None:
    for _ in range(10):  # a child of the worker may still be ending (it is sent SIGKILL when the worker dies)
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.lexists(folder):
            return
        time.sleep(0.1)
