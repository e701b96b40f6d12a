"""Solving cases on workers: one case in a scratch folder, and many in local processes or on a Dask cluster."""

from __future__ import annotations

import os
import re
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edwc.errors import EdwcError, InputError, Problem, SolveError
from edwc.workflow.sweep.cases import Case
from edwc.workflow.sweep.transfer import Files, pack_folder, unpack_files

_SOLVE_LOCK = threading.Lock()  # one solve at a time per worker process (Pyomo is not thread-safe)


@dataclass
class SolveOptions:
    time_limit: float | None = None
    mip_gap: float | None = None
    maps: bool = False
    check: bool = True
    threads: int = 1  # HiGHS threads per case (edwc.solve.cores.share_cores splits the cores)


@dataclass
class Task:
    case: Case
    options: SolveOptions
    instance_label: str  # the instance path as the user gave it, for messages
    previous_hash: str | None = None  # input_hash of an earlier result of this case
    starts: list[Any] = field(default_factory=list)  # known plans to start from (edwc.solve.warm.Start)
    keep_plan: bool = False  # send the plan back (Outcome.plan) as a start for later cases


@dataclass
class Outcome:
    """What a worker sends back: status, message, and the result folder as files (when solved)."""

    name: str
    status: str  # HiGHS status word, or skipped / input_error / no_plan / error
    ok: bool
    message: str = ""
    summary: dict[str, Any] | None = None
    files: Files | None = None
    seconds: float = 0.0
    worker: str = ""
    plan: Any = None  # the case's plan as a start for the next cases (edwc.solve.warm.Start), when asked


def case_hash(instance_dir: Path, case: Case, options: SolveOptions) -> str:
    """The input_hash solve_instance will write for this case (same overrides and threads)."""
    from edwc.network.reach import load_valid_instance

    inst = load_valid_instance(instance_dir, scenario=case.scenario, sets=case.sets)
    solver = inst.config.solver
    if options.time_limit is not None:
        solver.time_limit_s = options.time_limit
    if options.mip_gap is not None:
        solver.mip_gap = options.mip_gap
    solver.threads = options.threads
    return inst.input_hash()


def run_case(task: Task, instance_files: Files, scratch: str | None = None) -> Outcome:
    """Solve one case in a scratch folder (under `scratch` when given: a local sweep's parent
    removes that folder even when it had to kill this worker) and return its result folder as
    files. Never raises."""
    t0 = time.perf_counter()
    who = f"{socket.gethostname()}:{os.getpid()}"
    with _SOLVE_LOCK, tempfile.TemporaryDirectory(prefix="edwc-case-", dir=scratch) as tmp:
        inst_dir = unpack_files(instance_files, Path(tmp) / "instance")
        try:
            out = _solve_case(task, inst_dir, Path(tmp) / "result")
        except InputError as e:
            out = Outcome(task.case.name, "input_error", False, e.render().replace(str(inst_dir), task.instance_label))
        except SolveError as e:
            out = Outcome(task.case.name, "no_plan", False, str(e).replace(str(inst_dir), task.instance_label))
        except Exception as e:  # noqa: BLE001 - a failed case is reported, the sweep goes on
            out = Outcome(task.case.name, "error", False, f"{type(e).__name__}: {e}")
    out.seconds, out.worker = time.perf_counter() - t0, who
    return out


def _solve_case(task: Task, inst_dir: Path, out: Path) -> Outcome:
    from edwc.workflow.run import solve_instance

    case, opt = task.case, task.options
    if task.previous_hash and case_hash(inst_dir, case, opt) == task.previous_hash:
        return Outcome(case.name, "skipped", True, "unchanged since the last run")
    from edwc.solve.warm import start_of_model

    plans: list[Any] = []
    folder, result = solve_instance(inst_dir, scenario=case.scenario, sets=case.sets, out=out, force=True,
                                    time_limit=opt.time_limit, mip_gap=opt.mip_gap, threads=opt.threads,
                                    maps=opt.maps, check=opt.check, starts=task.starts,
                                    on_plan=(lambda m, d: plans.append(start_of_model(m, d, case.name)))
                                    if task.keep_plan else None)
    return Outcome(case.name, str(result.summary["status"]), True, summary=result.summary, files=pack_folder(folder),
                   plan=plans[0] if plans else None)


# ---- running many cases -------------------------------------------------------------------------

OnDone = Callable[[Task, Outcome], None]


def run_warm(tasks: list[Task], run: Callable[[list[Task]], None], plans: dict[str, Any],
             starts: list[Any] | None = None, chain: int = 0) -> None:
    """Run the tasks with warm starts. Without `starts` the lead case (no scenario and no overrides, else the
    first) is solved first and its plan (sent back in Outcome.plan, which `done` puts in plans[case name])
    is the start of the others. chain=k: the cases run k at a time, in their order, each group also
    starting from the plans of the group before (a front's points, a sweep of ordered values: the
    neighbour's plan is near the case's optimum, and a point's plan meets the next, looser, point's bound)."""
    fixed = list(starts or [])
    rest = list(tasks)
    if not fixed and len(tasks) > 1:
        lead = next((t for t in tasks if t.case.scenario is None and not t.case.sets), tasks[0])
        lead.keep_plan = True
        run([lead])
        rest = [t for t in tasks if t is not lead]
        fixed = [p for p in [plans.get(lead.case.name)] if p is not None]
    group = max(1, chain) if chain else max(1, len(rest))
    before: list[Any] = []
    for i in range(0, len(rest), group):
        batch = rest[i:i + group]
        for t in batch:
            t.starts, t.keep_plan = fixed + before, bool(chain)
        run(batch)
        before = [p for p in (plans.get(t.case.name) for t in batch) if p is not None] if chain else []


def _failed(task: Task, e: BaseException) -> Outcome:
    return Outcome(task.case.name, "error", False, f"worker failed: {type(e).__name__}: {e}")


SCHEDULER_TIMEOUT_S = 15  # to connect to a --scheduler and hear its handshake; stated in --help
_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def parse_scheduler(address: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a --scheduler address (tcp://host:port, tls://host:port or host:port).
    Raises InputError for anything else (exit 2)."""
    m = _ADDRESS.match(address.strip())
    if not address.strip():
        raise InputError([Problem("--scheduler", "the address is empty (expected tcp://host:port)")], "--scheduler")
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise InputError([Problem("--scheduler", f"'{address}' is not an address like tcp://host:port")], "--scheduler")
    return m.group(1) or "tcp", m.group(2).strip("[]"), int(m.group(3))


def probe_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT_S) -> None:
    """Fail fast, with one line, unless a Dask scheduler seems to listen at `address`.

    A Dask server speaks first: its handshake starts with an 8-byte little-endian frame length.
    A port that never speaks, or speaks something else (a banner a Dask client would read as a
    length of petabytes), is refused here instead of hanging or exhausting memory in the client.
    """
    scheme, host, port = parse_scheduler(address)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        raise EdwcError(f"cannot reach the Dask scheduler at {address}: {e.strerror or e}") from None
    with sock:
        if scheme == "tls":
            return  # the handshake is encrypted: leave it to the client
        head = b""
        deadline = time.monotonic() + timeout
        try:
            while len(head) < 8 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
        except TimeoutError:
            pass
        except OSError as e:
            raise EdwcError(f"cannot reach the Dask scheduler at {address}: {e.strerror or e}") from None
    if len(head) < 8:
        raise EdwcError(f"no Dask scheduler answered at {address} within {timeout:g} s")
    if struct.unpack("<Q", head)[0] > 1 << 26:
        raise EdwcError(f"{address} answered, but not as a Dask scheduler")


def run_dask(tasks: list[Task], files: Files, address: str, on_done: OnDone) -> None:
    """Run tasks on an existing Dask distributed cluster at `address` (tcp://host:port)."""
    from distributed import Client, as_completed

    probe_scheduler(address)
    try:
        client = Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
    except (OSError, TimeoutError) as e:
        raise EdwcError(f"cannot reach the Dask scheduler at {address}: {e}") from e
    with client:
        [files_future] = client.scatter([files], broadcast=True)
        token = f"{os.getpid()}-{time.time_ns()}"
        futures = {client.submit(run_case, t, files_future, pure=False, key=f"edwc-case-{t.case.name}-{token}"): t
                   for t in tasks}
        try:
            for fut in as_completed(list(futures)):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as e:  # noqa: BLE001 - a lost worker fails its case only
                    outcome = _failed(task, e)
                on_done(task, outcome)
        except BaseException:
            client.cancel(list(futures))
            raise
