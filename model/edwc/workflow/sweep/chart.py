"""The sweep's chart (kpis[.LANG].png in the sweep folder): the key numbers of every case side
by side. Left, the annual cost parts stacked, with the unmet-demand penalty in a panel of its
own (edwc.analysis.costchart); right, the key shares per case: west share of new capacity,
intelligent share of installed capacity, west share of served work and unmet demand. Failed
cases keep their place on the axis, marked, so a gap is never mistaken for a zero.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from edwc.formulation.objective import COST_PARTS

SHARES = ("west_share_new", "intelligent_share", "west_share_served", "unmet_share")
DPI = 110


def kpi_frame(index: pd.DataFrame) -> pd.DataFrame:
    """Per case (solved or skipped ones with numbers): cost parts (CNY/yr) and the key shares. A column that no
    case has (every case failed: finding N-sweep-allfail-tb) reads as numbers not known."""
    df = index.set_index("case")
    out = pd.DataFrame(index=df.index)

    def num(col: str) -> pd.Series:
        return pd.to_numeric(df[col], errors="coerce") if col in df else pd.Series(np.nan, index=df.index)

    for p in COST_PARTS:
        out[f"cost_{p}_cny"] = num(f"cost_{p}_cny")
    installed, demand = num("installed_pflops"), num("demand_pflops")
    out["west_share_new"] = num("west_share_new")
    out["west_share_served"] = num("west_share_served")
    out["intelligent_share"] = num("installed_pflops_intelligent") / installed.where(installed > 0)
    out["unmet_share"] = num("unmet_pflops") / demand.where(demand > 0)
    out["unmet_pflops"] = num("unmet_pflops")
    out["unmet_value_cny"] = num("unmet_value_cny")
    out["ok"] = out[[f"cost_{p}_cny" for p in COST_PARTS]].notna().any(axis=1)
    return out


def kpi_chart_name(lang: str) -> str:
    from edwc.maps.i18n import suffix

    return f"kpis{suffix(lang)}.png"


def plot_kpis(index: pd.DataFrame, out: Path, lang: str = "zh") -> Path | None:
    """Draw kpis[.LANG].png into ``out`` (atomically); None when no case has numbers."""
    import matplotlib

    from edwc.analysis.chart_words import chart_words
    from edwc.analysis.costchart import axis_label, cost_frame, draw_costs
    from edwc.maps import colours as C
    from edwc.maps.base import write_atomically
    from edwc.maps.static import figure, rc

    k = kpi_frame(index)
    if not k["ok"].any():
        return None
    w = chart_words(lang)
    costs = cost_frame({c: ({p: k.loc[c, f"cost_{p}_cny"] for p in COST_PARTS} if k.loc[c, "ok"] else {})
                        for c in k.index}, k["unmet_value_cny"].fillna(0.0).to_dict(),
                       k["unmet_pflops"].fillna(0.0).to_dict())
    n = len(k)
    labels = [axis_label(str(c)) for c in k.index]
    longest = max((len(line) for lab in labels for line in lab.splitlines()), default=8) + 3
    share = 0.5 if (costs["unmet"] > 0.005).any() else 0.72  # of the width the cost bars get
    width_in = min(40.0, max(10.0, n * (0.055 * longest + 0.15) / share + 1.0))
    path = Path(out) / kpi_chart_name(lang)

    def draw(tmp: Path) -> None:
        with matplotlib.rc_context(rc(lang)):
            fig = figure((width_in, 9.0), DPI)
            fig.text(0.01, 0.99, w["kpis_title"].format(n=n), fontsize=12, va="top")
            cost_ax = draw_costs(fig, (0.07, 0.6, 0.92, 0.32), costs, lang)[0]
            box = cost_ax.get_position()  # the shares line up under the cost bars, case by case
            ax = fig.add_axes((box.x0, 0.12, box.width, 0.32))
            x = np.arange(n)
            colours = {"west_share_new": C.SIDE["west"], "intelligent_share": C.CLASS["intelligent"],
                       "west_share_served": C.SIDE_RAMP[3], "unmet_share": C.UNMET}
            marks = {"west_share_new": "o", "intelligent_share": "s", "west_share_served": "^", "unmet_share": "X"}
            for j, s in enumerate(SHARES):
                if k[s].notna().any():  # cases are a product of settings, not a series: markers only, side by side
                    ax.plot(x + (j - 1.5) * 0.09, k[s] * 100, label=w[s], color=colours[s], marker=marks[s], ms=7,
                            ls="", alpha=0.9, zorder=3)
            for xi, ok in zip(x, k["ok"], strict=True):
                if not ok:
                    ax.text(float(xi), 50, w["failed"], ha="center", va="center", fontsize=8, color=C.UNMET, rotation=90)
            ax.set_xticks(x, [t.get_text() for t in cost_ax.get_xticklabels()], fontsize=7.5)
            ax.set_xlim(cost_ax.get_xlim())
            ax.set_ylim(-3, 103)
            ax.yaxis.set_major_formatter("{x:.0f}%")
            ax.tick_params(axis="y", labelsize=7.5)
            ax.grid(axis="y", alpha=0.3)
            ax.set_title(w["shares_title"], fontsize=10, loc="left")
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
            fig.savefig(tmp, format="png", dpi=DPI, facecolor="white", bbox_inches="tight", pad_inches=0.15)  # a long legend entry is never cut off

    return write_atomically(path, draw)

