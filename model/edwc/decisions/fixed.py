"""The plan of a result with its integer decisions fixed: an LP whose duals are marginal values.

A MIP has no duals. Fixing every integer decision (campuses opened, modules, wavelengths) at the
plan's values leaves an LP over the continuous ones (who serves whom, unmet work, flows); its row
duals say what one more unit of a right-hand side is worth *given that plan*: a bigger change
may be met by building differently, which no dual can see (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.expr.visitor import identify_variables

from edwc.errors import EdwcError
from edwc.formulation.build import build_model
from edwc.formulation.data import SCALE, ModelData
from edwc.input.instance import Instance
from edwc.network.reach import load_valid_instance
from edwc.results.tables import Result, read_result
from edwc.solve.highs import solve_model
from edwc.solve.warm import Start, start_of_model


@dataclass
class FixedPlan:
    """The LP of a plan with its integers fixed, solved."""

    inst: Instance
    model: pyo.ConcreteModel
    data: ModelData
    objective_cny: float  # the objective at the fixed plan, CNY (objective_cny of summary.json)
    duals: ComponentMap  # ConstraintData -> dual, M CNY/yr per unit of the row (HiGHS sign: ∂cost/∂rhs)
    status: str


def load_result_instance(result_dir: Path, sets: dict[str, Any] | None = None) -> Instance:
    """The resolved instance a result was solved with (result/instance/), with optional overrides."""
    return load_valid_instance(Path(result_dir) / "instance", sets=sets)


def plan_integers(m: pyo.ConcreteModel, d: ModelData, result: Result, strict: bool = True) -> ComponentMap:
    """The value of every integer variable in the plan of `result`, read from its tables.

    open[s,t] from sites.csv, modules[s,c,t] from the growth of built_pflops in capacity.csv,
    wavelengths[l,t] from trunks.csv, block_on[s,w,t] from serve.csv, has_direct[s,t] (the 650号 switch) from the direct supply in sites.csv,
    shell_phases[s,t] and shell_allowed[s,t] (the 上架率 freeze) from shell_mw_new in sites.csv.
    Raises EdwcError when an integer variable has no value there (strict=False: leaves it out).
    """
    values = ComponentMap()
    sites = result.tables["sites"].set_index(["site", "period"])["open"]
    for s, t in m.open:
        values[m.open[s, t]] = float(sites.get((s, t), 0))
    cap = result.tables["capacity"].set_index(["site", "class", "period"])["built_pflops"]
    for s, c in d.buildable:
        before = 0.0
        for t in d.periods:
            now = float(cap.get((s, c, t), 0.0))
            values[m.modules[s, c, t]] = round((now - before) / d.module_pflops[c])
            before = now
    added = result.tables["trunks"].set_index(["trunk", "period"])["wavelengths_added"]
    for l, t in m.wavelengths:
        values[m.wavelengths[l, t]] = float(added.get((l, t), 0))
    if hasattr(m, "has_direct"):
        st = result.tables["sites"].set_index(["site", "period"])
        for s, t in m.has_direct:
            mw = float(st["direct_solar_mw"].get((s, t), 0.0) + st["direct_wind_mw"].get((s, t), 0.0))
            values[m.has_direct[s, t]] = 1.0 if mw > 1e-6 else 0.0
    if hasattr(m, "block_on"):  # edwc.formulation.blocks: on where the plan serves the workload at the site
        srv = result.tables["serve"].groupby(["site", "workload", "period"])["pflops"].sum()
        for s, w, t in m.block_on:
            values[m.block_on[s, w, t]] = 1.0 if float(srv.get((s, w, t), 0.0)) > 1e-6 else 0.0
    if hasattr(m, "shell_phases") or hasattr(m, "shell_allowed"):  # edwc.formulation.shells / quotas
        new_shells = result.tables["sites"].set_index(["site", "period"])["shell_mw_new"]
        for s, t in getattr(m, "shell_phases", {}):
            values[m.shell_phases[s, t]] = round(float(new_shells.get((s, t), 0.0)) / d.shell_phase_mw[s])
        for s, t in getattr(m, "shell_allowed", {}):  # allowed where the plan built shells; 0 elsewhere is as good
            values[m.shell_allowed[s, t]] = 1.0 if float(new_shells.get((s, t), 0.0)) > 1e-6 else 0.0
    missing = [v.name for v in m.component_data_objects(pyo.Var) if not v.is_continuous() and v not in values]
    if missing and strict:
        raise EdwcError(f"cannot fix the plan: no value in the result tables for {', '.join(missing[:5])}")
    return values


def fix_integers(values: ComponentMap) -> None:
    """Make each integer variable a continuous one fixed at its plan value (so the model is an LP)."""
    for var, val in values.items():
        var.domain = pyo.Reals
        var.fix(val)


def free_variables(con: Any) -> bool:
    """True when a row still holds a decision once the integers are fixed (else its dual means nothing)."""
    return any(not v.fixed for v in identify_variables(con.body, include_fixed=True))


def solve_fixed(result_dir: Path, sets: dict[str, Any] | None = None, result: Result | None = None,
                time_limit: float = 600.0, strict: bool = True) -> FixedPlan:
    """Build the result's instance (with `sets` applied), fix its plan's integers, solve the LP with duals
    (strict=False: integers the tables do not give are left free, and solved for)."""
    result = result or read_result(result_dir)
    inst = load_result_instance(result_dir, sets)
    m, d = build_model(inst)
    fix_integers(plan_integers(m, d, result, strict))
    opts = inst.config.solver.model_copy(update={"time_limit_s": time_limit, "mip_gap": 0.0})
    out = solve_model(m, opts, duals=True)
    if not out.has_solution:
        return FixedPlan(inst, m, d, float("nan"), ComponentMap(), out.status)
    cost = pyo.value(m.total_cost) * SCALE  # the objective, as summary.json's objective_cny
    return FixedPlan(inst, m, d, cost, out.duals or ComponentMap(), out.status)


def plan_start(result_dir: Path, plan: FixedPlan | None = None, time_limit: float = 120.0) -> Start | None:
    """The plan of a result as a warm start for re-solves near it (edwc.solve.warm): every variable of its
    model, from the plan's LP with its integers fixed (`plan` when already solved), and the trunk rows binding
    at it. None when the plan cannot be rebuilt (a damaged or foreign result): the re-solves then run cold."""
    try:
        plan = plan or solve_fixed(Path(result_dir), time_limit=time_limit, strict=False)
    except (EdwcError, OSError, ValueError, KeyError):
        return None
    if plan.status != "optimal":
        return None
    return start_of_model(plan.model, plan.data, label=Path(result_dir).name)


def row_table(plan: FixedPlan, family: str) -> pd.DataFrame:
    """One row per constraint of `family`: its index, dual (CNY/yr per unit of the row), slack, and
    whether it still holds a decision at the fixed plan."""
    comp = getattr(plan.model, family, None)
    rows = []
    for k, con in (comp.items() if comp is not None else []):
        if not con.active:
            continue
        body = pyo.value(con.body)
        slack = min(body - pyo.value(con.lower) if con.lower is not None else float("inf"),
                    pyo.value(con.upper) - body if con.upper is not None else float("inf"))
        rows.append({"family": family, "index": k if isinstance(k, tuple) else (k,),
                     "dual_cny": plan.duals.get(con, 0.0) * SCALE, "slack": slack, "has_decision": free_variables(con)})
    return pd.DataFrame(rows, columns=["family", "index", "dual_cny", "slack", "has_decision"])
