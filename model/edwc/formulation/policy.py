"""Policy constraints, each switched on by its key under `policy:` in instance.yaml.

All are built through `_add`, so each can also be made *elastic* (a priced slack) to explain
which policies conflict when the strict model is infeasible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyomo.core as pyo
from pyomo.core.expr.numvalue import is_potentially_variable
from pyomo.core.expr.visitor import identify_variables
from pyomo.core.util import quicksum

from edwc.errors import SolveError
from edwc.formulation.constraints import built, installed
from edwc.formulation.data import ModelData
from edwc.formulation.shells import it_kw, shell_mw
from edwc.input.schema import Policy

INTELLIGENT = "intelligent"


def _has_variables(e) -> bool:  # noqa: ANN001
    """Whether an expression holds a variable: a named Expression over nothing (e.g. the work served where no
    workload may be served) is 'potentially variable' to Pyomo, yet its row is a constant that HiGHS's
    hand-over refuses as trivially infeasible."""
    return is_potentially_variable(e) and next(iter(identify_variables(e)), None) is not None


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
        if not m.elastic and not (_has_variables(lhs) or _has_variables(rhs)):
            # Nothing to decide (e.g. nothing buildable anywhere): the row holds or can never hold.
            holds = pyo.value(lhs) >= pyo.value(rhs) - 1e-9 if sense == ">=" else pyo.value(lhs) <= pyo.value(rhs) + 1e-9
            if holds:
                return pyo.Constraint.Skip
            raise SolveError(f"infeasible: policy {name}[{key}] can never hold: {pyo.value(lhs):g} {sense} {pyo.value(rhs):g} "
                             "with nothing the plan can change; relax or switch off this policy")
        if m.elastic:
            s = getattr(m, f"{name}_slack")[key]
            return lhs + s >= rhs if sense == ">=" else lhs - s <= rhs
        return lhs >= rhs if sense == ">=" else lhs <= rhs

    setattr(m, name, pyo.Constraint(index, rule=rule))


def _built(m, d: ModelData, s: str, c: str, t: int):
    return built(m, d, s, c, t)


def add_hub_share_new(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """hub_share_new[t]:  Σ_{s in a hub, c} built[s,c,t] ≥ share · Σ_{s, c} built[s,c,t]  (cumulative new PFLOPS).

    The National Data Administration's target: new compute in the 8 national hub nodes ≥ 60 % of national new
    compute (pol_new_in_hubs); a site is in a hub node when sites.csv names its hub."""
    hub = [(s, c) for (s, c) in d.buildable if d.site[s]["hub"]]
    _add(m, "hub_share_new", d.periods,
         lambda t: (quicksum(_built(m, d, s, c, t) for s, c in hub),
                    share * quicksum(_built(m, d, s, c, t) for s, c in d.buildable)), ">=")


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


def pue_ceiling_of(site: dict, pue_max: dict[str, float | None]) -> float | None:
    """The ceiling on a site's new-design PUE: its side's for hub sites, outside_hubs for the others."""
    return pue_max.get(site["side"]) if site["hub"] else pue_max.get("outside_hubs")


def add_pue_ceiling(m: pyo.ConcreteModel, d: ModelData, pue_max: dict[str, float | None]) -> None:
    """pue_ceiling[s,c,t]:  modules[s,c,t] ≤ 0  for sites whose new-design PUE (pue_new) exceeds their ceiling.
    The existing stock keeps its own PUE; the ceilings (NDRC 2021-12: new large DCs < 1.3, hub nodes < 1.25;
    western clusters < 1.2) bind new builds only."""
    idx = [(s, c, t) for (s, c) in d.buildable for t in d.periods
           if (lim := pue_ceiling_of(d.site[s], pue_max)) is not None and d.site[s]["pue_new"] > lim + 1e-12]
    _add(m, "pue_ceiling", idx, lambda s, c, t: (m.modules[s, c, t], 0), "<=")


def add_national_utilisation(m: pyo.ConcreteModel, d: ModelData, u_min: float) -> None:
    """national_utilisation[t]:  Σ_s it_kw[s,t] ≥ u_min · 1000 · Σ_s shell_mw[s,t]  (上架率 as the statistic counts
    it: occupied over built racks, national)."""
    _add(m, "national_utilisation", d.periods,
         lambda t: (quicksum(it_kw(m, d, s, t) for s in d.sites),
                    u_min * 1000 * quicksum(shell_mw(m, d, s, t) for s in d.sites)), ">=")


def add_cluster_utilisation(m: pyo.ConcreteModel, d: ModelData, u_min: float) -> None:
    """cluster_utilisation[t]:  Σ_{s cluster} it_kw[s,t] ≥ u_min · 1000 · Σ_{s cluster} shell_mw[s,t]  (the clusters'
    average 上架率: pol_util_cluster is an average target)."""
    cl = [s for s in d.sites if d.site[s]["kind"] == "cluster"]
    _add(m, "cluster_utilisation", d.periods,
         lambda t: (quicksum(it_kw(m, d, s, t) for s in cl), u_min * 1000 * quicksum(shell_mw(m, d, s, t) for s in cl)), ">=")


def add_west_utilisation(m: pyo.ConcreteModel, d: ModelData, u_min: float) -> None:
    """west_utilisation[s,t]:  it_kw[s,t] ≥ u_min · 1000 · shell_mw[s,t]  for every western site (上架率)."""
    idx = [(s, t) for s in d.sites for t in d.periods if d.site[s]["side"] == "west"]
    _add(m, "west_utilisation", idx, lambda s, t: (it_kw(m, d, s, t), u_min * 1000 * shell_mw(m, d, s, t)), ">=")


def add_carbon_cap(m: pyo.ConcreteModel, d: ModelData, cap_t: float) -> None:
    """carbon_cap[t]:  Σ_s emissions[s,t] ≤ carbon_cap_t, national, in every period, on the basis power.emissions_basis
    names (location-based by default: grid MWh × provincial factor)."""
    _add(m, "carbon_cap", d.periods, lambda t: (quicksum(m.emissions_basis_t[s, t] for s in m.sites), cap_t), "<=")


def add_green_share(m: pyo.ConcreteModel, d: ModelData, share: float, start: int | None = None) -> None:
    """green_share[t]:  Σ_s green_total_mwh[s,t] ≥ share · Σ_s energy_mwh[s,t]  (national, each period from
    policy.green_share_from on, every period without it; green as the
    consumption-weight notice counts it: certificates, traded green power, direct supply and curtailed renewables)."""
    _add(m, "green_share", [t for t in d.periods if start is None or t >= start],
         lambda t: (quicksum(m.green_total_mwh[s, t] for s in m.sites),
                    share * quicksum(m.energy_mwh[s, t] for s in m.sites)), ">=")


def add_green_share_new_hub(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """green_share_new_hub[s,t]:  green_total_mwh[s,t] ≥ share · energy_new_mwh[s,t]  for every hub site that can build
    (数据中心绿色低碳发展专项行动计划 2024-07: green power > 80 % for new DCs in hub nodes, pol_green_new_hub_2025)."""
    idx = [(s, t) for s in sorted({s for s, _ in d.buildable if d.site[s]["hub"]}) for t in d.periods]
    _add(m, "green_share_new_hub", idx, lambda s, t: (m.green_total_mwh[s, t], share * m.energy_new_mwh[s, t]), ">=")


def add_max_site_share(m: pyo.ConcreteModel, d: ModelData, share: float) -> None:
    """max_site_share[r,s,w,t]:  serve[r,s,w,t] ≤ share · demand[r,w,t]  (no region leans on one site)."""
    _add(m, "max_site_share", d.serve_index,
         lambda r, s, w, t: (m.serve[r, s, w, t], share * d.demand[(r, w, t)]), "<=")


def add_policies(m: pyo.ConcreteModel, d: ModelData, p: Policy) -> list[str]:
    """Add every policy in force; return their names."""
    on = []
    Adder = Callable[[pyo.ConcreteModel, ModelData, float], None]
    simple: tuple[tuple[str, float | None, Adder], ...] = (("hub_share_new", p.hub_share_new_min, add_hub_share_new),
              ("west_share_new", p.west_share_new_min, add_west_share_new),
              ("intelligent_share", p.intelligent_share_min, add_intelligent_share))
    for name, v, fn in simple:
        if v is not None:
            fn(m, d, v)
            on.append(name)
    if any(v is not None for v in p.pue_max.model_dump().values()):
        add_pue_ceiling(m, d, p.pue_max.model_dump())
        on.append("pue_ceiling")
    rest: tuple[tuple[str, float | None, Adder], ...] = (("national_utilisation", p.national_utilisation_min, add_national_utilisation),
            ("cluster_utilisation", p.cluster_utilisation_min, add_cluster_utilisation),
            ("west_utilisation", p.west_utilisation_min, add_west_utilisation),
            ("carbon_cap", p.carbon_cap_t, add_carbon_cap),
            ("green_share_new_hub", p.green_share_new_hub_min, add_green_share_new_hub),
            ("max_site_share", p.max_site_share, add_max_site_share))
    for name, v, fn in rest:
        if v is not None:
            fn(m, d, v)
            on.append(name)
    if p.green_share_min is not None and any(p.green_share_from is None or t >= p.green_share_from for t in d.periods):
        add_green_share(m, d, p.green_share_min, p.green_share_from)
        on.append("green_share")
    return on
