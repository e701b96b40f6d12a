"""Every KPI of kpis.csv recomputed by the check, without edwc.results.kpis (which writes them).

The one place to add a KPI's recomputation: KPI_FAMILIES below, one function per family of KPIs, each
yielding (name, value, unit) for one period. The functions read the plan tables, whose every column the
table checks (families.py, columns.py) have already re-derived, and the instance. A row of kpis.csv that
no function here yields fails the check ("no independent recomputation"), so a KPI added to the writer
without its recomputation here fails `edwc check`, the solve's self-check and tests/test_check.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.check.costs import annuity
from edwc.analysis.check.derived import Derived
from edwc.analysis.check.graph import Tree
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key

STANDARD_RACK_KW = 2.5  # seeds/facts.csv eng_std_rack_kw: the official standard rack
CIRCLES_MS = {"metro": 1.0, "cluster": 5.0, "hub": 20.0}  # one-way latency circles, pol_latency_*


@dataclass
class Period:
    """One period's plan tables and the instance's lookups, as the KPI functions read them."""

    t: int
    p: Plan
    rtt: dict[tuple[str, str], float]  # (region, site) -> round-trip ms, every pair a trunk path joins
    cap: pd.DataFrame
    sites: pd.DataFrame
    serve: pd.DataFrame
    unmet: pd.DataFrame
    trunks: pd.DataFrame
    site: pd.DataFrame  # the instance's sites, by site id

    def side(self, df: pd.DataFrame) -> pd.Series:
        return df["site"].map(self.site["side"])

    def in_hub(self, df: pd.DataFrame) -> pd.Series:
        return df["site"].map(lambda s: isinstance(self.site.at[s, "hub"], str) and self.site.at[s, "hub"] != "")


Yield = Iterator[tuple[str, float, str]]


def ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else 0.0


def _demand(q: Period) -> Yield:
    dem = q.p.inst["demand"]
    d = float(dem.loc[dem["period"] == q.t, "pflops"].sum())
    um = float(q.unmet["pflops"].sum())
    yield "demand_pflops", d, "PFLOPS"
    yield "served_pflops", d - um, "PFLOPS"
    yield "unmet_pflops", um, "PFLOPS"
    yield "unmet_share", ratio(um, d), "fraction"
    for w in sorted(set(q.unmet["workload"])):
        yield f"unmet_pflops_{w}", float(q.unmet.loc[q.unmet["workload"] == w, "pflops"].sum()), "PFLOPS"


def _capacity(q: Period) -> Yield:
    c = q.cap
    tot, new = float(c["installed_pflops"].sum()), float(c["built_pflops"].sum())
    yield "installed_pflops", tot, "PFLOPS"
    yield "built_pflops", new, "PFLOPS"
    yield "existing_in_service_pflops", float(c["existing_pflops"].sum()), "PFLOPS"
    for k in sorted(set(c["class"])):
        yield f"installed_pflops_{k}", float(c.loc[c["class"] == k, "installed_pflops"].sum()), "PFLOPS"
        yield f"built_pflops_{k}", float(c.loc[c["class"] == k, "built_pflops"].sum()), "PFLOPS"
    yield "intelligent_share_installed", ratio(c.loc[c["class"] == "intelligent", "installed_pflops"].sum(), tot), "fraction"


def _scorecard(q: Period) -> Yield:
    """The policy scorecard: hub and west shares, racks, 上架率 (utilisation)."""
    c, west = q.cap, q.side(q.cap) == "west"
    new, tot = c["built_pflops"].sum(), c["installed_pflops"].sum()
    yield "hub_share_new", ratio(c.loc[q.in_hub(c), "built_pflops"].sum(), new), "fraction"
    yield "west_share_new", ratio(c.loc[west, "built_pflops"].sum(), new), "fraction"
    yield "west_share_installed", ratio(c.loc[west, "installed_pflops"].sum(), tot), "fraction"
    yield "west_share_new_it_mw", ratio(c.loc[west, "it_mw_new"].sum(), c["it_mw_new"].sum()), "fraction"
    sv = q.serve
    at_west = q.side(sv) == "west"
    yield "west_share_served", ratio(sv.loc[at_west, "pflops"].sum(), sv["pflops"].sum()), "fraction"
    inst_site = q.p.inst["sites"]
    west_regions = set(inst_site.loc[inst_site["side"] == "west", "region"])
    east_demand = ~sv["region"].isin(west_regions)
    yield "east_demand_served_west_pflops", float(sv.loc[east_demand & at_west, "pflops"].sum()), "PFLOPS"
    yield "standard_racks_installed", float(c["it_mw"].sum()) * 1000 / STANDARD_RACK_KW, "racks"
    yield "standard_racks_new", float(c["it_mw_new"].sum()) * 1000 / STANDARD_RACK_KW, "racks"
    yield "utilisation_national", ratio(c["served_pflops"].sum(), tot), "fraction"
    for sd in ("east", "west"):
        g = c[q.side(c) == sd]
        yield f"utilisation_{sd}", ratio(g["served_pflops"].sum(), g["installed_pflops"].sum()), "fraction"
    clusters = c[c["site"].map(q.site["kind"]) == "cluster"]
    for s in sorted(set(clusters["site"])):
        g = clusters[clusters["site"] == s]
        yield f"utilisation_cluster_{s}", ratio(g["served_pflops"].sum(), g["installed_pflops"].sum()), "fraction"


def _shells(q: Period) -> Yield:
    """Built racks (shells) and 上架率 = IT MW / shell MW (occupied over built racks): national, side, hub, cluster."""
    st, site = q.sites, q.site
    it, sh = st["it_mw"].astype(float), st["shell_mw"].astype(float)
    yield "standard_racks_built", float(sh.sum()) * 1000 / STANDARD_RACK_KW, "racks"
    yield "standard_racks_built_new", float(st["shell_mw_new"].sum()) * 1000 / STANDARD_RACK_KW, "racks"
    yield "shell_mw", float(sh.sum()), "MW"
    yield "noload_mwh", float(st["noload_mwh"].sum()), "MWh"
    yield "rack_occupancy_national", ratio(it.sum(), sh.sum()), "fraction"
    for sd in ("east", "west"):
        m = q.side(st) == sd
        yield f"rack_occupancy_{sd}", ratio(it[m].sum(), sh[m].sum()), "fraction"
    hub = st["site"].map(lambda s: site.at[s, "hub"] if isinstance(site.at[s, "hub"], str) else "")
    for h in sorted(set(hub) - {""}):
        yield f"rack_occupancy_hub_{h}", ratio(it[hub == h].sum(), sh[hub == h].sum()), "fraction"
    yield "rack_occupancy_hubs", ratio(it[hub != ""].sum(), sh[hub != ""].sum()), "fraction"
    cl = st["site"].map(site["kind"]) == "cluster"
    yield "rack_occupancy_clusters", ratio(it[cl].sum(), sh[cl].sum()), "fraction"
    for s in sorted(set(st.loc[cl, "site"])):
        yield f"rack_occupancy_cluster_{s}", ratio(it[st["site"] == s].sum(), sh[st["site"] == s].sum()), "fraction"


def _weighted_p95(values: np.ndarray, weights: np.ndarray) -> float:
    if weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][np.searchsorted(cum, 0.95 - 1e-12)])


def _latency(q: Period) -> Yield:
    sv = q.serve
    for w in sorted(set(sv["workload"])):
        g = sv[sv["workload"] == w]
        rtt, x = g["rtt_ms"].to_numpy(float), g["pflops"].to_numpy(float)
        yield f"rtt_mean_ms_{w}", float(np.average(rtt, weights=x)) if x.sum() > 0 else float("nan"), "ms"
        yield f"rtt_p95_ms_{w}", _weighted_p95(rtt, x), "ms"
    pairs = _circle_pairs(q)
    for name, ms in CIRCLES_MS.items():
        inside = sv["rtt_ms"] / 2 <= ms + 1e-9
        yield f"served_within_{name}_circle_share", ratio(sv.loc[inside, "pflops"].sum(), sv["pflops"].sum()), "fraction"
        ok = [q.rtt.get(pair, np.inf) / 2 <= ms + 1e-9 for pair in pairs[name]]
        yield f"{name}_circle_pairs_compliant_share", float(np.mean(ok)) if ok else float("nan"), "fraction"


def _circle_pairs(q: Period) -> dict[str, list[tuple[str, str]]]:
    """The policy's latency-circle pairs: every eastern hub region to every western cluster (hub), each hub
    cluster to its own and the neighbouring regions (cluster), each region to its own sites (metro)."""
    s, I = q.site, q.p.inst
    hubbed = s["hub"].map(lambda h: isinstance(h, str) and h != "")
    east_regions = sorted(set(s.loc[hubbed & (s["side"] == "east"), "region"]))
    west_clusters = list(s.index[(s["side"] == "west") & (s["kind"] == "cluster")])
    regions = set(I["regions"]["region"])
    nbr: dict[str, set[str]] = {}
    for a, b in zip(I["trunks"]["from"], I["trunks"]["to"], strict=True):
        if a in regions and b in regions:
            nbr.setdefault(a, set()).add(b)
            nbr.setdefault(b, set()).add(a)
    hubs = set(I["hubs"]["hub"]) if "hubs" in I else set()
    clusters = [c for c in s.index if s.at[c, "kind"] == "cluster" and s.at[c, "hub"] in hubs]
    return {"hub": [(r, c) for r in east_regions for c in west_clusters],
            "cluster": [(r, c) for c in clusters for r in sorted({s.at[c, "region"]} | nbr.get(s.at[c, "region"], set()))],
            "metro": [(s.at[x, "region"], x) for x in s.index]}


def _energy(q: Period) -> Yield:
    st, c, site = q.sites, q.cap, q.site
    energy, it_e, green, em = (float(st[k].sum()) for k in ("energy_mwh", "it_energy_mwh", "green_mwh", "emissions_t"))
    yield "energy_mwh", energy, "MWh"
    for k in sorted(set(c["class"])):
        yield f"energy_mwh_{k}", float(c.loc[c["class"] == k, "energy_mwh"].sum()), "MWh"
    yield "pue_energy_weighted", ratio(energy, it_e), "-"
    nb = st[st["energy_new_mwh"] > 0]
    yield "pue_new_builds", ratio(nb["energy_new_mwh"].sum(), (nb["energy_new_mwh"] / nb["site"].map(site["pue_new"])).sum()), "-"
    yield "green_share_all", ratio(green, energy), "fraction"
    hb = st[q.in_hub(st) & (st["energy_new_mwh"] > 0)]
    yield "green_share_new_hub", ratio(np.minimum(hb["green_mwh"], hb["energy_new_mwh"]).sum(), hb["energy_new_mwh"].sum()), "fraction"
    yield "emissions_t", em, "tCO2"
    yield "carbon_intensity_t_per_mwh", ratio(em, energy), "tCO2/MWh"
    yield "carbon_per_pflops_year_t", ratio(em, q.serve["pflops"].sum()), "tCO2/PFLOPS-yr"
    yield "power_price_mean_cny_per_kwh", ratio((st["site"].map(site["power_price_cny_per_kwh"]) * st["energy_mwh"]).sum(), energy), "CNY/kWh"
    yield "facility_mw", float(st["facility_mw"].sum()), "MW"
    yield "new_facility_mw", float((st["shell_mw_new"] * st["site"].map(site["pue_new"])).sum()), "MW"
    mw = (st["shell_mw_new"] * st["site"].map(site["pue_new"])).groupby(st["site"].map(site["region"])).sum()
    for r, v in sorted(mw[mw > 1e-9].items()):
        yield f"new_facility_mw_province_{r}", float(v), "MW"
    yield "sites_opened", float(st["newly_opened"].sum()), "count"
    yield "wavelengths_added", float(q.trunks["wavelengths_added"].sum()), "count"


def _power(q: Period) -> Yield:
    """Supply and green power by kind, hourly matching, curtailment absorbed, direct builds, market-based emissions."""
    st = q.sites
    energy = float(st["energy_mwh"].sum())
    yield "emissions_market_t", float(st["emissions_market_t"].sum()), "tCO2"
    for kind in ("grid", "curtailed", "direct", "trade", "certificate"):
        yield f"{kind}_mwh", float(st[f"{kind}_mwh"].sum()), "MWh"
    for kind in ("curtailed", "direct", "trade", "certificate"):
        yield f"green_share_{kind}", ratio(st[f"{kind}_mwh"].sum(), energy), "fraction"
    yield "green_matched_share", ratio(st["green_matched_mwh"].sum(), energy), "fraction"
    yield "peak_grid_mw", float(st["peak_grid_mw"].sum()), "MW"
    for col in ("direct_solar_mw", "direct_wind_mw"):
        yield col, float(st[col].sum()), "MW"
    yield "battery_mwh", float(st["battery_mwh"].sum()), "MWh"
    pw = q.p.res["power"]
    pw = pw[pw["period"] == q.t]
    if len(pw):
        prov = pw["site"].map(q.site["region"]).astype(str).str[:2] + "0000"
        absorbed = float((pw["weight_h"] * pw["curtailed_mw"]).sum())
        pools = pw.assign(province=prov).drop_duplicates(["province", "day", "step"])
        yield "curtailment_absorbed_mwh", absorbed, "MWh"
        yield "curtailment_absorbed_share", ratio(absorbed, (pools["weight_h"] * pools["curtailed_pool_mw"]).sum()), "fraction"


def _money(q: Period) -> Yield:
    """Yearly cost of serving per class over served PFLOPS, and the capex spent in the period (overnight)."""
    c, sv, I, fin = q.cap, q.serve, q.p.inst, q.p.cfg.finance
    cl = I["classes"].set_index("class")
    wl = I["workloads"].set_index("workload")
    a_fac = annuity(fin.discount_rate, fin.campus_lifetime_years)
    bw = q.p.cfg.network.bandwidth_cny_per_gbps_km_year
    wclass = sv["workload"].map(wl["class"])
    shell_ann = a_fac * q.p.cfg.capacity.shell_capex_cny_per_kw * 1000 * float(q.sites["shell_mw_new"].sum())
    # the classes share the shells by new IT kW; each vintage at its own kW (capacity.csv's it_mw_new, checked by columns)
    it_new = 1000 * c["it_mw_new"]
    for k in sorted(set(c["class"])):
        ck = c[c["class"] == k]
        built = ck["built_pflops"]
        cost = (float(built.sum()) * float(cl.at[k, "capex_cny_per_pflops"]) * annuity(fin.discount_rate, float(cl.at[k, "lifetime_years"]))
                + float(it_new[c["class"] == k].sum()) * float(cl.at[k, "facility_capex_cny_per_kw"]) * a_fac
                + float((ck["energy_mwh"] * 1000 * ck["site"].map(q.site["power_price_cny_per_kwh"])).sum())
                + shell_ann * ratio(it_new[c["class"] == k].sum(), it_new.sum()))
        sk = sv[wclass == k]
        cost += float((sk["pflops"] * sk["workload"].map(wl["gbps_per_pflops"]) * sk["network_km"] * bw).sum())
        yield f"cost_per_pflops_year_{k}", ratio(cost, sk["pflops"].sum()), "CNY/PFLOPS-yr"
    yield "capex_cny", _capex(q), "CNY"


def _capex(q: Period) -> float:
    I, R = q.p.inst, q.p.res
    cl = I["classes"].set_index("class")
    periods = list(q.p.cfg.periods)
    i = periods.index(q.t)
    cap = R["capacity"]
    now = cap[cap["period"] == q.t].set_index(["site", "class"])["built_pflops"]
    before = cap[cap["period"] == periods[i - 1]].set_index(["site", "class"])["built_pflops"] if i else now * 0
    added = (now - before.reindex(now.index, fill_value=0.0)).clip(lower=0)
    k = added.index.get_level_values("class")
    change = cl["kw_change_per_year"].astype(float).fillna(0.0) if "kw_change_per_year" in cl else cl["kw_per_pflops"] * 0.0
    kw_t = cl["kw_per_pflops"].astype(float) * (1 + change) ** (q.t - periods[0])  # the kW of this period's vintage
    capex = float((added * k.map(cl["capex_cny_per_pflops"])).sum()
                  + (added * k.map(kw_t) * k.map(cl["facility_capex_cny_per_kw"])).sum())
    camp = q.site["campus_capex_cny"].astype(float).fillna(0.0)
    capex += float((q.sites["newly_opened"] * q.sites["site"].map(camp)).sum())
    st = R["sites"]
    sh_now = st[st["period"] == q.t].set_index("site")["shell_mw_new"].astype(float)
    sh_before = st[st["period"] == periods[i - 1]].set_index("site")["shell_mw_new"].astype(float) if i else sh_now * 0
    capex += q.p.cfg.capacity.shell_capex_cny_per_kw * 1000 * float((sh_now - sh_before.reindex(sh_now.index, fill_value=0.0)).clip(lower=0).sum())
    trc = I["trunks"].set_index("trunk")["module_capex_cny"].astype(float)
    capex += float((q.trunks["wavelengths_added"] * q.trunks["trunk"].map(trc).fillna(0.0)).sum())
    return capex


# Every KPI of kpis.csv comes from one of these (docs/model.md, "KPIs"); add a new KPI's recomputation here.
KPI_FAMILIES: tuple[Callable[[Period], Yield], ...] = (_demand, _capacity, _scorecard, _shells, _latency, _energy, _power,
                                                       _money)


def recompute_kpis(p: Plan, t: int, trees: dict[str, Tree], access_ms: float) -> dict[str, tuple[float, str]]:
    """Every KPI of period t: name -> (value, unit)."""
    R = p.res
    rtt = {(a, s): access_ms + ms for s, tree in trees.items() for a, ms in tree.dist.items()}
    of = {k: R[k][R[k]["period"] == t] for k in ("capacity", "sites", "serve", "unmet", "trunks")}
    q = Period(t, p, rtt, cap=of["capacity"], sites=of["sites"], serve=of["serve"], unmet=of["unmet"],
               trunks=of["trunks"], site=p.inst["sites"].set_index("site"))
    out: dict[str, tuple[float, str]] = {}
    for fn in KPI_FAMILIES:
        for name, value, unit in fn(q):
            out[name] = (float(value), unit)
    return out


def _scale(unit: str, d: Derived, energy: float) -> float:
    """The size of a KPI's unit in this plan (the tolerance's scale, as for the families)."""
    return {"PFLOPS": d.scale_pflops, "MWh": energy, "tCO2": energy, "MW": d.scale_kw / 1000}.get(unit, 1.0)


def check_kpis(p: Plan, d: Derived, trees: dict[str, Tree], r: Rows) -> None:
    """Every row of kpis.csv equals its recomputation, with its unit; every recomputed KPI has its row."""
    fam = "kpis"
    k = p.res["kpis"]
    seen: set[tuple[str, int]] = set()
    want = {t: recompute_kpis(p, t, trees, p.cfg.network.access_rtt_ms) for t in d.periods}
    for i, name, t, value, unit in k[["kpi", "period", "value", "unit"]].itertuples():
        row = f"kpis.csv line {i + 2} ({row_key(kpi=name, period=t)})"
        problem = ("not a period of the instance" if t not in want
                   else "a second row for this KPI and period" if (name, t) in seen
                   else "no independent recomputation of this KPI (add one to edwc.analysis.check.kpis)"
                   if name not in want[t] else f"unit '{unit}', expected '{want[t][name][1]}'"
                   if unit != want[t][name][1] else None)
        if problem is not None:
            r.count(fam)
            r.fail(fam, row, problem)
            continue
        seen.add((name, int(t)))
        v, u = want[t][name]
        _value(r, row, float(value), v, _scale(u, d, sum(e for (_, tt), e in d.energy.items() if tt == t)))
    for t, names in want.items():
        for name in sorted(set(names) - {n for n, tt in seen if tt == t}):
            r.count(fam)
            r.fail(fam, row_key(kpi=name, period=t), "missing from kpis.csv")


def _value(r: Rows, row: str, got: float, want: Any, scale: float) -> None:
    if np.isnan(want) or np.isnan(got):  # undefined (e.g. no latency-circle pairs): both must say so
        r.count("kpis")
        if not (np.isnan(want) and np.isnan(got)):
            r.fail("kpis", row, f"written as {got:.10g}, the tables give {want:.10g}")
        return
    r.eq("kpis", row, got, float(want), scale, "kpis.csv says {lhs}, the tables give {rhs}")
