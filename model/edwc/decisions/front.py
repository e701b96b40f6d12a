"""The cost–emissions (or cost–latency) front of `edwc pareto`: measures of a result folder, the
ε values, the dominance filter and the chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

YI = 1e8  # 亿元


@dataclass(frozen=True)
class Axis:
    """What the front trades cost against: the explore bound that sets ε, the objective of the far
    end, the measure read back from each result and its unit."""

    name: str
    bound_key: str
    objective: str
    unit: str
    label: str


AXES = {
    "emissions": Axis("emissions", "explore.emissions_t_max", "min:emissions", "tCO2",
                      "emissions, Σ over periods (MtCO2)"),
    "latency": Axis("latency", "explore.rtt_mean_ms_max", "min:rtt", "ms",
                    "mean round trip of served work (ms)"),
}


def measure(folder: Path, axis: Axis) -> float:
    """The front's x of a result: Σ_t emissions (tCO2), or the served-PFLOPS-weighted mean RTT (ms)."""
    if axis.name == "emissions":
        k = pd.read_csv(folder / "kpis.csv")
        return float(k.loc[k["kpi"] == "emissions_t", "value"].sum())
    s = pd.read_csv(folder / "serve.csv")
    total = float(s["pflops"].sum())
    return float((s["rtt_ms"] * s["pflops"]).sum() / total) if total > 0 else 0.0


def unmet_total(folder: Path) -> float:
    return float(pd.read_csv(folder / "unmet.csv")["pflops"].sum())


def epsilons(lo: float, hi: float, points: int) -> list[float]:
    """The ε of the interior points: `points` values evenly from lo to hi, without the two ends
    (the far end is solved at lo, the base is the plan at hi)."""
    if points <= 2 or hi <= lo:
        return []
    return [float(x) for x in np.linspace(lo, hi, points)[1:-1]]


def point_row(folder: Path, axis: Axis, name: str, epsilon: float | None) -> dict:
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return {"point": name, "epsilon": epsilon, axis.name: measure(folder, axis), "cost_cny": float(s["objective_cny"]),
            "unmet_pflops": unmet_total(folder), "status": s["status"], "mip_gap": s.get("mip_gap"),
            "folder": folder.name}


def non_dominated(df: pd.DataFrame, x: str, tol: float = 1e-9) -> pd.Series:
    """True for the points no other point beats on both cost and x (lower is better for both).

    Of points equal on both (the same plan found from two ε), only the first is kept.
    """
    keep = []
    for n, (i, row) in enumerate(df.iterrows()):
        others = df.drop(index=i)
        no_worse = (others["cost_cny"] <= row["cost_cny"] * (1 + tol)) & (others[x] <= row[x] * (1 + tol) + tol)
        better = (others["cost_cny"] < row["cost_cny"] * (1 - tol)) | (others[x] < row[x] * (1 - tol) - tol)
        same_earlier = no_worse & ~better & (others.index.map(df.index.get_loc) < n)
        keep.append(not (no_worse & better).any() and not same_earlier.any())
    return pd.Series(keep, index=df.index)


def front_name(lang: str) -> str:
    """front.png (Chinese) / front.en.png."""
    from edwc.maps.i18n import suffix

    return f"front{suffix(lang)}.png"


def plot_front(points: pd.DataFrame, axis: Axis, path: Path, name: str, unit: str = "亿元/yr",
               lang: str = "zh") -> Path:
    """Cost against the axis: the front as a line, dropped (dominated) points as grey crosses, the
    base a star, in ``lang`` (the words of edwc.maps.i18n_decisions)."""
    import matplotlib

    from edwc.maps.base import write_atomically
    from edwc.maps.static import figure, rc

    with matplotlib.rc_context(rc(lang)):
        return write_atomically(path, lambda tmp: _plot(points, axis, tmp, name, unit, lang, figure))


MIN_SPAN = 0.10  # the cost axis spans at least this share of the least cost: a small range is never stretched
UNMET_FLAG_PFLOPS = 100.0  # a point leaving more unserved than this is flagged


def _plot(points: pd.DataFrame, axis: Axis, path: Path, name: str, unit: str, lang: str, figure: Any) -> None:
    from edwc.maps.i18n import pct
    from edwc.maps.i18n_decisions import decision_words, money_unit

    w = decision_words(lang)
    money = money_unit(unit, lang)
    scale = 1e6 if axis.name == "emissions" else 1.0
    fig = figure((9.5, 6.2), 150)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.74))
    front = points[points["on_front"]].sort_values(axis.name)
    ax.plot(front[axis.name] / scale, front["cost_cny"] / YI, "-", color="#2c7fb8", zorder=2)
    optimal = front["status"].eq("optimal") if "status" in front else pd.Series(True, index=front.index)
    ax.plot(front.loc[optimal, axis.name] / scale, front.loc[optimal, "cost_cny"] / YI, "o", color="#2c7fb8",
            label=w["front_line"], zorder=3)
    if (~optimal).any():
        ax.plot(front.loc[~optimal, axis.name] / scale, front.loc[~optimal, "cost_cny"] / YI, "o", mfc="white",
                color="#2c7fb8", label=w["front_stopped"], zorder=3)
    off = points[~points["on_front"]]
    if len(off):
        ax.plot(off[axis.name] / scale, off["cost_cny"] / YI, "x", color="#999999", ms=8, label=w["front_dropped"])
    base = points[points["point"] == "base"]
    ax.plot(base[axis.name] / scale, base["cost_cny"] / YI, "*", color="#d7301f", ms=16, label=w["front_base"])
    short = points[points.get("unmet_pflops", pd.Series(0.0, index=points.index)) > UNMET_FLAG_PFLOPS]
    if len(short):
        ax.plot(short[axis.name] / scale, short["cost_cny"] / YI, "o", ms=14, mfc="none", color="#b71c1c",
                label=w["front_unmet"].format(pf=f"{UNMET_FLAG_PFLOPS:,.0f}"))
    top = float(points["cost_cny"].max()) / YI
    digits = 0 if top >= 100 else 1 if top >= 10 else 2 if top >= 1 else 3
    for r in front.itertuples(index=False):
        gap = float(getattr(r, "mip_gap", float("nan")) or 0.0)  # a point stopped early says how far from its optimum it may be
        stopped = str(getattr(r, "status", "optimal")) != "optimal" and gap == gap
        ax.annotate(f"{r.cost_cny / YI:,.{digits}f}" + (w["front_gap"].format(gap=f"{gap:.2%}") if stopped else ""),
                    (getattr(r, axis.name) / scale, r.cost_cny / YI), xytext=(5, 4),
                    textcoords="offset points", fontsize=7, color="#444444")
    lo = float(points["cost_cny"].min()) / YI
    hi = float(points["cost_cny"].max()) / YI
    span = max(hi - lo, MIN_SPAN * lo)
    mid = (hi + lo) / 2
    ax.set_ylim(mid - 0.6 * span, mid + 0.6 * span)
    ax.yaxis.set_major_formatter(f"{{x:,.{digits}f}}")
    ax.get_xlim()  # settles the autoscaled x limits: the steps are measured on screen
    per = w["per_t"] if axis.name == "emissions" else w["per_ms"].format(unit=money)
    xs, ys = front[axis.name].to_numpy(float), front["cost_cny"].to_numpy(float)
    for i in range(len(front) - 1):  # what each step along the front costs per unit given up
        dx, dy = xs[i + 1] - xs[i], ys[i] - ys[i + 1]
        if dx <= 0:
            continue
        rate = dy / dx if axis.name == "emissions" else dy / YI / dx
        mid_xy = ((xs[i] + xs[i + 1]) / 2 / scale, (ys[i] + ys[i + 1]) / 2 / YI)
        (px0, py0), (px1, py1) = ax.transData.transform([(xs[i] / scale, ys[i] / YI), (xs[i + 1] / scale, ys[i + 1] / YI)])
        steep = abs(py1 - py0) > abs(px1 - px0)  # beside a steep step, under a flat one: never on the line
        ax.annotate(f"{rate:,.0f} {per}" if abs(rate) >= 10 else f"{rate:,.2f} {per}", mid_xy,
                    xytext=(8, 0) if steep else (0, -12), textcoords="offset points", fontsize=7.5,
                    color="#2c7fb8", ha="left" if steep else "center", va="center" if steep else "baseline")
    ax.xaxis.set_major_formatter("{x:,.4g}")
    right = ax.secondary_yaxis("right", functions=(lambda y: (y / lo - 1) * 100 if lo else y,
                                                    lambda p: (p / 100 + 1) * lo))
    right.set_ylabel(w["front_pct"], fontsize=8)
    ax.set_xlabel(w[f"front_axis_{axis.name}"])
    ax.set_ylabel(w["front_cost"].format(unit=money))
    rise = (hi / lo - 1) if lo else 0.0
    fig.text(0.01, 0.985, w["front_title"].format(name=name, axis=w[f"front_{axis.name}"]), fontsize=12, va="top")
    fig.text(0.01, 0.935, w["front_sub"].format(rise=pct(rise, 1), span=pct(MIN_SPAN)), fontsize=8.5, va="top",
             color="#555555")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5)
    fig.savefig(path, format="png", dpi=150, facecolor="white")
