"""Marginal values of a plan, from the duals of its LP with the integer decisions fixed.

Duals are of the present-value objective; each is divided by the weight of its period (the
discounted years it stands for) to read as CNY per year of that period.

- marginal cost of compute: dual of demand_balance[r,w,t], CNY per PFLOPS-year of workload w in
  region r (a locational marginal cost). With the plan fixed, one more PFLOPS is served by spare
  capacity in reach or, when none is left, goes unmet at the workload's value of lost service;
  the long-run column prices building for it instead (the cheapest site in reach, unit_costs.py).
  short_of_capacity marks where the short-run cost is above the long-run one: at this plan the
  extra PFLOPS displaces other work (often into unmet, at its value of lost service).
- value of one more MW at a site: −dual of capacity_new[s,c,t] (new builds; capacity_existing for
  the existing stock) · utilisation_max per PFLOPS, times the PFLOPS one facility-MW holds
  (1000 / (kW per PFLOPS · PUE)); set against what building that MW costs a year (its capex
  annuities and the idle draw of the capacity).
- value of one more Gbps on a trunk: −dual of trunk_capacity[l,t], against the annuitised cost of
  a Gbps of upgrade.
"""

from __future__ import annotations

import math

import pandas as pd

from edwc.decisions.fixed import FixedPlan, row_table
from edwc.decisions.unit_costs import UnitCosts
from edwc.formulation.data import kw_new

PENALTY_TOL = 1e-6  # a dual this close to the value of unmet service means "the next PFLOPS goes unmet"


def _split(df: pd.DataFrame, names: list[str], plan: FixedPlan) -> pd.DataFrame:
    """Index tuple -> columns, and the dual per year of its period (divided by the period's weight)."""
    df = df.copy()
    df[names] = pd.DataFrame(list(df["index"]), index=df.index)
    df["dual_cny"] = df["dual_cny"] / df["period"].map(plan.data.weight)
    return df.drop(columns=["index", "family"])


def marginal_compute(plan: FixedPlan, unit: UnitCosts) -> pd.DataFrame:
    """marginal_compute.csv: region, workload, period, short-run (fixed plan) and long-run CNY/PFLOPS-yr."""
    d = plan.data
    df = _split(row_table(plan, "demand_balance"), ["region", "workload", "period"], plan)
    df["class"] = df["workload"].map(d.workload_class)
    df["demand_pflops"] = [d.demand[(r, w, t)] for r, w, t in zip(df["region"], df["workload"], df["period"], strict=True)]
    df = df.rename(columns={"dual_cny": "marginal_cost_cny_per_pflops_year"})
    value = df["workload"].map(d.unmet_value)
    df["next_pflops_unmet"] = (df["marginal_cost_cny_per_pflops_year"] - value).abs() <= PENALTY_TOL * value.clip(lower=1.0)
    best = [_cheapest(unit, r, w, t) for r, w, t in zip(df["region"], df["workload"], df["period"], strict=True)]
    df["long_run_cny_per_pflops_year"] = [b[1] for b in best]
    df["long_run_site"] = [b[0] for b in best]
    # Building for it would be cheaper than fitting it into this plan: the plan has no spare capacity for it.
    df["short_of_capacity"] = df["marginal_cost_cny_per_pflops_year"] > df["long_run_cny_per_pflops_year"]
    cols = ["region", "workload", "class", "period", "demand_pflops", "marginal_cost_cny_per_pflops_year",
            "next_pflops_unmet", "long_run_cny_per_pflops_year", "long_run_site", "short_of_capacity"]
    return df[cols].sort_values(["period", "region", "workload"]).reset_index(drop=True)


def _cheapest(unit: UnitCosts, r: str, w: str, t: int) -> tuple[str, float]:
    """The site in latency reach that could build class c(w) and serves one more PFLOPS-year cheapest."""
    c = unit.d.workload_class[w]
    best: tuple[str, float] = ("", math.nan)
    for s in unit.d.serve_by_rwt.get((r, w, t), []):
        if not unit.can_build(s, c):
            continue
        cost = unit.of(r, s, w, t).total
        if not best[0] or cost < best[1]:
            best = (s, cost)
    return best


def site_values(plan: FixedPlan, unit: UnitCosts) -> pd.DataFrame:
    """marginal_sites.csv: value of one more facility-MW of each class and vintage at each site (CNY/yr per MW)."""
    d = plan.data
    u = plan.inst.config.capacity.utilisation_max
    frames = []
    for family, vintage in (("capacity_new", "new"), ("capacity_existing", "existing")):
        df = _split(row_table(plan, family), ["site", "class", "period"], plan)
        df["vintage"] = vintage
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    new = df["vintage"] == "new"
    pue = [d.site[s]["pue_new" if n else "pue"] for s, n in zip(df["site"], new, strict=True)]
    kw = [kw_new(d, c, int(t)) if n else d.kw_existing[c] for c, n, t in zip(df["class"], new, df["period"], strict=True)]
    pflops_per_mw = pd.Series([1000 / (k * p) if k * p > 0 else math.nan for k, p in zip(kw, pue, strict=True)], index=df.index)
    df["value_cny_per_pflops_year"] = (-df["dual_cny"] * u).clip(lower=0.0)
    df["value_cny_per_mw_year"] = df["value_cny_per_pflops_year"] * pflops_per_mw
    idle = [d.idle_share * d.energy_vintage.get((s, c, int(t)), d.energy_new.get((s, c), 0.0)) * 1000
            * d.site[s]["power_price_cny_per_kwh"] for s, c, t in zip(df["site"], df["class"], df["period"], strict=True)]
    build = pd.Series([unit.capacity_per_pflops(c, int(t)) for c, t in zip(df["class"], df["period"], strict=True)],
                      index=df.index) + pd.Series(idle, index=df.index)
    df["build_cost_cny_per_mw_year"] = (build * pflops_per_mw).where(new)
    df["net_value_cny_per_mw_year"] = df["value_cny_per_mw_year"] - df["build_cost_cny_per_mw_year"]
    df["side"] = df["site"].map(lambda s: d.site[s]["side"])
    df["hub"] = df["site"].map(lambda s: d.site[s]["hub"])
    cols = ["site", "hub", "side", "class", "vintage", "period", "value_cny_per_pflops_year", "value_cny_per_mw_year",
            "build_cost_cny_per_mw_year", "net_value_cny_per_mw_year"]
    return df[cols].sort_values(["period", "site", "class", "vintage"]).reset_index(drop=True)


def trunk_values(plan: FixedPlan, unit: UnitCosts) -> pd.DataFrame:
    """marginal_trunks.csv: value of one more Gbps on each loaded trunk (CNY/yr per Gbps) and its upgrade cost."""
    df = _split(row_table(plan, "trunk_capacity"), ["trunk", "period"], plan)
    df["value_cny_per_gbps_year"] = (-df["dual_cny"]).clip(lower=0.0)
    df["upgrade_cost_cny_per_gbps_year"] = df["trunk"].map(lambda l: unit.gbps_cost.get(l, math.nan))
    df["spare_gbps"] = df["slack"]
    cols = ["trunk", "period", "value_cny_per_gbps_year", "upgrade_cost_cny_per_gbps_year", "spare_gbps"]
    return df[cols].sort_values(["period", "trunk"]).reset_index(drop=True)
