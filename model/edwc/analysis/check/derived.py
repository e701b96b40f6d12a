"""Quantities the check derives from the plan tables alone: served, built, installed, energy, emissions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from edwc.analysis.check.power import PowerDerived, derive_power
from edwc.analysis.check.readers import Plan, vintaged_classes
from edwc.analysis.check.report import Rows


@dataclass
class Derived:
    """Quantities the check derives from the plan tables (never from the model)."""

    periods: list[int]
    served: dict[tuple[str, str, int], float]  # (s, c, t) from serve.csv
    built: dict[tuple[str, str, int], float]  # cumulative new PFLOPS, from capacity.csv
    installed: dict[tuple[str, str, int], float]
    open: dict[tuple[str, int], float]
    existing: dict[tuple[str, str, int], float]  # existing stock still in service
    served_new: dict[tuple[str, str, int], float]  # from capacity.csv: the part of served on new builds
    energy: dict[tuple[str, int], float]  # MWh, recomputed
    energy_new: dict[tuple[str, int], float]  # MWh of new builds, recomputed
    energy_sc: dict[tuple[str, str, int], float]  # MWh by site and class, recomputed
    energy_new_sc: dict[tuple[str, str, int], float]  # MWh of new builds by site and class, recomputed
    green: dict[tuple[str, int], float]  # green MWh as policy counts it: curtailed + direct + contracts + certificates
    emissions: dict[tuple[str, int], float]  # t on the basis the carbon price and cap act on, recomputed
    cum_wavelengths: dict[tuple[str, int], float]
    buildable: set[tuple[str, str]]
    scale_pflops: float
    scale_gbps: float
    scale_kw: float
    power: PowerDerived
    shell_new: dict[tuple[str, int], float]  # cumulative new shell MW of IT, from sites.csv (a decision)
    shell_existing: dict[tuple[str, int], float]  # existing shells in service, MW of IT
    it_kw: dict[tuple[str, int], float]  # IT nameplate kW installed, recomputed
    it_kw_new_sc: dict[tuple[str, str, int], float]  # IT kW of new builds by site and class, each vintage at its kW
    # vintages (docs/model.md "Vintages and domestic accelerators"): the classes whose kW changes by period, the kW
    # of each (class, built period), PFLOPS added in each period (built grows, never retires), and vintages.csv's work
    vintaged: set[str]
    kw_vintage: dict[tuple[str, int], float]
    added: dict[tuple[str, str, int], float]
    served_vintage: dict[tuple[str, str, int, int], float]  # (s, c, built period, period)
    noload: dict[tuple[str, int], float]  # MWh of empty shell space, recomputed (inside energy)


def shell_existing(p: Plan, periods: list[int]) -> dict[tuple[str, int], float]:
    """Existing shells in service: existing_shell_mw, retiring over campus_lifetime_years when the stock retires."""
    cfg, site = p.cfg, p.inst["sites"]
    life, retires = cfg.finance.campus_lifetime_years, cfg.capacity.existing_retires
    return {(s, t): float(v) * (max(0.0, 1 - (t - periods[0]) / life) if retires else 1.0)
            for s, v in zip(site["site"], site["existing_shell_mw"].astype(float), strict=True) for t in periods}


def derive(p: Plan, r: Rows) -> Derived:
    cfg, I, R = p.cfg, p.inst, p.res
    periods = list(cfg.periods)
    wclass = dict(zip(I["workloads"]["workload"], I["workloads"]["class"], strict=True))
    served: dict[tuple[str, str, int], float] = defaultdict(float)
    for s, w, t, x in R["serve"][["site", "workload", "period", "pflops"]].itertuples(index=False):
        served[(s, wclass.get(w, "?"), int(t))] += float(x)
    cap = R["capacity"]
    built = {(s, c, int(t)): float(b) for s, c, t, b in cap[["site", "class", "period", "built_pflops"]].itertuples(index=False)}
    sc = I["site_classes"]
    existing = {(s, c): float(e) for s, c, e in sc[["site", "class", "existing_pflops"]].itertuples(index=False)}
    cl = I["classes"].set_index("class")
    life = cl["lifetime_years"].astype(float)
    retires = cfg.capacity.existing_retires
    ex_t = {(s, c, t): e * (max(0.0, 1 - (t - periods[0]) / float(life[c])) if retires else 1.0)
            for (s, c), e in existing.items() for t in periods}
    installed = {(s, c, t): ex_t[(s, c, t)] + built.get((s, c, t), 0.0) for (s, c) in existing for t in periods}
    snew = {(s, c, int(t)): float(x) for s, c, t, x in cap[["site", "class", "period", "served_new_pflops"]].itertuples(index=False)}
    st = R["sites"]
    opened = {(s, int(t)): float(o) for s, t, o in st[["site", "period", "open"]].itertuples(index=False)}
    fin = cfg.finance
    site = I["sites"].set_index("site")
    # energy: a fully used PFLOPS draws kW x PUE x hours x load factor; installed IT draws idle_share of that
    # whether used or not, the rest only when used; existing and new builds each at their own kW and PUE
    full = fin.hours_per_year * fin.load_factor / 1000
    i = fin.idle_share
    energy: dict[tuple[str, int], float] = defaultdict(float)
    energy_new: dict[tuple[str, int], float] = defaultdict(float)
    energy_sc: dict[tuple[str, str, int], float] = {}
    energy_new_sc: dict[tuple[str, str, int], float] = {}
    vintaged = vintaged_classes(I["classes"], periods)
    change = cl["kw_change_per_year"].astype(float).fillna(0.0) if "kw_change_per_year" in cl else None
    kw_v = {(c, t): float(cl.at[c, "kw_per_pflops"]) * (1 + float(change[c])) ** (t - periods[0])
            for c in vintaged for t in periods} if change is not None else {}
    added_v = {(s, c, t): built.get((s, c, t), 0.0) - (built.get((s, c, prev), 0.0) if prev is not None else 0.0)
             for (s, c) in existing for t, prev in zip(periods, [None, *periods[:-1]], strict=True)}
    vt = R.get("vintages")
    sv = ({} if vt is None else
          {(s, c, int(tb), int(t)): float(x) for s, c, tb, t, x in
           vt[["site", "class", "built_period", "period", "served_new_pflops"]].itertuples(index=False)})
    for (s, c, t) in installed:
        if s not in site.index or c not in cl.index:
            continue
        e_new = float(cl.at[c, "kw_per_pflops"]) * float(site.at[s, "pue_new"]) * full
        e_ex = float(cl.at[c, "kw_per_pflops_existing"]) * float(site.at[s, "pue"]) * full
        b, x, xn = built.get((s, c, t), 0.0), served.get((s, c, t), 0.0), snew.get((s, c, t), 0.0)
        if c in vintaged:  # each vintage at its own kW: e_new · (1 + change)^(t' − t0) · (i · added + (1 − i) · its work)
            new = sum(kw_v[(c, tb)] * float(site.at[s, "pue_new"]) * full
                      * (i * added_v.get((s, c, tb), 0.0) + (1 - i) * sv.get((s, c, tb, t), 0.0)) for tb in periods if tb <= t)
        else:
            new = e_new * (i * b + (1 - i) * xn)
        energy_new_sc[(s, c, t)] = new
        energy_sc[(s, c, t)] = new + e_ex * (i * ex_t[(s, c, t)] + (1 - i) * (x - xn))
        energy[(s, t)] += energy_sc[(s, c, t)]
        energy_new[(s, t)] += new
    kw_ex, kw_new = cl["kw_per_pflops_existing"].astype(float), cl["kw_per_pflops"].astype(float)
    itk: dict[tuple[str, int], float] = defaultdict(float)
    itk_new: dict[tuple[str, str, int], float] = {}
    for (s, c, t), e in ex_t.items():
        if c in cl.index:
            itk_new[(s, c, t)] = (sum(kw_v[(c, tb)] * added_v.get((s, c, tb), 0.0) for tb in periods if tb <= t)
                                  if c in vintaged else kw_new[c] * built.get((s, c, t), 0.0))
            itk[(s, t)] += kw_ex[c] * e + itk_new[(s, c, t)]
    sh_ex = shell_existing(p, periods)
    sh_new = {(s, int(t)): float(x) for s, t, x in st[["site", "period", "shell_mw_new"]].itertuples(index=False)}
    n = cfg.capacity.shell_noload_kw_per_kw * fin.hours_per_year / 1000  # MWh a year per empty kW
    noload = {k: n * max(0.0, 1000 * (v + sh_new.get(k, 0.0)) - itk.get(k, 0.0)) for k, v in sh_ex.items()}
    for k, v in noload.items():
        energy[k] += v
    pv = derive_power(p, energy)
    green = {k: pv.green(k) for k in pv.grid}
    emissions = pv.emissions if p.cfg.power.emissions_basis == "location" else pv.emissions_market
    tr = R["trunks"]
    added = {(l, int(t)): float(w) for l, t, w in tr[["trunk", "period", "wavelengths_added"]].itertuples(index=False)}
    cum = {(l, t): sum(added.get((l, tt), 0.0) for tt in periods if tt <= t) for l in I["trunks"]["trunk"] for t in periods}
    dem = I["demand"]["pflops"].astype(float)
    return Derived(
        periods=periods, served=dict(served), built=built, installed=installed, open=opened, existing=ex_t,
        served_new=snew, energy=dict(energy), energy_new=dict(energy_new), energy_sc=energy_sc,
        energy_new_sc=energy_new_sc, green=green, emissions=emissions, cum_wavelengths=cum, power=pv,
        shell_new=sh_new, shell_existing=sh_ex, it_kw=dict(itk), noload=noload, it_kw_new_sc=itk_new,
        vintaged=vintaged, kw_vintage=kw_v, added=added_v, served_vintage=sv,
        buildable={(s, c) for s, c, m in sc[["site", "class", "max_modules"]].itertuples(index=False) if m > 0},
        scale_pflops=max([1.0, float(dem.max()) if len(dem) else 0.0, *(abs(v) for v in installed.values())]),
        scale_gbps=max([1.0, *I["trunks"]["capacity_gbps"].astype(float)]),
        scale_kw=max([1.0, *(I["sites"]["max_facility_mw"].astype(float) * 1000)]),
    )
