"""What the power side of the model reads, computed once from a validated instance and its time slices.

Units: MW for power in a slice, MWh for energy over a year, PFLOPS for work, CNY for money. A slice k stands
for W[k] hours of the year (W = TimeSlices.weight_h scaled to finance.hours_per_year), so x MW held in k is
x · W[k] MWh a year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edwc.formulation.data import ModelData, annuity, kw_new
from edwc.input.instance import Instance
from edwc.timeseries.slices import HOURS_PER_YEAR, Slice, TimeSlices

DIRECT_TECHS = ("solar", "onwind")  # what a site's direct supply may build (offshore wind is not beside a campus)


def province_of(region: str) -> str:
    """The province (adcode) a region lies in: its first two digits + 0000 (a prefecture's 320500 -> 320000)."""
    return region[:2] + "0000" if len(region) == 6 and region.isdigit() else region


@dataclass
class PowerData:
    ts: TimeSlices
    W: dict[Slice, float]  # hours of the year each slice stands for (Σ = hours_per_year)
    hours_per_year: float
    province: dict[str, str]  # site -> province adcode
    direct_sites: list[str]  # sites that may build direct supply (direct_mw_max > 0 and a profile)
    direct_mw_max: dict[str, float]
    cf: dict[tuple[str, str], dict[Slice, float]]  # (tech, site) -> slice -> p.u. output (only direct sites)
    curtailed_mw: dict[str, dict[Slice, float]]  # province -> slice -> MW available (only where offered)
    flex: list[tuple[str, str]]  # (site, workload) pairs with movable work
    flex_share: dict[str, float]  # workload -> share of its work movable within the day
    flex_window_h: dict[str, float]
    flex_mw_per_pflops: dict[tuple[str, str, int], float]  # (s, w, t): facility MW per PFLOPS of that work running
    flex_groups: dict[str, list[str]] = field(default_factory=dict)  # w -> sites its movable work moves between
    residual_co2: float = 0.0  # t/MWh of grid power not covered by certificates or contracts (market-based)
    annuity_direct: float = 0.0
    annuity_battery: float = 0.0
    grid_price: dict[str, dict[Slice, float]] = field(default_factory=dict)  # site -> slice -> CNY/kWh (a power model's)
    grid_co2: dict[str, dict[Slice, float]] = field(default_factory=dict)  # site -> slice -> t/MWh (a power model's)
    trade_cap: dict[str, float] = field(default_factory=dict)  # region -> 绿电交易 MWh/yr (absent: no cap)
    region_sites: dict[str, list[str]] = field(default_factory=dict)  # region -> its sites


def prepare_power(inst: Instance, d: ModelData, ts: TimeSlices) -> PowerData:
    cfg = inst.config
    fin, pw = cfg.finance, cfg.power
    scale = fin.hours_per_year / HOURS_PER_YEAR
    W = {k: ts.weight_h(k) * scale for k in ts.slices}
    province = {s: ts.province_of.get(str(d.site[s]["region"]), province_of(str(d.site[s]["region"]))) for s in d.sites}
    dmax = {s: float(d.site[s].get("direct_mw_max") or 0.0) for s in d.sites}
    direct_sites = [s for s in d.sites if dmax[s] > 0 and any((t, province[s]) in ts.cf for t in DIRECT_TECHS)]
    cf = {(t, s): ts.cf[(t, province[s])] for s in direct_sites for t in DIRECT_TECHS if (t, province[s]) in ts.cf}
    curtailed = {} if pw.curtailed_cny_per_kwh is None else {
        p: v for p, v in ts.curtailed_mw.items() if p in set(province.values()) and any(x > 0 for x in v.values())}

    wl = inst.workloads.set_index("workload")
    share = {w: float(wl.at[w, "flexible_share"]) for w in wl.index}
    window = {w: float(wl.at[w, "flex_window_h"]) for w in wl.index}
    served_at = {(s, w) for (_r, s, w, _t) in d.serve_index}
    flex = sorted((s, w) for (s, w) in served_at if share[w] > 0 and len(ts.slices) > 1)
    # where latency allows: a workload with no latency limit may be served at any of its sites, so its movable
    # work may run at another of them in another hour (a limited one stays at its site: each region reaches others)
    no_limit = {w for w in wl.index if wl.at[w, "max_rtt_ms"] != wl.at[w, "max_rtt_ms"]}  # NaN: no limit
    groups: dict[str, list[str]] = {}
    for s, w in flex:
        if pw.flexible_across_sites and w in no_limit:
            groups.setdefault(w, []).append(s)
    groups = {w: ss for w, ss in groups.items() if len(ss) > 1}
    cl = inst.classes.set_index("class")
    i = fin.idle_share
    rho: dict[tuple[str, str, int], float] = {}
    for s, w in flex:  # the vintage that takes the swing: new builds where the site can build the class (the period's own)
        c = d.workload_class[w]
        new = (s, c) in d.max_modules and d.max_modules[(s, c)] > 0
        pue = float(d.site[s]["pue_new"] if new else d.site[s]["pue"])
        for t in d.periods:
            kw = kw_new(d, c, t) if new else float(cl.at[c, "kw_per_pflops_existing"])
            rho[(s, w, t)] = (1 - i) * kw * pue * fin.load_factor / 1000

    reg = inst.regions.set_index("region")
    trade_cap = {str(r): float(v) for r, v in reg["green_trade_mwh_max"].items() if v == v}  # NaN: no cap
    region_sites: dict[str, list[str]] = {}
    for s in d.sites:
        region_sites.setdefault(str(d.site[s]["region"]), []).append(s)
    dr = pw.direct
    return PowerData(
        ts=ts, W=W, hours_per_year=fin.hours_per_year, province=province,
        direct_sites=direct_sites, direct_mw_max=dmax, cf=cf, curtailed_mw=curtailed, flex=flex,
        flex_share=share, flex_window_h=window, flex_mw_per_pflops=rho, flex_groups=groups,
        residual_co2=pw.residual_co2_t_per_mwh,
        annuity_direct=annuity(fin.discount_rate, dr.lifetime_years) + dr.om_share,
        annuity_battery=annuity(fin.discount_rate, dr.battery_lifetime_years) + dr.om_share,
        trade_cap=trade_cap, region_sites=region_sites,
        grid_price={s: ts.cf[("price", province[s])] for s in d.sites if ("price", province[s]) in ts.cf},
        grid_co2={s: ts.cf[("co2", province[s])] for s in d.sites if ("co2", province[s]) in ts.cf},
    )
