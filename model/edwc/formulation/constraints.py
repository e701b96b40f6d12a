"""Core constraint families. One function each; the formula is in the docstring.

Notation: r region, s site, c class, w workload (class c(w)), l trunk, t period; A the
latency-feasible (r, s, w) set. `installed` and `served` are linear expressions (see build.py).
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.data import ModelData, kw_new


def serve_vars(m: pyo.ConcreteModel) -> dict[tuple[str, str, str, int], Any]:
    """m.serve as a plain dict (index -> variable), made once per model: Pyomo's indexing normalises every
    index it is given, which was ~10 % of a build at 340 × 60 (each of 66,000 serve variables is looked up
    in four families)."""
    sv = getattr(m, "_serve_vars", None)
    if sv is None:
        sv = m._serve_vars = dict(m.serve.items())
    return sv


def built(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """built[s,c,t] = module_pflops[c] · Σ_{t' ≤ t} modules[s,c,t']  (new capacity in service in period t)."""
    if (s, c) not in d.max_modules or d.max_modules[(s, c)] == 0:
        return 0.0
    return d.module_pflops[c] * quicksum(m.modules[s, c, tt] for tt in d.periods if tt <= t)


def built_kw(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """IT kW of the new builds of class c in service at s in period t, each vintage at its own kW per PFLOPS:
    Σ_{t' ≤ t} kw_new[c,t'] · module_pflops[c] · modules[s,c,t']  (= kw_per_pflops[c] · built[s,c,t] without vintages)."""
    if c not in d.vintaged:
        return d.kw_per_pflops[c] * built(m, d, s, c, t)
    if (s, c) not in d.max_modules or d.max_modules[(s, c)] == 0:
        return 0.0
    return quicksum(kw_new(d, c, tt) * d.module_pflops[c] * m.modules[s, c, tt] for tt in d.periods if tt <= t)


def vintage_index(d: ModelData) -> list[tuple[str, str, int, int]]:
    """(s, c, t', t): new builds of a vintaged class c at s, built in t' and in service in t ≥ t'."""
    return [(s, c, tb, t) for (s, c) in d.buildable if c in d.vintaged for t in d.periods for tb in d.periods if tb <= t]


def installed(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """installed[s,c,t] = existing_in_service[s,c,t] + built[s,c,t]."""
    return d.existing_in_service.get((s, c, t), 0.0) + built(m, d, s, c, t)


def served(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """served[s,c,t] = Σ_{(r,w) ∈ A: c(w)=c} serve[r,s,w,t].

    Built once as the named expression m.served_sct[s,c,t]: capacity rows, energy, emissions and
    policies all use it, and Pyomo builds and compiles each sum once instead of once per use."""
    if not hasattr(m, "served_sct"):
        m.served_sct = pyo.Expression(pyo.Any)
    k = (s, c, t)
    if k not in m.served_sct:
        sv = serve_vars(m)
        m.served_sct[k] = quicksum(sv[r, s, w, t] for (r, w) in d.serve_by_sct.get(k, []))
    return m.served_sct[k]


def served_new(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """The part of served[s,c,t] that runs on new builds (0 where nothing can be built)."""
    return m.served_new[s, c, t] if (s, c) in d.buildable else 0.0


def add_demand_balance(m: pyo.ConcreteModel, d: ModelData) -> None:
    """demand_balance[r,w,t]:  Σ_{s: (r,s,w) ∈ A} serve[r,s,w,t] + unmet[r,w,t] = demand[r,w,t]."""

    sv = serve_vars(m)

    def rule(m, r, w, t):
        return quicksum(sv[r, s, w, t] for s in d.serve_by_rwt[(r, w, t)]) + m.unmet[r, w, t] == d.demand[(r, w, t)]

    m.demand_balance = pyo.Constraint(m.demand_index, rule=rule)


def add_capacity_limit(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Capacity by vintage (u = utilisation_max):
    capacity_existing[s,c,t]:  served[s,c,t] − served_new[s,c,t] ≤ u · existing_in_service[s,c,t];
    capacity_new[s,c,t]:       served_new[s,c,t] ≤ u · built[s,c,t]  and  served_new[s,c,t] ≤ served[s,c,t].
    Together: served ≤ u · installed, and each vintage carries at most u of itself."""
    u = m.utilisation_max

    def existing_rule(m, s, c, t):
        if not d.serve_by_sct.get((s, c, t)):
            return pyo.Constraint.Skip
        return served(m, d, s, c, t) - served_new(m, d, s, c, t) <= u * d.existing_in_service.get((s, c, t), 0.0)

    def new_rule(m, s, c, t):
        return m.served_new[s, c, t] <= u * built(m, d, s, c, t)

    def within_rule(m, s, c, t):
        return m.served_new[s, c, t] <= served(m, d, s, c, t)

    m.capacity_existing = pyo.Constraint(m.site_class, m.periods, rule=existing_rule)
    m.capacity_new = pyo.Constraint(m.buildable, m.periods, rule=new_rule)
    m.served_new_within = pyo.Constraint(m.buildable, m.periods, rule=within_rule)


def add_vintage_split(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Work on new builds by vintage, for the classes whose kW per PFLOPS changes by period (d.vintaged):
    capacity_vintage[s,c,t',t]:  served_new_v[s,c,t',t] ≤ u · module_pflops[c] · modules[s,c,t']   (t' ≤ t);
    vintage_split[s,c,t]:        Σ_{t' ≤ t} served_new_v[s,c,t',t] = served_new[s,c,t].
    Energy then counts each vintage at its own kW (edwc.formulation.objective.add_energy). No rows (and no
    served_new_v) without vintaged classes: one-period instances and a zero change are the model without vintages."""
    u = m.utilisation_max
    idx = vintage_index(d)
    m.vintage_index = pyo.Set(initialize=idx, dimen=4, ordered=True)
    m.served_new_v = pyo.Var(m.vintage_index, domain=pyo.NonNegativeReals)
    m.capacity_vintage = pyo.Constraint(m.vintage_index, rule=lambda m, s, c, tb, t: (
        m.served_new_v[s, c, tb, t] <= u * d.module_pflops[c] * m.modules[s, c, tb]))
    split = sorted({(s, c, t) for (s, c, _tb, t) in idx})
    m.vintage_split = pyo.Constraint(split, rule=lambda m, s, c, t: (
        quicksum(m.served_new_v[s, c, tb, t] for tb in d.periods if tb <= t) == m.served_new[s, c, t]))


def add_module_limit(m: pyo.ConcreteModel, d: ModelData) -> None:
    """module_limit[s,c,t]:  Σ_{t' ≤ t} modules[s,c,t'] ≤ max_modules[s,c] · open[s,t]  (open = 1 for existing sites).

    max_modules is the total over all periods, not a per-period allowance.
    """
    cand = set(d.candidates)

    def rule(m, s, c, t):
        if t == d.periods[0] and s not in cand:
            return pyo.Constraint.Skip  # the variable's upper bound already says it
        cum = quicksum(m.modules[s, c, tt] for tt in d.periods if tt <= t)
        return cum <= d.max_modules[(s, c)] * (m.open[s, t] if s in cand else 1)

    m.module_limit = pyo.Constraint(m.buildable, m.periods, rule=rule)


def add_wavelength_limit(m: pyo.ConcreteModel, d: ModelData) -> None:
    """wavelength_limit[l,t]:  Σ_{t' ≤ t} wavelengths[l,t'] ≤ max_modules[l]  (a total over all periods)."""
    if len(d.periods) < 2:
        return  # one period: the variable's upper bound already says it

    def rule(m, l, t):
        if t == d.periods[0]:
            return pyo.Constraint.Skip
        return quicksum(m.wavelengths[l, tt] for tt in d.periods if tt <= t) <= d.trunk[l]["max_modules"]

    m.wavelength_limit = pyo.Constraint(m.trunks, m.periods, rule=rule)


def add_open_monotone(m: pyo.ConcreteModel, d: ModelData) -> None:
    """open_monotone[s,t]:  open[s,t] ≥ open[s,t-1]  (a campus once opened stays open)."""
    prev = dict(zip(d.periods[1:], d.periods[:-1], strict=False))

    def rule(m, s, t):
        if t not in prev:
            return pyo.Constraint.Skip
        return m.open[s, t] >= m.open[s, prev[t]]

    m.open_monotone = pyo.Constraint(m.candidates, m.periods, rule=rule)


def add_serve_open(m: pyo.ConcreteModel, d: ModelData) -> None:
    """serve_open[r,s,w,t]:  serve[r,s,w,t] ≤ demand[r,w,t] · open[s,t]  for candidate sites.

    The disaggregated link: tighter than one big-M per site, so the LP relaxation knows that
    a closed campus serves nothing.
    """
    cand = set(d.candidates)
    idx = [k for k in d.serve_index if k[1] in cand]
    sv = serve_vars(m)

    def rule(m, r, s, w, t):
        return sv[r, s, w, t] <= d.demand[(r, w, t)] * m.open[s, t]

    m.serve_open = pyo.Constraint(idx, rule=rule)


def flow_balance_row(m: pyo.ConcreteModel, d: ModelData, s: str, u: str, t: int):
    """flow_to_site[s,u,t] = Σ_w gbps_per_pflops[w] · serve[u,s,w,t] + Σ_{v: next(v) = u} flow_to_site[s,v,t]."""
    sv = serve_vars(m)
    own = quicksum(d.gbps[w] * sv[u, s, w, t] for w in d.flow_serve.get((s, u), []) if (u, s, w, t) in sv)
    inflow = quicksum(m.flow_to_site[s, v, t] for v in d.flow_children.get((s, u), []))
    return m.flow_to_site[s, u, t] == own + inflow


def trunk_users(d: ModelData) -> dict[str, list[tuple[str, str]]]:
    """trunk l -> the tree nodes (s, u) whose flow toward s leaves u over l."""
    users: dict[str, list[tuple[str, str]]] = {}
    for key in d.flow_nodes:
        users.setdefault(d.flow_trunk[key], []).append(key)
    return users


def trunk_capacity_row(m: pyo.ConcreteModel, d: ModelData, users: list[tuple[str, str]], l: str, t: int):
    """Σ_{(s,u) ∈ users(l)} flow_to_site[s,u,t] ≤ capacity_gbps[l] + module_gbps[l] · Σ_{t' ≤ t} wavelengths[l,t']."""
    load = quicksum(m.flow_to_site[s, u, t] for (s, u) in users)
    cap = d.trunk[l]["capacity_gbps"]
    if l in m.trunks:
        cap = cap + d.trunk[l]["module_gbps"] * quicksum(m.wavelengths[l, tt] for tt in d.periods if tt <= t)
    return load <= cap


def add_flow_balance(m: pyo.ConcreteModel, d: ModelData, lazy: bool = False) -> None:
    """flow_balance[s,u,t]:  flow_to_site[s,u,t] = Σ_w gbps_per_pflops[w] · serve[u,s,w,t]  (u a region)
    + Σ_{v: next(v) = u} flow_to_site[s,v,t].

    Traffic to site s follows s's shortest-latency tree, so the Gbps leaving node u toward s is u's own
    traffic plus what enters u from further out. Equivalent to summing every routed path on each trunk,
    with one term per site tree instead of one per (region, site, workload) path.
    lazy=True declares the family empty: edwc.solve.lazy adds the rows of the trunks a plan overloads.
    """
    rule = None if lazy else (lambda m, s, u, t: flow_balance_row(m, d, s, u, t))
    m.flow_balance = pyo.Constraint(m.flow_nodes, m.periods, rule=rule)


def add_trunk_capacity(m: pyo.ConcreteModel, d: ModelData, lazy: bool = False) -> None:
    """trunk_capacity[l,t]:  Σ_{(s,u): u's tree edge toward s is l} flow_to_site[s,u,t]
    ≤ capacity_gbps[l] + module_gbps[l] · Σ_{t' ≤ t} wavelengths[l,t'].

    lazy=True declares the family empty (see add_flow_balance).
    """
    users = trunk_users(d)
    rule = None if lazy else (lambda m, l, t: trunk_capacity_row(m, d, users[l], l, t))
    m.trunk_capacity = pyo.Constraint(sorted(users), m.periods, rule=rule)
