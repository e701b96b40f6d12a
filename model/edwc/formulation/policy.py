"""Policy constraints, each switched on by its key under `policy:` in instance.yaml.

All are built through `_add`, so each can also be made *elastic* (a priced slack) to explain
which policies conflict when the strict model is infeasible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyomo.environ as pyo
from pyomo.core.expr.numvalue import is_potentially_variable
from pyomo.core.util import quicksum

from edwc.errors import SolveError
from edwc.formulation.constraints import installed, served
from edwc.formulation.data import ModelData
from edwc.input.schema import Policy

INTELLIGENT = "intelligent"


def _add(m: pyo.ConcreteModel, name: str, index: Iterable, body: Callable, sense: str) -> None:
    """Add constraint family `name`: body(idx) returns (lhs, rhs) meaning lhs >= rhs or lhs <= rhs.

    With m.elastic set, a non-negative slack `<name>_slack[idx]` relaxes each row and is priced in
    the objective; its value tells how far the policy had to give way.
    """
    index = list(index)
    if m.elastic:
        slack = pyo.Var(index, domain=pyo.NonNegativeReals)
        setattr(m, f"{name}_slack", slack)
        m.elastic_slacks.append(slack)

    def rule(m, *idx):
        key = idx[0] if len(idx) == 1 else idx
        lhs, rhs = body(*idx)
        if not m.elastic and not (is_potentially_variable(lhs) or is_potentially_variable(rhs)):
            # Nothing to decide (e.g. nothing buildable anywhere): the row holds or can never hold.
            holds = pyo.value(lhs) >= pyo.value(rhs) - 1e-9 if sense == ">=" else pyo.value(lhs) <= pyo.value(rhs) + 1e-9
            if holds:
                return pyo.Constraint.Skip
            raise SolveError(f"policy {name}[{key}] can never hold: {pyo.value(lhs):g} {sense} {pyo.value(rhs):g} "
                             "with nothing the plan can change; relax or switch off this policy")
        if m.elastic:
            s = getattr(m, f"{name}_slack")[key]
            return lhs + s >= rhs if sense == ">=" else lhs - s <= rhs
        return lhs >= rhs if sense == ">=" else lhs <= rhs

    setattr(m, name, pyo.Constraint(index, rule=rule))


def _built(m, d: ModelData, s: str, c: str, t: int):
    return d.module_pflops[c] * quicksum(m.modules[s, c, tt] for tt in d.periods if tt <= t)


def add_west_share_new(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """west_share_new[t]:  Σ_{s west, c} built[s,c,t] ≥ share · Σ_{s, c} built[s,c,t]  (cumulative new PFLOPS)."""
    west = [(s, c) for (s, c) in d.buildable if d.site[s]["side"] == "west"]
    _add(m, "west_share_new", d.periods,
         lambda t: (quicksum(_built(m, d, s, c, t) for s, c in west),
                    share * quicksum(_built(m, d, s, c, t) for s, c in d.buildable)), ">=")


def add_intelligent_share(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """intelligent_share[t]:  Σ_s installed[s,intelligent,t] ≥ share · Σ_{s,c} installed[s,c,t]."""
    _add(m, "intelligent_share", d.periods,
         lambda t: (quicksum(installed(m, d, s, c, t) for s, c in d.site_class if c == INTELLIGENT),
                    share * quicksum(installed(m, d, s, c, t) for s, c in d.site_class)), ">=")


def add_pue_ceiling(m: pyo.ConcreteModel, d: ModelData, pue_max: dict[str, float | None]) -> None:
    """pue_ceiling[s,c,t]:  modules[s,c,t] ≤ 0  for sites whose PUE exceeds their side's ceiling."""
    def above(s: str) -> bool:
        ceiling = pue_max.get(d.site[s]["side"])
        return ceiling is not None and d.site[s]["pue"] > ceiling + 1e-12

    idx = [(s, c, t) for (s, c) in d.buildable for t in d.periods if above(s)]
    _add(m, "pue_ceiling", idx, lambda s, c, t: (m.modules[s, c, t], 0), "<=")


def add_west_utilisation(m: pyo.ConcreteModel, d: ModelData, u_min: float) -> None:
    """west_utilisation[s,c,t]:  served[s,c,t] ≥ u_min · installed[s,c,t]  for western sites."""
    idx = [(s, c, t) for (s, c) in d.site_class for t in d.periods if d.site[s]["side"] == "west"]
    _add(m, "west_utilisation", idx,
         lambda s, c, t: (served(m, d, s, c, t), u_min * installed(m, d, s, c, t)), ">=")


def add_carbon_cap(m: pyo.ConcreteModel, d: ModelData, cap_t: float) -> None:
    """carbon_cap[t]:  Σ_s emissions_t[s,t] ≤ carbon_cap_t."""
    _add(m, "carbon_cap", d.periods, lambda t: (quicksum(m.emissions_t[s, t] for s in m.sites), cap_t), "<=")


def add_renewable_share(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """renewable_share[t]:  Σ_s renewable_share[s] · energy_mwh[s,t] ≥ share · Σ_s energy_mwh[s,t]."""
    _add(m, "renewable_share", d.periods,
         lambda t: (quicksum(d.site[s]["renewable_share"] * m.energy_mwh[s, t] for s in m.sites),
                    share * quicksum(m.energy_mwh[s, t] for s in m.sites)), ">=")


def add_max_site_share(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """max_site_share[r,s,w,t]:  serve[r,s,w,t] ≤ share · demand[r,w,t]  (no region leans on one site)."""
    _add(m, "max_site_share", d.serve_index,
         lambda r, s, w, t: (m.serve[r, s, w, t], share * d.demand[(r, w, t)]), "<=")


def add_policies(m: pyo.ConcreteModel, d: ModelData, p: Policy) -> list[str]:
    """Add every policy in force; return their names."""
    on = []
    if p.west_share_new_min is not None:
        add_west_share_new(m, d, p.west_share_new_min)
        on.append("west_share_new")
    if p.intelligent_share_min is not None:
        add_intelligent_share(m, d, p.intelligent_share_min)
        on.append("intelligent_share")
    if p.pue_max.east is not None or p.pue_max.west is not None:
        add_pue_ceiling(m, d, p.pue_max.model_dump())
        on.append("pue_ceiling")
    if p.west_utilisation_min is not None:
        add_west_utilisation(m, d, p.west_utilisation_min)
        on.append("west_utilisation")
    if p.carbon_cap_t is not None:
        add_carbon_cap(m, d, p.carbon_cap_t)
        on.append("carbon_cap")
    if p.renewable_share_min is not None:
        add_renewable_share(m, d, p.renewable_share_min)
        on.append("renewable_share")
    if p.max_site_share is not None:
        add_max_site_share(m, d, p.max_site_share)
        on.append("max_site_share")
    return on
