"""Headline indicators of a plan, in the sector's words (docs/model.md, "KPIs"): kpis.csv, long format
kpi, period, value, unit. Everything is computed from the result tables and the instance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from edwc.formulation.data import vintage_factor
from edwc.formulation.power_data import province_of
from edwc.input.instance import Instance

STANDARD_RACK_KW = 2.5  # the official Chinese standard rack (seeds/facts.csv eng_std_rack_kw, SOURCED)
CIRCLES_MS = {"metro": 1.0, "cluster": 5.0, "hub": 20.0}  # one-way latency circles (pol_latency_*), SOURCED


def _weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    if weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values.to_numpy(), kind="stable")
    v, w = values.to_numpy()[order], weights.to_numpy()[order]
    cw = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cw, q - 1e-12)])


def power_kpis(add, t: int, st: pd.DataFrame, power: pd.DataFrame | None, province: dict[str, str]) -> None:
    """Supply by kind, green share by kind, hourly green matching, curtailment absorbed (MWh and share of the
    curtailment in the provinces the plan's sites are in), peak grid MW, direct builds."""
    energy = st["energy_mwh"].sum()
    for kind in ("grid", "curtailed", "direct", "trade", "certificate"):
        add(f"{kind}_mwh", t, st[f"{kind}_mwh"].sum(), "MWh")
    for kind in ("curtailed", "direct", "trade", "certificate"):
        add(f"green_share_{kind}", t, _ratio(st[f"{kind}_mwh"].sum(), energy), "fraction")
    add("green_matched_share", t, _ratio(st["green_matched_mwh"].sum(), energy), "fraction")
    add("peak_grid_mw", t, st["peak_grid_mw"].sum(), "MW")  # sum of each site's own peak
    add("direct_solar_mw", t, st["direct_solar_mw"].sum(), "MW")
    add("direct_wind_mw", t, st["direct_wind_mw"].sum(), "MW")
    add("battery_mwh", t, st["battery_mwh"].sum(), "MWh")
    if power is None or not len(power):
        return
    pw = power[power["period"] == t].assign(province=lambda x: x["site"].map(province))
    absorbed = float((pw["weight_h"] * pw["curtailed_mw"]).sum())
    pools = pw.drop_duplicates(["province", "day", "step"])
    base = float((pools["weight_h"] * pools["curtailed_pool_mw"]).sum())
    add("curtailment_absorbed_mwh", t, absorbed, "MWh")
    add("curtailment_absorbed_share", t, _ratio(absorbed, base), "fraction")


def shell_kpis(add, t: int, st: pd.DataFrame, site: pd.DataFrame) -> None:
    """Built racks (shells) apart from occupied racks (IT), and 上架率 = occupied / built racks as the statistic
    counts it (IT MW / shell MW): national, by side, by hub and at each cluster site."""
    add("standard_racks_built", t, st["shell_mw"].sum() * 1000 / STANDARD_RACK_KW, "racks")
    add("standard_racks_built_new", t, st["shell_mw_new"].sum() * 1000 / STANDARD_RACK_KW, "racks")
    add("shell_mw", t, st["shell_mw"].sum(), "MW")
    add("noload_mwh", t, st["noload_mwh"].sum(), "MWh")
    add("rack_occupancy_national", t, _ratio(st["it_mw"].sum(), st["shell_mw"].sum()), "fraction")
    for sd in ("east", "west"):
        g = st[st["site"].map(site["side"]) == sd]
        add(f"rack_occupancy_{sd}", t, _ratio(g["it_mw"].sum(), g["shell_mw"].sum()), "fraction")
    hubs = st["site"].map(site["hub"])
    for h, g in st[hubs.notna() & (hubs != "")].groupby(hubs):
        add(f"rack_occupancy_hub_{h}", t, _ratio(g["it_mw"].sum(), g["shell_mw"].sum()), "fraction")
    add("rack_occupancy_hubs", t, _ratio(st.loc[hubs.notna() & (hubs != ""), "it_mw"].sum(),
                                          st.loc[hubs.notna() & (hubs != ""), "shell_mw"].sum()), "fraction")
    cl = st[st["site"].map(site["kind"]) == "cluster"]
    add("rack_occupancy_clusters", t, _ratio(cl["it_mw"].sum(), cl["shell_mw"].sum()), "fraction")
    for s_, g in cl.groupby("site"):
        add(f"rack_occupancy_cluster_{s_}", t, _ratio(g["it_mw"].sum(), g["shell_mw"].sum()), "fraction")


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def western_regions(inst: Instance) -> set[str]:
    """Regions holding a site of a western (supply) hub: their demand is 'western', all other demand 'eastern'."""
    s = inst.sites
    return set(s.loc[s["side"] == "west", "region"])


def circle_compliance(inst: Instance) -> dict[str, float]:
    """Shares of the policy's latency-circle pairs whose one-way latency (RTT / 2) is inside the circle:
    hub — every eastern hub region to every western hub cluster (20 ms); cluster — each cluster to its own and the
    neighbouring regions (those joined to its region by a trunk) (5 ms); metro — each region to its own sites (1 ms)."""
    from edwc.network.routes import routes

    rtt = routes(inst).rtt.set_index(["region", "site"])["rtt_ms"]
    s = inst.sites.set_index("site")
    hubs = inst.hubs.set_index("hub")["side"]
    east_regions = set(s.loc[s["hub"].notna() & (s["side"] == "east"), "region"])
    west_clusters = list(s.index[(s["side"] == "west") & (s["kind"] == "cluster")])
    regions = set(inst.regions["region"])
    tr = inst.trunks
    nbr: dict[str, set[str]] = {}
    for a, b in zip(tr["from"], tr["to"], strict=True):
        if a in regions and b in regions:
            nbr.setdefault(a, set()).add(b)
            nbr.setdefault(b, set()).add(a)

    def share(pairs: list[tuple[str, str]], limit: float) -> float:
        ok = [rtt.get(p, np.inf) / 2 <= limit + 1e-9 for p in pairs]
        return float(np.mean(ok)) if ok else float("nan")

    hub_pairs = [(r, c) for r in sorted(east_regions) for c in west_clusters]
    clusters = [c for c in s.index if s.at[c, "kind"] == "cluster" and s.at[c, "hub"] in hubs.index]
    cl_pairs = [(r, c) for c in clusters for r in sorted({s.at[c, "region"]} | nbr.get(s.at[c, "region"], set()))]
    metro_pairs = [(s.at[x, "region"], x) for x in s.index]
    return {"hub": share(hub_pairs, CIRCLES_MS["hub"]), "cluster": share(cl_pairs, CIRCLES_MS["cluster"]),
            "metro": share(metro_pairs, CIRCLES_MS["metro"])}


def kpis(inst: Instance, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Headline indicators per period, long format: kpi, period, value, unit."""
    cap, sites, serve, unmet = tables["capacity"], tables["sites"], tables["serve"], tables["unmet"]
    cfg = inst.config
    site = inst.sites.set_index("site")
    side, hub, kind, region = site["side"], site["hub"], site["kind"], site["region"]
    cl = inst.classes.set_index("class")
    wl = inst.workloads.set_index("workload")
    wclass = wl["class"]
    west_regions = western_regions(inst)
    circles = circle_compliance(inst)
    from edwc.formulation.data import annuity

    a_fac = annuity(cfg.finance.discount_rate, cfg.finance.campus_lifetime_years)
    rows: list[tuple[str, int, float, str]] = []
    add = lambda k, t, v, u: rows.append((k, t, float(v), u))  # noqa: E731
    prev_built = pd.Series(0.0, index=pd.MultiIndex.from_frame(cap.loc[cap["period"] == cfg.periods[0], ["site", "class"]]))
    prev_shell = pd.Series(dtype=float)
    for t in cfg.periods:
        c = cap[cap["period"] == t]
        west = c["site"].map(side) == "west"
        in_hub = c["site"].map(hub).notna()
        dem_t = inst.demand[inst.demand["period"] == t]
        dem = float(dem_t["pflops"].sum())
        u_t = unmet[unmet["period"] == t]
        um = float(u_t["pflops"].sum())
        add("demand_pflops", t, dem, "PFLOPS")
        add("served_pflops", t, dem - um, "PFLOPS")
        add("unmet_pflops", t, um, "PFLOPS")
        add("unmet_share", t, _ratio(um, dem), "fraction")
        for w, g in u_t.groupby("workload"):
            add(f"unmet_pflops_{w}", t, g["pflops"].sum(), "PFLOPS")
        inst_tot, new = c["installed_pflops"].sum(), c["built_pflops"].sum()
        add("installed_pflops", t, inst_tot, "PFLOPS")
        add("built_pflops", t, new, "PFLOPS")
        add("existing_in_service_pflops", t, c["existing_pflops"].sum(), "PFLOPS")
        for k, g in c.groupby("class"):
            add(f"installed_pflops_{k}", t, g["installed_pflops"].sum(), "PFLOPS")
            add(f"built_pflops_{k}", t, g["built_pflops"].sum(), "PFLOPS")
        add("intelligent_share_installed", t, _ratio(c.loc[c["class"] == "intelligent", "installed_pflops"].sum(), inst_tot), "fraction")
        add("hub_share_new", t, _ratio(c.loc[in_hub, "built_pflops"].sum(), new), "fraction")
        add("west_share_new", t, _ratio(c.loc[west, "built_pflops"].sum(), new), "fraction")
        add("west_share_installed", t, _ratio(c.loc[west, "installed_pflops"].sum(), inst_tot), "fraction")
        add("west_share_new_it_mw", t, _ratio(c.loc[west, "it_mw_new"].sum(), c["it_mw_new"].sum()), "fraction")
        s_t = serve[serve["period"] == t]
        srv = s_t["pflops"].sum()
        at_west = s_t["site"].map(side) == "west"
        add("west_share_served", t, _ratio(s_t.loc[at_west, "pflops"].sum(), srv), "fraction")
        east_dem = ~s_t["region"].isin(west_regions)
        add("east_demand_served_west_pflops", t, s_t.loc[east_dem & at_west, "pflops"].sum(), "PFLOPS")
        # standard racks (2.5 kW of IT nameplate each) and 上架率 (served / installed PFLOPS)
        add("standard_racks_installed", t, c["it_mw"].sum() * 1000 / STANDARD_RACK_KW, "racks")
        add("standard_racks_new", t, c["it_mw_new"].sum() * 1000 / STANDARD_RACK_KW, "racks")
        add("utilisation_national", t, _ratio(c["served_pflops"].sum(), inst_tot), "fraction")
        for sd in ("east", "west"):
            g = c[c["site"].map(side) == sd]
            add(f"utilisation_{sd}", t, _ratio(g["served_pflops"].sum(), g["installed_pflops"].sum()), "fraction")
        for s_, g in c[c["site"].map(kind) == "cluster"].groupby("site"):
            add(f"utilisation_cluster_{s_}", t, _ratio(g["served_pflops"].sum(), g["installed_pflops"].sum()), "fraction")
        shell_kpis(add, t, sites[sites["period"] == t], site)
        for w, g in s_t.groupby("workload"):
            add(f"rtt_mean_ms_{w}", t, np.average(g["rtt_ms"], weights=g["pflops"]), "ms")
            add(f"rtt_p95_ms_{w}", t, _weighted_quantile(g["rtt_ms"], g["pflops"], 0.95), "ms")
        for name, ms in CIRCLES_MS.items():
            add(f"served_within_{name}_circle_share", t, _ratio(s_t.loc[s_t["rtt_ms"] / 2 <= ms + 1e-9, "pflops"].sum(), srv), "fraction")
            add(f"{name}_circle_pairs_compliant_share", t, circles[name], "fraction")
        # energy, PUE, green power, carbon
        st = sites[sites["period"] == t]
        energy, it_e, green = st["energy_mwh"].sum(), st["it_energy_mwh"].sum(), st["green_mwh"].sum()
        em = st["emissions_t"].sum()
        add("energy_mwh", t, energy, "MWh")
        for k, g in c.groupby("class"):
            add(f"energy_mwh_{k}", t, g["energy_mwh"].sum(), "MWh")
        add("pue_energy_weighted", t, _ratio(energy, it_e), "-")
        new_st = st[st["energy_new_mwh"] > 0]
        add("pue_new_builds", t, _ratio(new_st["energy_new_mwh"].sum(),
                                         sum(r.energy_new_mwh / site.at[r.site, "pue_new"] for r in new_st.itertuples())), "-")
        add("green_share_all", t, _ratio(green, energy), "fraction")
        hb = st[st["site"].map(hub).notna() & (st["energy_new_mwh"] > 0)]
        add("green_share_new_hub", t, _ratio(np.minimum(hb["green_mwh"], hb["energy_new_mwh"]).sum(), hb["energy_new_mwh"].sum()), "fraction")
        add("emissions_t", t, em, "tCO2")  # location-based: grid MWh x provincial factor
        add("emissions_market_t", t, st["emissions_market_t"].sum(), "tCO2")  # certificates and contracts at zero
        add("carbon_intensity_t_per_mwh", t, _ratio(em, energy), "tCO2/MWh")
        power_kpis(add, t, st, tables.get("power"), {x: province_of(str(region[x])) for x in site.index})
        add("carbon_per_pflops_year_t", t, _ratio(em, srv), "tCO2/PFLOPS-yr")
        price = st["site"].map(site["power_price_cny_per_kwh"])
        add("power_price_mean_cny_per_kwh", t, _ratio((price * st["energy_mwh"]).sum(), energy), "CNY/kWh")
        add("facility_mw", t, st["facility_mw"].sum(), "MW")
        add("new_facility_mw", t, (st["shell_mw_new"] * st["site"].map(site["pue_new"])).sum(), "MW")
        newmw = (st["shell_mw_new"] * st["site"].map(site["pue_new"])).groupby(st["site"].map(region)).sum()
        for r_, v in newmw[newmw > 1e-9].sort_index().items():
            add(f"new_facility_mw_province_{r_}", t, v, "MW")
        add("sites_opened", t, st["newly_opened"].sum(), "count")
        tr = tables["trunks"]
        add("wavelengths_added", t, tr.loc[tr["period"] == t, "wavelengths_added"].sum(), "count")
        # money: yearly cost of serving per class (annuities of new builds + energy + bandwidth) / served PFLOPS,
        # and the capex spent in the period (overnight, not its annuity)
        bw = cfg.network.bandwidth_cny_per_gbps_km_year
        net = s_t["pflops"] * s_t["workload"].map(wl["gbps_per_pflops"]) * s_t.get("network_km", 0.0) * bw
        it_ann = c["built_pflops"] * c["class"].map(cl["capex_cny_per_pflops"]) * c["class"].map(
            lambda k: annuity(cfg.finance.discount_rate, float(cl.at[k, "lifetime_years"])))
        it_new_kw = 1000 * c["it_mw_new"]  # the new builds' IT kW, each vintage at its own kW per PFLOPS
        fac_ann = it_new_kw * c["class"].map(cl["facility_capex_cny_per_kw"]) * a_fac
        en_cost = c["energy_mwh"] * 1000 * c["site"].map(site["power_price_cny_per_kwh"])
        # shells are no class's: their annuity is shared by the classes' new IT kW
        shell_ann = a_fac * cfg.capacity.shell_capex_cny_per_kw * 1000 * st["shell_mw_new"].sum()
        for k in sorted(set(c["class"])):
            m_ = c["class"] == k
            served_k = s_t.loc[s_t["workload"].map(wclass) == k, "pflops"].sum()
            cost_k = (it_ann[m_].sum() + fac_ann[m_].sum() + en_cost[m_].sum() + net[s_t["workload"].map(wclass) == k].sum()
                      + shell_ann * _ratio(it_new_kw[m_].sum(), it_new_kw.sum()))
            add(f"cost_per_pflops_year_{k}", t, _ratio(cost_k, served_k), "CNY/PFLOPS-yr")
        cur = c.set_index(["site", "class"])["built_pflops"]
        added = (cur - prev_built.reindex(cur.index, fill_value=0.0)).clip(lower=0)
        prev_built = cur
        ci = added.index.get_level_values("class")
        capex = float((added * ci.map(cl["capex_cny_per_pflops"])).sum()
                      + (added * ci.map(kw_of_vintage(cl, t, cfg.periods[0])) * ci.map(cl["facility_capex_cny_per_kw"])).sum())
        camp = site["campus_capex_cny"].astype(float).fillna(0.0)
        capex += float((st["newly_opened"] * st["site"].map(camp)).sum())
        shell_now = st.set_index("site")["shell_mw_new"]
        capex += cfg.capacity.shell_capex_cny_per_kw * 1000 * float((shell_now - prev_shell.reindex(shell_now.index, fill_value=0.0)).clip(lower=0).sum())
        prev_shell = shell_now
        trt = inst.trunks.set_index("trunk")["module_capex_cny"].astype(float)
        trp = tr[tr["period"] == t]
        capex += float((trp["wavelengths_added"] * trp["trunk"].map(trt).fillna(0.0)).sum())
        add("capex_cny", t, capex, "CNY")
    return pd.DataFrame(rows, columns=["kpi", "period", "value", "unit"])


def kw_of_vintage(cl: pd.DataFrame, t: int, t0: int) -> pd.Series:
    """IT kW per PFLOPS of each class's modules built in period t: kw_per_pflops · (1 + kw_change_per_year)^(t − t0)."""
    change = cl["kw_change_per_year"] if "kw_change_per_year" in cl else pd.Series(0.0, index=cl.index)
    return pd.Series({k: float(cl.at[k, "kw_per_pflops"]) * vintage_factor(float(change[k]), t, t0) for k in cl.index})
