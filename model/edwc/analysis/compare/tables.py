"""The comparison's tables: KPIs and cost parts, capacity by hub, what moved, capacity change per site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.compare.comparison import TOL, UNMET
from edwc.analysis.report import capacity_by_hub
from edwc.formulation.objective import COST_PARTS
from edwc.results.tables import Result


def _metrics(r: Result) -> pd.DataFrame:
    """One result's comparable numbers, long: metric, period, unit, value."""
    s = r.summary
    rows: list[tuple[str, Any, str, Any]] = [("status", "", "", s.get("status")), ("mip_gap", "", "fraction", s.get("mip_gap")),
                                             ("objective_cny", "", "CNY", s.get("objective_cny")),
                                             ("total_cost_cny", "", "CNY", s.get("total_cost_cny")),
                                             ("unmet_value_cny", "", "CNY", s.get("unmet_value_cny"))]
    parts = s.get("cost_parts_cny") or {}
    rows += [(f"cost_{p}_cny", "", "CNY", parts.get(p, 0.0)) for p in COST_PARTS]
    k = r.tables["kpis"]
    rows += [(row.kpi, int(row.period), row.unit, row.value) for row in k.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["metric", "period", "unit", "value"])


def _with_deltas(wide: pd.DataFrame, labels: list[str], relative: bool) -> pd.DataFrame:
    base = pd.to_numeric(wide[labels[0]], errors="coerce")
    for lab in labels[1:]:
        d = pd.to_numeric(wide[lab], errors="coerce") - base
        wide[f"Δ {lab}"] = d
        if relative:
            wide[f"Δ% {lab}"] = np.where(base.abs() > TOL, d / base.abs().where(base.abs() > TOL, 1.0), np.nan)
    return wide


def summary_table(results: list[Result], labels: list[str]) -> pd.DataFrame:
    """Status, objective, cost parts and KPIs of every result, with differences to the first."""
    order: list[tuple[str, Any]] = []
    wide: dict[tuple[str, Any], dict[str, Any]] = {}
    for r, lab in zip(results, labels, strict=True):
        for row in _metrics(r).itertuples(index=False):
            key = (row.metric, row.period)
            if key not in wide:
                order.append(key)
                wide[key] = {"metric": row.metric, "period": row.period, "unit": row.unit}
            wide[key][lab] = row.value
    df = pd.DataFrame([wide[k] for k in order], columns=["metric", "period", "unit", *labels])
    return _with_deltas(df, labels, relative=True)


def capacity_table(results: list[Result], labels: list[str]) -> pd.DataFrame:
    """Installed PFLOPS by hub and class (last period) per result, with differences to the first."""
    long = []
    for r, lab in zip(results, labels, strict=True):
        tab = capacity_by_hub(r).stack().rename(lab)
        long.append(tab)
    df = pd.concat(long, axis=1).fillna(0.0)
    df.index.names = ["hub", "class"]
    df = df.reset_index()
    total = df.groupby("class")[labels].sum().reset_index().assign(hub="total")
    df = pd.concat([df, total[df.columns]], ignore_index=True)
    return _with_deltas(df, labels, relative=False)


def _mix(r: Result) -> pd.DataFrame:
    """Where each (region, workload, period) is served: site → PFLOPS, unmet as a site of its own."""
    keys = ["region", "workload", "period"]
    s = r.tables["serve"][[*keys, "site", "pflops"]]
    u = r.tables["unmet"]
    u = u.loc[u["pflops"] > TOL, keys + ["pflops"]].assign(site=UNMET)
    mix = pd.concat([s, u[s.columns]], ignore_index=True)
    mix["region"] = mix["region"].astype(str)
    total = mix.groupby(keys)["pflops"].transform("sum")
    return mix.assign(share=mix["pflops"] / total.where(total > 0, 1.0))


def _sites_text(g: pd.DataFrame, col: str) -> str:
    g = g[g[col] > TOL].sort_values(col, ascending=False)
    return "; ".join(f"{s} {v:,.4g}" for s, v in zip(g["site"], g[col], strict=True))


def _cost(r: Result) -> float:
    s = r.summary
    return float(s.get("total_cost_cny", s.get("objective_cny")) or 0.0) + float(s.get("unmet_value_cny", 0.0) or 0.0)


def cost_gap(a: Result, b: Result) -> tuple[float, float]:
    """(relative difference of the two plans' objectives, the larger MIP gap of their solves)."""
    ca, cb = _cost(a), _cost(b)
    rel = abs(ca - cb) / max(abs(ca), abs(cb), 1.0)
    gap = max(float(a.summary.get("mip_gap") or 0.0), float(b.summary.get("mip_gap") or 0.0))
    return rel, gap


def plans_tie(a: Result, b: Result) -> bool:
    """Two plans whose objectives differ by no more than the MIP gap of their solves (nor more than 1e-6)."""
    rel, gap = cost_gap(a, b)
    return rel <= max(gap, 1e-6)


def moved_table(results: list[Result], labels: list[str], names: dict[str, str] | None = None) -> pd.DataFrame:
    """Region workloads served at different sites (or left unmet) than in the baseline.

    moved_share = ½ Σ_site |share − baseline share| (0 = same mix, 1 = nothing in common);
    moved_pflops = moved_share × the workload's demand in the compared result;
    kind = 'tie' when the two plans' costs differ by no more than the solver's MIP gap (the solver cannot tell
    them apart: equal-cost alternatives, not effects of the inputs), else 'effect'.
    """
    keys = ["region", "workload", "period"]
    cols = ["result", *keys, "name", "baseline_sites", "sites", "moved_share", "moved_pflops", "kind"]
    base = _mix(results[0])
    names = names or {}
    rows = []
    for r, lab in zip(results[1:], labels[1:], strict=True):
        kind = "tie" if plans_tie(results[0], r) else "effect"
        other = _mix(r)
        m = base.merge(other, on=[*keys, "site"], how="outer", suffixes=("_b", "_o")).fillna(
            {"pflops_b": 0.0, "pflops_o": 0.0, "share_b": 0.0, "share_o": 0.0})
        for key, g in m.groupby(keys, sort=True):
            share = 0.5 * float((g["share_o"] - g["share_b"]).abs().sum())
            if share <= TOL:
                continue
            rows.append((lab, *key, names.get(str(key[0]), ""), _sites_text(g, "pflops_b"), _sites_text(g, "pflops_o"),
                         share, share * float(g["pflops_o"].sum()), kind))
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["result", "moved_pflops"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _instance_table(r: Result, folder: Path, name: str) -> pd.DataFrame | None:
    p = Path(folder) / "instance" / f"{name}.csv"
    return pd.read_csv(p, dtype={"region": str}) if p.is_file() else None


def region_names(results: list[Result], folders: list[Path]) -> dict[str, str]:
    """Region adcode → English name, from the resolved instances stored in the result folders."""
    names: dict[str, str] = {}
    for r, f in zip(results, folders, strict=True):
        reg = _instance_table(r, f, "regions")
        if reg is not None and "name_en" in reg:
            names.update(zip(reg["region"].astype(str), reg["name_en"].astype(str), strict=False))
    return names


def site_change_table(results: list[Result], labels: list[str], folders: list[Path]) -> pd.DataFrame:
    """Installed PFLOPS per site and class (last period): baseline, each result, and the change.

    One row per (result, site, class) present in the baseline or the result; PFLOPS of
    different classes are in different precisions, so they are never summed here."""
    def installed(r: Result) -> pd.Series:
        c = r.tables["capacity"]
        return c[c["period"] == c["period"].max()].groupby(["site", "class"])["installed_pflops"].sum()

    where = pd.concat([t for t in (_instance_table(r, f, "sites") for r, f in zip(results, folders, strict=True)) if t is not None]
                      or [pd.DataFrame(columns=["site", "name_en", "lon", "lat"])])
    where = where.drop_duplicates("site").set_index("site").reindex(columns=["name_en", "lon", "lat"])
    base = installed(results[0])
    frames = []
    for r, lab in zip(results[1:], labels[1:], strict=True):
        cur = installed(r)
        both = pd.concat([base.rename("baseline_pflops"), cur.rename("pflops")], axis=1).fillna(0.0)
        both = both.sort_index().reset_index()
        both.columns = ["site", "class", "baseline_pflops", "pflops"]
        info = where.reindex(both["site"])
        frames.append(pd.DataFrame({
            "result": lab, "site": both["site"], "class": both["class"],
            "name": info["name_en"].fillna(pd.Series(both["site"].to_numpy(), index=info.index)).to_numpy(),
            "lon": info["lon"].to_numpy(float), "lat": info["lat"].to_numpy(float),
            "baseline_pflops": both["baseline_pflops"], "pflops": both["pflops"],
            "delta_pflops": both["pflops"] - both["baseline_pflops"]}))
    cols = ["result", "site", "class", "name", "lon", "lat", "baseline_pflops", "pflops", "delta_pflops"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
