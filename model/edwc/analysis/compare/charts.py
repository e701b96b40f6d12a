"""The comparison's charts: capacity by hub (capacity.png) and the annual cost parts with the
value of unmet demand apart (costs.png). The difference map is in diffmap.py. Colours come from
edwc.maps.colours (a class has one hue everywhere); text is in the chosen language.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from edwc.analysis.chart_words import chart_words
from edwc.analysis.compare.comparison import TOL, Comparison
from edwc.analysis.costchart import cost_frame, draw_costs
from edwc.formulation.objective import COST_PARTS
from edwc.results.digest import Digest

DPI = 120


def comparison_costs(comp: Comparison) -> pd.DataFrame:
    """The cost chart's data: real parts and their total (亿元), the value of unmet demand apart."""
    s = comp.summary
    last = pd.to_numeric(s["period"], errors="coerce").max()
    parts = {lab: {p: _metric(s, f"cost_{p}_cny", lab) for p in COST_PARTS} for lab in comp.labels}
    value = {lab: _metric(s, "unmet_value_cny", lab) for lab in comp.labels}
    unmet = {lab: _metric(s, "unmet_pflops", lab, last) for lab in comp.labels}
    return cost_frame(parts, value, unmet)


def several_periods(comp: Comparison) -> bool:
    """Money of multi-period results is a present value over the periods, not a yearly cost."""
    return any(len(r.summary.get("period_weights") or {}) > 1 for r in comp.results)


def _metric(s: pd.DataFrame, metric: str, label: str, period: float | None = None) -> float:
    rows = s[s["metric"] == metric]
    if period is not None:
        rows = rows[pd.to_numeric(rows["period"], errors="coerce") == period]
    v = pd.to_numeric(rows[label], errors="coerce")
    return float(v.iloc[0]) if len(v) and v.iloc[0] == v.iloc[0] else 0.0


def plot_costs(comp: Comparison, path: Path, lang: str = "zh") -> None:
    import matplotlib

    from edwc.maps.static import figure, rc

    costs = comparison_costs(comp)
    with matplotlib.rc_context(rc(lang)):
        fig = figure((max(7.5, 1.5 * len(comp.labels) + 5), 4.8), DPI)
        draw_costs(fig, (0.08, 0.2, 0.86, 0.68), costs, lang, present_value=several_periods(comp))
        fig.savefig(path, format="png", dpi=DPI, facecolor="white", bbox_inches="tight", pad_inches=0.15)


def plot_capacity(comp: Comparison, path: Path, lang: str = "zh", digest: Digest | None = None) -> None:
    """One panel per class: installed PFLOPS by hub (east, west, outside hubs), one bar per
    result: the baseline grey, the others shades of the class hue."""
    import matplotlib
    from matplotlib.patches import Patch

    from edwc.maps import colours as C
    from edwc.maps.i18n import cls_label, words
    from edwc.maps.static import figure, rc
    from edwc.results.digest import read_digest

    d = digest if digest is not None else read_digest(comp.folders[0])
    cap = comp.capacity[comp.capacity["hub"] != "total"]
    classes = [c for c in d.classes if c in set(cap["class"])
               and (cap.loc[cap["class"] == c, comp.labels].to_numpy() > TOL).any()] or sorted(set(cap["class"]))
    side = d.hubs.set_index("hub")["side"].to_dict()
    order = {"east": 0, "west": 1}
    hubs = sorted(set(cap["hub"]), key=lambda h: (order.get(side.get(h, ""), 2), h))
    names = [words(lang)["other_sites"] if h == "(no hub)" else d.names.of("hubs", [h], lang, short=True).iloc[0]
             for h in hubs]
    n = len(comp.labels)
    with matplotlib.rc_context(rc(lang)):
        fig = figure((min(16.0, max(7.0, 0.2 * len(hubs) * n + 3)), 2.7 * len(classes) + 0.9), DPI)
        fig.set_layout_engine("constrained")
        axes = fig.subplots(len(classes), 1, squeeze=False)[:, 0]
        width = 0.8 / n
        x = np.arange(len(hubs))
        for ax, cl in zip(axes, classes, strict=True):
            c = cap[cap["class"] == cl].set_index("hub").reindex(hubs).fillna(0.0)
            hue = C.class_colour(cl, d.classes)
            colours = ["#9e9e9e"] + [C.mix(hue, "#000000", 0.3 * k / max(n - 2, 1)) for k in range(n - 1)]
            for i, lab in enumerate(comp.labels):
                ax.bar(x + (i - (n - 1) / 2) * width, c[lab], width, color=colours[i])
            ax.set_xticks(x, names, rotation=30 if lang == "en" else 0, ha="right" if lang == "en" else "center",
                          fontsize=8)
            for tick, h in zip(ax.get_xticklabels(), hubs, strict=True):
                tick.set_color(C.SIDE.get(side.get(h, ""), C.INK_SOFT))
            ax.set_title(f"{cls_label(cl, lang)} (PFLOPS)", fontsize=9.5, loc="left", color=C.mix(hue, "#000000", 0.3))
            ax.grid(axis="y", alpha=0.3)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", labelsize=7.5)
            ax.yaxis.set_major_formatter("{x:,.0f}")
            for s in ("top", "right"):
                ax.spines[s].set_visible(False)
            ax.legend(handles=[Patch(color=col, label=lab) for col, lab in zip(colours, comp.labels, strict=True)],
                      fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.suptitle(chart_words(lang)["capacity_title"].format(period=d.period), fontsize=11, x=0.01, ha="left")
        fig.savefig(path, format="png", dpi=DPI, facecolor="white", bbox_inches="tight", pad_inches=0.15)
