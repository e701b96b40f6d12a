"""The policy scorecard of a result: for each policy in force, its target, what the plan
achieved (recomputed from the written tables), whether it is met, and its price where the
result carries one (summary.json ``policy_prices_cny``: annual CNY a policy adds to the
cost). Policies this module does not know are listed with their target and "not measured".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from edwc.results.digest import Digest

TOLERANCE = 1e-6
SETTINGS = ("carbon_price_cny_per_t",)  # prices, not targets: shown apart, never scored


def from_kpi(name: str, sense: str) -> Callable[[Digest, Any], list[tuple[str, float, float, str]]]:
    """A policy whose achievement is one KPI of kpis.csv (results.kpis computes it from the plan)."""
    def measure(d: Digest, target: Any) -> list[tuple[str, float, float, str]]:
        return [("", float(target), d.kpis.get(name, np.nan), sense)]
    return measure


def lowest_kpi(prefix: str) -> Callable[[Digest, Any], list[tuple[str, float, float, str]]]:
    """A per-site floor: the lowest of the KPIs named prefix + site (e.g. each cluster's 上架率)."""
    def measure(d: Digest, target: Any) -> list[tuple[str, float, float, str]]:
        vals = [v for k, v in d.kpis.items() if k.startswith(prefix) and v == v]
        return [("", float(target), min(vals) if vals else np.nan, ">=")]
    return measure


def pue_max(d: Digest, target: Any) -> list[tuple[str, float, float, str]]:
    """The highest new-design PUE of a site that builds new capacity, per ceiling: hub sites by
    side (east, west), sites outside the hub nodes apart (outside_hubs), as the model applies them."""
    built = d.sites[[f"built_{c}" for c in d.classes]].sum(axis=1) > 0
    in_hub = d.sites["hub"].notna()
    rows = []
    targets = target if isinstance(target, dict) else {"": target}
    for part, limit in targets.items():
        if limit is None:
            continue
        group = (~in_hub if part == "outside_hubs" else in_hub & (d.sites["side"] == part)) if part else in_hub | ~in_hub
        pue = d.sites.loc[built & group, "pue_new"] if "pue_new" in d.sites else pd.Series(dtype=float)
        rows.append((part, float(limit), float(pue.max()) if len(pue) else np.nan, "<="))
    return rows


def west_utilisation(d: Digest, target: Any) -> list[tuple[str, float, float, str]]:
    """The lowest 上架率 (IT MW / shell MW) of any western site with shells, in the last period."""
    st = d.tables["sites"]
    w = st[(st["side"] == "west") & (st["period"] == st["period"].max()) & (st["shell_mw"] > 0)]
    u = w["it_mw"] / w["shell_mw"]
    return [("", float(target), float(u.min()) if len(u) else np.nan, ">=")]


def max_site_share(d: Digest, target: Any) -> list[tuple[str, float, float, str]]:
    s = d.serve_last()
    dem = d.tables["serve"].groupby(["region", "workload", "period"])["pflops"].sum()
    unmet = d.tables["unmet"].set_index(["region", "workload", "period"])["pflops"]
    demand = dem.add(unmet, fill_value=0.0)
    key = pd.MultiIndex.from_frame(s[["region", "workload", "period"]])
    share = s["pflops"].to_numpy() / demand.reindex(key).to_numpy()
    return [("", float(target), float(np.nanmax(share)) if len(share) else np.nan, "<=")]


MEASURES: dict[str, Callable[[Digest, Any], list[tuple[str, float, float, str]]]] = {
    "west_share_new_min": from_kpi("west_share_new", ">="),
    "hub_share_new_min": from_kpi("hub_share_new", ">="),
    "intelligent_share_min": from_kpi("intelligent_share_installed", ">="),
    "pue_max": pue_max,
    "national_utilisation_min": from_kpi("rack_occupancy_national", ">="),
    "cluster_utilisation_min": from_kpi("rack_occupancy_clusters", ">="),
    "west_utilisation_min": west_utilisation,
    "carbon_cap_t": from_kpi("emissions_t", "<="),
    "green_share_min": from_kpi("green_share_all", ">="),
    "green_share_new_hub_min": from_kpi("green_share_new_hub", ">="),
    "max_site_share": max_site_share,
}


def score(d: Digest) -> list[dict[str, Any]]:
    prices = d.summary.get("policy_prices_cny") or {}
    rows: list[dict[str, Any]] = []
    for key, target in d.policy.items():
        if target is None or target is False or key in SETTINGS:
            continue
        measure = MEASURES.get(key)
        found = measure(d, target) if measure else [("", target, np.nan, "")]
        for part, goal, achieved, sense in found:
            met = None
            if achieved == achieved and sense and isinstance(goal, float):
                slack = TOLERANCE * max(1.0, abs(goal))
                met = achieved >= goal - slack if sense == ">=" else achieved <= goal + slack
            rows.append({"policy": key, "part": part, "target": goal, "sense": sense,
                         "achieved": achieved, "met": met, "price_cny": prices.get(key)})
    return rows
