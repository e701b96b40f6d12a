"""Energy, emissions and the objective, as named parts (Pyomo Expressions in M CNY).

Every cost part is a present value at the base year (the first period): each period's yearly cost
times weight[t], the discounted number of years the period stands for (1 for a single period, so a
one-period instance reads as a yearly cost). Capex enters as annuities over its own life: IT over the
class's lifetime_years; shells (capacity.shell_capex_cny_per_kw per kW of IT they hold), the class's fit-out
(facility_capex_cny_per_kw per kW of its IT), campus and trunk upgrades over campus_lifetime_years.

    objective = Σ_t weight[t] · (campus + it_capex + facility_capex + energy + green_power + direct_supply
                                 + network + trunks + carbon)[t]  +  Σ_t weight[t] · unmet_value[t]

The first sum is the cost; unmet_value (the value of service lost) is reported apart from it.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.constraints import built, built_kw, serve_vars, served, served_new
from edwc.formulation.data import SCALE, ModelData
from edwc.formulation.power import power_costs
from edwc.formulation.power_data import PowerData
from edwc.formulation.shells import noload_mwh
from edwc.input.schema import InstanceConfig

COST_PARTS = ("campus", "it_capex", "facility_capex", "energy", "green_power", "direct_supply", "network", "trunks",
              "carbon")
UNMET_PART = "unmet_value"
ELASTIC_PENALTY = 1e6  # M CNY per unit of policy slack: far above any real cost


def add_energy(m: pyo.ConcreteModel, d: ModelData) -> None:
    """With e_ex[s,c], e_new[s,c] the MWh a fully used PFLOPS draws in a year (IT kW × PUE × hours × load factor)
    of each vintage, and i = idle_share:

    energy_new_mwh[s,t] = Σ_c e_new[s,c] · (i · built[s,c,t] + (1 − i) · served_new[s,c,t])
                          (a vintaged class c: Σ_{t' ≤ t} e_new[s,c,t'] · (i · module_pflops[c] · modules[s,c,t']
                                                                       + (1 − i) · served_new_v[s,c,t',t]),
                           e_new[s,c,t'] = e_new[s,c] · (1 + kw_change_per_year[c])^(t' − t0))
    energy_mwh[s,t]     = energy_new_mwh[s,t] + Σ_c e_ex[s,c] · (i · existing_in_service[s,c,t]
                                                                  + (1 − i) · (served[s,c,t] − served_new[s,c,t]))
                          + noload_mwh[s,t]   (empty shell space, edwc.formulation.shells)
    The facility's consumption; how it is supplied, counted green and emits is in edwc.formulation.power.
    """
    i = d.idle_share
    by_site: dict[str, list[str]] = {}
    for s, c in d.site_class:
        by_site.setdefault(s, []).append(c)

    vintaged = set(d.vintaged)

    def energy_new(m, s, t):
        flat = quicksum(d.energy_new[(s, c)] * (i * built(m, d, s, c, t) + (1 - i) * served_new(m, d, s, c, t))
                        for c in by_site.get(s, []) if c not in vintaged)
        if not vintaged:
            return flat
        return flat + quicksum(d.energy_vintage[(s, c, tb)] * (i * d.module_pflops[c] * m.modules[s, c, tb]
                                                               + (1 - i) * m.served_new_v[s, c, tb, t])
                               for c in by_site.get(s, []) if c in vintaged and (s, c) in d.buildable
                               for tb in d.periods if tb <= t)

    def energy(m, s, t):
        old = quicksum(d.energy_existing[(s, c)] * (i * d.existing_in_service.get((s, c, t), 0.0)
                                                     + (1 - i) * (served(m, d, s, c, t) - served_new(m, d, s, c, t)))
                       for c in by_site.get(s, []))
        return m.energy_new_mwh[s, t] + old + noload_mwh(m, d, s, t)

    m.energy_new_mwh = pyo.Expression(m.sites, m.periods, rule=energy_new)
    m.energy_mwh = pyo.Expression(m.sites, m.periods, rule=energy)


def yearly_costs(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, cfg: InstanceConfig, t: int) -> dict[str, Any]:
    """The yearly cost parts of period t in CNY/year (linear expressions), and unmet_value; energy, green_power and
    direct_supply are edwc.formulation.power.power_costs."""
    fin = cfg.finance
    cost: dict[str, Any] = {}
    cost["campus"] = quicksum(d.annuity_campus * d.site[s]["campus_capex_cny"] * m.open[s, t] for s in d.candidates)
    cost["it_capex"] = quicksum(d.annuity_it[c] * d.capex_per_pflops[c] * built(m, d, s, c, t) for (s, c) in d.buildable)
    cost["facility_capex"] = (quicksum(d.annuity_campus * d.facility_capex_per_kw[c] * d.kw_per_pflops[c] * built(m, d, s, c, t)
                                       for (s, c) in d.buildable if c not in d.vintaged)
                              + quicksum(d.annuity_campus * d.facility_capex_per_kw[c] * built_kw(m, d, s, c, t)
                                         for (s, c) in d.buildable if c in d.vintaged)
                              + quicksum(d.annuity_campus * d.shell_capex_per_kw * 1000 * m.shell_new[s, tt]
                                         for s in d.shell_sites for tt in d.periods if tt <= t))
    cost.update(power_costs(m, d, pd_, cfg.power, fin.green_premium_cny_per_kwh, t))
    bw = cfg.network.bandwidth_cny_per_gbps_km_year
    sv = serve_vars(m)
    cost["network"] = quicksum(bw * d.gbps[w] * d.network_km[(r, s)] * sv[r, s, w, tt]
                               for (r, s, w, tt) in d.serve_index if tt == t and d.gbps[w] > 0 and d.network_km[(r, s)] > 0)
    cost["trunks"] = quicksum(d.annuity_campus * d.trunk[l]["module_capex_cny"] * m.wavelengths[l, tt]
                              for l in d.trunks for tt in d.periods if tt <= t)
    price = cfg.policy.carbon_price_cny_per_t
    cost["carbon"] = quicksum(price * m.emissions_basis_t[s, t] for s in d.sites) if price > 0 else 0.0
    cost[UNMET_PART] = quicksum(d.unmet_value[w] * m.unmet[r, w, tt] for (r, w, tt) in d.demand_index if tt == t)
    return cost


def add_tie_break(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The second objective, used only among plans of equal cost (edwc.solve.highs.polish): serve each region's
    work nearest its users, work with a tighter latency limit nearest first,

    tie_break = Σ_{r,s,w,t} (1 + (n_w − rank[w]) / n_w) · km[r,s] / 1000 · serve[r,s,w,t]  +  far · Σ unmet

    with km the great-circle distance from r's point to s, rank[w] = 0 for the tightest max_rtt_ms and far above
    every serve weight (so that leaving work unserved never breaks a tie). Routed
    distances add along shared trunks, so swapping two regions' sites behind a common node costs the same;
    straight-line distances and distinct workload factors make such swaps differ, so the tie-broken plan is
    unique in practice. Kept deactivated: the cost stays the objective of every solve."""
    n = max(len(d.latency_rank), 1)
    weight = {(r, s, w, t): (1 + (n - d.latency_rank.get(w, n)) / n) * d.proximity_km.get((r, s), 0.0) / 1000
              for (r, s, w, t) in d.serve_index}
    far = 2 * max(weight.values(), default=0.0) + 1  # above any site: leaving work unserved never breaks a tie
    sv = serve_vars(m)
    m.tie_break = pyo.Objective(expr=quicksum(k * sv[i] for i, k in weight.items())
                                + quicksum(far * m.unmet[i] for i in d.demand_index), sense=pyo.minimize)
    m.tie_break.deactivate()


def add_objective(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, cfg: InstanceConfig) -> None:
    """Minimise Σ_t weight[t] · (Σ cost parts[t] + unmet_value[t]); each part is also an Expression cost_<part>
    (present value, M CNY) and yearly_<part>[t] (CNY/year of period t)."""
    k = 1 / SCALE
    yearly = {t: yearly_costs(m, d, pd_, cfg, t) for t in d.periods}
    for part in (*COST_PARTS, UNMET_PART):
        setattr(m, f"yearly_{part}", pyo.Expression(m.periods, rule=lambda m, t, p=part: yearly[t][p]))
        setattr(m, f"cost_{part}", pyo.Expression(expr=quicksum(k * d.weight[t] * yearly[t][part] for t in d.periods)))
    total = quicksum(getattr(m, f"cost_{p}") for p in (*COST_PARTS, UNMET_PART))
    if m.elastic:
        total += ELASTIC_PENALTY * quicksum(v[i] for v in m.elastic_slacks for i in v)
    m.total_cost = pyo.Objective(expr=total, sense=pyo.minimize)
