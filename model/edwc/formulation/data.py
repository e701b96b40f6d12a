"""Sparse index sets and parameters for the model, computed once from a validated instance.

Only pairs in A (latency-feasible) and demand rows > 0 get indices; nothing dense is built.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from edwc.input.instance import Instance
from edwc.input.limits import facility_limits
from edwc.network.routes import allowed_pairs, great_circle_km, routes, trunk_table

SCALE = 1e6  # objective coefficients are in M CNY inside the solver; reports are in CNY


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: yearly payment per unit of capex."""
    if rate == 0:
        return 1 / years
    return rate / (1 - (1 + rate) ** -years)


def period_years(periods: list[int]) -> dict[int, int]:
    """Years each period stands for: until the next period; the last as long as the one before it (1 if alone)."""
    gaps = [b - a for a, b in zip(periods, periods[1:], strict=False)]
    return {t: (gaps[i] if i < len(gaps) else (gaps[-1] if gaps else 1)) for i, t in enumerate(periods)}


def period_weights(periods: list[int], rate: float) -> dict[int, float]:
    """weight[t] = Σ_{y=0}^{years(t)-1} (1 + rate)^-(t - t0 + y): the present value at the base year t0
    of one CNY a year over the years period t stands for (1 for a single-period instance)."""
    t0 = periods[0]
    yrs = period_years(periods)
    return {t: sum((1 + rate) ** -(t - t0 + y) for y in range(yrs[t])) for t in periods}


def windows(periods: list[int], stock_year: int | None) -> dict[int, float]:
    """Years over which period t adds IT: since the previous period, or since the stock year for the first
    (one year when the instance names no stock year)."""
    prev = [stock_year if stock_year is not None else periods[0] - 1, *periods[:-1]]
    return {t: float(max(1, t - p)) for t, p in zip(periods, prev, strict=True)}


def in_service_share(t: int, t0: int, life: float, retires: bool) -> float:
    """Share of the existing stock still in service in year t: ages spread evenly over the IT life at t0."""
    return max(0.0, 1 - (t - t0) / life) if retires else 1.0


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
    kw_per_pflops: dict[str, float]  # new builds of the first period (kw_vintage: of each period)
    kw_existing: dict[str, float]  # the existing stock
    capex_per_pflops: dict[str, float]  # IT capex of a new build, CNY/PFLOPS
    facility_capex_per_kw: dict[str, float]  # facility capex of a new build, CNY/kW IT
    annuity_it: dict[str, float]  # per class: over its IT life
    existing_in_service: dict[tuple[str, str, int], float]  # (s, c, t) PFLOPS of the existing stock still in service
    weight: dict[int, float]  # present value at the base year of 1 CNY/yr over the years period t stands for
    years: dict[int, int]
    network_km: dict[tuple[str, str], float]  # (r, s) km charged for the bandwidth price (0 inside r's own region)
    unmet_value: dict[str, float]  # CNY per PFLOPS-year of workload w left unserved
    site: dict[str, dict]  # site attributes (hub, side, pue, pue_new, price, co2, max_mw, capex)
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
    idle_share: float = 0.0
    # MWh per PFLOPS-year of fully used capacity (IT kW x PUE x hours x load factor), by vintage; (s, c)
    energy_existing: dict[tuple[str, str], float] = field(default_factory=dict)
    energy_new: dict[tuple[str, str], float] = field(default_factory=dict)
    # Tie-break among plans of equal cost (edwc.formulation.objective.add_tie_break): great-circle km from
    # region r's point to site s, and each workload's rank by latency need (0: the tightest max_rtt_ms).
    proximity_km: dict[tuple[str, str], float] = field(default_factory=dict)
    latency_rank: dict[str, int] = field(default_factory=dict)
    power: Any = None  # edwc.formulation.power_data.PowerData, set by build_model (it needs the time slices)
    # Shells (docs/model.md "Shells"): MW of IT a site's facility holds. shell_sites: sites that can build;
    # shell_existing[(s, t)]: existing shells in service; ahead[t]: build_ahead_years / the years period t adds
    # IT over (window[t]); it_stock_kw[s]: the existing IT at the stock year (the first period's "before").
    shell_sites: list[str] = field(default_factory=list)
    shell_existing: dict[tuple[str, int], float] = field(default_factory=dict)
    shell_phase_mw: dict[str, float] = field(default_factory=dict)
    build_mw_per_year: dict[str, float] = field(default_factory=dict)  # only sites with a rate limit
    facility_limit: dict[tuple[str, int], float] = field(default_factory=dict)  # max_facility_mw by period
    window: dict[int, float] = field(default_factory=dict)
    ahead: dict[int, float] = field(default_factory=dict)
    it_stock_kw: dict[str, float] = field(default_factory=dict)
    shell_capex_per_kw: float = 0.0
    noload_mwh_per_kw: float = 0.0  # MWh a year an empty kW of shell draws
    build_growth: float = 0.0  # capacity.build_growth_per_year
    # Vintages (docs/model.md "Vintages and domestic accelerators"): kw_vintage[(c, t')] = kw_per_pflops[c] ·
    # (1 + kw_change_per_year[c])^(t' − t0), the IT kW per PFLOPS a module of class c built in period t' draws for its
    # whole life; vintaged: the classes whose vintages differ (a non-zero change and more than one period), whose work
    # on new builds is split by vintage (served_new_v); energy_vintage[(s, c, t')] = energy_new[(s, c)] · the same factor.
    kw_vintage: dict[tuple[str, int], float] = field(default_factory=dict)
    vintaged: list[str] = field(default_factory=list)
    energy_vintage: dict[tuple[str, str, int], float] = field(default_factory=dict)


def vintage_factor(change: float, t: int, t0: int) -> float:
    """(1 + change)^(t − t0): a vintage's kW per PFLOPS against the first period's (1.0 exactly when change is 0)."""
    return 1.0 if change == 0 else (1 + change) ** (t - t0)


def kw_new(d: ModelData, c: str, t: int) -> float:
    """IT kW per PFLOPS of a module of class c built in period t (kw_per_pflops[c] for classes without vintages)."""
    return d.kw_vintage.get((c, t), d.kw_per_pflops[c])


def prepare(inst: Instance) -> ModelData:
    cfg = inst.config
    periods = list(cfg.periods)
    a = allowed_pairs(inst)
    dem = inst.demand[inst.demand["pflops"] > 0]
    demand = {(r, w, int(t)): float(p) for r, w, t, p in dem[["region", "workload", "period", "pflops"]].itertuples(index=False)}
    pairs_by_rw: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r, s, w in zip(a["region"].tolist(), a["site"].tolist(), a["workload"].tolist(), strict=True):
        pairs_by_rw[(r, w)].append(s)  # lists, not itertuples: a holds ~200,000 rows at 340 x 60
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
    for a in site_attr.values():  # an empty hub cell reads as None or NaN: the site is in no hub node
        a["hub"] = a["hub"] if isinstance(a["hub"], str) else ""
    full = fin.hours_per_year * fin.load_factor / 1000
    e_ex = {(s, c): cl.at[c, "kw_per_pflops_existing"] * site_attr[s]["pue"] * full for (s, c) in site_class}
    e_new = {(s, c): cl.at[c, "kw_per_pflops"] * site_attr[s]["pue_new"] * full for (s, c) in site_class}
    life = cl["lifetime_years"].astype(float).to_dict()
    t0 = periods[0]
    in_service = {(s, c, t): existing[(s, c)] * in_service_share(t, t0, life[c], cfg.capacity.existing_retires)
                  for (s, c) in site_class for t in periods}

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
    km = tt["length_km"].astype(float).to_dict()
    network_km = {(r, s): (0.0 if site_attr[s]["region"] == r else sum(km[l] for l in rt.paths[(r, s)]))
                  for (r, s) in {(r, s) for r, s, _w, _t in serve_index}}
    pairs = sorted({(r, s) for r, s, _w, _t in serve_index})
    reg = inst.regions.set_index("region")
    gc = great_circle_km(reg.loc[[r for r, _ in pairs], "lon"], reg.loc[[r for r, _ in pairs], "lat"],
                         sites.loc[[s for _, s in pairs], "lon"], sites.loc[[s for _, s in pairs], "lat"])
    need = inst.workloads["max_rtt_ms"].astype(float).fillna(float("inf"))  # no limit: last
    by_need = list(inst.workloads["workload"].iloc[need.reset_index(drop=True).argsort(kind="stable")])
    trunk_attr = {l: row._asdict() for l, row in zip(tt.index, tt.itertuples(index=False), strict=False)}

    cap = cfg.capacity
    win = windows(periods, cap.stock_year)
    shell_sites = sorted({s for s, _c in buildable})
    kw_ex = cl["kw_per_pflops_existing"].astype(float).to_dict()
    change = cl["kw_change_per_year"].astype(float).to_dict() if "kw_change_per_year" in cl else {}
    factor = {(c, t): vintage_factor(change.get(c, 0.0), t, t0) for c in cl.index for t in periods}
    vintaged = sorted(c for c in cl.index if change.get(c, 0.0) != 0 and len(periods) > 1)
    return ModelData(
        kw_vintage={(c, t): float(cl.at[c, "kw_per_pflops"]) * f for (c, t), f in factor.items()},
        vintaged=vintaged,
        energy_vintage={(s, c, t): e_new[(s, c)] * factor[(c, t)] for (s, c) in site_class if c in vintaged for t in periods},
        shell_sites=shell_sites,
        shell_existing={(s, t): float(site_attr[s]["existing_shell_mw"])
                        * in_service_share(t, t0, fin.campus_lifetime_years, cap.existing_retires)
                        for s in site_attr for t in periods},
        shell_phase_mw={s: float(site_attr[s]["shell_phase_mw"]) for s in site_attr},
        build_mw_per_year={s: float(r) for s in shell_sites if (r := site_attr[s]["build_mw_per_year"]) == r},
        facility_limit=facility_limits(inst.sites, periods),
        window=win,
        ahead={t: cap.build_ahead_years / win[t] for t in periods},
        build_growth=cap.build_growth_per_year,
        it_stock_kw={s: sum(kw_ex[c] * existing[(s, c)] for (ss, c) in site_class if ss == s) for s in site_attr},
        shell_capex_per_kw=cap.shell_capex_cny_per_kw,
        noload_mwh_per_kw=cap.shell_noload_kw_per_kw * fin.hours_per_year / 1000,
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
        rtt=dict(zip(zip(rt.rtt["region"].tolist(), rt.rtt["site"].tolist(), strict=True),
                     rt.rtt["rtt_ms"].astype(float).tolist(), strict=True)),
        existing=existing,
        max_modules=max_modules,
        module_pflops=cl["module_pflops"].astype(float).to_dict(),
        kw_per_pflops=cl["kw_per_pflops"].astype(float).to_dict(),
        kw_existing=cl["kw_per_pflops_existing"].astype(float).to_dict(),
        capex_per_pflops=cl["capex_cny_per_pflops"].astype(float).to_dict(),
        facility_capex_per_kw=cl["facility_capex_cny_per_kw"].astype(float).to_dict(),
        annuity_it={c: annuity(fin.discount_rate, life[c]) for c in cl.index},
        existing_in_service=in_service,
        weight=period_weights(periods, fin.discount_rate),
        years=period_years(periods),
        network_km=network_km,
        unmet_value=dict(zip(inst.workloads["workload"], inst.workloads["unmet_cny_per_pflops_year"].astype(float), strict=False)),
        site=site_attr,
        trunk=trunk_attr,
        flow_nodes=sorted(carrying),
        flow_trunk={k: rt.toward[k][1] for k in carrying},
        flow_children=dict(flow_children),
        flow_serve={k: sorted(v) for k, v in flow_serve.items()},
        serve_by_rwt=serve_by_rwt,
        serve_by_sct=dict(serve_by_sct),
        annuity_campus=annuity(fin.discount_rate, fin.campus_lifetime_years),
        idle_share=fin.idle_share,
        energy_existing=e_ex,
        energy_new=e_new,
        proximity_km={p: float(k) for p, k in zip(pairs, gc, strict=True)},
        latency_rank={str(w): k for k, w in enumerate(by_need)},
    )
