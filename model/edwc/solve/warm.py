"""Warm starts: a plan already in hand (the base of `edwc price`, `pareto`, `alternatives`, a sweep) handed
to HiGHS as the start of a re-solve a few settings away.

A Start holds the plan's values by Pyomo component name and index, so it fits whatever model a case
builds: a column whose variable the plan has gets its value, any other (a component the base model did
not have, a new index) starts unknown. Before HiGHS sees it the start is *repaired to the case*: the
integer decisions it knows are fixed and the rest is solved (an LP, or a small MIP when some integers
are unknown), which both makes the start feasible for the case's rows when its decisions allow it and
gives it the case's best flows. A start whose decisions cannot be made feasible is dropped (the solve
runs cold). HiGHS only ever receives a plan that satisfies every row, so a start can make a solve
faster, never its plan worse: the MIP search keeps the start as incumbent and stops at the same gap.

The Start also carries the trunk rows that are (nearly) binding at the plan: the lazy network adds
them before its first round instead of finding them again (edwc.solve.lazy). That pays for a case that
minimises cost like its base (china-2025's price re-solves: 1.5x from the rows alone) and costs a
case with another objective dearly (an alternative maximising west MW: 3-25x slower with them), whose
caller hands over Start.plan_only().

A start marked `near` (price's: each re-solve only drops a policy the plan meets) is expected within about the
gap of the case's optimum: its solve runs without HiGHS's sub-MIP heuristics (RENS, RINS, root reduced cost),
which on china-2025 spent ~17 of ~25 s finding nothing better than the start (docs/performance.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo

from edwc.formulation.constraints import trunk_users
from edwc.formulation.data import ModelData
from edwc.input.schema import Solver
from edwc.solve.handover import HighsModel
from edwc.solve.highs import run_highs

FEASIBLE_TOL = 1e-6  # HighsModel.violation of a start HiGHS may be given
ROW_MARGIN = 0.02  # a trunk row is carried when the plan loads it to within this share of its capacity
REPAIR_SHARE = 0.25  # of the time limit at most spent repairing starts (the rest is the search's)


@dataclass
class Start:
    """A plan's values, component name -> index -> value, and its (nearly) binding trunk rows."""

    values: dict[str, dict[Any, float]]
    rows: frozenset[tuple[str, int]] = frozenset()
    label: str = "base"
    near: bool = False  # expected near the case's optimum: HiGHS skips its sub-MIP heuristics (module docstring)

    def __len__(self) -> int:
        return sum(len(v) for v in self.values.values())

    def plan_only(self) -> Start:
        """The plan without its trunk rows: for a case with another objective (an alternative, the far end
        of a front), whose search the cost plan's binding rows slow down (docs/performance.md)."""
        return Start(self.values, frozenset(), self.label, self.near)


@dataclass
class Warm:
    """What became of the starts of one solve: the vector handed to HiGHS (or None) and how it was made."""

    x: np.ndarray | None
    how: str  # none | used (as given) | repaired | dropped
    seconds: float = 0.0


def submips(starts: Sequence[Start], how: str) -> bool:
    """Whether HiGHS runs its sub-MIP heuristics: not when a start marked near was used (or repaired)."""
    return not (how in ("used", "repaired") and any(s.near for s in starts))


def start_of_model(m: pyo.ConcreteModel, d: ModelData | None = None, label: str = "base") -> Start:
    """The values of every variable of a solved model, and with d the trunk rows binding at them."""
    values: dict[str, dict[Any, float]] = {}
    for comp in m.component_objects(pyo.Var, descend_into=True):
        vals = {idx: float(v.value) for idx, v in comp.items() if v.value is not None}
        if vals:
            values[comp.name] = vals
    return Start(values, binding_rows(m, d) if d is not None else frozenset(), label)


def binding_rows(m: pyo.ConcreteModel, d: ModelData) -> frozenset[tuple[str, int]]:
    """(trunk, period) whose load at the model's values reaches (1 − ROW_MARGIN) of its capacity."""
    flow, waves = getattr(m, "flow_to_site", None), getattr(m, "wavelengths", None)
    if flow is None:
        return frozenset()
    out = set()
    for l, users in trunk_users(d).items():
        cum = 0.0
        for t in d.periods:
            if waves is not None and (l, t) in waves:
                cum += float(waves[l, t].value or 0.0)
            cap = float(d.trunk[l]["capacity_gbps"]) + float(d.trunk[l].get("module_gbps") or 0.0) * cum
            load = sum(float(flow[s, u, t].value or 0.0) for (s, u) in users if (s, u, t) in flow)
            if load > 0 and load >= (1 - ROW_MARGIN) * cap:
                out.add((l, t))
    return frozenset(out)


def start_vector(hm: HighsModel, start: Start) -> tuple[np.ndarray, np.ndarray]:
    """(x, known): the start as one value per HiGHS column, matched by component name and index; a column
    the start has no value for gets the in-bounds value nearest 0 and known[j] = False."""
    n = len(hm.columns)
    x = np.zeros(n)
    known = np.zeros(n, bool)
    cache: dict[int, dict[Any, float] | None] = {}
    for j, v in enumerate(hm.columns):
        comp = v.parent_component()
        k = id(comp)
        if k not in cache:
            cache[k] = start.values.get(comp.name)
        vals = cache[k]
        if vals is not None:
            val = vals.get(v.index())
            if val is not None:
                x[j], known[j] = val, True
    x = np.clip(np.where(known, x, 0.0), hm.col_lower, hm.col_upper)
    ints = hm.integer & known
    x[ints] = np.round(x[ints])
    return x, known


def repair(hm: HighsModel, x: np.ndarray, known: np.ndarray, opts: Solver, time_limit: float) -> np.ndarray | None:
    """The start with its known integer decisions fixed and everything else solved for the case (an LP when
    every integer is known, else a MIP over the unknown ones); None when that has no feasible plan. The HiGHS
    model is left as it was."""
    ints = np.flatnonzero(hm.integer & known).astype(np.int32)
    all_known = not (hm.integer & ~known).any()
    h = hm.highs
    fixed = np.clip(np.round(x[ints]), hm.col_lower[ints], hm.col_upper[ints])
    if all_known and len(ints):
        h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), np.uint8))
    h.changeColsBounds(len(ints), ints, fixed, fixed)
    try:
        r = run_highs(hm, opts, time_limit, parallel=False)
    finally:
        h.changeColsBounds(len(ints), ints, hm.col_lower[ints], hm.col_upper[ints])
        if all_known and len(ints):
            h.changeColsIntegrality(len(ints), ints, np.ones(len(ints), np.uint8))
    if r.x is None or r.status not in ("optimal", "time_limit", "interrupted"):
        return None
    y = r.x
    y[ints] = fixed
    return y if hm.violation(y) <= FEASIBLE_TOL else None


def candidates(hm: HighsModel, starts: Sequence[Start], opts: Solver, time_limit: float) -> list[tuple[str, np.ndarray]]:
    """Each start as a plan of this model: (how, x) with how 'used' (feasible as given) or 'repaired';
    the starts that could not be made feasible are left out."""
    out: list[tuple[str, np.ndarray]] = []
    t0 = time.perf_counter()
    for s in starts:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            break
        x, known = start_vector(hm, s)
        if not known.any():
            continue
        y = repair(hm, x, known, opts, left)
        if y is not None:
            as_given = hm.violation(x) <= FEASIBLE_TOL and hm.sign * hm.objective(x) <= hm.sign * hm.objective(y)
            out.append(("used", x) if as_given else ("repaired", y))
        elif hm.violation(x) <= FEASIBLE_TOL:
            out.append(("used", x))
    return out


def warm_start(starts: Sequence[Start], opts: Solver) -> Callable[[HighsModel, float], tuple[np.ndarray | None, str]]:
    """The warm hook of edwc.solve.highs.solve_model: (start vector or None, how) for a HighsModel."""

    def hook(hm: HighsModel, time_limit: float) -> tuple[np.ndarray | None, str]:
        w = warm_vector(hm, starts, opts, time_limit)
        return w.x, w.how

    return hook


def warm_vector(hm: HighsModel, starts: Sequence[Start], opts: Solver, time_limit: float) -> Warm:
    """The cheapest of the starts made feasible for hm (the vector for run_highs' start), or none."""
    if not starts:
        return Warm(None, "none")
    t0 = time.perf_counter()
    found = candidates(hm, starts, opts, REPAIR_SHARE * time_limit)
    if not found:
        return Warm(None, "dropped", time.perf_counter() - t0)
    how, x = min(found, key=lambda c: hm.sign * hm.objective(c[1]))
    return Warm(x, how, time.perf_counter() - t0)
