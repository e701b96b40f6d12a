"""The hand-over: a Pyomo model compiled by Pyomo's standard-form compiler into one sparse matrix and
passed to highspy in one call; rows added later (the lazy network) go in place; a plan comes back
into the Pyomo variables.

Measured against Pyomo's persistent HiGHS interfaces and an LP file (benchmarks/bench_handover.py,
docs/performance.md): about 3x less time at 340 x 60.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from pyomo.repn.standard_repn import generate_standard_repn

from edwc.solve.imports import skip_pyomo_import_callback

skip_pyomo_import_callback("scipy")  # before the first scipy import: the hand-over needs scipy.sparse only

from scipy import sparse  # noqa: E402

from edwc.formulation.build import no_gc  # noqa: E402

INF = highspy.kHighsInf


def new_highs() -> highspy.Highs:
    """A HiGHS instance. The first in a process prints HiGHS's start-up banner straight to file
    descriptor 1, where a planner's output (or a script's pipe) is: it goes to /dev/null instead
    (solver output shows only in the log or with -v; the version is in every status line)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


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
    rows: list[Any] = field(default_factory=list)  # Pyomo ConstraintData per row (a ranged row may come twice)
    sign: float = 1.0  # 1 for a minimisation, -1 for a maximisation (sign · objective is to be minimised)

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
    # v.lb and v.ub are v.bounds (the domain's bounds within the variable's), read 3x faster apart
    lo = np.fromiter((-INF if b is None else b for b in (v.lb for v in columns)), float, n)
    hi = np.fromiter((INF if b is None else b for b in (v.ub for v in columns)), float, n)
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
    h = new_highs()
    h.setOptionValue("output_flag", False)
    sense = -1 if info.objectives[0].sense == pyo.maximize else 1
    h.passModel(n, A.shape[0], A.nnz, 1, sense, offset, cost, lo, hi, row_lower, row_upper,
                A.indptr, A.indices, A.data, integer.astype(np.int32))
    return HighsModel(h, columns, {id(v): j for j, v in enumerate(columns)}, sparse.csr_array(A), row_lower,
                      row_upper, cost, offset, lo, hi, integer, [r[0] for r in info.rows], float(sense))


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
    hm.rows += rows


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
