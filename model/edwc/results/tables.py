"""Turn a solved model into the result tables and KPIs of docs/formats.md, and write them atomically."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from edwc.errors import UnreadableFolder
from edwc.formulation.data import SCALE, ModelData
from edwc.formulation.objective import COST_PARTS
from edwc.input.instance import Instance
from edwc.network.routes import routes, trunk_table
from edwc.results.folders import write_atomically  # noqa: F401  (re-exported: callers import it from here)
from edwc.results.spreadsheet import write_csv

RESULT_VERSION = 1
TABLE_FILES = ("capacity", "sites", "serve", "unmet", "trunks", "kpis")


@dataclass
class Result:
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _val(x) -> float:
    """Value of a variable or expression; every quantity here is >= 0, so solver noise like -1e-12 reads as 0."""
    v = pyo.value(x, exception=False)
    return 0.0 if v is None else max(0.0, float(v))


def _cum(var, key, t, periods) -> float:
    return sum(_val(var[(*key, tt)]) for tt in periods if tt <= t)


def extract(inst: Instance, m: pyo.ConcreteModel, d: ModelData) -> dict[str, pd.DataFrame]:
    T = d.periods
    rint = lambda x: float(round(x))  # noqa: E731  integer variables come back as 0.9999999
    serve = pd.DataFrame(
        [(r, s, w, t, _val(m.serve[r, s, w, t]), d.rtt[(r, s)]) for (r, s, w, t) in d.serve_index],
        columns=["region", "site", "workload", "period", "pflops", "rtt_ms"],
    )
    serve = serve[serve["pflops"] > 1e-7].reset_index(drop=True)
    serve["class"] = serve["workload"].map(d.workload_class)

    dem = inst.demand[["region", "workload", "period"]].copy()
    dem["pflops"] = [_val(m.unmet[k]) if k in d.demand else 0.0 for k in zip(dem["region"], dem["workload"], dem["period"], strict=False)]
    unmet = dem

    cap_rows = []
    for (s, c) in d.site_class:
        for t in T:
            built = d.module_pflops[c] * rint(_cum(m.modules, (s, c), t, T)) if (s, c) in d.buildable else 0.0
            ex = d.existing.get((s, c), 0.0)
            cap_rows.append((s, c, t, ex, built, ex + built))
    capacity = pd.DataFrame(cap_rows, columns=["site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops"])
    srv = serve.groupby(["site", "class", "period"])["pflops"].sum().rename("served_pflops")
    capacity = capacity.merge(srv, on=["site", "class", "period"], how="left").fillna({"served_pflops": 0.0})
    capacity["utilisation"] = np.where(capacity["installed_pflops"] > 0, capacity["served_pflops"] / capacity["installed_pflops"].where(capacity["installed_pflops"] > 0, 1), np.nan)

    site_rows = []
    for s in d.sites:
        a = d.site[s]
        prev_open = 0.0
        for t in T:
            is_open = rint(_val(m.open[s, t])) if s in d.candidates else 1.0
            cap_st = capacity[(capacity["site"] == s) & (capacity["period"] == t)]
            it_mw = float((cap_st["installed_pflops"] * cap_st["class"].map(d.kw_per_pflops)).sum()) / 1000
            energy = _val(m.energy_mwh[s, t])
            site_rows.append((s, t, a["hub"], a["side"], int(is_open), int(s in d.candidates and is_open > prev_open),
                              it_mw, it_mw * a["pue"], energy, energy * (1 - a["renewable_share"]) * a["grid_co2_t_per_mwh"]))
            prev_open = is_open
    sites = pd.DataFrame(site_rows, columns=["site", "period", "hub", "side", "open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "emissions_t"])

    trunks = _trunk_loads(inst, m, d, serve)
    return {"capacity": capacity, "sites": sites, "serve": serve.drop(columns="class"), "unmet": unmet, "trunks": trunks}


def _trunk_loads(inst: Instance, m: pyo.ConcreteModel, d: ModelData, serve: pd.DataFrame) -> pd.DataFrame:
    """load_gbps of every trunk and period from the routed flows."""
    paths = routes(inst).paths
    load: dict[tuple[str, int], float] = {}
    gb = serve.assign(gbps=serve["pflops"] * serve["workload"].map(d.gbps))
    for (r, s, t), g in gb.groupby(["region", "site", "period"])["gbps"].sum().items():
        for l in paths[(r, s)]:
            load[(l, t)] = load.get((l, t), 0.0) + g
    rows = []
    tt = trunk_table(inst)
    for row in tt.itertuples(index=False):
        l, a, b = row[0], row[1], row[2]
        for t in d.periods:
            added = float(round(_val(m.wavelengths[l, t]))) if l in d.trunks else 0.0
            cum = float(round(_cum(m.wavelengths, (l,), t, d.periods))) if l in d.trunks else 0.0
            cap = float(row.capacity_gbps) + float(row.module_gbps) * cum
            ld = load.get((l, t), 0.0)
            rows.append((l, t, a, b, float(row.length_km), ld, cap, int(added), ld / cap if cap > 0 else np.nan))
    return pd.DataFrame(rows, columns=["trunk", "period", "from", "to", "length_km", "load_gbps", "capacity_gbps", "wavelengths_added", "utilisation"])


def _weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    if weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values.to_numpy(), kind="stable")
    v, w = values.to_numpy()[order], weights.to_numpy()[order]
    cw = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cw, q - 1e-12)])


def kpis(inst: Instance, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Headline indicators per period, long format: kpi, period, value, unit."""
    cap, sites, serve, unmet = tables["capacity"], tables["sites"], tables["serve"], tables["unmet"]
    side = dict(zip(inst.sites["site"], inst.sites["side"], strict=False))
    rows: list[tuple[str, int, float, str]] = []
    add = lambda k, t, v, u: rows.append((k, t, float(v), u))  # noqa: E731
    for t in inst.config.periods:
        c = cap[cap["period"] == t]
        west = c["site"].map(side) == "west"
        dem = float(inst.demand.loc[inst.demand["period"] == t, "pflops"].sum())
        um = float(unmet.loc[unmet["period"] == t, "pflops"].sum())
        add("demand_pflops", t, dem, "PFLOPS")
        add("served_pflops", t, dem - um, "PFLOPS")
        add("unmet_pflops", t, um, "PFLOPS")
        add("unmet_share", t, um / dem if dem else 0, "fraction")
        add("installed_pflops", t, c["installed_pflops"].sum(), "PFLOPS")
        add("built_pflops", t, c["built_pflops"].sum(), "PFLOPS")
        for cl, g in c.groupby("class"):
            add(f"installed_pflops_{cl}", t, g["installed_pflops"].sum(), "PFLOPS")
            add(f"built_pflops_{cl}", t, g["built_pflops"].sum(), "PFLOPS")
        tot = c["installed_pflops"].sum()
        add("west_share_installed", t, c.loc[west, "installed_pflops"].sum() / tot if tot else 0, "fraction")
        new = c["built_pflops"].sum()
        add("west_share_new", t, c.loc[west, "built_pflops"].sum() / new if new else 0, "fraction")
        s_t = serve[serve["period"] == t]
        srv = s_t["pflops"].sum()
        add("west_share_served", t, s_t.loc[s_t["site"].map(side) == "west", "pflops"].sum() / srv if srv else 0, "fraction")
        for w, g in s_t.groupby("workload"):
            add(f"rtt_mean_ms_{w}", t, np.average(g["rtt_ms"], weights=g["pflops"]), "ms")
            add(f"rtt_p95_ms_{w}", t, _weighted_quantile(g["rtt_ms"], g["pflops"], 0.95), "ms")
        st = sites[sites["period"] == t]
        add("energy_mwh", t, st["energy_mwh"].sum(), "MWh")
        add("emissions_t", t, st["emissions_t"].sum(), "tCO2")
        add("facility_mw", t, st["facility_mw"].sum(), "MW")
        add("sites_opened", t, st["newly_opened"].sum(), "count")
        tr = tables["trunks"]
        add("wavelengths_added", t, tr.loc[tr["period"] == t, "wavelengths_added"].sum(), "count")
    return pd.DataFrame(rows, columns=["kpi", "period", "value", "unit"])


def cost_parts(m: pyo.ConcreteModel) -> dict[str, float]:
    return {p: _val(getattr(m, f"cost_{p}")) * SCALE for p in COST_PARTS}


# ---- writing ------------------------------------------------------------------------------------


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    write_csv(df, path)  # text a spreadsheet would run is neutralised


def write_result_files(folder: Path, inst: Instance, result: Result) -> None:
    for name in TABLE_FILES:
        _write_csv(result.tables[name], folder / f"{name}.csv")
    inst.write(folder / "instance")
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_result(folder: str | os.PathLike[str]) -> Result:
    """Read a result folder; UnreadableFolder (one line) when it is not one this edwc wrote and can read."""
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise UnreadableFolder(f"{folder} is not an edwc result folder (no summary.json)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UnreadableFolder(f"{path}: not readable as JSON ({e})") from None
    if not isinstance(summary, dict) or "edwc_result_version" not in summary:
        raise UnreadableFolder(f"{path}: not an edwc result summary")
    if summary["edwc_result_version"] != RESULT_VERSION:
        raise UnreadableFolder(f"{path}: result format version {summary['edwc_result_version']!r}; "
                               f"this edwc reads version {RESULT_VERSION}")
    tables = {}
    for name in TABLE_FILES:
        p = folder / f"{name}.csv"
        try:
            tables[name] = pd.read_csv(p, dtype={"region": str, "from": str, "to": str})
        except FileNotFoundError:
            raise UnreadableFolder(f"{folder}: {name}.csv is missing (a damaged result?)") from None
        except (OSError, ValueError, UnicodeDecodeError) as e:
            raise UnreadableFolder(f"{p}: not a readable table ({str(e).strip().splitlines()[0]})") from None
    return Result(summary=summary, tables=tables)
