"""Eastern energy rules (能耗指标 / 能评) as constraints, where a region's row in regions.csv gives them (docs/model.md
"Limits from what exists and energy quotas"). One function a family, the formula in its docstring; every input is
optional and a region without it is not constrained.

Notation as in edwc.formulation.shells: it_kw[s,t] the IT kW installed, shell_mw[s,t] the shells standing (MW of IT),
shell_new[s,t] the shells completed in period t, window[t] the years period t covers, PUE_new[s] the new-design PUE,
H = finance.hours_per_year.
"""

from __future__ import annotations

import math

import pandas as pd
import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.data import ModelData
from edwc.formulation.shells import it_kw, shell_mw


def region_column(regions: pd.DataFrame, col: str) -> dict[str, float]:
    """{region: value} of an optional regions.csv column (empty cells and a missing column: no entry)."""
    if col not in regions:
        return {}
    values = pd.to_numeric(regions[col], errors="coerce")
    return {str(r): float(v) for r, v in zip(regions["region"], values, strict=True) if v == v}


def occupancy_floors(d: ModelData, regions: pd.DataFrame) -> dict[str, float]:
    """{site: min 上架率} for the sites that can build shells in a region with min_rack_occupancy_new_shells."""
    floor = region_column(regions, "min_rack_occupancy_new_shells")
    return {s: floor[str(d.site[s]["region"])] for s in d.shell_sites
            if str(d.site[s]["region"]) in floor and floor[str(d.site[s]["region"])] > 0}


def add_occupancy_freeze(m: pyo.ConcreteModel, d: ModelData, regions: pd.DataFrame) -> None:
    """Low 上架率 freezes new shells (Beijing: the energy review of a data centre below 50 % 上架率 is suspended),
    for each site s in a region r with min_rack_occupancy_new_shells = o_r and each period t, a binary
    shell_allowed[s,t] ∈ {0,1}:

        occupancy_freeze_build[s,t]:  shell_new[s,t] ≤ cap[s] · shell_allowed[s,t]
        occupancy_freeze[s,t]:        it_kw[s,t] ≥ o_r · 1000 · shell_mw[s,t] − M[s] · (1 − shell_allowed[s,t])

    i.e. shell_new[s,t] > 0 ⇒ it_kw[s,t] ≥ o_r · 1000 · shell_mw[s,t]: a site adds shells in a period only if its
    上架率 at the end of the period, the new shells counted, is at least o_r. cap[s] is shell_new's bound (the
    site's largest facility limit at its new-design PUE); M[s] = o_r · 1000 · (the most shells the site can stand)."""
    floors = occupancy_floors(d, regions)
    idx = [(s, t) for s in floors for t in d.periods]
    m.shell_allowed = pyo.Var(idx, domain=pyo.Binary)

    def cap(s: str) -> float:
        return float(m.shell_new[s, d.periods[0]].ub)

    def big_m(s: str) -> float:
        most = max(d.shell_existing.get((s, t), 0.0) for t in d.periods) + len(d.periods) * cap(s)
        return floors[s] * 1000 * most

    m.occupancy_freeze_build = pyo.Constraint(
        idx, rule=lambda m, s, t: m.shell_new[s, t] <= cap(s) * m.shell_allowed[s, t])
    m.occupancy_freeze = pyo.Constraint(
        idx, rule=lambda m, s, t: it_kw(m, d, s, t)
        >= floors[s] * 1000 * shell_mw(m, d, s, t) - big_m(s) * (1 - m.shell_allowed[s, t]))


def add_energy_quota(m: pyo.ConcreteModel, d: ModelData, regions: pd.DataFrame, hours: float) -> None:
    """A yearly quota of new data-centre energy (能耗指标) with its offset ratio (能耗削减替代), for each region r
    with dc_energy_quota_mwh = Q_r (offset ratio k_r = dc_energy_offset_ratio, empty: 1) and each period t:

        energy_quota[r,t]:  k_r · Σ_{s in r} H · PUE_new[s] · shell_new[s,t] / window[t] ≤ Q_r

    the energy review approves a project's energy at its design load: new shells at full IT load and their PUE,
    per year of the period. No quota figure is published for any province found (docs/model.md, GAP): the default
    instances leave the column empty and the family has no rows."""
    quota = region_column(regions, "dc_energy_quota_mwh")
    ratio = region_column(regions, "dc_energy_offset_ratio")
    in_region: dict[str, list[str]] = {}
    for s in d.shell_sites:
        in_region.setdefault(str(d.site[s]["region"]), []).append(s)
    idx = [(r, t) for r in sorted(quota) for t in d.periods]

    def rule(m: pyo.ConcreteModel, r: str, t: int):  # noqa: ANN202  (a Pyomo relation)
        k = ratio.get(r, 1.0)
        new = quicksum(hours * float(d.site[s]["pue_new"]) * m.shell_new[s, t] for s in in_region.get(r, []))
        if not in_region.get(r) or k == 0 or math.isinf(quota[r]):
            return pyo.Constraint.Skip
        return k * new / d.window[t] <= quota[r]

    m.energy_quota = pyo.Constraint(idx, rule=rule)


def add_quotas(m: pyo.ConcreteModel, d: ModelData, regions: pd.DataFrame, hours: float) -> None:
    """Every energy-rule family of this module (each empty where regions.csv does not give its column)."""
    add_occupancy_freeze(m, d, regions)
    add_energy_quota(m, d, regions, hours)
