"""Cost parts of several plans, with the value of unmet demand apart.

The value of unmet demand is what the model puts on service left unserved (not money anyone
spends), but a plan that leaves demand unserved is cheaper only because it serves less: so the
value is stacked on the real parts (campus, IT and facility capex, energy, green power, network,
trunks, carbon), hatched in the warning red, and such a plan is flagged. A value that would swamp
the axis is cut at the top with its number written on it. Money is per year for a one-period plan and a present value over several
periods. Used by `edwc compare` (costs.png) and `edwc sweep` (kpis.png).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.chart_words import chart_words, part_name
from edwc.formulation.objective import COST_PARTS
from edwc.maps import colours as C

YI = 1e8  # 亿元
REAL_PARTS = tuple(COST_PARTS)  # the unmet value is not among them
COLUMNS = (*REAL_PARTS, "real_total", "unmet", "unmet_pflops")
FLAG_SHARE = 0.01  # a plan whose unmet value is at least this share of its real cost is flagged
FLAG_PFLOPS = 100.0  # … or that leaves at least this many PFLOPS unserved


def cost_frame(parts_cny: dict[str, dict[str, Any]], unmet_cny: dict[str, Any] | None = None,
               unmet_pflops: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per plan (label → {part: CNY}) in 亿元: the real parts and their total, the value
    of unmet demand apart (column ``unmet``, never in ``real_total``) and the unmet PFLOPS.
    A plan without parts (a failed case) gets no numbers rather than zeros."""
    rows = []
    for label, parts in parts_cny.items():
        if not parts:
            rows.append(pd.Series({c: np.nan for c in COLUMNS}, name=label))
            continue
        row = {p: float(parts.get(p) or 0.0) / YI for p in REAL_PARTS}
        row["real_total"] = sum(row[p] for p in REAL_PARTS)
        row["unmet"] = float((unmet_cny or {}).get(label) or 0.0) / YI
        row["unmet_pflops"] = float((unmet_pflops or {}).get(label) or 0.0)
        rows.append(pd.Series(row, name=label))
    return pd.DataFrame(rows, columns=list(COLUMNS)) if rows else pd.DataFrame(columns=list(COLUMNS))


def flagged(costs: pd.DataFrame) -> np.ndarray:
    """Plans whose unserved demand matters: a value at least FLAG_SHARE of their real cost, or
    at least FLAG_PFLOPS unserved. Their cost is not comparable with a plan that serves all."""
    c = costs.fillna(0.0)
    return ((c["unmet"] >= FLAG_SHARE * c["real_total"].where(c["real_total"] > 0, np.inf))
            | (c["unmet_pflops"] >= FLAG_PFLOPS)).to_numpy(bool)


def draw_costs(fig: Any, rect: tuple[float, float, float, float], costs: pd.DataFrame,
               lang: str, present_value: bool = False) -> list[Any]:
    """Stacked real cost parts with the value of unmet demand stacked on top of them, hatched in
    the warning red and labelled, so a plan that is cheaper only because it serves less never
    looks simply cheaper: such a plan is flagged (⚠ on its label, its tick red). Where an unmet
    value would swamp the axis it is cut at the top, its number written on it. Plans without
    numbers (failed) are marked. ``present_value``: multi-period plans (money summed over
    periods, discounted). Returns the axes."""
    w = dict(chart_words(lang))
    if present_value:
        w["costs_title"], w["costs_axis"] = w["costs_title_pv"], w["costs_axis_pv"]
    x0, y0, width, height = rect
    failed = costs["real_total"].isna().to_numpy()
    flags = flagged(costs)
    costs = costs.fillna(0.0)
    ax = fig.add_axes((x0, y0, width * 0.8 - 0.04, height))
    labels = [("⚠ " if f else "") + axis_label(str(lab)) for lab, f in zip(costs.index, flags, strict=True)]
    x = np.arange(len(labels))
    bottom = np.zeros(len(labels))
    parts = [p for p in REAL_PARTS if (costs[p].abs() > 0.005).any()]
    for p in parts:
        v = costs[p].to_numpy(float)
        ax.bar(x, v, bottom=bottom, width=0.62, color=C.COST.get(p, C.INK_FAINT), label=part_name(p, lang))
        bottom += v
    real_top = float(bottom.max()) if len(bottom) else 0.0
    unmet = costs["unmet"].to_numpy(float)
    ceiling = max(real_top * 1.6, 1e-9)  # an unmet value above this is cut, its number written
    shown = np.minimum(unmet, np.maximum(ceiling - bottom, 0.0))
    if (unmet > 0.005).any():
        ax.bar(x, shown, bottom=bottom, width=0.62, color="white", edgecolor=C.UNMET, hatch="////",
               linewidth=0.8, label=w["unmet_stack"])
    top = float((bottom + shown).max()) if len(bottom) else 0.0
    digits = 0 if real_top >= 100 else 1 if real_top >= 10 else 2
    for xi, total, extra, pf, bad, flag in zip(x, bottom, unmet, costs["unmet_pflops"], failed, flags, strict=True):
        if bad:
            ax.text(xi, 0.02 * max(top, 1e-9), w["failed"], ha="center", va="bottom", fontsize=8, color=C.UNMET)
            continue
        ax.text(xi, total / 2, f"{total:,.{digits}f}", ha="center", va="center", fontsize=7.5, color="white")
        if flag:
            ax.text(xi, total + min(extra, ceiling - total) + 0.01 * top,
                    w["unmet_flag"].format(v=f"{extra:,.{digits}f}", pflops=f"{pf:,.0f}"),
                    ha="center", va="bottom", fontsize=7, color=C.UNMET)
        elif pf > 0.5:
            ax.text(xi, total + 0.01 * top, w["unmet_small"].format(pflops=f"{pf:,.0f}"),
                    ha="center", va="bottom", fontsize=6.5, color=C.INK_SOFT)
    _style(ax, x, labels, w["costs_axis"], w["costs_title"], digits=digits)
    for tick, flag in zip(ax.get_xticklabels(), flags, strict=True):
        if flag:
            tick.set_color(C.UNMET)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), ncol=1, fontsize=7.5, frameon=False)
    return [ax]


def axis_label(label: str) -> str:
    """A plan's name for an axis: one override per line (a=1,b=2 → a=1⏎b=2), long keys cut."""
    parts = []
    for item in label.split(","):
        key, eq, value = item.partition("=")
        parts.append(f"{key[:14]}{'…' if len(key) > 14 else ''}={value}" if eq else item)
    return "\n".join(parts)


def _style(ax: Any, x: np.ndarray, labels: list[str], ylabel: str, title: str,
           title_size: float = 10, digits: int = 0) -> None:
    ax.set_xticks(x, labels, fontsize=7.5)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_title(title, fontsize=title_size, loc="left", wrap=True)
    ax.tick_params(axis="y", labelsize=7.5)
    ax.yaxis.set_major_formatter(f"{{x:,.{digits}f}}")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
