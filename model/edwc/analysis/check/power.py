"""The power side, re-checked from power.csv, sites.csv and the instance (docs/model.md, power section):
every slice's balance, the battery, the curtailed pools, direct supply and the 650号 ratios, green claims, and
each site's supply, green and emission columns on both bases."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key

SLICE = ("site", "period", "day", "step")


@dataclass
class PowerDerived:
    """Per (site, period), MWh a year: grid, curtailed, direct delivered to load; contracts and certificates as
    the plan wrote them (decisions); location- and market-based emissions recomputed."""

    grid: dict[tuple[str, int], float] = field(default_factory=dict)
    grid_cost: dict[tuple[str, int], float] = field(default_factory=dict)  # CNY a year for grid power
    grid_co2: dict[tuple[str, int], float] = field(default_factory=dict)  # t a year, location-based
    curtailed: dict[tuple[str, int], float] = field(default_factory=dict)
    direct: dict[tuple[str, int], float] = field(default_factory=dict)
    trade: dict[tuple[str, int], float] = field(default_factory=dict)
    certificates: dict[tuple[str, int], float] = field(default_factory=dict)
    emissions: dict[tuple[str, int], float] = field(default_factory=dict)
    emissions_market: dict[tuple[str, int], float] = field(default_factory=dict)

    def green(self, k: tuple[str, int]) -> float:
        return self.curtailed.get(k, 0.0) + self.direct.get(k, 0.0) + self.trade.get(k, 0.0) + self.certificates.get(k, 0.0)


def derive_power(p: Plan, energy: dict[tuple[str, int], float]) -> PowerDerived:
    st, pw = p.res["sites"], p.res["power"]
    site = p.inst["sites"].set_index("site")
    out = PowerDerived()
    for row in pw.itertuples(index=False):
        k = (row.site, int(row.period))
        w = float(row.weight_h)
        out.grid[k] = out.grid.get(k, 0.0) + w * float(row.grid_mw)
        out.grid_cost[k] = out.grid_cost.get(k, 0.0) + 1000 * w * float(row.price_cny_per_kwh) * float(row.grid_mw)
        out.grid_co2[k] = out.grid_co2.get(k, 0.0) + w * float(row.co2_t_per_mwh) * float(row.grid_mw)
        out.curtailed[k] = out.curtailed.get(k, 0.0) + w * float(row.curtailed_mw)
        out.direct[k] = out.direct.get(k, 0.0) + w * (float(row.direct_available_mw) - float(row.spill_mw)
                                                     - float(row.charge_mw) + float(row.discharge_mw))
    residual = p.cfg.power.residual_co2_t_per_mwh
    for s, t, trade, cert in st[["site", "period", "trade_mwh", "certificate_mwh"]].itertuples(index=False):
        k = (s, int(t))
        out.grid.setdefault(k, energy.get(k, 0.0))  # a site without slices draws its energy from the grid
        out.trade[k], out.certificates[k] = float(trade), float(cert)
        co2 = float(site.at[s, "grid_co2_t_per_mwh"]) if s in site.index else math.nan
        price = float(site.at[s, "power_price_cny_per_kwh"]) if s in site.index else math.nan
        out.grid_cost.setdefault(k, 1000 * price * out.grid[k])
        out.emissions[k] = out.grid_co2.get(k, co2 * out.grid[k])
        out.emissions_market[k] = residual * (out.grid[k] - out.trade[k] - out.certificates[k])
    return out


def check_power(p: Plan, energy: dict[tuple[str, int], float], pv: PowerDerived, r: Rows) -> None:
    """power_balance, load, direct_available, spill_within, battery_*, curtailed_pool, direct_limit, direct_self_use,
    direct_load_share, green_claims, green_trade_cap and the sites table's power columns."""
    pw, st = p.res["power"], p.res["sites"].set_index(["site", "period"])
    dr = p.cfg.power.direct
    site = p.inst["sites"].set_index("site")
    scale = max([1.0, *(site["max_facility_mw"].astype(float))])
    load_mwh: dict[tuple[str, int], float] = defaultdict(float)
    pool: dict[tuple[str, int, int, int], list[float]] = {}
    by_day: dict[tuple[str, int, int], list] = defaultdict(list)
    for row in pw.itertuples(index=False):
        key = row_key(site=row.site, period=row.period, day=row.day, step=row.step)
        supply = row.grid_mw + row.curtailed_mw + row.direct_available_mw - row.spill_mw + row.discharge_mw - row.charge_mw
        r.eq("power_balance", key, supply, row.load_mw, scale, "supply {lhs} MW but the load is {rhs} MW")
        s, t = row.site, int(row.period)
        caps = st.loc[(s, t)] if (s, t) in st.index else None
        if caps is not None:
            avail = float(caps["direct_solar_mw"]) * row.cf_solar + float(caps["direct_wind_mw"]) * row.cf_onwind
            r.eq("direct_available", key, row.direct_available_mw, avail, scale, "direct output {lhs} MW but capacity x profile gives {rhs}")
        r.leq("spill_within", key, row.spill_mw + row.charge_mw, row.direct_available_mw, scale,
              "spill + charge {lhs} MW exceed the direct output {rhs} MW")
        load_mwh[(s, t)] += row.weight_h * row.load_mw
        prov = str(site.at[s, "region"])[:2] + "0000" if s in site.index else "?"
        agg = pool.setdefault((prov, t, int(row.day), int(row.step)), [0.0, float(row.curtailed_pool_mw)])
        agg[0] += row.curtailed_mw
        by_day[(s, t, int(row.day))].append(row)
    for (prov, t, day, step), (used, cap) in pool.items():
        r.leq("curtailed_pool", row_key(province=prov, period=t, day=day, step=step), used, cap, scale,
              "curtailed power taken {lhs} MW exceeds the province's curtailment {rhs} MW")
    _check_slices(p, pw, r)
    # without a power model's hourly prices or factors read back (price:/co2: profiles) each slice has the site's own
    for row in pw.itertuples(index=False):
        if row.site not in site.index:
            continue
        key = row_key(site=row.site, period=row.period, day=row.day, step=row.step)
        if "price" not in p.own_kinds:
            r.eq("slice_prices", key, float(row.price_cny_per_kwh), float(site.at[row.site, "power_price_cny_per_kwh"]),
                 1.0, "grid price {lhs} CNY/kWh but the site's is {rhs}")
        if "co2" not in p.own_kinds:
            r.eq("slice_prices", key, float(row.co2_t_per_mwh), float(site.at[row.site, "grid_co2_t_per_mwh"]),
                 1.0, "grid factor {lhs} t/MWh but the site's is {rhs}")
    for k, e in load_mwh.items():
        r.eq("load", row_key(site=k[0], period=k[1]), e, energy.get(k, 0.0), max(1.0, e),
             "the slices' load adds to {lhs} MWh but the site uses {rhs} MWh a year")
    _check_load_days(p, energy, by_day, r)
    eta = dr.battery_efficiency ** 0.5
    for (s, t, day), rows in by_day.items():
        e_cap = float(st.at[(s, t), "battery_mwh"]) if (s, t) in st.index else 0.0
        rows = sorted(rows, key=lambda x: x.step)
        for j, row in enumerate(rows):
            prev = rows[j - 1]
            key = row_key(site=s, period=t, day=day, step=row.step)
            want = prev.soc_mwh + row.hours * (eta * row.charge_mw - row.discharge_mw / eta)
            r.eq("battery_soc", key, row.soc_mwh, want, max(1.0, e_cap), "state of charge {lhs} MWh but the day's flows give {rhs}")
            r.leq("battery_energy", key, row.soc_mwh, e_cap, max(1.0, e_cap), "state of charge {lhs} MWh above the battery's {rhs}")
            r.leq("battery_power", key, row.charge_mw + row.discharge_mw, e_cap / dr.battery_hours, max(1.0, e_cap),
                  "charge + discharge {lhs} MW above the battery's power {rhs}")
    _check_site_columns(p, energy, pv, st, r)
    _check_summary(p, r)


def _check_load_days(p: Plan, energy: dict[tuple[str, int], float], by_day: dict[tuple[str, int, int], list],
                     r: Rows) -> None:
    """load_day: movable work at its own site does each day's work that day, so every typical day's load adds to
    24 h x the site's mean load (energy_mwh / hours_per_year). Not where work may also move between sites
    (power.flexible_across_sites with a movable workload that has no latency limit): there only the year holds."""
    wl = p.inst["workloads"]
    share = pd.to_numeric(wl.get("flexible_share", pd.Series(dtype=float)), errors="coerce").fillna(0.0)
    no_limit = pd.to_numeric(wl["max_rtt_ms"], errors="coerce").isna()
    movable_anywhere = bool(((share > 0) & no_limit).any())
    if p.cfg.power.flexible_across_sites and movable_anywhere:
        return
    hours = p.cfg.finance.hours_per_year
    for (s, t, day), rows in by_day.items():
        want = 24 * energy.get((s, t), 0.0) / hours
        got = sum(row.hours * row.load_mw for row in rows)
        r.eq("load_day", row_key(site=s, period=t, day=day), got, want, max(1.0, want),
             "the day's load adds to {lhs} MWh but 24 h at the site's mean load is {rhs} MWh")


def _check_summary(p: Plan, r: Rows) -> None:
    """summary.json's "power" block repeats kpis.csv (checked against its recomputation) period by period; its
    "time" block names as many typical days as power.csv has."""
    k = p.res["kpis"].set_index(["kpi", "period"])["value"]
    block = p.summary.get("power")
    r.count("summary_power")
    if not isinstance(block, dict):
        r.fail("summary_power", "summary.json power", "missing or not an object")
        return
    for t, figures in block.items():
        if not isinstance(figures, dict):
            r.fail("summary_power", f"summary.json power.{t}", "not an object")
            continue
        for name, v in figures.items():
            key = (str(name), int(t)) if str(t).isdigit() else None
            if key is None or key not in k.index:
                r.count("summary_power")
                r.fail("summary_power", f"summary.json power.{t}.{name}", "no such KPI in kpis.csv")
            else:
                want = float(k[key])
                r.eq("summary_power", f"summary.json power.{t}.{name}", float(v) if isinstance(v, int | float) else math.nan,
                     want, max(1.0, abs(want)), "written as {lhs}, kpis.csv says {rhs}")
    days = (p.summary.get("time") or {}).get("days")
    pw = p.res["power"]
    if len(pw) and isinstance(days, int):
        r.eq("summary_power", "summary.json time.days", float(days), float(pw["day"].nunique()), 1.0,
             "{lhs} typical days, power.csv has {rhs}")


def _check_slices(p: Plan, pw, r: Rows) -> None:
    """slices: every site of a period has the same typical days and steps; a day's steps add to 24 h; the days a
    typical day stands for (weight_h / hours) are the same for each of its steps."""
    for t, g in pw.groupby("period"):
        sets = {s: frozenset(zip(x["day"], x["step"], strict=True)) for s, x in g.groupby("site")}
        common = max(sets.values(), key=lambda v: sum(1 for w in sets.values() if w == v))
        for s, v in sets.items():
            r.count("slices")
            if v != common or len(v) != int((g["site"] == s).sum()):
                r.fail("slices", row_key(site=s, period=t), "its (day, step) slices differ from the other sites' or repeat")
        for (s, day), x in g.groupby(["site", "day"]):
            key = row_key(site=s, period=t, day=day)
            r.eq("slices", key, float(x["hours"].sum()), 24.0, 24.0, "the day's steps last {lhs} h, not {rhs}")
            n = x["weight_h"] / x["hours"]
            r.eq("slices", key, float(n.max()), float(n.min()), max(1.0, float(n.max())),
                 "the steps of one typical day stand for different numbers of days ({lhs} and {rhs})")


def _check_site_columns(p: Plan, energy: dict[tuple[str, int], float], pv: PowerDerived, st, r: Rows) -> None:
    cfg, dr = p.cfg, p.cfg.power.direct
    site = p.inst["sites"].set_index("site")
    pw = p.res["power"]
    avail_mwh = (pw.assign(a=pw["weight_h"] * pw["direct_available_mw"], sp=pw["weight_h"] * pw["spill_mw"])
                 .groupby(["site", "period"])[["a", "sp"]].sum())
    peak = pw.groupby(["site", "period"])["grid_mw"].max()
    pw = pw.assign(green_here=pw["curtailed_mw"] + (pw["direct_available_mw"] - pw["spill_mw"] - pw["charge_mw"]
                                                    + pw["discharge_mw"]).clip(lower=0))
    matched = (pw["weight_h"] * pw[["load_mw", "green_here"]].min(axis=1)).groupby([pw["site"], pw["period"]]).sum()
    hours = pw.groupby(["site", "period"])["weight_h"].sum()
    trade_by_region: dict[tuple[str, int], float] = defaultdict(float)
    for (s, t), row in st.iterrows():
        k = (s, int(t))
        key = row_key(site=s, period=t)
        e = energy.get(k, 0.0)
        sc = max(1.0, e)
        if k in hours.index:
            r.eq("slice_weights", key, float(hours[k]), cfg.finance.hours_per_year, cfg.finance.hours_per_year,
                 "the slices stand for {lhs} h, the year has {rhs}")
        for col, want in (("grid_mwh", pv.grid.get(k, 0.0)), ("curtailed_mwh", pv.curtailed.get(k, 0.0)),
                          ("spilled_mwh", float(avail_mwh["sp"].get(k, 0.0)) if len(avail_mwh) else 0.0),
                          ("green_matched_mwh", float(matched.get(k, 0.0))),
                          ("direct_mwh", pv.direct.get(k, 0.0)), ("green_mwh", pv.green(k)),
                          ("emissions_t", pv.emissions.get(k, 0.0)), ("emissions_market_t", pv.emissions_market.get(k, 0.0)),
                          ("peak_grid_mw", float(peak.get(k, pv.grid.get(k, 0.0) / cfg.finance.hours_per_year)))):
            r.eq("sites_power", key, float(row[col]), want, sc if col != "peak_grid_mw" else max(1.0, e / 1000),
                 f"{col} {{lhs}} but the slices give {{rhs}}")
        r.leq("green_claims", key, pv.trade[k] + pv.certificates[k], pv.grid.get(k, 0.0), sc,
              "traded green power + certificates {lhs} MWh exceed the grid MWh {rhs}")
        if s in site.index:
            trade_by_region[(str(site.at[s, "region"]), int(t))] += pv.trade[k]
            built = float(row["direct_solar_mw"]) + float(row["direct_wind_mw"])
            r.leq("direct_limit", key, built, float(site.at[s, "direct_mw_max"] or 0.0), max(1.0, built),
                  "direct supply {lhs} MW above the site's limit {rhs} MW")
            if dr.rules and built > 1e-6 and k in avail_mwh.index:
                a, sp = avail_mwh.loc[k, "a"], avail_mwh.loc[k, "sp"]
                r.leq("direct_self_use", key, sp, (1 - dr.self_use_min) * a, max(1.0, a),
                      f"spilled {{lhs}} MWh: more than {1 - dr.self_use_min:.0%} of the output {{rhs}}")
                need = dr.load_share_min_2030 if int(t) >= 2030 else dr.load_share_min
                r.leq("direct_load_share", key, need * e, pv.direct.get(k, 0.0), sc,
                      f"direct supply {{rhs}} MWh below {need:.0%} of the site's MWh ({{lhs}})")
    reg = p.inst["regions"].set_index("region")
    for (region, t), v in trade_by_region.items():
        cap = reg["green_trade_mwh_max"].get(region) if "green_trade_mwh_max" in reg else None
        if cap is not None and cap == cap and cap != "":
            r.leq("green_trade_cap", row_key(region=region, period=t), v, float(cap), max(1.0, float(cap)),
                  "traded green power {lhs} MWh above the region's {rhs}")
