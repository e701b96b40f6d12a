"""Solve a built model with HiGHS (handed over by edwc.solve.handover; Pyomo stays the modelling layer).

A solve stopped by its time limit keeps the best plan found and reports its gap; Ctrl-C or SIGTERM
stops HiGHS promptly and raises KeyboardInterrupt (nothing is written). After the MIP, the plan is
polished: its integer decisions fixed, the LP that is left solved to optimality.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.collections import ComponentMap
from pyomo.repn.standard_repn import generate_standard_repn

from edwc.crash_notes import note
from edwc.input.schema import Solver
from edwc.solve.cores import machine_cores
from edwc.solve.handover import INF, HighsModel, load_solution, new_highs, to_highs

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
    "kMemoryLimit": "memory_limit",  # HiGHS >= 1.16 reports an allocation failure as this status, not std::bad_alloc
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
    handover_s: float = 0.0  # compiling the Pyomo model and passing it to HiGHS (part of seconds)
    network: str = "full"  # full: every network row built; lazy: rows added as plans overload trunks
    rounds: int = 1  # HiGHS runs (lazy: one per set of rows added)
    network_rows: int | None = None  # trunk_capacity rows in the model that gave the plan (lazy)
    trace: list[tuple[float, float, float]] = field(default_factory=list)  # (s since start, plan, bound)
    duals: ComponentMap | None = None  # ConstraintData -> dual (M CNY per unit of the row), LPs asked for duals only
    start: str = "none"  # the warm start (edwc.solve.warm): none, used, repaired or dropped


def status_of_termination(termination: str) -> str | None:
    """The status word edwc writes for HiGHS's own termination text (None when HiGHS has no such text)."""
    h = new_highs()
    for name in dir(highspy.HighsModelStatus):
        if name.startswith("k") and h.modelStatusToString(getattr(highspy.HighsModelStatus, name)) == termination:
            return _STATUS.get(name, name.removeprefix("k").lower())
    return None


_LAST_THREADS: list[int] = []  # the thread count of this process's previous solve


def solver_threads(opts: Solver) -> int:
    """HiGHS threads for a run: at most this machine's cores (more only slow HiGHS down)."""
    threads = min(opts.threads, machine_cores())
    if _LAST_THREADS and _LAST_THREADS[-1] != threads:
        # HiGHS keeps one thread pool per process; a solve asking for another size fails ("Not Set")
        highspy.Highs.resetGlobalScheduler(True)
    _LAST_THREADS[:] = [threads]
    return threads


def highs_version() -> str:
    h = new_highs()
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
    import pyomo.environ  # noqa: F401  (registers the LP writer; edwc builds on pyomo.core alone, 0.1 s less)

    m.write(str(path), io_options={"symbolic_solver_labels": True})


@dataclass
class Run:
    """One HiGHS run: the status words, the final plan x (or None) and the statistics."""

    status: str
    termination: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    log: list[str]


Hook = Callable[[Any], None]


def run_highs(hm: HighsModel, opts: Solver, time_limit: float, tee: bool = False,
              on_solution: Hook | None = None, on_progress: Hook | None = None,
              start: np.ndarray | None = None, parallel: bool = True, submips: bool = True) -> Run:
    """Run HiGHS on hm with edwc's options; on_solution sees every improving plan, on_progress is polled
    through the search (it may call event.interrupt()). Ctrl-C stops HiGHS and re-raises. With more than one
    thread a MIP runs HiGHS's parallel tree search (parallel="on"); an LP (parallel=False: polishing, repairing
    a start) keeps the serial dual simplex, which HiGHS's parallel variant rarely beats. submips=False: no
    sub-MIP heuristics (for a start near the optimum: edwc.solve.warm)."""
    h = hm.highs
    h.clearSolver()
    threads = solver_threads(opts)
    on = parallel and threads > 1 and bool(hm.integer.any())
    for key, val in {"output_flag": True, "log_to_console": False, "time_limit": max(time_limit, 1e-3),
                     "mip_rel_gap": opts.mip_gap, "threads": threads, "random_seed": opts.seed,
                     "parallel": "on" if on else "choose", "mip_heuristic_run_rens": submips,
                     "mip_heuristic_run_rins": submips, "mip_heuristic_run_root_reduced_cost": submips}.items():
        h.setOptionValue(key, val)
    log: list[str] = []
    stop = threading.Event()

    def on_log(e: Any) -> None:
        log.append(e.message)
        if tee:
            sys.stderr.write(e.message)

    def on_interrupt(e: Any) -> None:
        if stop.is_set() or INTERRUPTED.is_set():
            e.interrupt()
            return
        e.interrupt(False)  # HiGHS keeps the flag in its callback data: a run interrupted before would stop this one
        if on_progress is not None and e.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            on_progress(e)

    h.cbLogging.clear()
    h.cbLogging.subscribe(on_log)
    for cb in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt, h.cbMipImprovingSolution):
        cb.clear()
    h.cbSimplexInterrupt.subscribe(on_interrupt)
    h.cbIpmInterrupt.subscribe(on_interrupt)
    h.cbMipInterrupt.subscribe(on_interrupt)
    if on_solution is not None:
        h.cbMipImprovingSolution.subscribe(on_solution)
    if start is not None:
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
    note("highs", [h.getNumRow(), h.getNumCol(), h.getNumNz()])  # for the message if HiGHS crashes the process
    _run_interruptibly(h, stop)
    h.cbLogging.clear()
    for cb in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt, h.cbMipImprovingSolution):
        cb.clear()
    run = _read_run(h, log)
    if run.status == "memory_limit":  # every caller (lazy rounds, polish, price, explain, re-solves) stops here
        raise SolverOutOfMemory(f"HiGHS ran out of memory ({run.termination})")
    return run


class SolverOutOfMemory(MemoryError):
    """HiGHS ended with its memory-limit status (1.16+): raised as a MemoryError, like its std::bad_alloc, so
    that every command turns it into the one-line out-of-memory message (finding N-oom-memorylimit)."""


HIGHS_RUNNING = threading.Event()  # set once HiGHS first runs in this process: the model has been handed over
# Set by Ctrl-C or SIGTERM while HiGHS runs: work done inside HiGHS's callbacks (the lazy network's re-routing
# LP, with its own HiGHS) stops too, so the interrupted solve ends promptly.
INTERRUPTED = threading.Event()
INTERRUPT_GRACE_S = 5.0  # how long Ctrl-C waits for HiGHS to stop before the interrupted run is abandoned


def stop_if_interrupted(e: Any) -> None:
    """A HiGHS interrupt callback for runs made inside another run's callback: stop once Ctrl-C came."""
    e.interrupt(INTERRUPTED.is_set())


def _run_interruptibly(h: highspy.Highs, stop: threading.Event) -> None:
    """h.run() in a worker thread, so the main thread can take Ctrl-C (or SIGTERM) and stop HiGHS."""
    HIGHS_RUNNING.set()
    if threading.current_thread() is threading.main_thread():
        INTERRUPTED.clear()  # a new top-level run (nested runs happen in HiGHS's callback thread)
    done = threading.Event()
    err: list[BaseException] = []

    def work() -> None:
        try:
            h.run()
        except BaseException as e:  # noqa: BLE001  (re-raised in the main thread)
            err.append(e)
        finally:
            done.set()

    th = threading.Thread(target=work, name="highs", daemon=True)
    th.start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        stop.set()
        INTERRUPTED.set()
        # HiGHS stops at its next interrupt check, which a long sub-MIP heuristic may not reach for a minute
        # or more: wait a little, then give up on it (its daemon thread ends with the process; nothing is written)
        done.wait(INTERRUPT_GRACE_S)
        raise
    if err:
        raise err[0]


def _read_run(h: highspy.Highs, log: list[str]) -> Run:
    ms = h.getModelStatus()
    raw = h.modelStatusToString(ms)
    name = str(ms).split(".")[-1]
    status = _STATUS.get(name, name.removeprefix("k").lower())
    info = h.getInfo()
    has = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value, dtype=float) if has else None
    is_mip = info.mip_node_count >= 0
    obj = float(info.objective_function_value) if has else None
    bound: float | None
    gap: float | None
    if is_mip:
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap) if has else None
    else:
        bound = obj if status == "optimal" else None
        gap = 0.0 if has and status == "optimal" else None  # an LP (no integers): optimal means no gap
    return Run(status, raw, x, obj, bound, gap, log)


# Plans whose costs differ by less than TIE_SLACK of the cost are equal-cost plans (~300 CNY/yr on china-2025's
# ~2,940 亿元/yr: below any input's precision; with no slack, LP round-off keeps most exact ties apart).
TIE_SLACK = 1e-9
TIE_TOL = 1e-7  # relative: a tie-broken plan dearer than the polished one by more than this is refused
POLISH_MIN_S = 30.0  # a plan the time limit stopped is still polished: its LP gets at least this (or 10 % of the limit)


def polish_time(left_s: float, limit_s: float) -> float:
    """Seconds the polish may take: what the limit leaves, but at least min(POLISH_MIN_S, 10 % of the limit), so
    the flows of a plan stopped by its time limit are made optimal for it and tie-broken like any other."""
    return max(left_s, min(POLISH_MIN_S, 0.1 * limit_s))


def tie_break_costs(hm: HighsModel, m: pyo.ConcreteModel) -> np.ndarray | None:
    """The model's second objective (m.tie_break, deactivated) as one cost per HiGHS column, or None."""
    tb = getattr(m, "tie_break", None)
    if tb is None:
        return None
    repn = generate_standard_repn(tb.expr, compute_values=True, quadratic=False)
    c = np.zeros(len(hm.columns))
    for v, a in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        j = hm.column(v)
        if j is not None:
            c[j] += float(a)
    return c


def polish(hm: HighsModel, x: np.ndarray, opts: Solver, time_limit: float,
           tie_break: np.ndarray | None = None) -> Run | None:
    """Fix the integer decisions of plan x and solve the LP that is left to optimality; with tie_break (a cost
    per column), then solve it again for the least tie_break among the LP's plans of equal cost:

        min tie_break · x   s.t. the rows, the integers fixed, cost · x ≤ (1 + TIE_SLACK) · cost · x_LP

    A MIP search stops within its gap with flows that need not be optimal for the plan it found; the first LP
    makes them so, and the second picks one plan among the many flows of equal cost (two solver seeds then
    agree where their integer decisions do). The result costs what the first LP's plan costs to within
    TIE_SLACK (and HiGHS's tolerances; it is refused beyond TIE_TOL). Returns the
    last LP's run (objective: the cost), or None when the first is not optimal. The HiGHS model is left as it
    was (integrality, bounds, costs and rows restored)."""
    ints = np.flatnonzero(hm.integer).astype(np.int32)
    if not len(ints) or time_limit <= 0:
        return None
    t0 = time.perf_counter()
    h, fixed = hm.highs, np.round(x[ints])
    h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), np.uint8))
    h.changeColsBounds(len(ints), ints, fixed, fixed)
    try:
        r = run_highs(hm, opts, time_limit, parallel=False)
        if tie_break is not None and r.status == "optimal" and r.x is not None and tie_break.any():
            t = _least_tie_break(hm, r.x, tie_break, opts, time_limit - (time.perf_counter() - t0))
            if t is not None:
                r = t
    finally:
        h.changeColsBounds(len(ints), ints, hm.col_lower[ints], hm.col_upper[ints])
        h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), np.uint8))
    if r.status != "optimal" or r.x is None:
        return None
    r.x[ints] = fixed  # exactly integral
    r.objective = hm.objective(r.x)
    return r


def _least_tie_break(hm: HighsModel, x: np.ndarray, tie_break: np.ndarray, opts: Solver,
                     time_limit: float) -> Run | None:
    """The LP of polish again, for the least tie_break at no more than x's cost; None if not optimal or dearer."""
    h, n = hm.highs, len(hm.columns)
    cx = float(hm.cost @ x)
    nz = np.flatnonzero(hm.cost).astype(np.int32)
    h.addRow(-INF, cx + TIE_SLACK * max(abs(cx + hm.offset), 1.0), len(nz), nz, hm.cost[nz])
    cols = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, cols, np.resize(tie_break, n))
    try:
        r = run_highs(hm, opts, time_limit, parallel=False)
    finally:
        h.changeColsCost(n, cols, hm.cost)
        h.deleteRows(1, np.array([h.getNumRow() - 1], np.int32))
    if r.status != "optimal" or r.x is None:
        return None
    before, after = hm.objective(x), hm.objective(r.x)
    if after > before + TIE_TOL * max(abs(before), 1.0):
        return None
    r.objective = after
    return r


def solve_model(m: pyo.ConcreteModel, opts: Solver, tee: bool = False, show_progress: bool = False,
                trace: bool = False, duals: bool = False,
                warm: Callable[[HighsModel, float], tuple[np.ndarray | None, str]] | None = None,
                near: bool = False) -> SolveOutcome:
    """Solve the model as built (every row present) and load the plan into its variables; duals=True also
    returns the row duals of an LP (a model with no integer left), per Pyomo constraint. warm(hm, seconds
    left): the start for HiGHS and how it was made (edwc.solve.warm.warm_start); near: that start is near the
    optimum (no sub-MIP heuristics when it is given)."""
    t0 = time.perf_counter()
    with progress("solving with HiGHS", enabled=show_progress and not tee):
        hm = to_highs(m)
        handover = time.perf_counter() - t0
        points: list[tuple[float, float, float]] = []

        def record(e: Any) -> None:
            p, b = e.data_out.mip_primal_bound, e.data_out.mip_dual_bound
            if abs(p) < INF and abs(b) < INF and (not points or points[-1][1:] != (p, b)):
                points.append((time.perf_counter() - t0, p, b))

        x0, how = warm(hm, opts.time_limit_s - handover) if warm is not None and hm.integer.any() else (None, "none")
        r = run_highs(hm, opts, opts.time_limit_s - (time.perf_counter() - t0), tee=tee,
                      on_progress=record if trace else None, start=x0, submips=not (near and x0 is not None))
        if trace and r.objective is not None and r.bound is not None:
            points.append((time.perf_counter() - t0, r.objective, r.bound))
        x, obj, gap = r.x, r.objective, r.mip_gap
        if x is not None and obj is not None and r.mip_gap is not None:
            left = opts.time_limit_s - (time.perf_counter() - t0)
            p = polish(hm, x, opts, left if r.status == "interrupted" else polish_time(left, opts.time_limit_s),
                       tie_break_costs(hm, m))
            if p is not None and p.x is not None and p.objective is not None \
                    and p.objective <= obj + TIE_TOL * max(abs(obj), 1.0):
                x, obj = p.x, p.objective
                if r.bound is not None and obj:
                    gap = max(0.0, (obj - r.bound) / abs(obj))
    if x is not None:
        load_solution(hm, x, m)
    row_duals = None
    if duals and x is not None and not hm.integer.any() and r.status == "optimal":
        row_duals = ComponentMap()
        for con, dual in zip(hm.rows, hm.highs.getSolution().row_dual, strict=True):
            row_duals[con] = row_duals.get(con, 0.0) + float(dual)  # a ranged row may come as two
    return SolveOutcome(r.status, r.termination, x is not None, obj, r.bound, gap,
                        time.perf_counter() - t0, highs_version(), "".join(r.log), handover_s=handover,
                        trace=points, duals=row_duals, start=how)
