"""The energy-rule families of docs/model.md ("Limits from what exists and energy quotas") re-checked from regions.csv,
sites.csv and the plan: occupancy_freeze (no new shells below a region's 上架率 floor) and energy_quota (new
data-centre energy at design load, times its offset ratio, within a region's yearly quota)."""

from __future__ import annotations

import pandas as pd

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, fmt, row_key
from edwc.analysis.check.shells import windows

BUILDS = 1e-5  # new shells above this share of the site's limit (MW) count as built (below: solver noise)


def _column(regions, col: str) -> dict[str, float]:  # noqa: ANN001  (a DataFrame)
    if col not in regions:
        return {}
    values = pd.to_numeric(regions[col], errors="coerce")
    return {str(r): float(v) for r, v in zip(regions["region"], values, strict=True) if v == v}


def check_quotas(p: Plan, d: Derived, r: Rows) -> None:
    site = p.inst["sites"].set_index("site")
    sc = p.inst["site_classes"]
    can_build = sorted(set(sc.loc[sc["max_modules"] > 0, "site"]))
    regions = p.inst["regions"]
    floor, quota = _column(regions, "min_rack_occupancy_new_shells"), _column(regions, "dc_energy_quota_mwh")
    ratio = _column(regions, "dc_energy_offset_ratio")
    win = windows(d.periods, p.cfg.capacity.stock_year)
    hours = p.cfg.finance.hours_per_year
    added: dict[tuple[str, int], float] = {}
    for s in can_build:
        before = 0.0
        for t in d.periods:
            now = d.shell_new.get((s, t), 0.0)
            added[(s, t)] = now - before
            before = now
    for s in can_build:
        o = floor.get(str(site.at[s, "region"]), 0.0)
        if o <= 0:
            continue
        scale = max(1.0, float(site.at[s, "max_facility_mw"]))
        for t in d.periods:
            shells = d.shell_existing[(s, t)] + d.shell_new.get((s, t), 0.0)
            it = d.it_kw.get((s, t), 0.0) / 1000
            if added[(s, t)] > BUILDS * scale:
                r.leq("occupancy_freeze", row_key(site=s, period=t), o * shells, it, scale,
                      f"{fmt(added[(s, t)])} MW of new shells at 上架率 {it / max(shells, 1e-9):.1%}: the region's floor "
                      f"{o:g} x shells = {{lhs}} MW of IT needed, {{rhs}} MW installed")
            else:
                r.count("occupancy_freeze")
    for reg, q in quota.items():
        k = ratio.get(reg, 1.0)
        mine = [s for s in can_build if str(site.at[s, "region"]) == reg]
        for t in d.periods:
            new = sum(hours * float(site.at[s, "pue_new"]) * added[(s, t)] for s in mine) / win[t]
            r.leq("energy_quota", row_key(region=reg, period=t), k * new, q, max(1.0, q),
                  f"new data-centre energy {fmt(new)} MWh/yr x offset {k:g} = {{lhs}} > quota {{rhs}} MWh/yr")
