"""The comparison's charts: capacity by hub, stacked cost parts and the capacity-change map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.compare.comparison import TOL, YI, Comparison
from edwc.formulation.objective import COST_PARTS

GREW, SHRANK = "#d62728", "#1f77b4"


def _colours(n: int) -> list[tuple[float, float, float, float]]:
    """n colours of matplotlib's tab10 cycle, as RGBA."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


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

    dot: dict[str, Any] = {"marker": "o", "linestyle": "none", "markeredgecolor": "black", "markeredgewidth": 0.5}
    return [Line2D([], [], color=GREW, markersize=9, label="more capacity", **dot),
            Line2D([], [], color=SHRANK, markersize=9, label="less capacity", **dot),
            Line2D([], [], marker="o", linestyle="none", color="#888888", markersize=4, label="unchanged site")]
