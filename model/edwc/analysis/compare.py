"""`edwc compare RESULT RESULT…`: results of one instance side by side, against the first (the baseline).

What is compared: status, objective and its cost parts and every KPI (with the difference to
the baseline, absolute and relative); installed capacity by hub and class in the last period;
what moved (regions whose workloads are served at other sites, or left unmet, than in the
baseline). Written as compare.csv, capacity.csv, moved.csv and compare.md, and drawn as
capacity.png (capacity by hub per result), costs.png (stacked cost parts) and diff_map.png
(installed capacity change per site against the baseline).

Results of different instances, or written by another result-format version, are refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.report import capacity_by_hub
from edwc.errors import InputError, Problem, ResultExistsError
from edwc.formulation.objective import COST_PARTS
from edwc.results.tables import RESULT_VERSION, Result, read_result, write_atomically

YI = 1e8  # 亿元
TOL = 1e-6  # PFLOPS and shares below this are solver noise
UNMET = "(unmet)"
GREW, SHRANK = "#d62728", "#1f77b4"


@dataclass
class Comparison:
    """Everything `edwc compare` shows and writes; the first label is the baseline."""

    labels: list[str]
    folders: list[Path]
    results: list[Result]
    summary: pd.DataFrame  # metric, period, unit, <label>…, Δ <label>…, Δ% <label>…
    capacity: pd.DataFrame  # hub, class, <label>…, Δ <label>…
    moved: pd.DataFrame  # result, region, name, workload, period, baseline_sites, sites, moved_share, moved_pflops
    site_change: pd.DataFrame  # result, site, name, lon, lat, baseline_pflops, pflops, delta_pflops

    @property
    def base(self) -> str:
        return self.labels[0]

    @property
    def others(self) -> list[str]:
        return self.labels[1:]


# ---- reading and refusing -----------------------------------------------------------------------


def load_results(folders: list[Path]) -> list[Result]:
    """Read result folders; refuse (InputError) unreadable ones, other instances, other versions."""
    problems: list[Problem] = []
    results: list[Result] = []
    for folder in folders:
        summary = Path(folder) / "summary.json"
        if not summary.is_file():
            problems.append(Problem(str(folder), "not a result folder (no summary.json)"))
            continue
        try:
            results.append(read_result(folder))
        except (OSError, ValueError, json.JSONDecodeError) as e:
            problems.append(Problem(str(summary), f"could not be read: {e}"))
    if problems:
        raise InputError(problems, "edwc compare")
    problems += _compatibility(folders, results)
    if problems:
        raise InputError(problems, "edwc compare")
    return results


def _compatibility(folders: list[Path], results: list[Result]) -> list[Problem]:
    problems = []
    base_instance = results[0].summary.get("instance")
    for folder, r in zip(folders, results, strict=True):
        version = r.summary.get("edwc_result_version")
        if version != RESULT_VERSION:
            problems.append(Problem(str(Path(folder) / "summary.json"),
                                    f"written with result format version {version!r}; this edwc reads version "
                                    f"{RESULT_VERSION} (solve it again with this edwc)"))
        if r.summary.get("instance") != base_instance:
            problems.append(Problem(str(Path(folder) / "summary.json"),
                                    f"is a result of instance '{r.summary.get('instance')}', the baseline "
                                    f"{folders[0]} is of instance '{base_instance}'; only results of one instance compare"))
        missing = [t for t in ("capacity", "sites", "serve", "unmet", "kpis") if t not in r.tables]
        if missing:
            problems.append(Problem(str(folder), f"incomplete result folder: missing {', '.join(m + '.csv' for m in missing)}"))
    return problems


def result_labels(folders: list[Path]) -> list[str]:
    """Short unique labels: folder names, with #2, #3 … on repeats."""
    labels: list[str] = []
    for f in folders:
        name = Path(f).resolve().name
        label, n = name, 1
        while label in labels:
            n += 1
            label = f"{name}#{n}"
        labels.append(label)
    return labels


# ---- the tables ---------------------------------------------------------------------------------


def _metrics(r: Result) -> pd.DataFrame:
    """One result's comparable numbers, long: metric, period, unit, value."""
    s = r.summary
    rows: list[tuple[str, Any, str, Any]] = [("status", "", "", s.get("status")), ("mip_gap", "", "fraction", s.get("mip_gap")),
                                             ("objective_cny", "", "CNY/yr", s.get("objective_cny"))]
    parts = s.get("cost_parts_cny") or {}
    rows += [(f"cost_{p}_cny", "", "CNY/yr", parts.get(p, 0.0)) for p in COST_PARTS]
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
    """Installed PFLOPS (all classes, last period) per site: baseline, each result, and the change."""
    def installed(r: Result) -> pd.Series:
        c = r.tables["capacity"]
        return c[c["period"] == c["period"].max()].groupby("site")["installed_pflops"].sum()

    where = pd.concat([t for t in (_instance_table(r, f, "sites") for r, f in zip(results, folders, strict=True)) if t is not None]
                      or [pd.DataFrame(columns=["site", "name_en", "lon", "lat"])])
    where = where.drop_duplicates("site").set_index("site")
    base = installed(results[0])
    rows = []
    for r, lab in zip(results[1:], labels[1:], strict=True):
        cur = installed(r)
        for site in sorted(set(base.index) | set(cur.index)):
            b, v = float(base.get(site, 0.0)), float(cur.get(site, 0.0))
            lon = where["lon"].get(site, np.nan) if "lon" in where else np.nan
            lat = where["lat"].get(site, np.nan) if "lat" in where else np.nan
            name = where["name_en"].get(site, site) if "name_en" in where else site
            rows.append((lab, site, name, lon, lat, b, v, v - b))
    return pd.DataFrame(rows, columns=["result", "site", "name", "lon", "lat", "baseline_pflops", "pflops", "delta_pflops"])


def compare_results(folders: list[str | Path]) -> Comparison:
    """Read and compare result folders (the first is the baseline). Raises InputError when refused."""
    paths = [Path(f) for f in folders]
    if len(paths) < 2:
        raise InputError([Problem("edwc compare", "give at least two result folders (the first is the baseline)")], "edwc compare")
    results = load_results(paths)
    labels = result_labels(paths)
    return Comparison(labels=labels, folders=paths, results=results, summary=summary_table(results, labels),
                      capacity=capacity_table(results, labels), moved=moved_table(results, labels, region_names(results, paths)),
                      site_change=site_change_table(results, labels, paths))


# ---- text: terminal and Markdown ---------------------------------------------------------------


def _fmt_value(v: Any, unit: str, delta: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    sign = "+" if delta and v > 0 else ""
    if unit == "CNY/yr":
        return f"{sign}{v / YI:,.2f}"
    if unit == "fraction":
        return f"{sign}{v * 100:,.1f}%" if not delta else f"{sign}{v * 100:,.1f} pp"
    return f"{sign}{v:,.4g}" if abs(v) < 1000 else f"{sign}{v:,.0f}"


def display_summary(comp: Comparison) -> pd.DataFrame:
    """The summary with money in 亿元/yr, fractions in %, differences signed; text only."""
    df = comp.summary
    out = pd.DataFrame({"metric": [m if not p else f"{m} [{p}]" for m, p in zip(df["metric"], df["period"], strict=True)],
                        "unit": ["亿元/yr" if u == "CNY/yr" else ("%" if u == "fraction" else u) for u in df["unit"]]})
    for lab in comp.labels:
        out[lab] = [_fmt_value(v, u) for v, u in zip(df[lab], df["unit"], strict=True)]
    for lab in comp.others:
        out[f"Δ {lab}"] = [_fmt_value(v, u, delta=True) for v, u in zip(df[f"Δ {lab}"], df["unit"], strict=True)]
        out[f"Δ% {lab}"] = [("" if pd.isna(v) or u == "fraction" else f"{v:+.1%}") for v, u in zip(df[f"Δ% {lab}"], df["unit"], strict=True)]
    return out


def display_capacity(comp: Comparison) -> pd.DataFrame:
    df = comp.capacity.copy()
    for col in df.columns[2:]:
        delta = str(col).startswith("Δ")
        df[col] = [_fmt_value(float(v), "PFLOPS", delta=delta) if not delta or abs(v) > TOL else "0" for v in df[col]]
    return df


def display_moved(comp: Comparison) -> pd.DataFrame:
    df = comp.moved.copy()
    df["moved_share"] = [f"{v:.0%}" for v in df["moved_share"]]
    df["moved_pflops"] = [f"{v:,.4g}" for v in df["moved_pflops"]]
    return df


def markdown_table(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency); cells are escaped for '|'."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def render_markdown(comp: Comparison) -> str:
    lines = [f"# Comparison of {len(comp.labels)} results of instance `{comp.results[0].summary['instance']}`", "",
             f"Baseline: `{comp.base}`. Money in 亿元 (1e8 CNY) per year; fractions in %; "
             "Δ = result − baseline (pp = percentage points).", ""]
    lines += ["| result | folder | scenario | --set |", "|---|---|---|---|"]
    for lab, f, r in zip(comp.labels, comp.folders, comp.results, strict=True):
        sets = ", ".join(f"{k}={v}" for k, v in (r.summary.get("sets") or {}).items())
        lines.append(f"| {lab} | `{f}` | {r.summary.get('scenario') or ''} | {sets} |")
    lines += ["", "## KPIs and cost parts", "", markdown_table(display_summary(comp)), "",
              "## Installed capacity by hub and class (PFLOPS, last period)", "", markdown_table(display_capacity(comp)), "",
              "## What moved (region workloads served elsewhere than in the baseline)", ""]
    lines.append(markdown_table(display_moved(comp)) if len(comp.moved) else "Nothing moved.")
    for lab in comp.others:
        note = _tie_note(comp, lab, comp.moved[comp.moved["result"] == lab])
        if note:
            lines += ["", f"{lab}: {note.removeprefix(' — ')}."]
    lines += ["", "![capacity by hub](capacity.png)", "", "![cost parts](costs.png)", "", "![difference map](diff_map.png)", ""]
    return "\n".join(lines)


def _tie_note(comp: Comparison, lab: str, m: pd.DataFrame) -> str:
    if not len(m) or (m["kind"] != "tie").any():
        return ""
    rel, gap = cost_gap(comp.results[0], comp.results[comp.labels.index(lab)])
    return (f" — all ties: the costs differ by {rel:.3%}, within the solver's MIP gap {gap:.3%}, so these are "
            "equal-cost alternatives, not effects")


def render_terminal(comp: Comparison, max_moved: int = 15, width: int = 60) -> str:
    """The comparison for a terminal: relative differences only for up to two compared results,
    long site lists cut to `width` characters, at most `max_moved` moved rows per result."""
    summary = display_summary(comp)
    if len(comp.others) > 2:
        summary = summary[[c for c in summary.columns if not str(c).startswith("Δ%")]]
    with pd.option_context("display.width", 250, "display.max_columns", 60):
        lines = [f"{comp.results[0].summary['instance']}: {len(comp.labels)} results, baseline {comp.base} "
                 "(money in 亿元/yr, Δ = result − baseline)", ""]
        lines.append(summary.to_string(index=False))
        lines += ["", "installed capacity by hub and class (PFLOPS, last period):", display_capacity(comp).to_string(index=False), ""]
        moved = display_moved(comp)
        for col in ("baseline_sites", "sites"):
            moved[col] = [v if len(v) <= width else v[: width - 1] + "…" for v in moved[col]]
        for lab in comp.others:
            m = moved[moved["result"] == lab]
            lines.append(f"{lab}: {len(m)} region workload(s) moved against the baseline" + _tie_note(comp, lab, m))
            if len(m):
                shown = m.drop(columns="result").head(max_moved)
                lines += ["  " + ln for ln in shown.to_string(index=False).splitlines()]
                if len(m) > max_moved:
                    lines.append(f"  … {len(m) - max_moved} more in moved.csv")
    return "\n".join(lines)


# ---- charts ------------------------------------------------------------------------------------


def _colours(n: int) -> list[str]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _class_colour(name: str, order: list[str]) -> str:
    try:
        from edwc.maps.base import class_colour
    except ImportError:  # pragma: no cover - maps are optional
        return _colours(len(order))[order.index(name)]
    return class_colour(name, order)


def plot_capacity(comp: Comparison, path: Path) -> None:
    """One panel per class: installed PFLOPS by hub, one bar per result."""
    from matplotlib.figure import Figure

    cap = comp.capacity[comp.capacity["hub"] != "total"]
    classes = sorted(c for c, g in cap.groupby("class") if (g[comp.labels].to_numpy() > TOL).any()) or sorted(cap["class"].unique())
    hubs = sorted(cap["hub"].unique())
    fig = Figure(figsize=(min(16, max(6, 0.22 * len(hubs) * len(comp.labels) + 3)), 3.2 * len(classes) + 0.6),
                 layout="constrained")
    axes = fig.subplots(len(classes), 1, squeeze=False)[:, 0]
    width = 0.8 / len(comp.labels)
    colours = _colours(len(comp.labels))
    for ax, cl in zip(axes, classes, strict=True):
        c = cap[cap["class"] == cl].set_index("hub").reindex(hubs).fillna(0.0)
        x = np.arange(len(hubs))
        for i, lab in enumerate(comp.labels):
            ax.bar(x + (i - (len(comp.labels) - 1) / 2) * width, c[lab], width, label=lab, color=colours[i])
        ax.set_xticks(x, hubs, rotation=45, ha="right")
        ax.set_title(f"{cl} (PFLOPS installed)")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle("Installed capacity by hub, last period")
    fig.savefig(path, dpi=120)


def plot_costs(comp: Comparison, path: Path) -> None:
    """Stacked annual cost parts per result (亿元/yr)."""
    from matplotlib.figure import Figure

    s = comp.summary.set_index("metric")
    parts = [p for p in COST_PARTS if (pd.to_numeric(s.loc[f"cost_{p}_cny", comp.labels]).abs() > 0).any()]
    fig = Figure(figsize=(max(5, 1.3 * len(comp.labels) + 2), 4.5), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(comp.labels))
    colours = _colours(len(COST_PARTS))
    for p in parts:
        v = pd.to_numeric(s.loc[f"cost_{p}_cny", comp.labels]).to_numpy(float) / YI
        ax.bar(comp.labels, v, bottom=bottom, label=p, color=colours[COST_PARTS.index(p)])
        bottom += v
    for x, total in enumerate(bottom):
        ax.annotate(f"{total:,.2f}", (x, total), ha="center", va="bottom", fontsize="small")
    ax.set_ylabel("1e8 CNY / yr")
    ax.set_title("Annual cost by part")
    ax.margins(y=0.08)
    ax.tick_params(axis="x", rotation=20)
    ax.legend(fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, dpi=120)


def _provinces() -> Any:
    """Province outlines (GeoDataFrame, WGS84) from edwc.maps, or None when unavailable."""
    try:
        from edwc.maps.base import basemap

        return basemap("provinces")
    except Exception:  # noqa: BLE001 - the map is drawn without outlines
        return None


def plot_diff_map(comp: Comparison, path: Path) -> None:
    """Installed capacity change per site against the baseline: red grew, blue shrank; one panel per result."""
    from matplotlib.figure import Figure

    n = len(comp.others)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(7 * cols, 5.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    prov = _provinces()
    sc = comp.site_change.dropna(subset=["lon", "lat"])
    biggest = float(sc["delta_pflops"].abs().max()) if len(sc) else 0.0
    for ax, lab in zip(axes, comp.others, strict=False):
        _diff_panel(ax, sc[sc["result"] == lab], prov, biggest, lab, comp.base)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle("Installed capacity change per site (PFLOPS, all classes, last period)")
    fig.savefig(path, dpi=120)


def _diff_panel(ax: Any, d: pd.DataFrame, prov: Any, biggest: float, label: str, base: str) -> None:
    if prov is not None:
        prov.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#9a9a9a", linewidth=0.4)
    same = d[d["delta_pflops"].abs() <= TOL]
    ax.scatter(same["lon"], same["lat"], s=8, color="#888888", zorder=3)
    for sign, colour in ((1, GREW), (-1, SHRANK)):
        g = d[sign * d["delta_pflops"] > TOL]
        size = 30 + 600 * g["delta_pflops"].abs() / biggest if biggest > 0 else 30
        ax.scatter(g["lon"], g["lat"], s=size, color=colour, alpha=0.7, edgecolor="black", linewidth=0.5, zorder=4)
        for row in g.itertuples(index=False):
            ax.annotate(f"{row.site} {row.delta_pflops:+,.0f}", (row.lon, row.lat), xytext=(4, 4),
                        textcoords="offset points", fontsize=7, zorder=5)
    if prov is not None:
        ax.set_xlim(73, 135.5)
        ax.set_ylim(17, 54)
    elif len(d):
        ax.margins(0.2)
    ax.set_aspect(1.25)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"{label} − {base}", fontsize="medium")
    ax.legend(handles=_diff_legend(), loc="lower left", fontsize="small")


def _diff_legend() -> list[Any]:
    from matplotlib.lines import Line2D

    dot = {"marker": "o", "linestyle": "none", "markeredgecolor": "black", "markeredgewidth": 0.5}
    return [Line2D([], [], color=GREW, markersize=9, label="more capacity", **dot),
            Line2D([], [], color=SHRANK, markersize=9, label="less capacity", **dot),
            Line2D([], [], marker="o", linestyle="none", color="#888888", markersize=4, label="unchanged site")]


# ---- writing ------------------------------------------------------------------------------------


def default_out(labels: list[str]) -> Path:
    """results/compare-<labels joined by _>, shortened with a hash when very long."""
    name = "_".join(labels)
    if len(name) > 80:
        name = name[:60] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return Path("results") / f"compare-{name}"


def write_comparison(comp: Comparison, out: Path) -> list[Path]:
    """Write tables, Markdown and charts into `out`, atomically; an earlier comparison there is replaced.

    A folder that exists and is not a comparison (no compare.csv) is never replaced.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "compare.csv").is_file():
        raise ResultExistsError(f"{out} exists and is not an edwc comparison; choose another --out")
    names = ["compare.csv", "capacity.csv", "moved.csv", "compare.md", "capacity.png", "costs.png", "diff_map.png"]

    def fill(tmp: Path) -> None:
        csv = {"index": False, "lineterminator": "\n", "float_format": "%.10g"}
        comp.summary.to_csv(tmp / "compare.csv", **csv)
        comp.capacity.to_csv(tmp / "capacity.csv", **csv)
        comp.moved.to_csv(tmp / "moved.csv", **csv)
        (tmp / "compare.md").write_text(render_markdown(comp), encoding="utf-8")
        plot_capacity(comp, tmp / "capacity.png")
        plot_costs(comp, tmp / "costs.png")
        plot_diff_map(comp, tmp / "diff_map.png")

    write_atomically(out, fill, force=True)
    return [out / n for n in names]
