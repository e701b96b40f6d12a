"""The terminal summary of a result, in the sector's words: cost and its parts (apart from the value of unmet
service), capacity by hub and class, hub/west shares, racks, 上架率, PUE, green power, carbon, latency circles."""

from __future__ import annotations

import pandas as pd

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


def render(result: Result, folder: str = "") -> str:
    s = result.summary
    k = result.tables["kpis"]
    t = k["period"].max()
    kv = k[k["period"] == t].set_index("kpi")["value"]
    g = lambda name: float(kv.get(name, 0.0))  # noqa: E731
    lines = []
    gap = s.get("mip_gap")
    gap_txt = f", gap {gap:.3%}" if gap is not None else ""
    name = s["instance"] + (f" / {s['scenario']}" if s.get("scenario") else "")
    lines.append(f"{name}: {s['status']}{gap_txt}, solved in {s['seconds']['solve']:.1f} s")
    total = s.get("total_cost_cny", s["objective_cny"])
    weights = s.get("period_weights") or {}
    what = "cost per year" if len(weights) <= 1 else f"cost, present value at {min(weights)} of periods {', '.join(weights)}"
    lines.append(f"{what}: {total / YI:,.1f} 亿元 (100 M CNY):")
    for part, v in s["cost_parts_cny"].items():
        lines.append(f"  {part:<15} {v / YI:>12,.1f}  ({v / total if total else 0:5.1%})")
    lost = s.get("unmet_value_cny", 0.0)
    lines.append(f"  value of unmet service (not a cost): {lost / YI:,.1f} 亿元")
    lines.append(f"capacity in {t} by hub and class (PFLOPS installed):")
    tab = capacity_by_hub(result)
    tab.loc["total"] = tab.sum()
    lines += ["  " + ln for ln in tab.round(0).astype(int).to_string().splitlines()]
    lines.append(f"new compute: {g('built_pflops'):,.0f} PFLOPS, {g('hub_share_new'):.1%} in the 8 hub nodes, "
                 f"{g('west_share_new'):.1%} in the west ({g('west_share_new_it_mw'):.1%} of new IT MW); "
                 f"intelligent share of installed {g('intelligent_share_installed'):.1%}")
    lines.append(f"standard racks (2.5 kW): {g('standard_racks_installed') / 1e6:,.2f} M installed, "
                 f"{g('standard_racks_new') / 1e6:,.2f} M new; 上架率 {g('utilisation_national'):.1%} "
                 f"(east {g('utilisation_east'):.1%}, west {g('utilisation_west'):.1%})")
    lines.append(f"energy {g('energy_mwh') / 1e6:,.1f} TWh (general {g('energy_mwh_general') / 1e6:,.1f}, intelligent "
                 f"{g('energy_mwh_intelligent') / 1e6:,.1f}, super {g('energy_mwh_super') / 1e6:,.1f}); PUE "
                 f"{g('pue_energy_weighted'):.2f} (new builds {g('pue_new_builds'):.2f}); green power "
                 f"{g('green_share_all'):.1%} of all, {g('green_share_new_hub'):.1%} of new hub builds")
    lines.append(f"emissions {g('emissions_t') / 1e6:,.1f} MtCO2 ({g('carbon_intensity_t_per_mwh'):.3f} t/MWh); "
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
        lines.append(f"written to {folder}")
    return "\n".join(lines)
