"""One check per constraint family: references, demand balance, latency, site offers, capacity, sites, trunks."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.graph import Graph, Tree, dijkstra, route_bounds
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import ATOL, MAX_ROWS_SHOWN, Rows, fmt, row_key


def check_references(p: Plan, r: Rows) -> None:
    """Every row of the plan names things of the instance, and every instance row has its plan row."""
    fam = "references"
    I, R = p.inst, p.res
    periods = set(p.cfg.periods)
    known = {"region": set(I["regions"]["region"]), "site": set(I["sites"]["site"]),
             "workload": set(I["workloads"]["workload"]), "class": set(I["classes"]["class"]),
             "trunk": set(I["trunks"]["trunk"])}
    for name, df in R.items():
        if name == "kpis":
            continue
        for col in ("region", "site", "workload", "class", "trunk"):
            if col not in df.columns:
                continue
            r.count(fam, len(df))
            for i in df.index[~df[col].isin(known[col])][:MAX_ROWS_SHOWN]:
                r.fail(fam, f"{name}.csv line {i + 2}", f"unknown {col} '{df.at[i, col]}'")
        bad = ~df["period"].isin(periods)
        for i in df.index[bad][:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv line {i + 2}", f"period {df.at[i, 'period']} is not a period of the instance")
    need: dict[str, set[tuple[Any, ...]]] = {
        "unmet": {(a, w, int(t)) for a, w, t in I["demand"][["region", "workload", "period"]].itertuples(index=False)},
        "sites": {(s, t) for s in known["site"] for t in periods},
        "trunks": {(l, t) for l in known["trunk"] for t in periods},
    }
    have: dict[str, set[tuple[Any, ...]]] = {
        "unmet": {(a, w, int(t)) for a, w, t in R["unmet"][["region", "workload", "period"]].itertuples(index=False)},
        "sites": {(s, int(t)) for s, t in R["sites"][["site", "period"]].itertuples(index=False)},
        "trunks": {(l, int(t)) for l, t in R["trunks"][["trunk", "period"]].itertuples(index=False)},
    }
    for name in need:
        r.count(fam, len(need[name]))
        for k in sorted(need[name] - have[name], key=str)[:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv", f"no row for {k}")
    for name in ("serve", "unmet", "capacity", "sites", "trunks"):
        keys = {"serve": ["region", "site", "workload", "period"], "unmet": ["region", "workload", "period"],
                "capacity": ["site", "class", "period"], "sites": ["site", "period"], "trunks": ["trunk", "period"]}[name]
        dup = R[name].duplicated(keys)
        r.count(fam, len(dup))
        for i in R[name].index[dup][:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv line {i + 2}", "duplicate row for " + row_key(**{k: R[name].at[i, k] for k in keys}))


def check_demand_balance(p: Plan, d: Derived, r: Rows) -> None:
    """demand_balance[r,w,t]: Σ_s serve + unmet = demand; serve >= 0, unmet >= 0."""
    fam = "demand_balance"
    sv = p.res["serve"].groupby(["region", "workload", "period"])["pflops"].sum()
    um = p.res["unmet"].groupby(["region", "workload", "period"])["pflops"].sum()
    for a, w, t, dem in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False):
        k = (a, w, int(t))
        got, un = float(sv.get(k, 0.0)), float(um.get(k, 0.0))
        r.eq(fam, row_key(region=a, workload=w, period=t), got + un, float(dem), d.scale_pflops,
             "served + unmet = {lhs} but demand is {rhs} PFLOPS")
    dem_keys = {(a, w, int(t)) for a, w, t in p.inst["demand"][["region", "workload", "period"]].itertuples(index=False)}
    for k in sorted(set(sv.index) - dem_keys, key=str)[:MAX_ROWS_SHOWN]:
        r.fail(fam, row_key(region=k[0], workload=k[1], period=k[2]), f"{fmt(sv[k])} PFLOPS served without any demand row")
    for name in ("serve", "unmet"):
        x = p.res[name]["pflops"]
        r.count("non_negative", len(x))
        for i in x.index[x < -ATOL * d.scale_pflops][:MAX_ROWS_SHOWN]:
            r.fail("non_negative", f"{name}.csv line {i + 2}", f"negative pflops {fmt(x[i])}")


def check_latency(p: Plan, g: Graph, trees: dict[str, Tree], r: Rows) -> None:
    """latency[r,s,w]: every served pair is joined by trunks and rtt(r,s) <= max_rtt(w); rtt_ms is right."""
    fam = "latency"
    net = p.cfg.network
    lim = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["max_rtt_ms"], strict=True))
    for a, s, w, t, rtt in p.res["serve"][["region", "site", "workload", "period", "rtt_ms"]].itertuples(index=False):
        row = row_key(region=a, site=s, workload=w, period=t)
        tree = trees.get(s)
        if tree is None or a not in tree.dist:
            r.count(fam)
            r.fail(fam, row, "work is served at a site no trunk path joins to the region")
            continue
        true = net.access_rtt_ms + tree.dist[a]
        r.eq(fam, row, float(rtt), true, 1.0, "rtt_ms written as {lhs} but the shortest trunk path gives {rhs} ms")
        m = lim.get(w)
        if m is not None and not pd.isna(m):
            r.leq(fam, row, true, float(m), 1.0, "rtt {lhs} ms exceeds the workload's limit of {rhs} ms")


def check_class_offered(p: Plan, r: Rows) -> None:
    """Work is served only at a site that holds its class and, for a candidate, only when the site is open."""
    fam = "site_offers"
    sc = p.inst["site_classes"]
    offer = {(s, c) for s, c, e, m in sc[["site", "class", "existing_pflops", "max_modules"]].itertuples(index=False)
             if e > 0 or m > 0}
    wclass = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["class"], strict=True))
    cand = set(p.inst["sites"].loc[p.inst["sites"]["candidate"], "site"])
    opened = {(s, int(t)): o for s, t, o in p.res["sites"][["site", "period", "open"]].itertuples(index=False)}
    for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        r.count(fam)
        row = row_key(region=a, site=s, workload=w, period=t)
        if (s, wclass.get(w)) not in offer:
            r.fail(fam, row, f"{fmt(x)} PFLOPS of class {wclass.get(w)} served at a site that holds no such class")
        elif s in cand and opened.get((s, int(t)), 0) < 0.5 and x > ATOL:
            r.fail(fam, row, f"{fmt(x)} PFLOPS served at candidate site {s} that is not open")


def check_capacity(p: Plan, d: Derived, r: Rows) -> None:
    """capacity_limit[s,c,t]: served <= utilisation_max · installed; modules whole, cumulative, within max_modules;
    the capacity table's columns agree with the instance and the plan."""
    u = p.cfg.capacity.utilisation_max
    sc = p.inst["site_classes"]
    module = p.inst["classes"].set_index("class")["module_pflops"].astype(float)
    cand = set(p.inst["sites"].loc[p.inst["sites"]["candidate"], "site"])
    for s, c, mx in sc[["site", "class", "max_modules"]].itertuples(index=False):
        prev = 0.0
        for t in d.periods:
            row = row_key(site=s, class_=c, period=t).replace("class_", "class")
            inst_ = d.installed[(s, c, t)]
            b = d.built.get((s, c, t), 0.0)
            x, xn, ex = d.served.get((s, c, t), 0.0), d.served_new.get((s, c, t), 0.0), d.existing[(s, c, t)]
            r.leq("capacity_limit", row, x, u * inst_, d.scale_pflops,
                  f"served {{lhs}} PFLOPS > utilisation_max {u:g} x installed {fmt(inst_)} = {{rhs}}")
            r.leq("capacity_new", row, xn, u * b, d.scale_pflops,
                  f"served on new builds {{lhs}} PFLOPS > utilisation_max {u:g} x built = {{rhs}}")
            r.leq("capacity_existing", row, x - xn, u * ex, d.scale_pflops,
                  f"served on the existing stock {{lhs}} PFLOPS > utilisation_max {u:g} x existing in service = {{rhs}}")
            r.leq("capacity_new", row, -xn, 0.0, d.scale_pflops, "served_new_pflops {lhs} is negative")
            r.leq("capacity_new", row, xn, x, d.scale_pflops, "served_new_pflops {lhs} exceeds served {rhs}")
            n = b / module[c]
            r.integer("integrality", row, n, "modules built (built_pflops / module_pflops)")
            r.leq("module_limit", row, n, float(mx), 1.0, "{lhs} modules built in total > max_modules {rhs}")
            r.leq("module_limit", row, prev, b, d.scale_pflops, "built capacity shrinks: {lhs} PFLOPS before, {rhs} now")
            if s in cand:
                o = d.open.get((s, t), 0.0)
                r.leq("opening", row, b, o * module[c] * float(mx), d.scale_pflops,
                      f"{{lhs}} PFLOPS built at candidate {s} while open = {fmt(o)}")
            prev = b
    cap = p.res["capacity"]
    for i, s, c, t, ex, b, inst_, srv in cap[["site", "class", "period", "existing_pflops", "built_pflops",
                                              "installed_pflops", "served_pflops"]].itertuples():
        row = f"capacity.csv line {i + 2} ({s}, {c}, {t})"
        true_ex = d.installed.get((s, c, int(t)), math.nan) - b
        r.eq("capacity_table", row, float(ex), true_ex, d.scale_pflops, "existing_pflops {lhs} but the instance says {rhs}")
        r.eq("capacity_table", row, float(inst_), float(ex) + float(b), d.scale_pflops,
             "installed_pflops {lhs} != existing + built = {rhs}")
        r.eq("capacity_table", row, float(srv), d.served.get((s, c, int(t)), 0.0), d.scale_pflops,
             "served_pflops {lhs} but serve.csv adds up to {rhs}")


def check_vintages(p: Plan, d: Derived, r: Rows) -> None:
    """For the classes whose kW per PFLOPS changes by period (docs/model.md "Vintages and domestic accelerators"):
    capacity_vintage[s,c,t',t]: 0 ≤ served_new_v ≤ utilisation_max · PFLOPS added in t' (built[t'] − built[t'−1]);
    vintage_split[s,c,t]: Σ_{t' ≤ t} served_new_v[s,c,t',t] = served_new_pflops[s,c,t]; and vintages.csv's own
    columns (built, kW, IT MW, energy) agree with the plan and the instance."""
    vt = p.res.get("vintages")
    if vt is None:
        return
    u = p.cfg.capacity.utilisation_max
    site = p.inst["sites"].set_index("site")
    fin = p.cfg.finance
    full, i = fin.hours_per_year * fin.load_factor / 1000, fin.idle_share
    split: dict[tuple[str, str, int], float] = defaultdict(float)
    seen = set()
    for n, s, c, tb, t, b, x, kw, it, e in vt[["site", "class", "built_period", "period", "built_pflops",
                                                "served_new_pflops", "kw_per_pflops", "it_mw", "energy_new_mwh"]].itertuples():
        row = f"vintages.csv line {n + 2} ({s}, {c}, built {tb}, {t})"
        tb, t = int(tb), int(t)
        if c not in d.vintaged or tb > t or tb not in d.periods or t not in d.periods or s not in site.index:
            r.count("vintage_table")
            r.fail("vintage_table", row, f"not a vintage of the plan (vintaged classes: {sorted(d.vintaged)})")
            continue
        seen.add((s, c, tb, t))
        add = d.added.get((s, c, tb), 0.0)
        r.leq("capacity_vintage", row, -float(x), 0.0, d.scale_pflops, "served_new_pflops {lhs} is negative")
        r.leq("capacity_vintage", row, float(x), u * add, d.scale_pflops,
              f"work on the {tb} vintage {{lhs}} PFLOPS > utilisation_max {u:g} x its {fmt(add)} PFLOPS = {{rhs}}")
        split[(s, c, t)] += float(x)
        want_kw = d.kw_vintage[(c, tb)]
        r.eq("vintage_table", row, float(b), add, d.scale_pflops, "built_pflops {lhs} but capacity.csv adds {rhs} in that period")
        r.eq("vintage_table", row, float(kw), want_kw, max(1.0, want_kw), "kw_per_pflops {lhs} but the vintage draws {rhs}")
        r.eq("vintage_table", row, float(it), want_kw * add / 1000, d.scale_kw / 1000, "it_mw {lhs} but the vintage draws {rhs}")
        en = want_kw * float(site.at[s, "pue_new"]) * full * (i * add + (1 - i) * float(x))
        r.eq("vintage_table", row, float(e), en, max(1.0, en), "energy_new_mwh {lhs} but the vintage uses {rhs}")
    for s, c in sorted(k for k in d.buildable if k[1] in d.vintaged):
        for t in d.periods:
            row = row_key(site=s, class_=c, period=t).replace("class_", "class")
            r.eq("vintage_split", row, split.get((s, c, t), 0.0), d.served_new.get((s, c, t), 0.0), d.scale_pflops,
                 "its vintages carry {lhs} PFLOPS, capacity.csv's served_new_pflops is {rhs}")
            for tb in d.periods:
                if tb <= t and (s, c, tb, t) not in seen and d.added.get((s, c, tb), 0.0) > 0:
                    r.count("vintage_table")
                    r.fail("vintage_table", row, f"no vintages.csv row for the {tb} vintage")


def check_sites(p: Plan, d: Derived, r: Rows) -> None:
    """Open binary and monotone; sites.csv IT, energy and emissions agree with the plan (site_power and the shells:
    edwc.analysis.check.shells)."""
    site = p.inst["sites"].set_index("site")
    cl = p.inst["classes"].set_index("class")
    kw_ex = cl["kw_per_pflops_existing"].astype(float)
    by_site: dict[str, list[str]] = defaultdict(list)
    for s, c in p.inst["site_classes"][["site", "class"]].itertuples(index=False):
        by_site[s].append(c)
    st = p.res["sites"].set_index(["site", "period"])
    for s in site.index:
        cand = bool(site.at[s, "candidate"])
        prev_open = 0.0
        for t in d.periods:
            row = row_key(site=s, period=t)
            old_kw = sum(kw_ex[c] * d.existing[(s, c, t)] for c in by_site.get(s, []))
            new_kw = sum(d.it_kw_new_sc.get((s, c, t), 0.0) for c in by_site.get(s, []))  # each vintage at its kW
            it_kw = old_kw + new_kw
            o = d.open.get((s, t), math.nan)
            if not r.integer("integrality", row, o, "open"):
                continue
            r.count("opening")
            if not cand and o < 0.5:
                r.fail("opening", row, "an existing site is reported closed")
            if o > 1.5 or o < -0.5:
                r.fail("opening", row, f"open = {fmt(o)} is not 0 or 1")
            if cand and o < prev_open - 0.5:
                r.fail("opening", row, "a campus opened earlier is closed again")
            if (s, t) in st.index:
                newly = float(st.at[(s, t), "newly_opened"])
                r.eq("sites_table", row, newly, float(cand and o > prev_open + 0.5), 1.0, "newly_opened {lhs} but it should be {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "it_mw"]), it_kw / 1000, d.scale_kw / 1000, "it_mw {lhs} but installed capacity draws {rhs}")
                e = d.energy.get((s, t), 0.0)
                r.eq("sites_table", row, float(st.at[(s, t), "energy_mwh"]), e, max(1.0, e), "energy_mwh {lhs} but installed and served IT use {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "energy_new_mwh"]), d.energy_new.get((s, t), 0.0), max(1.0, e),
                     "energy_new_mwh {lhs} but new builds use {rhs}")
                gm = d.green.get((s, t), 0.0)
                r.leq("green_within", row, gm, e, max(1.0, e), "green power {lhs} MWh exceeds the site's energy {rhs} MWh")
            prev_open = o


def check_trunks(p: Plan, d: Derived, g: Graph, trees: dict[str, Tree], r: Rows) -> None:
    """trunk_capacity[l,t]: Σ gbps_per_pflops · serve over the pairs routed on l <= capacity + module_gbps · Σ wavelengths.

    Routed load is recomputed from serve.csv over shortest paths: where several shortest paths tie, a trunk's load
    may lie anywhere between the flows on *every* shortest path through it and those on *some* of them.
    """
    gbps = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["gbps_per_pflops"].astype(float), strict=True))
    flow: dict[tuple[str, str, int], float] = defaultdict(float)
    for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        if gbps.get(w, 0.0) > 0:
            flow[(a, s, int(t))] += gbps[w] * float(x)
    lo: dict[tuple[str, int], float] = defaultdict(float)
    hi: dict[tuple[str, int], float] = defaultdict(float)
    bounds: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for (a, s, t), f in sorted(flow.items()):
        if s not in trees or a not in trees[s].dist:
            continue  # reported by the latency check
        if (a, s) not in bounds:
            if a not in trees:
                trees[a] = dijkstra(g, a)
            bounds[(a, s)] = route_bounds(g, trees[a], trees[s], s)
        some, every = bounds[(a, s)]
        for l in some:
            hi[(l, t)] += f
        for l in every:
            lo[(l, t)] += f
    tr = p.inst["trunks"].set_index("trunk")
    res = p.res["trunks"].set_index(["trunk", "period"])
    for l in tr.index:
        cap0, mod, mx = float(tr.at[l, "capacity_gbps"]), float(tr.at[l, "module_gbps"]), int(tr.at[l, "max_modules"])
        for t in d.periods:
            row = row_key(trunk=l, period=t)
            cum = d.cum_wavelengths.get((l, t), 0.0)
            r.integer("integrality", row, cum, "wavelengths added")
            r.leq("trunk_upgrades", row, cum, float(mx) if mod > 0 else 0.0, 1.0,
                  "{lhs} wavelengths added in total > max_modules {rhs}")
            cap = cap0 + mod * cum
            reported = float(res.at[(l, t), "load_gbps"]) if (l, t) in res.index else 0.0
            r.leq("trunk_capacity", row, max(reported, lo[(l, t)]), cap, d.scale_gbps,
                  "load {lhs} Gbps > capacity + upgrades = {rhs} Gbps")
            r.leq("trunk_routing", row, lo[(l, t)], reported, d.scale_gbps,
                  "load_gbps written as {rhs} but the flows on its shortest paths need at least {lhs}")
            r.leq("trunk_routing", row, reported, hi[(l, t)], d.scale_gbps,
                  "load_gbps written as {lhs} but no more than {rhs} Gbps of flows have a shortest path over it")
            if (l, t) in res.index:
                r.eq("trunks_table", row, float(res.at[(l, t), "capacity_gbps"]), cap, d.scale_gbps,
                     "capacity_gbps {lhs} but capacity + module_gbps x wavelengths = {rhs}")
            if "length_km" in res.columns and (l, t) in res.index:
                r.eq("trunks_table", row, float(res.at[(l, t), "length_km"]), g.length_km[l], 1.0,
                     "length_km {lhs} but the instance gives {rhs}")
