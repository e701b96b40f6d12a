"""Quantities the check derives from the plan tables alone: served, built, installed, energy, emissions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows


@dataclass
class Derived:
    """Quantities the check derives from the plan tables (never from the model)."""

    periods: list[int]
    served: dict[tuple[str, str, int], float]  # (s, c, t) from serve.csv
    built: dict[tuple[str, str, int], float]  # cumulative new PFLOPS, from capacity.csv
    installed: dict[tuple[str, str, int], float]
    open: dict[tuple[str, int], float]
    energy: dict[tuple[str, int], float]  # MWh, recomputed
    emissions: dict[tuple[str, int], float]  # t, recomputed
    cum_wavelengths: dict[tuple[str, int], float]
    scale_pflops: float
    scale_gbps: float
    scale_kw: float


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
    installed = {(s, c, t): existing.get((s, c), 0.0) + built.get((s, c, t), 0.0)
                 for (s, c) in existing for t in periods}
    st = R["sites"]
    opened = {(s, int(t)): float(o) for s, t, o in st[["site", "period", "open"]].itertuples(index=False)}
    fin = cfg.finance
    site = I["sites"].set_index("site")
    kw = I["classes"].set_index("class")["kw_per_pflops"].astype(float)
    energy: dict[tuple[str, int], float] = defaultdict(float)
    for (s, c, t), x in served.items():
        if s in site.index and c in kw.index:
            energy[(s, t)] += x * kw[c] / 1000 * float(site.at[s, "pue"]) * fin.hours_per_year * fin.load_factor
    emissions = {k: e * (1 - float(site.at[k[0], "renewable_share"])) * float(site.at[k[0], "grid_co2_t_per_mwh"])
                 for k, e in energy.items()}
    tr = R["trunks"]
    added = {(l, int(t)): float(w) for l, t, w in tr[["trunk", "period", "wavelengths_added"]].itertuples(index=False)}
    cum = {(l, t): sum(added.get((l, tt), 0.0) for tt in periods if tt <= t) for l in I["trunks"]["trunk"] for t in periods}
    dem = I["demand"]["pflops"].astype(float)
    return Derived(
        periods=periods, served=dict(served), built=built, installed=installed, open=opened,
        energy=dict(energy), emissions=emissions, cum_wavelengths=cum,
        scale_pflops=max([1.0, float(dem.max()) if len(dem) else 0.0, *(abs(v) for v in installed.values())]),
        scale_gbps=max([1.0, *I["trunks"]["capacity_gbps"].astype(float)]),
        scale_kw=max([1.0, *(I["sites"]["max_facility_mw"].astype(float) * 1000)]),
    )
