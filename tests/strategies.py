"""Hypothesis generators of small, valid, varied edwc instances (written as instance folders).

Shape varies: 1-4 regions joined by a random tree of trunks (plus extra links), 1-4 sites each on an
access trunk to its region (sites are leaves of the network, so removing one changes no other route),
one or two classes, one to three workloads with or without latency limits, one or two periods,
and a random subset of the policies. Latency limits are widened where needed so every demanded
workload has a site in reach (the loader rejects unreachable demand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import yaml
from hypothesis import strategies as st

ADCODES = ["110000", "310000", "440000", "510000", "620000", "640000"]
ALL_POLICIES = ("west_share_new_min", "hub_share_new_min", "intelligent_share_min", "pue_max", "west_utilisation_min",
                "national_utilisation_min", "carbon_cap_t", "green_share_min", "green_share_new_hub_min",
                "max_site_share", "carbon_price_cny_per_t")
# Policies under which more demand, or one site fewer, can only raise the optimal cost.
MONOTONE_IN_DEMAND = ("west_share_new_min", "intelligent_share_min", "pue_max", "carbon_cap_t",
                      "max_site_share", "carbon_price_cny_per_t")
MONOTONE_IN_SITES = ("west_share_new_min", "pue_max", "carbon_cap_t", "green_share_min",
                     "max_site_share", "carbon_price_cny_per_t")


@dataclass
class Spec:
    """An instance as plain rows: config dict and one list of dicts per table."""

    config: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "instance.yaml").write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        for name, rows in self.tables.items():
            cols = COLUMNS[name]
            df = pd.DataFrame(rows, columns=cols)
            df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        return folder

    def copy(self) -> Spec:
        return Spec(yaml.safe_load(yaml.safe_dump(self.config)), {k: [dict(r) for r in v] for k, v in self.tables.items()})

    def without_site(self, site: str) -> Spec:
        s = self.copy()
        s.tables["sites"] = [r for r in s.tables["sites"] if r["site"] != site]
        s.tables["site_classes"] = [r for r in s.tables["site_classes"] if r["site"] != site]
        s.tables["trunks"] = [r for r in s.tables["trunks"] if site not in (r["from"], r["to"])]
        return s

    def scaled_demand(self, factor: float, extra: dict[int, float]) -> Spec:
        s = self.copy()
        for i, r in enumerate(s.tables["demand"]):
            r["pflops"] = r["pflops"] * factor + (extra.get(i, 0.0) if r["pflops"] > 0 else 0.0)
        return s


COLUMNS = {
    "regions": ["region", "name_zh", "name_en", "lon", "lat"],
    "hubs": ["hub", "name_zh", "name_en", "side"],
    "sites": ["site", "name_zh", "name_en", "hub", "side", "region", "lon", "lat", "kind", "candidate",
              "campus_capex_cny", "pue", "power_price_cny_per_kwh", "grid_co2_t_per_mwh", "max_facility_mw"],
    "site_classes": ["site", "class", "existing_pflops", "max_modules"],
    "classes": ["class", "precision", "kw_per_pflops", "capex_cny_per_pflops", "module_pflops"],
    "workloads": ["workload", "class", "max_rtt_ms", "gbps_per_pflops", "description"],
    "demand": ["region", "workload", "period", "pflops"],
    "trunks": ["trunk", "from", "to", "length_km", "capacity_gbps", "module_gbps", "module_capex_cny", "max_modules"],
}

money = st.integers(0, 20).map(lambda k: k * 5e5)
small = st.integers(0, 40).map(float)


def _rtt(spec: Spec) -> dict[tuple[str, str], float]:
    """rtt(region, site) by the rule of docs/formats.md (great circle x route factor for empty lengths)."""
    net = spec.config["network"]
    xy = {r["region"]: (r["lon"], r["lat"]) for r in spec.tables["regions"]}
    xy |= {s["site"]: (s["lon"], s["lat"]) for s in spec.tables["sites"]}
    g = nx.MultiGraph()
    for t in spec.tables["trunks"]:
        km = t["length_km"]
        if km is None or (isinstance(km, float) and math.isnan(km)):
            km = _gc(*xy[t["from"]], *xy[t["to"]]) * net["route_factor"]
        g.add_edge(t["from"], t["to"], weight=2 * km * net["fibre_us_per_km"] / 1000 + net["hop_delay_ms"])
    out = {}
    for s in spec.tables["sites"]:
        dist = nx.single_source_dijkstra_path_length(g, s["site"])
        for r in spec.tables["regions"]:
            if r["region"] in dist:
                out[(r["region"], s["site"])] = net["access_rtt_ms"] + dist[r["region"]]
    return out


def _gc(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _widen_latency(spec: Spec) -> None:
    """Raise a workload's max_rtt_ms just enough that every region demanding it has a site in reach."""
    rtt = _rtt(spec)
    offers: dict[str, set[str]] = {}
    for r in spec.tables["site_classes"]:
        if r["existing_pflops"] > 0 or r["max_modules"] > 0:
            offers.setdefault(r["class"], set()).add(r["site"])
    for w in spec.tables["workloads"]:
        if w["max_rtt_ms"] is None:
            continue
        need = 0.0
        for d in spec.tables["demand"]:
            if d["workload"] == w["workload"] and d["pflops"] > 0:
                best = min(rtt[(d["region"], s)] for s in offers[w["class"]])
                need = max(need, best)
        w["max_rtt_ms"] = round(max(w["max_rtt_ms"], need * (1 + 1e-6) + 1e-6), 6)


@st.composite
def instances(draw: st.DrawFn, policies: tuple[str, ...] = ALL_POLICIES, ample: bool = False) -> Spec:
    """A valid instance. ample=True: capacity, power and trunks enough to serve everything, no policies,
    and an unmet penalty far above any cost of serving."""
    n_r = draw(st.integers(1, 4))
    regions = draw(st.lists(st.sampled_from(ADCODES), min_size=n_r, max_size=n_r, unique=True))
    periods = [2025] if draw(st.booleans()) else [2025, 2030]
    two_classes = draw(st.booleans())
    classes = ["general", "intelligent"] if two_classes else ["general"]
    net = {"fibre_us_per_km": 4.9, "route_factor": 1.5, "hop_delay_ms": draw(st.sampled_from([0.0, 0.2])),
           "access_rtt_ms": 1.0}
    config: dict[str, Any] = {
        "name": "gen", "periods": periods,
        "finance": {"discount_rate": draw(st.sampled_from([0.0, 0.06])), "campus_lifetime_years": 20,
                    "equipment_lifetime_years": 5, "load_factor": 0.7, "hours_per_year": 8760,
                    "unmet_penalty_cny_per_pflops_year": 1e12 if ample else draw(st.sampled_from([1e7, 1e8]))},
        "network": net,
        "capacity": {"utilisation_max": draw(st.sampled_from([0.85, 1.0]))},
        "policy": {},
        "solver": {"time_limit_s": 30, "mip_gap": 0.0, "threads": 1, "seed": 0},
    }
    spec = Spec(config)
    spec.tables["regions"] = [
        {"region": r, "name_zh": f"区域{r}", "name_en": f"R{r}", "lon": draw(st.floats(80, 130).map(lambda x: round(x, 2))),
         "lat": draw(st.floats(22, 48).map(lambda x: round(x, 2)))} for r in regions]
    spec.tables["hubs"] = [{"hub": "east", "name_zh": "东", "name_en": "East", "side": "east"},
                           {"hub": "west", "name_zh": "西", "name_en": "West", "side": "west"}]
    spec.tables["classes"] = [
        {"class": c, "precision": "FP32" if c == "general" else "FP16",
         "kw_per_pflops": draw(st.sampled_from([100.0, 500.0, 1000.0])),
         "capex_cny_per_pflops": draw(st.sampled_from([1e5, 5e5, 2e6])),
         "module_pflops": draw(st.sampled_from([1.0, 5.0, 10.0]))} for c in classes]
    n_s = draw(st.integers(1, 4))
    sites, sc = [], []
    for i in range(n_s):
        reg = draw(st.sampled_from(spec.tables["regions"]))
        side = draw(st.sampled_from(["east", "west"]))
        cand = draw(st.booleans())
        pue = draw(st.sampled_from([1.1, 1.2, 1.3, 1.5]))
        rows = []
        for c in classes:
            if c != "general" and not draw(st.booleans()):
                continue
            ex = 0.0 if cand else draw(small)  # a new campus has no existing capacity
            mx = draw(st.integers(0, 4)) if not ample else 50
            rows.append({"site": f"s{i}", "class": c, "existing_pflops": ex, "max_modules": mx})
        kw = {c["class"]: c["kw_per_pflops"] for c in spec.tables["classes"]}
        draw_mw = sum(r["existing_pflops"] * kw[r["class"]] for r in rows) * pue / 1000
        headroom = 1e6 if ample else draw(st.sampled_from([1.0, 1.2, 3.0, 100.0]))
        sites.append({
            "site": f"s{i}", "name_zh": f"站点{i}", "name_en": f"Site {i}", "hub": side, "side": side,
            "region": reg["region"], "lon": round(reg["lon"] + draw(st.floats(-0.5, 0.5)), 3),
            "lat": round(reg["lat"] + draw(st.floats(-0.5, 0.5)), 3), "kind": "cluster",
            "candidate": cand, "campus_capex_cny": draw(money) if cand else None, "pue": pue,
            "power_price_cny_per_kwh": draw(st.sampled_from([0.3, 0.5, 0.8])),
            "grid_co2_t_per_mwh": draw(st.sampled_from([0.3, 0.6])),
            "max_facility_mw": 1e5 if ample else round(max(draw_mw * headroom, draw_mw + (1.0 if headroom > 1 else 0.0)), 3),
        })
        sc += rows
    # every class is buildable somewhere, so every workload has somewhere to go
    for c in classes:
        if not any(r["class"] == c and r["max_modules"] > 0 for r in sc):
            site = draw(st.sampled_from(sites))
            sc = [r for r in sc if not (r["site"] == site["site"] and r["class"] == c)]
            sc.append({"site": site["site"], "class": c, "existing_pflops": 0.0, "max_modules": 50 if ample else 3})
            site["max_facility_mw"] = max(site["max_facility_mw"], 1e4)
    spec.tables["sites"], spec.tables["site_classes"] = sites, sc

    n_w = draw(st.integers(1, 3))
    spec.tables["workloads"] = [
        {"workload": f"w{j}", "class": draw(st.sampled_from(classes)),
         "max_rtt_ms": draw(st.one_of(st.none(), st.sampled_from([2.0, 5.0, 15.0, 40.0]))),
         "gbps_per_pflops": draw(st.sampled_from([0.0, 0.5, 2.0])), "description": ""} for j in range(n_w)]
    spec.tables["demand"] = [
        {"region": r, "workload": w["workload"], "period": t, "pflops": draw(st.sampled_from([0.0, 1.0, 3.0, 8.0, 20.0]))}
        for r in regions for w in spec.tables["workloads"] for t in periods]
    if not any(d["pflops"] > 0 for d in spec.tables["demand"]):
        spec.tables["demand"][0]["pflops"] = 5.0

    trunks = []
    for i, r in enumerate(regions[1:], 1):
        trunks.append(_trunk(draw, f"t{i}", draw(st.sampled_from(regions[:i])), r, ample))
    if n_r > 2 and draw(st.booleans()):
        a, b = draw(st.lists(st.sampled_from(regions), min_size=2, max_size=2, unique=True))
        trunks.append(_trunk(draw, "extra", a, b, ample))
    for s in sites:
        t = _trunk(draw, f"a-{s['site']}", s["region"], s["site"], ample)
        t["length_km"] = draw(st.sampled_from([5.0, 20.0, 60.0]))
        trunks.append(t)
    spec.tables["trunks"] = trunks
    _widen_latency(spec)
    if not ample:
        spec.config["policy"] = draw(policy_settings(policies))
        if "carbon_cap_t" in spec.config["policy"]:
            # a cap a random instance can always meet: on the market basis traded green power (free here) counts;
            # on the location basis these instances have nothing zero-carbon, and a low cap leaves work unserved
            spec.config["power"] = {"emissions_basis": "market"}
    return spec


def _trunk(draw: st.DrawFn, name: str, a: str, b: str, ample: bool) -> dict[str, Any]:
    return {"trunk": name, "from": a, "to": b,
            "length_km": draw(st.one_of(st.none(), st.sampled_from([100.0, 800.0, 2000.0]))),
            "capacity_gbps": 1e7 if ample else draw(st.sampled_from([0.0, 5.0, 20.0, 200.0])),
            "module_gbps": draw(st.sampled_from([0.0, 10.0, 100.0])),
            "module_capex_cny": draw(st.sampled_from([0.0, 1e5, 1e6])),
            "max_modules": draw(st.integers(0, 3))}


@st.composite
def policy_settings(draw: st.DrawFn, allowed: tuple[str, ...]) -> dict[str, Any]:
    values = {
        "west_share_new_min": st.sampled_from([0.2, 0.5, 0.8]),
        "intelligent_share_min": st.sampled_from([0.1, 0.3]),
        "pue_max": st.fixed_dictionaries({"east": st.sampled_from([None, 1.25]), "west": st.sampled_from([None, 1.2])}),
        "west_utilisation_min": st.sampled_from([0.3, 0.65]),
        "carbon_cap_t": st.sampled_from([1e3, 1e5, 1e7]),
        "green_share_min": st.sampled_from([0.1, 0.4]),
        "hub_share_new_min": st.sampled_from([0.2, 0.6]),
        "national_utilisation_min": st.sampled_from([0.3, 0.6]),
        "green_share_new_hub_min": st.sampled_from([0.5, 0.8]),
        "max_site_share": st.sampled_from([0.5, 0.8, 1.0]),
        "carbon_price_cny_per_t": st.sampled_from([0.0, 100.0]),
    }
    chosen = draw(st.lists(st.sampled_from(allowed), max_size=3, unique=True)) if allowed else []
    return {k: draw(values[k]) for k in chosen}
