"""The cost parts, objective and headline KPIs of summary.json and kpis.csv, recomputed from the tables."""

from __future__ import annotations

import math

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.graph import Tree
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key

COST_PARTS = ("campus", "it_capex", "facility_capex", "energy", "green_power", "direct_supply", "network", "trunks",
              "carbon")
UNMET_PART = "unmet_value"


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: rate / (1 - (1 + rate)^-years); 1/years at rate 0."""
    return 1 / years if rate == 0 else rate / (1 - (1 + rate) ** -years)


def weights(periods: list[int], rate: float) -> dict[int, float]:
    """Present value at the first period of 1 CNY/yr over the years each period stands for (until the next
    period; the last as long as the gap before it, or 1 year when alone)."""
    out = {}
    for i, t in enumerate(periods):
        n = periods[i + 1] - t if i + 1 < len(periods) else (t - periods[i - 1] if i else 1)
        out[t] = sum((1 + rate) ** -(t - periods[0] + y) for y in range(n))
    return out


def recompute_costs(p: Plan, d: Derived, trees: dict[str, Tree]) -> tuple[dict[str, float], float]:
    """Each cost part of docs/model.md as a present value at the first period (CNY), and the value of unmet
    service, from the plan tables and the instance."""
    cfg, I = p.cfg, p.inst
    fin = cfg.finance
    w = weights(d.periods, fin.discount_rate)
    a_campus = annuity(fin.discount_rate, fin.campus_lifetime_years)
    site = I["sites"].set_index("site")
    cl = I["classes"].set_index("class")
    a_it = {c: annuity(fin.discount_rate, float(cl.at[c, "lifetime_years"])) for c in cl.index}
    parts = dict.fromkeys(COST_PARTS, 0.0)
    for s in site.index[site["candidate"]]:
        for t in d.periods:
            parts["campus"] += w[t] * a_campus * float(site.at[s, "campus_capex_cny"] or 0.0) * round(d.open.get((s, t), 0.0))
    for (_s, c, t), b in d.built.items():
        if c in cl.index:
            parts["it_capex"] += w[t] * a_it[c] * float(cl.at[c, "capex_cny_per_pflops"]) * b
            parts["facility_capex"] += (w[t] * a_campus * float(cl.at[c, "facility_capex_cny_per_kw"])
                                        * float(cl.at[c, "kw_per_pflops"]) * b)
    pw, pv = cfg.power, d.power
    for (s, t), g_ in pv.grid.items():
        parts["energy"] += w[t] * (pv.grid_cost.get((s, t), 1000 * float(site.at[s, "power_price_cny_per_kwh"]) * g_)
                                   + 1000 * (pw.curtailed_cny_per_kwh or 0.0) * pv.curtailed.get((s, t), 0.0))
        parts["green_power"] += w[t] * (1000 * fin.green_premium_cny_per_kwh * pv.trade.get((s, t), 0.0)
                                        + (pw.certificate_cny_per_mwh or 0.0) * pv.certificates.get((s, t), 0.0))
    dr = pw.direct
    a_direct = annuity(fin.discount_rate, dr.lifetime_years) + dr.om_share
    a_battery = annuity(fin.discount_rate, dr.battery_lifetime_years) + dr.om_share
    for s, t, pv_mw, wind_mw, bat in p.res["sites"][["site", "period", "direct_solar_mw", "direct_wind_mw",
                                                      "battery_mwh"]].itertuples(index=False):
        parts["direct_supply"] += w[int(t)] * (
            a_direct * 1000 * (dr.pv_capex_cny_per_kw * float(pv_mw) + dr.wind_capex_cny_per_kw * float(wind_mw))
            + a_battery * 1000 * dr.battery_capex_cny_per_kwh * float(bat)
            + 1000 * dr.charges_cny_per_kwh * pv.direct.get((s, int(t)), 0.0))
    gbps = dict(zip(I["workloads"]["workload"], I["workloads"]["gbps_per_pflops"].astype(float), strict=True))
    bw = cfg.network.bandwidth_cny_per_gbps_km_year
    region_of = site["region"].to_dict()
    for a, s, wl, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        if bw > 0 and gbps.get(wl, 0.0) > 0 and region_of.get(s) != a and s in trees and a in trees[s].km:
            parts["network"] += w[int(t)] * bw * gbps[wl] * trees[s].km[a] * float(x)
    tr = I["trunks"].set_index("trunk")
    for (l, t), n in d.cum_wavelengths.items():
        if float(tr.at[l, "module_gbps"]) > 0:
            parts["trunks"] += w[t] * a_campus * float(tr.at[l, "module_capex_cny"]) * round(n)
    parts["carbon"] = sum(w[t] * cfg.policy.carbon_price_cny_per_t * e for (s, t), e in d.emissions.items())
    value = dict(zip(I["workloads"]["workload"], I["workloads"]["unmet_cny_per_pflops_year"].astype(float), strict=True))
    unmet = sum(w[int(t)] * value.get(wl, 0.0) * float(x)
                for wl, t, x in p.res["unmet"][["workload", "period", "pflops"]].itertuples(index=False))
    return parts, unmet


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


def check_kpis(p: Plan, d: Derived, r: Rows) -> None:
    """The headline KPIs that follow directly from the tables."""
    k = p.res["kpis"].set_index(["kpi", "period"])["value"]
    dem = p.inst["demand"]
    for t in d.periods:
        want = {
            "demand_pflops": float(dem.loc[dem["period"] == t, "pflops"].sum()),
            "unmet_pflops": float(p.res["unmet"].loc[p.res["unmet"]["period"] == t, "pflops"].sum()),
            "installed_pflops": sum(v for (s, c, tt), v in d.installed.items() if tt == t),
            "energy_mwh": sum(v for (s, tt), v in d.energy.items() if tt == t),
            "built_pflops": sum(v for (s, c, tt), v in d.built.items() if tt == t),
            "emissions_t": sum(v for (s, tt), v in d.power.emissions.items() if tt == t),
        }
        # Emissions are (energy − green) × grid factor: a difference of MWh-sized numbers, so their noise
        # scales with the energy (t per MWh at most ~1), not with the emissions, which may be ~0.
        energy_scale = want["energy_mwh"]
        for name, v in want.items():
            if (name, t) not in k.index:
                r.count("kpis")
                r.fail("kpis", row_key(kpi=name, period=t), "missing from kpis.csv")
            else:
                scale = max(1.0, abs(v), energy_scale if name == "emissions_t" else d.scale_pflops)
                r.eq("kpis", row_key(kpi=name, period=t), float(k[(name, t)]), v, scale,
                     "kpis.csv says {lhs}, the tables give {rhs}")
