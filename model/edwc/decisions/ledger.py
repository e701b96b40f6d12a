"""The corridor ledger: "move bits or move watts", per region → site flow of the plan.

Each flow of served work (region r, site s, workload w, period t) is priced with the long-run unit
costs of unit_costs.py — capacity, energy, carbon, network, trunks — and set against serving the same
work at the nearest site (lowest round trip) on the region's own side that could take it: in
latency reach of w and able to build w's class (max_modules > 0; policies such as a PUE ceiling
are not applied here: the ledger compares the physics and prices of the two ways). A region's own side is the side of
the sites located in it (the majority), or, for a region with none, the side of its nearest site.

saving_cny > 0 means the flow is cheaper than the local alternative: moving the bits pays.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from edwc.decisions.unit_costs import PARTS, UnitCosts
from edwc.formulation.data import kw_new


def region_sides(unit: UnitCosts) -> dict[str, str]:
    inst, d = unit.inst, unit.d
    located: dict[str, Counter] = {}
    for s, r in zip(inst.sites["site"], inst.sites["region"], strict=True):
        located.setdefault(str(r), Counter())[d.site[s]["side"]] += 1
    sides = {}
    for r in inst.regions["region"]:
        if r in located:
            sides[r] = located[r].most_common(1)[0][0]
        else:
            near = min((rtt, s) for (rr, s), rtt in d.rtt.items() if rr == r)
            sides[r] = d.site[near[1]]["side"]
    return sides


def nearest_own_side(unit: UnitCosts, sides: dict[str, str], r: str, w: str, t: int) -> str | None:
    d = unit.d
    c = d.workload_class[w]
    options = [(d.rtt[(r, s)], s) for s in d.serve_by_rwt.get((r, w, t), [])
               if d.site[s]["side"] == sides[r] and unit.can_build(s, c)]
    return min(options)[1] if options else None


def corridor_ledger(unit: UnitCosts, serve: pd.DataFrame) -> pd.DataFrame:
    """corridors.csv: every flow of serve.csv with its annual cost parts, energy and emissions, and the
    same for its own-side alternative."""
    d = unit.d
    sides = region_sides(unit)
    rows = []
    for r, s, w, t, p in serve[["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        r, t = str(r), int(t)
        flow = unit.of(r, s, w, t)
        alt_site = nearest_own_side(unit, sides, r, w, t)
        alt = unit.of(r, alt_site, w, t) if alt_site else None
        row = {"region": r, "region_side": sides[r], "site": s, "site_side": d.site[s]["side"], "workload": w,
               "period": t, "pflops": p, "it_mw": p * kw_new(d, d.workload_class[w], t) / 1000,
               "rtt_ms": d.rtt[(r, s)], "gbps": p * d.gbps[w]}
        for part in PARTS:
            row[f"{part}_cny"] = p * getattr(flow, part)
        row["cost_cny"] = p * flow.total
        row["energy_mwh"], row["emissions_t"] = p * flow.energy_mwh, p * flow.emissions_t
        row["alt_site"] = alt_site or ""
        row["alt_rtt_ms"] = d.rtt[(r, alt_site)] if alt_site else None
        row["alt_cost_cny"] = p * alt.total if alt else None
        row["alt_energy_mwh"] = p * alt.energy_mwh if alt else None
        row["alt_emissions_t"] = p * alt.emissions_t if alt else None
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["saving_cny"] = df["alt_cost_cny"] - df["cost_cny"]
    df["emissions_saved_t"] = df["alt_emissions_t"] - df["emissions_t"]
    df["verdict"] = [_verdict(a, s, x) for a, s, x in zip(df["alt_site"], df["site"], df["saving_cny"], strict=True)]
    return df


def _verdict(alt: str, site: str, saving: float) -> str:
    if not alt:
        return "no own-side site can build for it"
    if alt == site:
        return "served at the nearest own-side site"
    return "move bits" if saving > 0 else "move watts"


def _corridor_verdict(region_side: str, site_side: str, saving: float, local: bool, no_alt: bool) -> str:
    if local:
        return "local"
    if no_alt:
        return "no own-side alternative"
    return ("cross-side: " if region_side != site_side else "") + ("move bits" if saving > 0 else "move watts")


def corridors(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger summed per corridor (region → site, all workloads, last period): like with like
    (CNY, MWh, tCO2, IT MW, Gbps)."""
    if ledger.empty:
        return ledger
    last = ledger[ledger["period"] == ledger["period"].max()]
    sums = ["it_mw", "gbps", "cost_cny", *(f"{p}_cny" for p in PARTS), "energy_mwh", "emissions_t",
            "alt_cost_cny", "alt_energy_mwh", "alt_emissions_t", "saving_cny", "emissions_saved_t"]
    last = last.assign(local=last["alt_site"] == last["site"], no_alt=last["alt_site"] == "")
    keys = ["region", "region_side", "site", "site_side", "period"]
    g = last.groupby(keys, as_index=False)[sums].sum(min_count=1)
    flags = last.groupby(keys)[["local", "no_alt"]].all().reset_index(drop=True)
    g["verdict"] = [_corridor_verdict(a, b, x, loc, none) for a, b, x, loc, none in
                    zip(g["region_side"], g["site_side"], g["saving_cny"].fillna(0), flags["local"], flags["no_alt"], strict=True)]
    return g.sort_values("cost_cny", ascending=False).reset_index(drop=True)
