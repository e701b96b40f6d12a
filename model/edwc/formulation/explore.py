"""Bounds and objectives for exploring around the optimum (`explore:` in instance.yaml).

`edwc pareto` bounds emissions or the mean round trip (the ε-constraint method) and
`edwc alternatives` bounds the cost and pushes capacity towards or away from a group of sites.
Everything here is off by default, so an instance without `explore:` builds the plain model.
Sums run over every period, like the objective.
"""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.errors import InputError, Problem
from edwc.formulation.data import SCALE, ModelData, kw_new
from edwc.input.schema import Explore

MT = 1e6  # emissions objective in MtCO2, so HiGHS sees numbers of order one


def add_emissions_bound(m: pyo.ConcreteModel, d: ModelData, cap_t: float) -> None:
    """explore_emissions:  Σ_t Σ_s emissions_t[s,t] ≤ emissions_t_max."""
    m.explore_emissions = pyo.Constraint(expr=quicksum(m.emissions_t[s, t] for s in d.sites for t in d.periods) / MT <= cap_t / MT)


def rtt_weighted(m: pyo.ConcreteModel, d: ModelData, minus_ms: float = 0.0):
    """Σ_{(r,s,w,t)} (rtt(r,s) − minus_ms) · serve[r,s,w,t]   (ms · PFLOPS)."""
    return quicksum((d.rtt[(r, s)] - minus_ms) * m.serve[r, s, w, t] for (r, s, w, t) in d.serve_index)


def add_rtt_bound(m: pyo.ConcreteModel, d: ModelData, mean_ms: float) -> None:
    """explore_rtt:  Σ rtt(r,s) · serve[r,s,w,t] ≤ rtt_mean_ms_max · Σ serve[r,s,w,t]  (the served-work mean RTT)."""
    m.explore_rtt = pyo.Constraint(expr=rtt_weighted(m, d, mean_ms) <= 0)


def add_cost_bound(m: pyo.ConcreteModel, cost_cny: float) -> None:
    """explore_cost:  the objective (every cost part and the value of unmet service, as summary.json's
    objective_cny) ≤ cost_max_cny."""
    m.explore_cost = pyo.Constraint(expr=m.total_cost.expr <= cost_cny / SCALE)


def add_unmet_bound(m: pyo.ConcreteModel, pflops: float) -> None:
    """explore_unmet:  Σ_{r,w,t} unmet[r,w,t] ≤ unmet_pflops_max."""
    m.explore_unmet = pyo.Constraint(expr=quicksum(m.unmet[i] for i in m.demand_index) <= pflops)


def group_sites(d: ModelData, group: str) -> list[str]:
    """Sites of a group: `west`, `east`, `hub=ID` or `site=ID`. Raises InputError for an unknown id."""
    kind, _, ident = group.partition("=")
    if kind in ("west", "east") and not ident:
        return [s for s in d.sites if d.site[s]["side"] == kind]
    if kind == "hub":
        sites = [s for s in d.sites if d.site[s]["hub"] == ident]
    elif kind == "site":
        sites = [s for s in d.sites if s == ident]
    else:
        sites = []
    if not sites:
        raise InputError([Problem("explore.objective", f"'{group}' names no site (use west, east, hub=ID or site=ID)")],
                         "instance.yaml")
    return sites


def built_mw(m: pyo.ConcreteModel, d: ModelData, sites: list[str]):
    """IT MW built over all periods at `sites`: Σ_{s,c,t} kw_new[c,t]/1000 · module_pflops[c] · modules[s,c,t]
    (each vintage at its own kW per PFLOPS)."""
    keep = set(sites)
    return quicksum(kw_new(d, c, t) / 1000 * d.module_pflops[c] * m.modules[s, c, t]
                    for (s, c) in d.buildable if s in keep for t in d.periods)


def set_objective(m: pyo.ConcreteModel, d: ModelData, objective: str) -> None:
    """Replace the cost objective by `objective` (see Explore.objective); `cost` keeps it."""
    if objective == "cost":
        return
    if objective == "min:emissions":
        expr, sense = quicksum(m.emissions_t[s, t] for s in d.sites for t in d.periods) / MT, pyo.minimize
    elif objective == "min:rtt":
        expr, sense = rtt_weighted(m, d) / SCALE, pyo.minimize
    else:
        how, _, group = objective.split(":", 2)
        expr = built_mw(m, d, group_sites(d, group))
        sense = pyo.minimize if how == "min" else pyo.maximize
    m.total_cost.deactivate()
    m.explore_objective = pyo.Objective(expr=expr, sense=sense)


def add_explore(m: pyo.ConcreteModel, d: ModelData, x: Explore) -> None:
    """Add the bounds that are set and swap the objective when asked; nothing when `explore:` is left out."""
    if x.emissions_t_max is not None:
        add_emissions_bound(m, d, x.emissions_t_max)
    if x.rtt_mean_ms_max is not None:
        add_rtt_bound(m, d, x.rtt_mean_ms_max)
    if x.cost_max_cny is not None:
        add_cost_bound(m, x.cost_max_cny)
    if x.unmet_pflops_max is not None:
        add_unmet_bound(m, x.unmet_pflops_max)
    set_objective(m, d, x.objective)
