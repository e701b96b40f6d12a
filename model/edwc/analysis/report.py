"""The terminal summary of a result: status, cost and its parts, capacity by hub and class, west share, unmet."""

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
    hub = st[st["period"] == t].set_index("site")["hub"].fillna("(no hub)")
    c = c.assign(hub=c["site"].map(hub).fillna("(no hub)"))
    return c.pivot_table(index="hub", columns="class", values="installed_pflops", aggfunc="sum").fillna(0.0)


def render(result: Result, folder: str = "") -> str:
    s = result.summary
    k = result.tables["kpis"]
    t = k["period"].max()
    kv = k[k["period"] == t].set_index("kpi")["value"]
    lines = []
    gap = s.get("mip_gap")
    gap_txt = f", gap {gap:.3%}" if gap is not None else ""
    name = s["instance"] + (f" / {s['scenario']}" if s.get("scenario") else "")
    lines.append(f"{name}: {s['status']}{gap_txt}, solved in {s['seconds']['solve']:.1f} s")
    lines.append(f"annual cost {s['objective_cny'] / YI:,.1f} 亿元 (100 M CNY/yr):")
    for part, v in s["cost_parts_cny"].items():
        share = v / s["objective_cny"] if s["objective_cny"] else 0
        lines.append(f"  {part:<9} {v / YI:>12,.1f}  ({share:5.1%})")
    lines.append(f"capacity in {t} by hub and class (PFLOPS installed):")
    tab = capacity_by_hub(result)
    tab.loc["total"] = tab.sum()
    lines += ["  " + ln for ln in tab.round(0).astype(int).to_string().splitlines()]
    lines.append(
        f"west share: {kv.get('west_share_installed', 0):.1%} of installed, {kv.get('west_share_new', 0):.1%} of new, "
        f"{kv.get('west_share_served', 0):.1%} of served work"
    )
    lines.append(
        f"demand {kv.get('demand_pflops', 0):,.0f} PFLOPS, unmet {kv.get('unmet_pflops', 0):,.1f} PFLOPS "
        f"({kv.get('unmet_share', 0):.2%}); energy {kv.get('energy_mwh', 0) / 1e6:,.2f} TWh, "
        f"emissions {kv.get('emissions_t', 0) / 1e6:,.2f} MtCO2; sites opened {kv.get('sites_opened', 0):.0f}"
    )
    if folder:
        lines.append(f"written to {folder}")
    return "\n".join(lines)
