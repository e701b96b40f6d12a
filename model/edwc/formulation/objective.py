"""The objective: annual cost, as named parts (Pyomo Expressions in M CNY/year).

cost = campus + capacity + energy + trunks + carbon + unmet, summed over periods.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.util import quicksum

from edwc.formulation.constraints import served
from edwc.formulation.data import SCALE, ModelData
from edwc.input.schema import InstanceConfig

COST_PARTS = ("campus", "capacity", "energy", "trunks", "carbon", "unmet")
ELASTIC_PENALTY = 1e6  # M CNY per unit of policy slack: far above any real cost


def add_energy_and_emissions(m: pyo.ConcreteModel, d: ModelData) -> None:
    """energy_mwh[s,t] = Σ_c served[s,c,t] · kw_per_pflops[c]/1000 · PUE[s] · hours · load_factor;
    emissions_t[s,t] = energy_mwh[s,t] · (1 − renewable_share[s]) · grid_co2[s]."""
    by_site: dict[str, list[str]] = {}
    for s, c in d.site_class:
        by_site.setdefault(s, []).append(c)

    def energy(m, s, t):
        return quicksum(d.energy_mwh_per_pflops[(s, c)] * served(m, d, s, c, t) for c in by_site.get(s, []))

    def emissions(m, s, t):
        a = d.site[s]
        return (1 - a["renewable_share"]) * a["grid_co2_t_per_mwh"] * m.energy_mwh[s, t]

    m.energy_mwh = pyo.Expression(m.sites, m.periods, rule=energy)
    m.emissions_t = pyo.Expression(m.sites, m.periods, rule=emissions)


def add_objective(m: pyo.ConcreteModel, d: ModelData, cfg: InstanceConfig) -> None:
    """Minimise Σ_t [ annuity_campus · campus_capex · open + annuity_equipment · capex · module · cum modules
    + energy · price + annuity_campus · module_capex · cum wavelengths + carbon_price · emissions
    + penalty · unmet ]."""
    T = d.periods
    k = 1 / SCALE

    def cum(var, key, t):
        return quicksum(var[(*key, tt)] for tt in T if tt <= t)

    m.cost_campus = pyo.Expression(expr=quicksum(
        k * d.annuity_campus * d.site[s]["campus_capex_cny"] * m.open[s, t] for s in d.candidates for t in T))
    m.cost_capacity = pyo.Expression(expr=quicksum(
        k * d.annuity_equipment * d.capex_per_pflops[c] * d.module_pflops[c] * cum(m.modules, (s, c), t)
        for (s, c) in d.buildable for t in T))
    m.cost_energy = pyo.Expression(expr=quicksum(
        k * 1000 * d.site[s]["power_price_cny_per_kwh"] * m.energy_mwh[s, t] for s in d.sites for t in T))
    m.cost_trunks = pyo.Expression(expr=quicksum(
        k * d.annuity_campus * d.trunk[l]["module_capex_cny"] * cum(m.wavelengths, (l,), t) for l in d.trunks for t in T))
    price = cfg.policy.carbon_price_cny_per_t
    m.cost_carbon = pyo.Expression(expr=quicksum(
        k * price * m.emissions_t[s, t] for s in d.sites for t in T) if price > 0 else 0.0)
    pen = cfg.finance.unmet_penalty_cny_per_pflops_year
    m.cost_unmet = pyo.Expression(expr=quicksum(k * pen * m.unmet[i] for i in m.demand_index))
    total = quicksum(getattr(m, f"cost_{p}") for p in COST_PARTS)
    if m.elastic:
        total += ELASTIC_PENALTY * quicksum(v[i] for v in m.elastic_slacks for i in v)
    m.total_cost = pyo.Objective(expr=total, sense=pyo.minimize)
