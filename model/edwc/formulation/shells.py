"""Shells apart from IT: the facility a site builds (MW of IT it can hold, i.e. standard racks) and the IT that
fills it. docs/model.md "Shells" states the model; one function a family, the formula in its docstring.

Notation as in edwc.formulation.constraints; k[t] = build_ahead_years / window[t], window[t] the years period t
adds IT over (since the previous period, or since the stock year). All shell quantities are MW of IT.

    it_kw[s,t]    = Σ_c kw_existing[c] · existing_in_service[s,c,t] + Σ_c Σ_{t' ≤ t} kw_new[c,t'] · module_pflops[c] · modules[s,c,t']
    shell_mw[s,t] = shell_existing[s,t] + Σ_{t' ≤ t} shell_new[s,t']
    上架率 (occupied / built racks) = it_kw / (1000 · shell_mw), by site, hub, side and nation
"""

from __future__ import annotations

import math

import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.constraints import built_kw
from edwc.formulation.data import ModelData


def add_shell_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """shell_new[s,t] ≥ 0: MW of IT of shells a site completes in period t (sites that can build; bounded by the
    site's facility limit at its new-design PUE); shell_phases[s,t] ∈ ℤ≥0 where the site builds in phases."""
    m._site_classes = {}
    for s, c in d.site_class:
        m._site_classes.setdefault(s, []).append(c)
    m.shell_new_sites = set(d.shell_sites)
    cap = {s: max(d.facility_limit[(s, t)] for t in d.periods) / d.site[s]["pue_new"] for s in d.shell_sites}
    m.shell_new = pyo.Var(d.shell_sites, m.periods, domain=pyo.NonNegativeReals, bounds=lambda m, s, t: (0, cap[s]))
    phased = [s for s in d.shell_sites if d.shell_phase_mw[s] > 0]
    m.shell_phases = pyo.Var(phased, m.periods, domain=pyo.NonNegativeIntegers,
                             bounds=lambda m, s, t: (0, math.ceil(cap[s] / d.shell_phase_mw[s] - 1e-9)))


def it_kw(m: pyo.ConcreteModel, d: ModelData, s: str, t: int):
    """it_kw[s,t]: IT nameplate kW installed at site s in period t (the existing stock and each new vintage at its own kW
    per PFLOPS, edwc.formulation.constraints.built_kw)."""
    classes = m._site_classes.get(s, [])
    old = sum(d.kw_existing[c] * d.existing_in_service.get((s, c, t), 0.0) for c in classes)
    return old + quicksum(built_kw(m, d, s, c, t) for c in classes if (s, c) in d.buildable)


def shell_mw(m: pyo.ConcreteModel, d: ModelData, s: str, t: int):
    """shell_mw[s,t] = shell_existing[s,t] + Σ_{t' ≤ t} shell_new[s,t']."""
    new = quicksum(m.shell_new[s, tt] for tt in d.periods if tt <= t) if s in m.shell_new_sites else 0.0
    return d.shell_existing.get((s, t), 0.0) + new


def add_shells(m: pyo.ConcreteModel, d: ModelData) -> None:
    """shell_fill[s,t]:   it_kw[s,t] ≤ 1000 · shell_mw[s,t]                       (IT fills built shells);
    shell_ahead[s,t]:  1000 · shell_mw[s,t] ≥ it_kw[s,t] + k[t] · (it_kw[s,t] − it_kw[s,t−1])
                       (shells lead IT by their lead time at the site's fill rate; it_kw before the first period is
                       the existing IT at the stock year; only where build_ahead_years > 0);
    shell_phase[s,t]:  shell_new[s,t] = shell_phase_mw[s] · shell_phases[s,t]   (sites built in phases);
    shell_rate[s,t]:   shell_new[s,t] ≤ (build_mw_per_year[s] + g · shell_mw[s,t−1]) · window[t]   (sites with a build
                       rate; g = build_growth_per_year, shell_mw before the first period = the existing shells: a site
                       builds faster as it grows).
    IT retires in place (it is refreshed in the same shell); shells retire over campus_lifetime_years."""
    prev = dict(zip(d.periods[1:], d.periods[:-1], strict=False))

    def fill(m, s, t):
        return it_kw(m, d, s, t) <= 1000 * shell_mw(m, d, s, t)

    def ahead(m, s, t):
        before = it_kw(m, d, s, prev[t]) if t in prev else d.it_stock_kw.get(s, 0.0)
        now = it_kw(m, d, s, t)
        return 1000 * shell_mw(m, d, s, t) >= now + d.ahead[t] * (now - before)

    m.shell_fill = pyo.Constraint(d.shell_sites, m.periods, rule=fill)
    on = [(s, t) for s in d.shell_sites for t in d.periods if d.ahead[t] > 0]
    m.shell_ahead = pyo.Constraint(on, rule=lambda m, s, t: ahead(m, s, t))
    m.shell_phase = pyo.Constraint(list(m.shell_phases.index_set()),
                                   rule=lambda m, s, t: m.shell_new[s, t] == d.shell_phase_mw[s] * m.shell_phases[s, t])
    rated = [(s, t) for s in d.shell_sites if s in d.build_mw_per_year for t in d.periods]
    def rate(m, s, t):
        before = shell_mw(m, d, s, prev[t]) if t in prev else d.shell_existing.get((s, d.periods[0]), 0.0)
        return m.shell_new[s, t] <= (d.build_mw_per_year[s] + d.build_growth * before) * d.window[t]

    m.shell_rate = pyo.Constraint(rated, rule=rate)


def add_site_power(m: pyo.ConcreteModel, d: ModelData) -> None:
    """site_power[s,t]:  PUE[s] · shell_existing[s,t] + PUE_new[s] · Σ_{t' ≤ t} shell_new[s,t'] ≤ max_facility_mw[s,t]
    (the facility a site's shells take at full IT load, against what exists, is being built and is approved;
    max_facility_mw[s,t] rises linearly from max_facility_mw_start in the first period where that is given)."""
    def rule(m, s, t):
        a = d.site[s]
        new = quicksum(m.shell_new[s, tt] for tt in d.periods if tt <= t)
        return a["pue"] * d.shell_existing.get((s, t), 0.0) + a["pue_new"] * new <= d.facility_limit[(s, t)]

    m.site_power = pyo.Constraint(d.shell_sites, m.periods, rule=rule)


def noload_mwh(m: pyo.ConcreteModel, d: ModelData, s: str, t: int):
    """noload_mwh[s,t] = shell_noload_kw_per_kw · hours_per_year / 1000 · (1000 · shell_mw[s,t] − it_kw[s,t]): the
    draw of empty shell space (transformers, UPS, base cooling and lighting), facility power no PUE multiplies."""
    if d.noload_mwh_per_kw == 0:
        return 0.0
    return d.noload_mwh_per_kw * (1000 * shell_mw(m, d, s, t) - it_kw(m, d, s, t))
