"""Solve a built model with HiGHS through Pyomo's in-memory interface.

A solve stopped by its time limit (or Ctrl-C) keeps the best plan found and reports its gap;
only a run with no feasible plan at all has nothing to load.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import highspy
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

from edwc.input.schema import Solver

# HiGHS model status -> our status word
_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kSolutionLimit": "solution_limit",
    "kInterrupt": "interrupted",
    "kObjectiveBound": "objective_limit",
    "kObjectiveTarget": "objective_limit",
}


@dataclass
class SolveOutcome:
    status: str  # optimal, time_limit, interrupted, infeasible, ...
    termination: str  # HiGHS's own model status
    has_solution: bool
    objective: float | None  # in solver units (M CNY)
    bound: float | None
    mip_gap: float | None
    seconds: float
    highs_version: str
    log: str
    duals: dict | None = None  # ConstraintData -> dual (M CNY per unit of the row), LPs asked for duals only


def highs_version() -> str:
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


@contextmanager
def progress(label: str, enabled: bool = True, every_s: float = 5.0) -> Iterator[None]:
    """Show elapsed time on stderr while a long step runs (a ticking line on a terminal)."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    t0 = time.perf_counter()
    tty = sys.stderr.isatty()

    def tick() -> None:
        while not stop.wait(0.5 if tty else every_s):
            msg = f"  {label} … {time.perf_counter() - t0:5.0f} s"
            sys.stderr.write(("\r" + msg) if tty else (msg + "\n"))
            sys.stderr.flush()

    th = threading.Thread(target=tick, daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join()
        if tty:
            sys.stderr.write("\r" + " " * 60 + "\r")


def write_lp(m: pyo.ConcreteModel, path: Path) -> None:
    """Write the model as an LP file with readable names (for debugging only)."""
    m.write(str(path), io_options={"symbolic_solver_labels": True})


def status_of_termination(termination: str) -> str | None:
    """The status word edwc writes for HiGHS's own termination text (None when HiGHS has no such text)."""
    h = highspy.Highs()
    for name in dir(highspy.HighsModelStatus):
        if name.startswith("k") and h.modelStatusToString(getattr(highspy.HighsModelStatus, name)) == termination:
            return _STATUS.get(name, name.removeprefix("k").lower())
    return None


_LAST_THREADS: list[int] = []  # the thread count of this process's previous solve


def machine_cores() -> int:
    """Cores this process may run on (its CPU affinity, which a container or taskset narrows)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def solve_model(m: pyo.ConcreteModel, opts: Solver, tee: bool = False, show_progress: bool = False,
                duals: bool = False) -> SolveOutcome:
    """Solve with HiGHS; duals=True also loads the row duals of an LP (a model with no integer left)."""
    solver = SolverFactory("highs")
    solver.config.load_solutions = False
    solver.config.raise_exception_on_nonoptimal_result = False
    solver.config.time_limit = opts.time_limit_s
    solver.config.rel_gap = opts.mip_gap
    threads = min(opts.threads, machine_cores())  # more threads than cores only slow HiGHS down
    if _LAST_THREADS and _LAST_THREADS[-1] != threads:
        # HiGHS keeps one thread pool per process; a solve asking for another size fails ("Not Set")
        highspy.Highs.resetGlobalScheduler(True)
    _LAST_THREADS[:] = [threads]
    solver.config.threads = threads
    solver.config.solver_options = {"random_seed": opts.seed, "log_to_console": tee}
    if tee:
        solver.config.tee = [sys.stderr]
    t0 = time.perf_counter()
    with progress("solving with HiGHS", enabled=show_progress and not tee):
        res = solver.solve(m)
    seconds = time.perf_counter() - t0
    hm = solver._solver_model  # the highspy.Highs object: the only place for the raw status
    raw = hm.modelStatusToString(hm.getModelStatus())
    name = str(hm.getModelStatus()).split(".")[-1]
    status = _STATUS.get(name, name.removeprefix("k").lower())
    info = hm.getInfo()
    has = info.primal_solution_status == 2
    if has:
        res.solution_loader.load_vars()
    obj = res.incumbent_objective if has else None
    bound = res.objective_bound
    gap = None
    if has and status == "optimal" and info.mip_node_count == -1:
        gap = 0.0  # an LP (no integers): optimal means no gap
    elif has and info.mip_node_count >= 0:
        gap = float(info.mip_gap)
        t1 = time.perf_counter()
        polished = polish(m, opts)
        seconds += time.perf_counter() - t1
        if polished is not None and obj is not None:
            obj = min(obj, polished)
            if bound is not None and obj:
                gap = max(0.0, (obj - bound) / abs(obj))
    row_duals = res.solution_loader.get_duals() if duals and has and info.dual_solution_status == 2 else None
    return SolveOutcome(status, raw, has, obj, bound, gap, seconds, highs_version(), res.solver_log or "", row_duals)


def polish(m: pyo.ConcreteModel, opts: Solver) -> float | None:
    """Fix the integer decisions of the MIP incumbent and solve the LP that is left to optimality.

    A MIP search stops within its gap with flows that need not be optimal for the plan it found; the LP
    makes them so, which removes a source of differences between otherwise equal plans (e.g. two solver
    seeds). The result is never worse than the incumbent. Returns the LP objective, or None (then the
    incumbent is kept as it was)."""
    ints = [v for v in m.component_data_objects(pyo.Var, active=True) if not v.is_continuous() and not v.fixed]
    if not ints:
        return None
    kept = [(v, v.value) for v in m.component_data_objects(pyo.Var, active=True)]
    for v in ints:
        v.fix(round(v.value or 0.0))
    try:
        lp = SolverFactory("highs")
        lp.config.load_solutions = False
        lp.config.raise_exception_on_nonoptimal_result = False
        lp.config.time_limit = opts.time_limit_s
        lp.config.threads = opts.threads
        lp.config.solver_options = {"random_seed": opts.seed, "log_to_console": False}
        res = lp.solve(m)
        if str(lp._solver_model.getModelStatus()).split(".")[-1] != "kOptimal":
            for v, x in kept:
                v.set_value(x, skip_validation=True)
            return None
        res.solution_loader.load_vars()
        return float(res.incumbent_objective)
    finally:
        for v in ints:
            v.unfix()
