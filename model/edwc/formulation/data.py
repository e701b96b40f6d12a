"""Sparse index sets and parameters for the model, computed once from a validated instance.

Only pairs in A (latency-feasible) and demand rows > 0 get indices; nothing dense is built.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from edwc.input.instance import Instance
from edwc.network.routes import allowed_pairs, routes, trunk_table

SCALE = 1e6  # objective coefficients are in M CNY inside the solver; reports are in CNY


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: yearly payment per unit of capex."""
    if rate == 0:
        return 1 / years
    return rate / (1 - (1 + rate) ** -years)


@dataclass
class ModelData:
    periods: list[int]
    sites: list[str]
    candidates: list[str]
    site_class: list[tuple[str, str]]  # (s, c) that can hold class c: existing or buildable
    buildable: list[tuple[str, str]]  # (s, c) with max_modules > 0
    serve_index: list[tuple[str, str, str, int]]  # (r, s, w, t) in A with demand > 0
    demand_index: list[tuple[str, str, int]]  # (r, w, t) with demand > 0
    trunks: list[str]  # trunks that can be upgraded
    demand: dict[tuple[str, str, int], float]
    workload_class: dict[str, str]
    gbps: dict[str, float]
    rtt: dict[tuple[str, str], float]
    existing: dict[tuple[str, str], float]
    max_modules: dict[tuple[str, str], int]
    module_pflops: dict[str, float]
    kw_per_pflops: dict[str, float]
    capex_per_pflops: dict[str, float]
    site: dict[str, dict]  # site attributes (side, pue, price, co2, renewable, max_mw, capex)
    trunk: dict[str, dict]  # trunk attributes (capacity, module_gbps, module_capex, max_modules)
    # Traffic toward each site runs along the site's shortest-path tree. flow_nodes: (s, u) for every node
    # u that carries traffic toward s; it leaves u over trunk flow_trunk[(s, u)] to the next node.
    flow_nodes: list[tuple[str, str]]
    flow_trunk: dict[tuple[str, str], str]
    flow_children: dict[tuple[str, str], list[str]]  # (s, u) -> nodes v whose flow toward s enters u
    flow_serve: dict[tuple[str, str], list[str]]  # (s, r) -> workloads with gbps > 0 that r may send to s
    serve_by_rwt: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    serve_by_sct: dict[tuple[str, str, int], list[tuple[str, str]]] = field(default_factory=dict)
    annuity_campus: float = 0.0
    annuity_equipment: float = 0.0
    energy_mwh_per_pflops: dict[tuple[str, str], float] = field(default_factory=dict)  # (s, c)


def prepare(inst: Instance) -> ModelData:
    cfg = inst.config
    periods = list(cfg.periods)
    a = allowed_pairs(inst)
    dem = inst.demand[inst.demand["pflops"] > 0]
    demand = {(r, w, int(t)): float(p) for r, w, t, p in dem[["region", "workload", "period", "pflops"]].itertuples(index=False)}
    pairs_by_rw: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r, s, w in a[["region", "site", "workload"]].itertuples(index=False):
        pairs_by_rw[(r, w)].append(s)
    wclass = dict(zip(inst.workloads["workload"], inst.workloads["class"], strict=False))

    serve_index, serve_by_rwt, serve_by_sct = [], {}, defaultdict(list)
    for (r, w, t) in sorted(demand):
        ss = pairs_by_rw.get((r, w), [])
        serve_by_rwt[(r, w, t)] = ss
        for s in ss:
            serve_index.append((r, s, w, t))
            serve_by_sct[(s, wclass[w], t)].append((r, w))

    sc = inst.site_classes
    existing = {(s, c): float(e) for s, c, e in sc[["site", "class", "existing_pflops"]].itertuples(index=False)}
    max_modules = {(s, c): int(m) for s, c, m in sc[["site", "class", "max_modules"]].itertuples(index=False)}
    site_class = sorted(k for k in existing if existing[k] > 0 or max_modules[k] > 0)
    buildable = sorted(k for k in max_modules if max_modules[k] > 0)

    cl = inst.classes.set_index("class")
    fin = cfg.finance
    sites = inst.sites.set_index("site")
    site_attr = {s: row._asdict() for s, row in zip(sites.index, sites.itertuples(index=False), strict=False)}
    energy = {
        (s, c): cl.at[c, "kw_per_pflops"] / 1000 * site_attr[s]["pue"] * fin.hours_per_year * fin.load_factor
        for (s, c) in site_class
    }

    rt = routes(inst)
    gbps = dict(zip(inst.workloads["workload"], inst.workloads["gbps_per_pflops"].astype(float), strict=False))
    flow_serve: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r, s, w, _t in serve_index:
        if gbps[w] > 0 and r != s:
            flow_serve[(s, r)].add(w)
    carrying: set[tuple[str, str]] = set()
    for (s, r) in flow_serve:  # mark every node on the way from r to s
        u = r
        while u != s and (s, u) not in carrying:
            carrying.add((s, u))
            u = rt.toward[(s, u)][0]
    flow_children: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (s, u) in sorted(carrying):
        nxt = rt.toward[(s, u)][0]
        if nxt != s:
            flow_children[(s, nxt)].append(u)
    tt = trunk_table(inst).set_index("trunk")
    trunk_attr = {l: row._asdict() for l, row in zip(tt.index, tt.itertuples(index=False), strict=False)}

    return ModelData(
        periods=periods,
        sites=list(inst.sites["site"]),
        candidates=[s for s in inst.sites["site"] if site_attr[s]["candidate"]],
        site_class=site_class,
        buildable=buildable,
        serve_index=serve_index,
        demand_index=sorted(demand),
        trunks=sorted(l for l in trunk_attr if trunk_attr[l]["max_modules"] > 0 and trunk_attr[l]["module_gbps"] > 0),
        demand=demand,
        workload_class=wclass,
        gbps=gbps,
        rtt={(r, s): float(v) for r, s, v in rt.rtt.itertuples(index=False)},
        existing=existing,
        max_modules=max_modules,
        module_pflops=cl["module_pflops"].astype(float).to_dict(),
        kw_per_pflops=cl["kw_per_pflops"].astype(float).to_dict(),
        capex_per_pflops=cl["capex_cny_per_pflops"].astype(float).to_dict(),
        site=site_attr,
        trunk=trunk_attr,
        flow_nodes=sorted(carrying),
        flow_trunk={k: rt.toward[k][1] for k in carrying},
        flow_children=dict(flow_children),
        flow_serve={k: sorted(v) for k, v in flow_serve.items()},
        serve_by_rwt=serve_by_rwt,
        serve_by_sct=dict(serve_by_sct),
        annuity_campus=annuity(fin.discount_rate, fin.campus_lifetime_years),
        annuity_equipment=annuity(fin.discount_rate, fin.equipment_lifetime_years),
        energy_mwh_per_pflops=energy,
    )
