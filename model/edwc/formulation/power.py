"""The power side (算电协同): how each site is supplied, slice by slice, and how green power and emissions count.

Notation as in constraints.py, plus k a time slice (typical day d, step j) standing for W[k] hours of the
year and lasting τ[k] hours; p(s) the province of site s; cf[g,s,k] the per-unit output of technology g on
p(s)'s profile. Power is in MW, energy in MWh a year.

Supply options at site s (each with its cost in objective.py and its emissions below):
  grid[s,t,k]       grid power at the site's delivered price, location factor grid_co2[s];
  curtailed[s,t,k]  the province's curtailed renewables (a shared pool), physically zero-carbon;
  direct PV / wind  cap[s,g,t] MW built at the site (绿电直连), output cap · cf, spill[s,t,k] unused;
  battery           battery_mwh[s,t] of storage with charge / discharge, cyclic within each typical day;
  green_mwh[s,t]    绿电交易: grid MWh bought as traded green power (a premium, capped per region);
  gec_mwh[s,t]      绿证: certificates for grid MWh (their traded price).
Certificates and contracts change market-based emissions only; location-based emissions are grid MWh times
the provincial factor whatever is bought.

Sites with nothing that varies by the hour (no direct supply, no curtailed pool in their province, no movable
work) get no slice variables: their grid MWh is their energy.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.constraints import installed, serve_vars, served
from edwc.formulation.data import ModelData
from edwc.formulation.power_data import DIRECT_TECHS, PowerData
from edwc.input.schema import Power


def hourly_sites(d: ModelData, pd_: PowerData) -> list[str]:
    """Sites with a slice balance: direct supply, a curtailed pool in their province, movable work, or grid prices or
    factors that vary by the hour (a power model's, read back)."""
    flex_sites = {s for s, _w in pd_.flex}
    return [s for s in d.sites if s in pd_.direct_sites or pd_.province[s] in pd_.curtailed_mw or s in flex_sites
            or s in pd_.grid_price or s in pd_.grid_co2]


def add_power_variables(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power) -> None:
    """grid, curtailed (MW) per hourly site and slice; direct_build[s,g,t], battery_build[s,t] (MW, MWh built in
    period t); spill, charge, discharge (MW) and soc (MWh) per direct site and slice; flex_run[s,w,t,k] (PFLOPS
    of movable work running in slice k); gec_mwh[s,t] (certificates, MWh); has_direct[s,t] ∈ {0,1} (650号)."""
    hs = hourly_sites(d, pd_)
    m.slices = pyo.Set(initialize=pd_.ts.slices, dimen=2, ordered=True)
    m.hourly_sites = pyo.Set(initialize=hs, ordered=True)
    m.grid_mw = pyo.Var(m.hourly_sites, m.periods, m.slices, domain=pyo.NonNegativeReals)
    curt = [s for s in hs if pd_.province[s] in pd_.curtailed_mw]
    m.curtailed_sites = pyo.Set(initialize=curt, ordered=True)
    m.curtailed_mw = pyo.Var(m.curtailed_sites, m.periods, m.slices, domain=pyo.NonNegativeReals)
    m.direct_sites = pyo.Set(initialize=pd_.direct_sites, ordered=True)
    techs = [(s, g) for s in pd_.direct_sites for g in DIRECT_TECHS if (g, s) in pd_.cf]
    m.direct_techs = pyo.Set(initialize=techs, dimen=2, ordered=True)
    m.direct_build = pyo.Var(m.direct_techs, m.periods, domain=pyo.NonNegativeReals,
                             bounds=lambda m, s, g, t: (0, pd_.direct_mw_max[s]))
    m.battery_build = pyo.Var(m.direct_sites, m.periods, domain=pyo.NonNegativeReals)
    for name in ("spill_mw", "charge_mw", "discharge_mw", "soc_mwh"):
        setattr(m, name, pyo.Var(m.direct_sites, m.periods, m.slices, domain=pyo.NonNegativeReals))
    if pw.direct.rules:
        m.has_direct = pyo.Var(m.direct_sites, m.periods, domain=pyo.Binary)
    m.flex_pairs = pyo.Set(initialize=pd_.flex, dimen=2, ordered=True)
    m.flex_run = pyo.Var(m.flex_pairs, m.periods, m.slices, domain=pyo.NonNegativeReals)
    if pw.certificate_cny_per_mwh is not None:
        m.gec_mwh = pyo.Var(m.sites, m.periods, domain=pyo.NonNegativeReals)


def direct_mw(m: pyo.ConcreteModel, d: ModelData, s: str, g: str, t: int):
    """cap[s,g,t] = Σ_{t' ≤ t} direct_build[s,g,t']  (direct supply outlives the horizon: no retirement)."""
    if (s, g) not in m.direct_techs:
        return 0.0
    return quicksum(m.direct_build[s, g, tt] for tt in d.periods if tt <= t)


def battery_mwh(m: pyo.ConcreteModel, d: ModelData, s: str, t: int):
    """E[s,t] = Σ_{t' ≤ t} battery_build[s,t']."""
    return quicksum(m.battery_build[s, tt] for tt in d.periods if tt <= t)


def direct_available(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, s: str, t: int, k):
    """avail[s,t,k] = Σ_g cap[s,g,t] · cf[g,s,k]  (MW the site's own PV and wind can give in slice k)."""
    return quicksum(direct_mw(m, d, s, g, t) * pd_.cf[(g, s)][k] for g in DIRECT_TECHS if (g, s) in pd_.cf)


def flexible_pflops(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, s: str, w: str, t: int):
    """f[s,w,t] = φ[w] · Σ_r serve[r,s,w,t]  (the movable part of workload w's work at s, PFLOPS on average)."""
    sv = serve_vars(m)
    return pd_.flex_share[w] * quicksum(sv[r, s, w, t] for (r, ww) in d.serve_by_sct.get((s, d.workload_class[w], t), [])
                                        if ww == w)


def load_mw(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, s: str, t: int, k):
    """load[s,t,k] = flat_load_mw[s,t] + Σ_{w movable at s} ρ[s,w,t] · (flex_run[s,w,t,k] − f[s,w,t]),
    flat_load_mw = energy_mwh / H (H = hours_per_year; flat_load_def), ρ[s,w,t] the facility MW per PFLOPS of running
    work ((1 − idle) · kW · PUE · load factor; kW of the period's new vintage where the site builds the class).
    Each day's movable work is kept (flexible_work_day), so Σ_k W[k] · load = energy_mwh."""
    swing = quicksum(pd_.flex_mw_per_pflops[(s, w, t)] * (m.flex_run[s, w, t, k] - m.flex_f[s, w, t])
                     for (ss, w) in pd_.flex if ss == s)
    return m.flat_load_mw[s, t] + swing


def add_flat_load(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """flat_load_def[s,t]:  H · flat_load_mw[s,t] = energy_mwh[s,t]  (one row per hourly site: every slice's balance
    then reads one variable instead of the site's whole energy expression, ~150 terms)."""
    m.flat_load_mw = pyo.Var(m.hourly_sites, m.periods, domain=pyo.NonNegativeReals)
    m.flat_load_def = pyo.Constraint(m.hourly_sites, m.periods, rule=lambda m, s, t: (
        pd_.hours_per_year * m.flat_load_mw[s, t] == m.energy_mwh[s, t]))


def add_flexible_work(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """For each movable (s, w), period t and typical day d:
    flexible_work_day[s,w,t,d]:  Σ_{k ∈ d} τ[k] · flex_run[s,w,t,k] = 24 · f[s,w,t]   (the day's work is done that day);
    flexible_window[s,w,t,k]:    −window[w] · f ≤ Σ_{j ≤ k in d} τ[j] · (f − flex_run[s,w,t,j]) ≤ window[w] · f
                                 (work runs at most window[w] hours late or early; only where window < 24 h);
    with the definition flex_f_def: f[s,w,t] = φ[w] · Σ_r serve[r,s,w,t] (one row, so the slice rows stay short).
    A workload whose movable work may also move between sites (PowerData.flex_groups) has its day and window rows
    over the sum of its sites instead (add_flexible_across_sites)."""
    ts = pd_.ts
    m.flex_f = pyo.Var(m.flex_pairs, m.periods, domain=pyo.NonNegativeReals)
    m.flex_f_def = pyo.Constraint(m.flex_pairs, m.periods, rule=lambda m, s, w, t: (
        m.flex_f[s, w, t] == flexible_pflops(m, d, pd_, s, w, t)))
    m.flex_days = pyo.Set(initialize=ts.days, ordered=True)
    alone = [(s, w) for (s, w) in pd_.flex if w not in pd_.flex_groups]

    def day_rule(m, s, w, t, day):
        return quicksum(ts.hours[k] * m.flex_run[s, w, t, k] for k in ts.of_day(day)) == 24 * m.flex_f[s, w, t]

    m.flexible_work_day = pyo.Constraint(alone, m.periods, m.flex_days, rule=day_rule)

    def backlog(m, s, w, t, k):
        steps = ts.of_day(k[0])
        return quicksum(ts.hours[j] * (m.flex_f[s, w, t] - m.flex_run[s, w, t, j]) for j in steps[: steps.index(k) + 1])

    win = [(s, w) for (s, w) in alone if pd_.flex_window_h[w] < 24]
    m.flexible_window_late = pyo.Constraint(win, m.periods, m.slices, rule=lambda m, s, w, t, *k: (
        backlog(m, s, w, t, tuple(k)) <= pd_.flex_window_h[w] * m.flex_f[s, w, t]))
    m.flexible_window_early = pyo.Constraint(win, m.periods, m.slices, rule=lambda m, s, w, t, *k: (
        backlog(m, s, w, t, tuple(k)) >= -pd_.flex_window_h[w] * m.flex_f[s, w, t]))
    add_flexible_across_sites(m, d, pd_)

def add_flexible_across_sites(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """Movable work that may run at another site in another hour (a workload with no latency limit, G[w] its sites):
    flexible_work_day_across[w,t,d]:  Σ_{s ∈ G[w]} Σ_{k ∈ d} τ[k] · flex_run[s,w,t,k] = 24 · Σ_{s ∈ G[w]} f[s,w,t]
                                      (the day's work of w is done that day, somewhere);
    flexible_site_year[s,w,t]:        Σ_k W[k] · flex_run[s,w,t,k] = H · f[s,w,t]
                                      (each site still does its year's work: serve, trunks and energy_mwh hold);
    flexible_window_across_late/early[w,t,k]: −window[w] · F ≤ Σ_{j ≤ k in d} τ[j] · Σ_s (f − flex_run[s,w,t,j]) ≤
                                      window[w] · F, F = Σ_s f[s,w,t] (only where window < 24 h).
    Trunks stay sized on each period's mean traffic, as for work moved in time at one site."""
    ts, groups = pd_.ts, pd_.flex_groups
    ws = sorted(groups)
    m.flex_groups = pyo.Set(initialize=ws, ordered=True)

    def total_f(m, w, t):
        return quicksum(m.flex_f[s, w, t] for s in groups[w])

    def run(m, w, t, k):
        return quicksum(m.flex_run[s, w, t, k] for s in groups[w])

    m.flexible_work_day_across = pyo.Constraint(m.flex_groups, m.periods, m.flex_days, rule=lambda m, w, t, day: (
        quicksum(ts.hours[k] * run(m, w, t, k) for k in ts.of_day(day)) == 24 * total_f(m, w, t)))
    pairs = [(s, w) for w in ws for s in groups[w]]
    m.flexible_site_year = pyo.Constraint(pairs, m.periods, rule=lambda m, s, w, t: (
        quicksum(pd_.W[k] * m.flex_run[s, w, t, k] for k in ts.slices) == pd_.hours_per_year * m.flex_f[s, w, t]))

    def backlog(m, w, t, k):
        steps = ts.of_day(k[0])
        return quicksum(ts.hours[j] * (total_f(m, w, t) - run(m, w, t, j)) for j in steps[: steps.index(k) + 1])

    win = [w for w in ws if pd_.flex_window_h[w] < 24]
    m.flexible_window_across_late = pyo.Constraint(win, m.periods, m.slices, rule=lambda m, w, t, *k: (
        backlog(m, w, t, tuple(k)) <= pd_.flex_window_h[w] * total_f(m, w, t)))
    m.flexible_window_across_early = pyo.Constraint(win, m.periods, m.slices, rule=lambda m, w, t, *k: (
        backlog(m, w, t, tuple(k)) >= -pd_.flex_window_h[w] * total_f(m, w, t)))


def add_hourly_capacity(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """hourly_capacity[s,c,t,k]: fixed_run[s,c,t] + Σ_{w ∈ c} flex_run[s,w,t,k] ≤ installed[s,c,t], with
    fixed_run_def[s,c,t]: fixed_run = served[s,c,t] − Σ_{w ∈ c} f[s,w,t] (the work that runs flat)."""
    by_sc: dict[tuple[str, str], list[str]] = {}
    for s, w in pd_.flex:
        by_sc.setdefault((s, d.workload_class[w]), []).append(w)

    m.fixed_run = pyo.Var(sorted(by_sc), m.periods, domain=pyo.NonNegativeReals)
    m.fixed_run_def = pyo.Constraint(sorted(by_sc), m.periods, rule=lambda m, s, c, t: (
        m.fixed_run[s, c, t] == served(m, d, s, c, t) - quicksum(m.flex_f[s, w, t] for w in by_sc[(s, c)])))
    installed_at = {(s, c, t): installed(m, d, s, c, t) for (s, c) in by_sc for t in d.periods}

    def cap_rule(m, s, c, t, *k):
        return m.fixed_run[s, c, t] + quicksum(m.flex_run[s, w, t, tuple(k)] for w in by_sc[(s, c)]) <= installed_at[(s, c, t)]

    m.hourly_capacity = pyo.Constraint(sorted(by_sc), m.periods, m.slices, rule=cap_rule)


def add_power_balance(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """power_balance[s,t,k]:  grid + curtailed + avail − spill + discharge − charge = load[s,t,k]  (MW, each hourly site).
    spill_within[s,t,k]:      spill + charge ≤ avail   (the battery charges from the site's own PV and wind only)."""
    direct = set(pd_.direct_sites)
    curt = set(m.curtailed_sites)

    def rule(m, s, t, *k):
        k = tuple(k)
        supply = m.grid_mw[s, t, k] + (m.curtailed_mw[s, t, k] if s in curt else 0.0)
        if s in direct:
            supply = (supply + direct_available(m, d, pd_, s, t, k) - m.spill_mw[s, t, k]
                      + m.discharge_mw[s, t, k] - m.charge_mw[s, t, k])
        return supply == load_mw(m, d, pd_, s, t, k)

    m.power_balance = pyo.Constraint(m.hourly_sites, m.periods, m.slices, rule=rule)
    m.spill_within = pyo.Constraint(m.direct_sites, m.periods, m.slices, rule=lambda m, s, t, *k: (
        m.spill_mw[s, t, tuple(k)] + m.charge_mw[s, t, tuple(k)] <= direct_available(m, d, pd_, s, t, tuple(k))))


def add_curtailed_pool(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData) -> None:
    """curtailed_pool[p,t,k]:  Σ_{s in province p} curtailed[s,t,k] ≤ curtailed_mw[p,k]  (the base year's curtailment)."""
    by_p: dict[str, list[str]] = {}
    for s in m.curtailed_sites:
        by_p.setdefault(pd_.province[s], []).append(s)
    m.curtailed_pool = pyo.Constraint(sorted(by_p), m.periods, m.slices, rule=lambda m, p, t, *k: (
        quicksum(m.curtailed_mw[s, t, tuple(k)] for s in by_p[p]) <= pd_.curtailed_mw[p][tuple(k)]))


def add_battery(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power) -> None:
    """With η = √(round-trip efficiency) and k⁻ the step before k in the same day (the last step for the first):
    battery_soc[s,t,k]:     soc[k] = soc[k⁻] + τ[k] · (η · charge[k] − discharge[k] / η)   (cyclic within each day);
    battery_energy[s,t,k]:  soc[k] ≤ E[s,t];
    battery_power[s,t,k]:   charge[k] + discharge[k] ≤ E[s,t] / battery_hours."""
    ts, dr = pd_.ts, pw.direct
    eta = dr.battery_efficiency ** 0.5
    prev = {}
    for day in ts.days:
        steps = ts.of_day(day)
        for j, k in enumerate(steps):
            prev[k] = steps[j - 1]

    def soc_rule(m, s, t, *k):
        k = tuple(k)
        return m.soc_mwh[s, t, k] == m.soc_mwh[s, t, prev[k]] + ts.hours[k] * (
            eta * m.charge_mw[s, t, k] - m.discharge_mw[s, t, k] / eta)

    m.battery_soc = pyo.Constraint(m.direct_sites, m.periods, m.slices, rule=soc_rule)
    m.battery_energy = pyo.Constraint(m.direct_sites, m.periods, m.slices, rule=lambda m, s, t, *k: (
        m.soc_mwh[s, t, tuple(k)] <= battery_mwh(m, d, s, t)))
    m.battery_power = pyo.Constraint(m.direct_sites, m.periods, m.slices, rule=lambda m, s, t, *k: (
        m.charge_mw[s, t, tuple(k)] + m.discharge_mw[s, t, tuple(k)] <= battery_mwh(m, d, s, t) / dr.battery_hours))


def add_direct_rules(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power) -> None:
    """direct_limit[s,t]:  Σ_g cap[s,g,t] ≤ direct_mw_max[s] · has_direct[s,t]  (has_direct ≡ 1 with the rules off).
    With the 650号 rules on (power.direct.rules):
    direct_self_use[s,t]:   Σ_k W · spill ≤ (1 − self_use_min) · Σ_k W · avail   (≥ 60 % of the output used on site);
    direct_load_share[s,t]: direct_to_load_mwh[s,t] ≥ share(t) · energy_mwh[s,t] − M[s] · (1 − has_direct[s,t])
                            (≥ 30 % of the site's MWh, ≥ 35 % from 2030; M[s] = share · max_facility_mw · H, the
                            least that is never binding: the site never uses more than max_facility_mw all year)."""
    dr = pw.direct
    W = pd_.W

    def limit(m, s, t):
        cap = quicksum(direct_mw(m, d, s, g, t) for g in DIRECT_TECHS)
        return cap <= pd_.direct_mw_max[s] * (m.has_direct[s, t] if dr.rules else 1)

    m.direct_limit = pyo.Constraint(m.direct_sites, m.periods, rule=limit)
    if not dr.rules:
        return
    m.direct_self_use = pyo.Constraint(m.direct_sites, m.periods, rule=lambda m, s, t: (
        quicksum(W[k] * m.spill_mw[s, t, k] for k in m.slices)
        <= (1 - dr.self_use_min) * quicksum(W[k] * direct_available(m, d, pd_, s, t, k) for k in m.slices)))

    def share(m, s, t):
        need = dr.load_share_min_2030 if t >= 2030 else dr.load_share_min
        most = max(d.facility_limit.get((s, tt), d.site[s]["max_facility_mw"]) for tt in d.periods)
        big = need * most * pd_.hours_per_year  # share x the most the site can use: tight
        return m.direct_to_load_mwh[s, t] >= need * m.energy_mwh[s, t] - big * (1 - m.has_direct[s, t])

    m.direct_load_share = pyo.Constraint(m.direct_sites, m.periods, rule=share)


def add_power_accounting(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power) -> None:
    """Yearly MWh per site and period (W[k] the hours slice k stands for):
    grid_mwh = Σ_k W · grid (= energy_mwh at a site without slices);  curtailed_mwh = Σ_k W · curtailed;
    direct_to_load_mwh = Σ_k W · (avail − spill − charge + discharge);
    green_claims[s,t]:  green_mwh + gec_mwh ≤ grid_mwh   (contracts and certificates cover grid MWh only);
    green_trade_cap[r,t]:  Σ_{s in r} green_mwh[s,t] ≤ green_trade_mwh_max[r];
    green_total_mwh = curtailed_mwh + direct_to_load_mwh + green_mwh + gec_mwh  (green as policy counts it);
    emissions_t (location-based) = grid_co2[s] · grid_mwh  (Σ_k W · co2[s,k] · grid where a power model's hourly
                                   factors are read back);
    emissions_market_t = residual_co2 · (grid_mwh − green_mwh − gec_mwh)."""
    W = pd_.W
    hs, curt, direct = set(m.hourly_sites), set(m.curtailed_sites), set(pd_.direct_sites)
    gec = (lambda s, t: m.gec_mwh[s, t]) if hasattr(m, "gec_mwh") else (lambda s, t: 0.0)

    m.grid_mwh = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        quicksum(W[k] * m.grid_mw[s, t, k] for k in m.slices) if s in hs else m.energy_mwh[s, t]))
    m.curtailed_mwh = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        quicksum(W[k] * m.curtailed_mw[s, t, k] for k in m.slices) if s in curt else 0.0))
    m.direct_to_load_mwh = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        quicksum(W[k] * (direct_available(m, d, pd_, s, t, k) - m.spill_mw[s, t, k] - m.charge_mw[s, t, k]
                         + m.discharge_mw[s, t, k]) for k in m.slices) if s in direct else 0.0))
    m.green_claims = pyo.Constraint(m.sites, m.periods, rule=lambda m, s, t: (
        m.green_mwh[s, t] + gec(s, t) <= m.grid_mwh[s, t]))
    capped = sorted(r for r in pd_.trade_cap if r in pd_.region_sites)
    m.green_trade_cap = pyo.Constraint(capped, m.periods, rule=lambda m, r, t: (
        quicksum(m.green_mwh[s, t] for s in pd_.region_sites[r]) <= pd_.trade_cap[r]))
    m.green_total_mwh = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        m.curtailed_mwh[s, t] + m.direct_to_load_mwh[s, t] + m.green_mwh[s, t] + gec(s, t)))
    m.emissions_t = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        quicksum(W[k] * pd_.grid_co2[s][k] * m.grid_mw[s, t, k] for k in m.slices) if s in pd_.grid_co2
        else d.site[s]["grid_co2_t_per_mwh"] * m.grid_mwh[s, t]))
    m.emissions_market_t = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: (
        pw.residual_co2_t_per_mwh * (m.grid_mwh[s, t] - m.green_mwh[s, t] - gec(s, t))))
    basis = m.emissions_t if pw.emissions_basis == "location" else m.emissions_market_t
    m.emissions_basis_t = pyo.Expression(m.sites, m.periods, rule=lambda m, s, t: basis[s, t])


def power_costs(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power, premium_cny_per_kwh: float,
                t: int) -> dict[str, Any]:
    """Yearly CNY of period t:
    energy        = Σ_s 1000 · price[s] · grid_mwh + 1000 · curtailed_price · curtailed_mwh  (Σ_k W · price[s,k] · grid
                    where a power model's hourly prices are read back);
    green_power   = Σ_s 1000 · premium · green_mwh + certificate_price · gec_mwh;
    direct_supply = Σ_{s,g} (annuity(life) + om) · 1000 · capex[g] · cap[s,g,t]
                    + (annuity(battery life) + om) · 1000 · battery_capex · E[s,t] + 1000 · charges · direct_to_load_mwh."""
    dr = pw.direct
    cp = 1000 * (pw.curtailed_cny_per_kwh or 0.0)
    capex = {"solar": dr.pv_capex_cny_per_kw, "onwind": dr.wind_capex_cny_per_kw}
    out: dict[str, Any] = {}
    def grid_cost(s: str):
        if s in pd_.grid_price:  # a power model's hourly prices, read back
            return quicksum(1000 * pd_.W[k] * pd_.grid_price[s][k] * m.grid_mw[s, t, k] for k in m.slices)
        return 1000 * d.site[s]["power_price_cny_per_kwh"] * m.grid_mwh[s, t]

    out["energy"] = quicksum(grid_cost(s) + cp * m.curtailed_mwh[s, t] for s in d.sites)
    gec = quicksum(pw.certificate_cny_per_mwh * m.gec_mwh[s, t] for s in d.sites) if hasattr(m, "gec_mwh") else 0.0
    out["green_power"] = quicksum(1000 * premium_cny_per_kwh * m.green_mwh[s, t] for s in d.sites) + gec
    out["direct_supply"] = (
        quicksum(pd_.annuity_direct * 1000 * capex[g] * direct_mw(m, d, s, g, t) for (s, g) in m.direct_techs)
        + quicksum(pd_.annuity_battery * 1000 * dr.battery_capex_cny_per_kwh * battery_mwh(m, d, s, t) for s in m.direct_sites)
        + quicksum(1000 * dr.charges_cny_per_kwh * m.direct_to_load_mwh[s, t] for s in m.direct_sites))
    return out


def add_power(m: pyo.ConcreteModel, d: ModelData, pd_: PowerData, pw: Power) -> None:
    """Every power-side family, after energy_mwh exists (objective.add_energy) and before the policies."""
    add_power_variables(m, d, pd_, pw)
    add_flat_load(m, d, pd_)
    add_flexible_work(m, d, pd_)
    add_hourly_capacity(m, d, pd_)
    add_power_balance(m, d, pd_)
    add_curtailed_pool(m, d, pd_)
    add_battery(m, d, pd_, pw)
    add_power_accounting(m, d, pd_, pw)
    add_direct_rules(m, d, pd_, pw)
