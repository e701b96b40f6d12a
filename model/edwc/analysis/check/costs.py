"""The cost parts, objective and other figures of summary.json, recomputed from the tables."""

from __future__ import annotations

import math

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.graph import Tree
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows

COST_PARTS = ("campus", "it_capex", "facility_capex", "energy", "green_power", "direct_supply", "network", "trunks",
              "carbon")
UNMET_PART = "unmet_value"
# summary.json: the fields the check verifies (here, in readers._vouch, the policies and input_hash families),
# and those that say how the run went rather than what the plan is; any other field fails the check.
SUMMARY_CHECKED = ("edwc_result_version", "instance", "status", "termination", "objective_cny", "total_cost_cny",
                   "cost_parts_cny", "unmet_value_cny", "period_weights", "period_years", "yearly_cny", "mip_gap",
                   "best_bound_cny", "policies", "input_hash", "power")
SUMMARY_RUN_RECORD = ("scenario", "sets", "objective_counts", "objective_solved", "seconds", "sizes", "network",
                      "start", "versions", "solver_options", "created", "warnings", "gap_trace", "time")


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: rate / (1 - (1 + rate)^-years); 1/years at rate 0."""
    return 1 / years if rate == 0 else rate / (1 - (1 + rate) ** -years)


def period_years(periods: list[int]) -> dict[int, int]:
    """The years each period stands for: until the next period; the last as long as the gap before it, or 1 when alone."""
    return {t: (periods[i + 1] - t if i + 1 < len(periods) else (t - periods[i - 1] if i else 1))
            for i, t in enumerate(periods)}


def weights(periods: list[int], rate: float) -> dict[int, float]:
    """Present value at the first period of 1 CNY/yr over the years each period stands for."""
    n = period_years(periods)
    return {t: sum((1 + rate) ** -(t - periods[0] + y) for y in range(n[t])) for t in periods}


def recompute_yearly(p: Plan, d: Derived, trees: dict[str, Tree]) -> dict[int, dict[str, float]]:
    """Each period's yearly cost parts of docs/model.md and its value of unmet service (CNY/year), from the plan
    tables and the instance."""
    cfg, I = p.cfg, p.inst
    fin = cfg.finance
    a_campus = annuity(fin.discount_rate, fin.campus_lifetime_years)
    site = I["sites"].set_index("site")
    cl = I["classes"].set_index("class")
    a_it = {c: annuity(fin.discount_rate, float(cl.at[c, "lifetime_years"])) for c in cl.index}
    y = {t: dict.fromkeys((*COST_PARTS, UNMET_PART), 0.0) for t in d.periods}
    for s in site.index[site["candidate"]]:
        for t in d.periods:
            y[t]["campus"] += a_campus * float(site.at[s, "campus_capex_cny"] or 0.0) * round(d.open.get((s, t), 0.0))
    for (s_, c, t), b in d.built.items():
        if c in cl.index and t in y:
            y[t]["it_capex"] += a_it[c] * float(cl.at[c, "capex_cny_per_pflops"]) * b
            y[t]["facility_capex"] += (a_campus * float(cl.at[c, "facility_capex_cny_per_kw"])  # each vintage at its kW
                                       * d.it_kw_new_sc.get((s_, c, t), float(cl.at[c, "kw_per_pflops"]) * b))
    for (_s, t), new in d.shell_new.items():  # shells: their capex per kW of IT they hold, over the campus life
        if t in y:
            y[t]["facility_capex"] += a_campus * cfg.capacity.shell_capex_cny_per_kw * 1000 * new
    pw, pv = cfg.power, d.power
    for (s, t), g_ in pv.grid.items():
        if t not in y:
            continue
        y[t]["energy"] += (pv.grid_cost.get((s, t), 1000 * float(site.at[s, "power_price_cny_per_kwh"]) * g_)
                           + 1000 * (pw.curtailed_cny_per_kwh or 0.0) * pv.curtailed.get((s, t), 0.0))
        y[t]["green_power"] += (1000 * fin.green_premium_cny_per_kwh * pv.trade.get((s, t), 0.0)
                                + (pw.certificate_cny_per_mwh or 0.0) * pv.certificates.get((s, t), 0.0))
    dr = pw.direct
    a_direct = annuity(fin.discount_rate, dr.lifetime_years) + dr.om_share
    a_battery = annuity(fin.discount_rate, dr.battery_lifetime_years) + dr.om_share
    for s, t, pv_mw, wind_mw, bat in p.res["sites"][["site", "period", "direct_solar_mw", "direct_wind_mw",
                                                      "battery_mwh"]].itertuples(index=False):
        if int(t) in y:
            y[int(t)]["direct_supply"] += (
                a_direct * 1000 * (dr.pv_capex_cny_per_kw * float(pv_mw) + dr.wind_capex_cny_per_kw * float(wind_mw))
                + a_battery * 1000 * dr.battery_capex_cny_per_kwh * float(bat)
                + 1000 * dr.charges_cny_per_kwh * pv.direct.get((s, int(t)), 0.0))
    gbps = dict(zip(I["workloads"]["workload"], I["workloads"]["gbps_per_pflops"].astype(float), strict=True))
    bw = cfg.network.bandwidth_cny_per_gbps_km_year
    region_of = site["region"].to_dict()
    for a, s, wl, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        if bw > 0 and gbps.get(wl, 0.0) > 0 and region_of.get(s) != a and s in trees and a in trees[s].km:
            y[int(t)]["network"] += bw * gbps[wl] * trees[s].km[a] * float(x)
    tr = I["trunks"].set_index("trunk")
    for (l, t), n in d.cum_wavelengths.items():
        if float(tr.at[l, "module_gbps"]) > 0:
            y[t]["trunks"] += a_campus * float(tr.at[l, "module_capex_cny"]) * round(n)
    for (_s, t), e in d.emissions.items():
        y[t]["carbon"] += cfg.policy.carbon_price_cny_per_t * e
    value = dict(zip(I["workloads"]["workload"], I["workloads"]["unmet_cny_per_pflops_year"].astype(float), strict=True))
    for wl, t, x in p.res["unmet"][["workload", "period", "pflops"]].itertuples(index=False):
        y[int(t)][UNMET_PART] += value.get(wl, 0.0) * float(x)
    return y


def recompute_costs(p: Plan, d: Derived, trees: dict[str, Tree]) -> tuple[dict[str, float], float]:
    """Each cost part of docs/model.md as a present value at the first period (CNY), and the value of unmet
    service: the yearly parts weighted by the discounted years of their period."""
    w = weights(d.periods, p.cfg.finance.discount_rate)
    y = recompute_yearly(p, d, trees)
    parts = {k: sum(w[t] * y[t][k] for t in d.periods) for k in COST_PARTS}
    return parts, sum(w[t] * y[t][UNMET_PART] for t in d.periods)


def check_costs(p: Plan, d: Derived, trees: dict[str, Tree], r: Rows) -> None:
    """Each cost part, the value of unmet service and the objective of summary.json equal their recomputation."""
    fam = "costs"
    parts, unmet = recompute_costs(p, d, trees)
    written = p.summary["cost_parts_cny"]
    total = sum(parts.values()) + unmet
    r.eq(fam, "unmet value", float(p.summary.get("unmet_value_cny", math.nan)), unmet, max(1.0, total),
         "summary.json says {lhs} CNY, the tables give {rhs}")
    scale = max(1.0, abs(total), abs(float(p.summary["objective_cny"] or 0.0)))
    for k in COST_PARTS:
        got = written.get(k)
        if got is None:
            r.count(fam)
            r.fail(fam, f"cost part {k}", "missing from summary.json")
            continue
        r.eq(fam, f"cost part {k}", float(got), parts[k], scale, "summary.json says {lhs} CNY/yr, the tables give {rhs}")
    r.eq(fam, "objective", float(p.summary["objective_cny"]), total, scale, "summary.json says {lhs} CNY/yr, the tables give {rhs}")
    if all(written.get(k) is not None for k in COST_PARTS):
        r.eq(fam, "sum of parts", sum(float(written[k]) for k in COST_PARTS) + float(p.summary.get("unmet_value_cny", 0.0)),
             float(p.summary["objective_cny"]), scale,
             "the parts and unmet value in summary.json add up to {lhs} CNY, its objective is {rhs}")
    bound = p.summary.get("best_bound_cny")
    if bound is not None:
        r.leq(fam, "best bound", float(bound), total, scale, "the solver's lower bound {lhs} is above the plan's cost {rhs}")


def _by_period(r: Rows, field: str, written: object, periods: list[int]) -> dict[int, object] | None:
    """summary.json's `field` keyed by period (text keys): one row per period, none other; None when unusable."""
    r.count("summary")
    if not isinstance(written, dict):
        r.fail("summary", f"summary.json {field}", f"expected an object keyed by period, got {type(written).__name__}")
        return None
    want = {str(t) for t in periods}
    if set(written) != want:
        r.fail("summary", f"summary.json {field}", f"keys {sorted(map(str, written))}, the instance's periods are {sorted(want)}")
        return None
    return {t: written[str(t)] for t in periods}


def _num(x: object) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else math.nan


def check_summary(p: Plan, d: Derived, trees: dict[str, Tree], r: Rows) -> None:
    """The figures of summary.json beside the cost parts: total_cost_cny, period_weights, period_years, yearly_cny
    and mip_gap against best_bound_cny."""
    fam, s = "summary", p.summary
    for key in s:
        r.count(fam)
        if key not in SUMMARY_CHECKED and key not in SUMMARY_RUN_RECORD:
            r.fail(fam, f"summary.json {key}", "not a field edwc writes, or one the check has no recomputation for "
                   "(edwc.analysis.check.costs.SUMMARY_CHECKED)")
    parts, _ = recompute_costs(p, d, trees)
    scale = max(1.0, abs(sum(parts.values())), abs(_num(s["objective_cny"])))
    r.eq(fam, "summary.json total_cost_cny", _num(s.get("total_cost_cny")), sum(parts.values()), scale,
         "written as {lhs} CNY, the cost parts recomputed from the tables add up to {rhs}")
    w, n = weights(d.periods, p.cfg.finance.discount_rate), period_years(d.periods)
    pw = _by_period(r, "period_weights", s.get("period_weights"), d.periods)
    for t, v in (pw or {}).items():
        r.eq(fam, f"summary.json period_weights {t}", _num(v), w[t], 1.0, "written as {lhs}, the discounted years are {rhs}")
    py = _by_period(r, "period_years", s.get("period_years"), d.periods)
    for t, v in (py or {}).items():
        r.eq(fam, f"summary.json period_years {t}", _num(v), n[t], 1.0, "written as {lhs}, the period stands for {rhs} years")
    yearly = recompute_yearly(p, d, trees)
    yw = _by_period(r, "yearly_cny", s.get("yearly_cny"), d.periods)
    for t, parts_t in (yw or {}).items():
        if not isinstance(parts_t, dict) or set(parts_t) != set(yearly[t]):
            r.count(fam)
            r.fail(fam, f"summary.json yearly_cny {t}", f"expected the parts {sorted(yearly[t])}")
            continue
        for k, v in yearly[t].items():
            r.eq(fam, f"summary.json yearly_cny {t} {k}", _num(parts_t[k]), v, scale,
                 "written as {lhs} CNY/yr, the tables give {rhs}")
    gap, bound, obj = s.get("mip_gap"), s.get("best_bound_cny"), _num(s["objective_cny"])
    if gap is not None and bound is not None and obj:
        # HiGHS's gap, relative to the plan's cost (its own objective adds a tie-break below 1e-7 of it)
        r.eq(fam, "summary.json mip_gap", _num(gap), max(0.0, (obj - _num(bound)) / abs(obj)), 1.0,
             "written as {lhs}, the plan's cost and the solver's bound give {rhs}")
