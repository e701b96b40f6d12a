"""The cost parts, objective and headline KPIs of summary.json and kpis.csv, recomputed from the tables."""

from __future__ import annotations

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key

COST_PARTS = ("campus", "capacity", "energy", "trunks", "carbon", "unmet")


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: rate / (1 - (1 + rate)^-years); 1/years at rate 0."""
    return 1 / years if rate == 0 else rate / (1 - (1 + rate) ** -years)


def recompute_costs(p: Plan, d: Derived) -> dict[str, float]:
    """Each cost part of docs/model.md, in CNY/year, from the plan tables and the instance."""
    cfg, I = p.cfg, p.inst
    fin = cfg.finance
    a_campus = annuity(fin.discount_rate, fin.campus_lifetime_years)
    a_equip = annuity(fin.discount_rate, fin.equipment_lifetime_years)
    site = I["sites"].set_index("site")
    capex = I["classes"].set_index("class")["capex_cny_per_pflops"].astype(float)
    campus = sum(a_campus * float(site.at[s, "campus_capex_cny"] or 0.0) * round(d.open.get((s, t), 0.0))
                 for s in site.index[site["candidate"]] for t in d.periods)
    capacity = sum(a_equip * capex[c] * b for (s, c, t), b in d.built.items() if c in capex.index)
    energy = sum(1000 * float(site.at[s, "power_price_cny_per_kwh"]) * e for (s, _), e in d.energy.items())
    tr = I["trunks"].set_index("trunk")
    trunks = sum(a_campus * float(tr.at[l, "module_capex_cny"]) * round(w)
                 for (l, _), w in d.cum_wavelengths.items() if float(tr.at[l, "module_gbps"]) > 0)
    carbon = cfg.policy.carbon_price_cny_per_t * sum(d.emissions.values())
    unmet = fin.unmet_penalty_cny_per_pflops_year * float(p.res["unmet"]["pflops"].sum())
    return {"campus": campus, "capacity": capacity, "energy": energy, "trunks": trunks, "carbon": carbon, "unmet": unmet}


def check_costs(p: Plan, d: Derived, r: Rows) -> None:
    """Each cost part and the objective of summary.json equal their recomputation from the tables."""
    fam = "costs"
    parts = recompute_costs(p, d)
    written = p.summary["cost_parts_cny"]
    total = sum(parts.values())
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
        r.eq(fam, "sum of parts", sum(float(written[k]) for k in COST_PARTS), float(p.summary["objective_cny"]), scale,
             "the parts in summary.json add up to {lhs} CNY/yr, its objective is {rhs}")
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
            "emissions_t": sum(v for (s, tt), v in d.emissions.items() if tt == t),
        }
        for name, v in want.items():
            if (name, t) in k.index:
                r.eq("kpis", row_key(kpi=name, period=t), float(k[(name, t)]), v, max(1.0, abs(v), d.scale_pflops),
                     "kpis.csv says {lhs}, the tables give {rhs}")
