"""The terminal summary of a result, in the sector's words: cost and its parts (apart from the value of unmet
service), capacity by hub and class, hub/west shares, racks, 上架率, PUE, green power, carbon, latency circles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from edwc.results.names import Names
from edwc.results.tables import Result

YI = 1e8  # 亿元


def capacity_by_hub(result: Result, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Installed PFLOPS by hub (or '(no hub)') and class, last period, with new capacity in brackets."""
    cap = result.tables["capacity"]
    t = cap["period"].max()
    c = cap[cap["period"] == t]
    st = result.tables["sites"]
    # hub is text, but a column with no hub at all reads back as all-NaN float64: make it text
    # first (a string fill of a float column is refused by pandas), then name the gaps
    hub = st[st["period"] == t].set_index("site")["hub"].astype("string")
    c = c.assign(hub=c["site"].map(hub).astype("string").fillna("(no hub)").astype(str))
    return c.pivot_table(index="hub", columns="class", values="installed_pflops", aggfunc="sum").fillna(0.0)


def hub_label(hub: str, names: Names | None) -> str:
    """'Beijing-Tianjin-Hebei (jjj)': the English name beside the id (the id alone without names)."""
    if names is None or hub == "(no hub)":
        return "(outside the hubs)" if hub == "(no hub)" else hub
    return f"{names.of('hubs', [hub], 'en', short=True).iloc[0]} ({hub})"


def period_lines(result: Result) -> list[str]:
    """A multi-period plan's yearly cost and new build per period ([] for one period)."""
    s = result.summary
    yearly = s.get("yearly_cny") or {}
    if len(yearly) <= 1:
        return []
    cap = result.tables["capacity"].sort_values("period")
    built = cap.groupby("period")["built_pflops"].sum()
    new = built.diff().fillna(built)
    lines = ["by period (yearly cost excludes the value of unmet service):"]
    u = result.tables["unmet"]
    unmet = u.groupby("period")["pflops"].sum() if len(u) else pd.Series(dtype=float)
    for t in sorted(yearly, key=int):
        cost = sum(v for k, v in yearly[t].items() if k != "unmet_value")
        short = float(unmet.get(int(t), 0.0))
        lines.append(f"  {t}: yearly cost {cost / YI:,.1f} 亿元/yr, new {new.get(int(t), 0.0):,.0f} PFLOPS, "
                     + (f"unmet {short:,.0f} PFLOPS (worth {float(yearly[t].get('unmet_value', 0.0)) / YI:,.1f} 亿元/yr), "
                        if short > 0.5 else "")
                     + f"discount weight {float(s['period_weights'][t]):.2f} years")
    return lines


def limit_lines(folder: str) -> list[str]:
    """'What limits this plan' in a few lines (from the written result)."""
    from edwc.results.digest import read_digest
    from edwc.results.limits import AT_LIMIT, limits_of

    try:
        d = read_digest(Path(folder))
    except (OSError, ValueError, KeyError):
        return []
    lim = limits_of(d)
    if lim.empty():
        return ["what limits this plan: nothing is at a limit (cost alone shapes it)"]
    names = d.names.of("sites", lim.sites["site"], "en", short=True).tolist()
    lines = [f"what limits this plan (at >= {AT_LIMIT:.0%} of a limit):",
             f"  {len(lim.sites)} sites at their power limit" + (f": {', '.join(names[:10])}"
                                                                + (" …" if len(names) > 10 else "") if names else "")]
    if lim.priced and lim.sites["value_cny_per_mw_year"].notna().any():
        top = lim.sites.dropna(subset=["value_cny_per_mw_year"]).nlargest(3, "value_cny_per_mw_year")
        lines.append("    shadow value of one more MW (CNY/yr): " + ", ".join(
            f"{d.names.of('sites', [r.site], 'en', short=True).iloc[0]} {r.value_cny_per_mw_year:,.0f}"
            for r in top.itertuples()))
    lines.append(f"  {len(lim.modules)} site x class module limits reached; {len(lim.trunks)} full trunks"
                 + (f" ({int((lim.trunks['upgrades_left'] == 0).sum())} with no upgrade left)" if len(lim.trunks) else ""))
    for q in lim.quotas.itertuples():
        lines.append(f"  energy rule {q.rule} ({q.where}, {q.period}): {q.status}, {q.value:.4g} against {q.limit:.4g}")
    for r in lim.policies:
        price = "" if r["price_cny"] is None else f", costs {float(r['price_cny']) / YI:,.1f} 亿元/yr"
        lines.append(f"  policy {r['policy']}{' (' + r['part'] + ')' if r['part'] else ''} binds: target "
                     f"{r['target']:.4g}, achieved {r['achieved']:.4g}{price}")
    return lines


def render(result: Result, folder: str = "", verb: str = "written to") -> str:
    s = result.summary
    k = result.tables["kpis"]
    t = k["period"].max()
    kv = k[k["period"] == t].set_index("kpi")["value"]
    g = lambda name: float(kv.get(name, 0.0))  # noqa: E731
    lines = []
    gap = s.get("mip_gap")
    gap_txt = f", gap {gap:.2%}" if gap is not None else ""
    name = s["instance"] + (f" / {s['scenario']}" if s.get("scenario") else "")
    lines.append(f"{name}: {s['status']}{gap_txt}, solved in {s['seconds']['solve']:.1f} s")
    total = s.get("total_cost_cny", s["objective_cny"])
    weights = s.get("period_weights") or {}
    what = "cost per year" if len(weights) <= 1 else f"cost, present value at {min(weights)} of periods {', '.join(weights)} (not a yearly cost)"
    lines.append(f"{what}: {total / YI:,.1f} 亿元 (100 M CNY):")
    for part, v in s["cost_parts_cny"].items():
        lines.append(f"  {part:<15} {v / YI:>12,.1f}  ({v / total if total else 0:5.1%})")
    lost = s.get("unmet_value_cny", 0.0)
    lines.append(f"  value of unmet service (not a cost): {lost / YI:,.1f} 亿元"
                 + (" (present value, as the cost above)" if len(weights) > 1 else "/yr"))
    lines += period_lines(result)
    lines.append(f"capacity in {t} by hub and class (PFLOPS installed):")
    tab = capacity_by_hub(result)
    names = None
    if folder and (Path(folder) / "instance").is_dir():
        from edwc.results.names import read_names

        names = read_names(Path(folder) / "instance")
    tab.index = [hub_label(h, names) for h in tab.index]
    tab.loc["total"] = tab.sum()
    lines += ["  " + ln for ln in tab.round(0).astype(int).to_string().splitlines()]
    lines.append(f"new compute: {g('built_pflops'):,.0f} PFLOPS, {g('hub_share_new'):.1%} in the 8 hub nodes, "
                 f"{g('west_share_new'):.1%} in the west ({g('west_share_new_it_mw'):.1%} of new IT MW); "
                 f"intelligent share of installed {g('intelligent_share_installed'):.1%}")
    lines.append(f"standard racks (2.5 kW): {g('standard_racks_built') / 1e6:,.2f} M built ({g('standard_racks_built_new') / 1e6:,.2f} M "
                 f"new), {g('standard_racks_installed') / 1e6:,.2f} M occupied; 上架率 {g('rack_occupancy_national'):.1%} "
                 f"(east {g('rack_occupancy_east'):.1%}, west {g('rack_occupancy_west'):.1%}, hubs {g('rack_occupancy_hubs'):.1%}); "
                 f"server utilisation {g('utilisation_national'):.1%}")
    lines.append(f"energy {g('energy_mwh') / 1e6:,.1f} TWh (general {g('energy_mwh_general') / 1e6:,.1f}, intelligent "
                 f"{g('energy_mwh_intelligent') / 1e6:,.1f}, super {g('energy_mwh_super') / 1e6:,.1f}); PUE "
                 f"{g('pue_energy_weighted'):.2f} (new builds {g('pue_new_builds'):.2f}); green power "
                 f"{g('green_share_all'):.1%} of all, {g('green_share_new_hub'):.1%} of new hub builds")
    lines.append(f"power supplied: grid {g('grid_mwh') / 1e6:,.1f} TWh, curtailed renewables {g('curtailed_mwh') / 1e6:,.1f} "
                 f"(absorbing {g('curtailment_absorbed_share'):.1%} of their provinces' curtailment), direct supply "
                 f"{g('direct_mwh') / 1e6:,.1f}; green by kind: curtailed {g('green_share_curtailed'):.1%}, direct "
                 f"{g('green_share_direct'):.1%}, traded {g('green_share_trade'):.1%}, certificates "
                 f"{g('green_share_certificate'):.1%}; matched hour by hour {g('green_matched_share'):.1%}")
    lines.append(f"direct supply built: PV {g('direct_solar_mw'):,.0f} MW, wind {g('direct_wind_mw'):,.0f} MW, storage "
                 f"{g('battery_mwh'):,.0f} MWh; peak grid draw {g('peak_grid_mw'):,.0f} MW (sum of the sites' peaks)")
    lines.append(f"emissions {g('emissions_t') / 1e6:,.1f} MtCO2 location-based ({g('carbon_intensity_t_per_mwh'):.3f} t/MWh), "
                 f"{g('emissions_market_t') / 1e6:,.1f} MtCO2 market-based; "
                 f"capex {g('capex_cny') / YI:,.0f} 亿元 spent in {t}; eastern demand served in the west "
                 f"{g('east_demand_served_west_pflops'):,.0f} PFLOPS")
    cost = ", ".join(f"{c} {g(f'cost_per_pflops_year_{c}') / 1e6:,.2f}" for c in ("general", "intelligent", "super")
                     if f"cost_per_pflops_year_{c}" in kv.index)
    lines.append(f"cost per PFLOPS-year served (M CNY): {cost}")
    lines.append(f"served within the latency circles (one-way): 1 ms {g('served_within_metro_circle_share'):.1%}, "
                 f"5 ms {g('served_within_cluster_circle_share'):.1%}, 20 ms {g('served_within_hub_circle_share'):.1%}")
    unmet = ", ".join(f"{i.removeprefix('unmet_pflops_')} {v:,.0f}" for i, v in kv.items()
                      if i.startswith("unmet_pflops_") and v > 0.5)
    lines.append(f"demand {g('demand_pflops'):,.0f} PFLOPS, unmet {g('unmet_pflops'):,.1f} PFLOPS ({g('unmet_share'):.2%})"
                 + (f": {unmet}" if unmet else "") + f"; sites opened {g('sites_opened'):.0f}")
    if folder:
        lines += limit_lines(folder)
        lines.append(f"{verb} {folder}")
    return "\n".join(lines)
