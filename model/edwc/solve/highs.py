"""Solve a built model with HiGHS: Pyomo's standard-form compiler hands the matrix to highspy.

Pyomo stays the modelling layer (names, --write-lp, explain); the hand-over is one compile to a sparse
matrix and one `passModel`, measured 2-3× cheaper than Pyomo's persistent HiGHS interface (see
docs/performance.md). A solve stopped by its time limit keeps the best plan found and reports its gap;
Ctrl-C or SIGTERM stops HiGHS promptly and raises KeyboardInterrupt (nothing is written).
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
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from pyomo.repn.standard_repn import generate_standard_repn
from scipy import sparse

from edwc.formulation.build import no_gc
from edwc.input.schema import Solver

INF = highspy.kHighsInf

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
    handover_s: float = 0.0  # compiling the Pyomo model and passing it to HiGHS (part of seconds)
    network: str = "full"  # full: every network row built; lazy: rows added as plans overload trunks
    rounds: int = 1  # HiGHS runs (lazy: one per set of rows added)
    network_rows: int | None = None  # trunk_capacity rows in the model that gave the plan (lazy)
    trace: list[tuple[float, float, float]] = field(default_factory=list)  # (s since start, plan, bound)


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


@dataclass
class HighsModel:
    """A Pyomo model as HiGHS holds it: column j is columns[j], row i is rows[i] (one sense each)."""

    highs: highspy.Highs
    columns: list[Any]  # Pyomo VarData per column
    col: dict[int, int]  # id(VarData) -> column
    A: sparse.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column

    def column(self, var: Any) -> int | None:
        return self.col.get(id(var))

    def objective(self, x: np.ndarray) -> float:
        return float(self.cost @ x) + self.offset

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of a row, a column bound or integrality by x (scaled by the row's size)."""
        ax = self.A @ x
        scale = 1.0 + np.abs(self.row_lower).clip(max=1e12) * (self.row_lower > -INF)
        scale = np.maximum(scale, 1.0 + np.abs(self.row_upper).clip(max=1e12) * (self.row_upper < INF))
        worst = np.maximum(self.row_lower - ax, ax - self.row_upper) / scale
        cols = np.maximum(self.col_lower - x, x - self.col_upper)
        frac = np.abs(x - np.round(x)) * self.integer
        return float(max(worst.max(initial=0.0), cols.max(initial=0.0), frac.max(initial=0.0)))


def _var_arrays(columns: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column bounds (±INF where none) and integrality, from each variable's bounds and domain."""
    n = len(columns)
    bounds = [v.bounds for v in columns]
    lo = np.fromiter((-INF if b[0] is None else b[0] for b in bounds), float, n)
    hi = np.fromiter((INF if b[1] is None else b[1] for b in bounds), float, n)
    step: dict[int, bool] = {}  # domains are shared objects (Binary, NonNegativeReals, ...)

    def is_int(d: Any) -> bool:
        k = id(d)
        if k not in step:
            step[k] = d.get_interval()[2] == 1
        return step[k]

    integer = np.fromiter((is_int(v.domain) for v in columns), bool, n)
    return lo, hi, integer


def to_highs(m: pyo.ConcreteModel) -> HighsModel:
    """Compile the active rows and objective of m to a sparse matrix and pass it to a new HiGHS instance."""
    with no_gc():
        return _to_highs(m)


def _to_highs(m: pyo.ConcreteModel) -> HighsModel:
    info = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None)
    if len(info.objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(info.objectives)}")
    columns = list(info.columns)
    n = len(columns)
    kind = np.fromiter((r[1] for r in info.rows), np.int8, len(info.rows))  # 0 '=', 1 '<=', -1 '>='
    rhs = np.asarray(info.rhs, dtype=float)
    row_lower = np.where(kind == 1, -INF, rhs)
    row_upper = np.where(kind == -1, INF, rhs)
    lo, hi, integer = _var_arrays(columns)
    cost = np.asarray(info.c.todense(), dtype=float).ravel() if n else np.zeros(0)
    offset = float(info.c_offset[0])
    A = sparse.csc_array(info.A) if info.A.shape[0] else sparse.csc_array((0, n))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    sense = -1 if info.objectives[0].sense == pyo.maximize else 1
    h.passModel(n, A.shape[0], A.nnz, 1, sense, offset, cost, lo, hi, row_lower, row_upper,
                A.indptr, A.indices, A.data, integer.astype(np.int32))
    return HighsModel(h, columns, {id(v): j for j, v in enumerate(columns)}, sparse.csr_array(A), row_lower,
                      row_upper, cost, offset, lo, hi, integer)


def add_rows(hm: HighsModel, rows: list[Any]) -> None:
    """Append Pyomo constraints (linear) to the HiGHS model, adding any new variables as columns."""
    new_vars: list[Any] = []
    starts, index, value, lower, upper = [0], [], [], [], []
    for con in rows:
        repn = generate_standard_repn(con.body, compute_values=True, quadratic=False)
        for v, a in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            j = hm.col.get(id(v))
            if j is None:
                j = hm.col[id(v)] = len(hm.columns) + len(new_vars)
                new_vars.append(v)
            index.append(j)
            value.append(float(a))
        starts.append(len(index))
        k = float(repn.constant)
        lower.append(-INF if con.lower is None else pyo.value(con.lower) - k)
        upper.append(INF if con.upper is None else pyo.value(con.upper) - k)
    if new_vars:
        lo, hi, integer = _var_arrays(new_vars)
        nv = len(new_vars)
        hm.highs.addCols(nv, np.zeros(nv), lo, hi, 0, np.zeros(nv, np.int32), np.zeros(0, np.int32), np.zeros(0))
        ints = np.flatnonzero(integer) + len(hm.columns)
        if len(ints):
            hm.highs.changeColsIntegrality(len(ints), ints.astype(np.int32),
                                           np.full(len(ints), 1, np.uint8))
        hm.columns += new_vars
        hm.cost = np.concatenate([hm.cost, np.zeros(nv)])
        hm.col_lower, hm.col_upper = np.concatenate([hm.col_lower, lo]), np.concatenate([hm.col_upper, hi])
        hm.integer = np.concatenate([hm.integer, integer])
    n = len(hm.columns)
    new = sparse.csr_array((np.asarray(value, float), np.asarray(index, np.int32), np.asarray(starts, np.int32)),
                           shape=(len(rows), n))
    hm.highs.addRows(len(rows), np.asarray(lower), np.asarray(upper), len(index), np.asarray(starts[:-1], np.int32),
                     np.asarray(index, np.int32), np.asarray(value, float))
    A = hm.A
    A = sparse.csr_array((A.data, A.indices, A.indptr), shape=(A.shape[0], n))
    hm.A = sparse.csr_array(sparse.vstack([A, new]))
    hm.row_lower = np.concatenate([hm.row_lower, lower])
    hm.row_upper = np.concatenate([hm.row_upper, upper])


def load_solution(hm: HighsModel, x: np.ndarray, m: pyo.ConcreteModel | None = None) -> None:
    """Write a solution vector into the Pyomo variables (fixed variables keep their values).

    With m, a variable HiGHS never saw (in no active row, at zero cost: e.g. the wavelengths of a trunk
    nothing is routed over) gets the in-bounds value nearest 0, so every expression of m evaluates.
    """
    for v, val in zip(hm.columns, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    if m is not None:
        for v in m.component_data_objects(pyo.Var, descend_into=True):
            if v.value is None:
                lo, hi = v.bounds
                v.set_value(lo if lo is not None and lo > 0 else (hi if hi is not None and hi < 0 else 0.0),
                            skip_validation=True)


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
              start: np.ndarray | None = None) -> Run:
    """Run HiGHS on hm with edwc's options; on_solution sees every improving plan, on_progress is polled
    through the search (it may call event.interrupt()). Ctrl-C stops HiGHS and re-raises."""
    h = hm.highs
    h.clearSolver()
    for key, val in {"output_flag": True, "log_to_console": False, "time_limit": max(time_limit, 1e-3),
                     "mip_rel_gap": opts.mip_gap, "threads": opts.threads, "random_seed": opts.seed}.items():
        h.setOptionValue(key, val)
    log: list[str] = []
    stop = threading.Event()

    def on_log(e: Any) -> None:
        log.append(e.message)
        if tee:
            sys.stderr.write(e.message)

    def on_interrupt(e: Any) -> None:
        if stop.is_set():
            e.interrupt()
        elif on_progress is not None and e.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
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
    _run_interruptibly(h, stop)
    h.cbLogging.clear()
    for cb in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt, h.cbMipImprovingSolution):
        cb.clear()
    return _read_run(h, log)


def _run_interruptibly(h: highspy.Highs, stop: threading.Event) -> None:
    """h.run() in a worker thread, so the main thread can take Ctrl-C (or SIGTERM) and stop HiGHS."""
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
        done.wait()
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


def solve_model(m: pyo.ConcreteModel, opts: Solver, tee: bool = False, show_progress: bool = False,
                trace: bool = False) -> SolveOutcome:
    """Solve the model as built (every row present) and load the plan into its variables."""
    t0 = time.perf_counter()
    with progress("solving with HiGHS", enabled=show_progress and not tee):
        hm = to_highs(m)
        handover = time.perf_counter() - t0
        points: list[tuple[float, float, float]] = []

        def record(e: Any) -> None:
            p, b = e.data_out.mip_primal_bound, e.data_out.mip_dual_bound
            if abs(p) < INF and abs(b) < INF and (not points or points[-1][1:] != (p, b)):
                points.append((time.perf_counter() - t0, p, b))

        r = run_highs(hm, opts, opts.time_limit_s - handover, tee=tee, on_progress=record if trace else None)
        if trace and r.objective is not None and r.bound is not None:
            points.append((time.perf_counter() - t0, r.objective, r.bound))
    if r.x is not None:
        load_solution(hm, r.x, m)
    return SolveOutcome(r.status, r.termination, r.x is not None, r.objective, r.bound, r.mip_gap,
                        time.perf_counter() - t0, highs_version(), "".join(r.log), handover_s=handover,
                        trace=points)
