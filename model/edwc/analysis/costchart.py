"""Cost parts of several plans, with the value of unmet demand apart.

The value of unmet demand is what the model puts on service left unserved (a large number per
PFLOPS, not money anyone spends): stacked onto the real costs it swamps them (89,000 against
2,900 亿元/yr on china-2025 with no new eastern sites, before the model of issue 9). So the real
parts (campus, IT and facility capex, energy, green power, network, trunks, carbon) are stacked
on one axis and the unmet value gets a panel of its own, with the unmet PFLOPS it values
written on each bar. Money is per year for a one-period plan and a present value over several
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


def draw_costs(fig: Any, rect: tuple[float, float, float, float], costs: pd.DataFrame,
               lang: str, present_value: bool = False) -> list[Any]:
    """Stacked real cost parts and, beside them when any plan has some, the value of unmet
    demand; drawn in ``rect`` (figure fraction). Plans without numbers (failed) are marked.
    ``present_value``: multi-period plans (money summed over periods, discounted). Returns the axes."""
    w = dict(chart_words(lang))
    if present_value:
        w["costs_title"], w["costs_axis"] = w["costs_title_pv"], w["costs_axis_pv"]
    x0, y0, width, height = rect
    has_unmet = bool((costs["unmet"] > 0.005).any())
    failed = costs["real_total"].isna().to_numpy()
    costs = costs.fillna(0.0)
    split = 0.66 if has_unmet else 0.86  # without the penalty panel, room for the legend
    ax = fig.add_axes((x0, y0, width * split - 0.06, height))
    labels = [axis_label(str(lab)) for lab in costs.index]
    numbered = has_unmet and len(labels) > 3  # the narrow penalty panel names plans by number
    if numbered:
        labels = [f"#{i + 1} {lab}" for i, lab in enumerate(labels)]
    x = np.arange(len(labels))
    bottom = np.zeros(len(labels))
    parts = [p for p in REAL_PARTS if (costs[p].abs() > 0.005).any()]
    for p in parts:
        v = costs[p].to_numpy(float)
        ax.bar(x, v, bottom=bottom, width=0.62, color=C.COST.get(p, C.INK_FAINT), label=part_name(p, lang))
        bottom += v
    top = float(bottom.max()) if len(bottom) else 0.0
    digits = 0 if top >= 100 else 1 if top >= 10 else 2
    for xi, total, bad in zip(x, bottom, failed, strict=True):
        ax.text(xi, total + 0.01 * top, w["failed"] if bad else f"{total:,.{digits}f}",
                ha="center", va="bottom", fontsize=8, color=C.UNMET if bad else C.INK)
    _style(ax, x, labels, w["costs_axis"], w["costs_title"], digits=digits)
    ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0) if not has_unmet else (0.0, -0.16),
              ncol=1 if not has_unmet else min(len(parts), 5), fontsize=7.5, frameon=False)
    axes = [ax]
    if has_unmet:
        ux = fig.add_axes((x0 + width * split + 0.02, y0, width * (1 - split) - 0.02, height))
        v = costs["unmet"].to_numpy(float)
        ux.bar(x, v, width=0.62, color=C.COST["unmet"], alpha=0.85)
        udigits = 0 if v.max() >= 100 else 1 if v.max() >= 10 else 2 if v.max() >= 0.1 else 3
        for xi, pen, pf in zip(x, v, costs["unmet_pflops"], strict=True):
            if pen > 0 or pf > 0:
                ux.text(xi, pen * 1.01, f"{pen:,.{udigits}f}\n" + w["unmet_bar"].format(pflops=f"{pf:,.0f}"),
                        ha="center", va="bottom", fontsize=6.5, color=C.UNMET)
        _style(ux, x, [f"#{i + 1}" for i in x] if numbered else labels, w["unmet_axis"], w["unmet_title"],
               title_size=8.5, digits=udigits)
        ux.set_ylim(0, float(v.max()) * 1.25)
        axes.append(ux)
    return axes


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
