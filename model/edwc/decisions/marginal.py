"""Marginal values of a plan, from the duals of its LP with the integer decisions fixed.

- marginal cost of compute: dual of demand_balance[r,w,t], CNY per PFLOPS-year of workload w in
  region r (a locational marginal cost). With the plan fixed, one more PFLOPS is served by spare
  capacity in reach or, when none is left, goes unmet at the penalty; the long-run column prices
  building for it instead (the cheapest site in reach, unit_costs.py).
- value of one more MW at a site: −dual of capacity_limit[s,c,t] · utilisation_max per PFLOPS
  installed, times the PFLOPS one facility-MW holds (1000 / (kW per PFLOPS · PUE)); set against
  the annuitised cost of building that MW of class c.
- value of one more Gbps on a trunk: −dual of trunk_capacity[l,t], against the annuitised cost
  of a Gbps of upgrade.
"""

from __future__ import annotations

import math

import pandas as pd

from edwc.decisions.fixed import FixedPlan, row_table
from edwc.decisions.unit_costs import UnitCosts

PENALTY_TOL = 1e-6  # a dual this close to the unmet penalty means "the next PFLOPS goes unmet"


def _split(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    df = df.copy()
    df[names] = pd.DataFrame(list(df["index"]), index=df.index)
    return df.drop(columns=["index", "family"])


def marginal_compute(plan: FixedPlan, unit: UnitCosts) -> pd.DataFrame:
    """marginal_compute.csv: region, workload, period, short-run (fixed plan) and long-run CNY/PFLOPS-yr."""
    d = plan.data
    penalty = plan.inst.config.finance.unmet_penalty_cny_per_pflops_year
    df = _split(row_table(plan, "demand_balance"), ["region", "workload", "period"])
    df["class"] = df["workload"].map(d.workload_class)
    df["demand_pflops"] = [d.demand[(r, w, t)] for r, w, t in zip(df["region"], df["workload"], df["period"], strict=True)]
    df = df.rename(columns={"dual_cny": "marginal_cost_cny_per_pflops_year"})
    df["next_pflops_unmet"] = (df["marginal_cost_cny_per_pflops_year"] - penalty).abs() <= PENALTY_TOL * max(1.0, penalty)
    best = [_cheapest(unit, r, w, t) for r, w, t in zip(df["region"], df["workload"], df["period"], strict=True)]
    df["long_run_cny_per_pflops_year"] = [b[1] for b in best]
    df["long_run_site"] = [b[0] for b in best]
    cols = ["region", "workload", "class", "period", "demand_pflops", "marginal_cost_cny_per_pflops_year",
            "next_pflops_unmet", "long_run_cny_per_pflops_year", "long_run_site"]
    return df[cols].sort_values(["period", "region", "workload"]).reset_index(drop=True)


def _cheapest(unit: UnitCosts, r: str, w: str, t: int) -> tuple[str, float]:
    """The site in latency reach that could build class c(w) and serves one more PFLOPS-year cheapest."""
    d = unit.d
    c = d.workload_class[w]
    best: tuple[str, float] = ("", math.nan)
    for s in d.serve_by_rwt.get((r, w, t), []):
        if (s, c) not in d.max_modules or d.max_modules[(s, c)] == 0:
            continue
        cost = unit.of(r, s, w).total
        if not best[0] or cost < best[1]:
            best = (s, cost)
    return best


def site_values(plan: FixedPlan) -> pd.DataFrame:
    """marginal_sites.csv: value of one more facility-MW of each class at each site (CNY/yr per MW)."""
    d = plan.data
    u = plan.inst.config.capacity.utilisation_max
    df = _split(row_table(plan, "capacity_limit"), ["site", "class", "period"])
    pue = df["site"].map(lambda s: d.site[s]["pue"])
    kw = df["class"].map(d.kw_per_pflops)
    pflops_per_mw = 1000 / (kw * pue)  # installed PFLOPS one MW of facility power holds
    df["value_cny_per_pflops_year"] = (-df["dual_cny"] * u).clip(lower=0.0)
    df["value_cny_per_mw_year"] = df["value_cny_per_pflops_year"] * pflops_per_mw
    df["build_cost_cny_per_mw_year"] = df["class"].map(lambda c: d.annuity_equipment * d.capex_per_pflops[c]) * pflops_per_mw
    df["net_value_cny_per_mw_year"] = df["value_cny_per_mw_year"] - df["build_cost_cny_per_mw_year"]
    df["buildable"] = [(s, c) in d.max_modules and d.max_modules[(s, c)] > 0 for s, c in zip(df["site"], df["class"], strict=True)]
    df["side"] = df["site"].map(lambda s: d.site[s]["side"])
    df["hub"] = df["site"].map(lambda s: d.site[s]["hub"])
    cols = ["site", "hub", "side", "class", "period", "value_cny_per_pflops_year", "value_cny_per_mw_year",
            "build_cost_cny_per_mw_year", "net_value_cny_per_mw_year", "buildable"]
    return df[cols].sort_values(["period", "site", "class"]).reset_index(drop=True)


def trunk_values(plan: FixedPlan, unit: UnitCosts) -> pd.DataFrame:
    """marginal_trunks.csv: value of one more Gbps on each loaded trunk (CNY/yr per Gbps) and its upgrade cost."""
    df = _split(row_table(plan, "trunk_capacity"), ["trunk", "period"])
    df["value_cny_per_gbps_year"] = (-df["dual_cny"]).clip(lower=0.0)
    df["upgrade_cost_cny_per_gbps_year"] = df["trunk"].map(lambda l: unit.gbps_cost.get(l, math.nan))
    df["spare_gbps"] = df["slack"]
    cols = ["trunk", "period", "value_cny_per_gbps_year", "upgrade_cost_cny_per_gbps_year", "spare_gbps"]
    return df[cols].sort_values(["period", "trunk"]).reset_index(drop=True)
