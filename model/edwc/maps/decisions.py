"""Maps of the decision analytics, drawn from the CSV files in a result folder, in Chinese (the
default) or English (files named *.en.png), each with the South China Sea inset, a scale bar and
the maps' disclaimer:

- marginal_cost.png: provinces shaded by the marginal cost of compute, one panel per workload
  (marginal_compute.csv, written by `edwc price`), in five classes; a spread under 1 % is one grey;
- corridors.png: region → site flows coloured by the ledger's verdict, move bits or move watts, a
  saving under 1 % of the flow's cost grey (no material difference), the largest labelled by name;
- firm.png and uncertainty_map.png: maps/sites_map.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from edwc.maps import colours as C
from edwc.maps.base import province_of
from edwc.maps.decision_panels import classes, figure, save, shade, tick_format, xy
from edwc.maps.decision_panels import colourbar as bar
from edwc.maps.draw import THIN_HALO
from edwc.maps.i18n import pct, suffix
from edwc.maps.i18n_decisions import decision_words, workload_label
from edwc.maps.place import Placer
from edwc.results.names import read_names

IDS = {"region": str, "site": str, "hub": str}
# Move bits: the west's green (work travels to it); move watts: the east's brown (serve it at home);
# a saving under MATERIAL of the flow's cost: mid grey, whichever way it points.
VERDICT_COLOURS = {"move bits": C.SIDE["west"], "move watts": C.SIDE["east"], "same": "#8a8a8a",
                   "local": "#cfcfcf", "no own-side alternative": "#7b3294"}
MATERIAL = 0.01  # a spread (or a saving) below this share is no material difference
LABELLED_CORRIDORS = 8


def _instance_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "instance" / f"{name}.csv", dtype=IDS)


def render_marginal_map(folder: Path, lang: str = "zh") -> list[Path]:
    """marginal_cost[.en].png (at the plan), marginal_cost_long_run[.en].png (building for it) and
    corridors[.en].png."""
    folder = Path(folder)
    w, sx = decision_words(lang), suffix(lang)
    out = []
    if (folder / "marginal_compute.csv").is_file():
        out.append(marginal_cost_map(folder, "marginal_cost_cny_per_pflops_year", f"marginal_cost{sx}.png",
                                     w["mc_short"], w["mc_note_short"], lang))
        out.append(marginal_cost_map(folder, "long_run_cny_per_pflops_year", f"marginal_cost_long_run{sx}.png",
                                     w["mc_long"], w["mc_note_long"], lang))
    if (folder / "corridors.csv").is_file():
        out.append(corridor_map(folder, lang))
    return out


def marginal_cost_map(folder: Path, column: str, name: str, what: str, note: str, lang: str = "zh") -> Path:
    w = decision_words(lang)
    mc = pd.read_csv(folder / "marginal_compute.csv", dtype=IDS)
    mc = mc[mc["period"] == mc["period"].max()].assign(province=lambda d: d["region"].map(province_of))
    workloads = list(dict.fromkeys(mc["workload"]))
    cols = min(3, len(workloads))
    fig, axes = figure(len(workloads), cols, w["mc_title"].format(period=int(mc["period"].max()), what=what), note,
                       lang, panel_in=(5.2, 4.9))
    flag = column == "marginal_cost_cny_per_pflops_year"
    for ax, wl in zip(axes, workloads, strict=True):
        g = mc[mc["workload"] == wl]
        unmet = g.groupby("province")["next_pflops_unmet"].any() if flag else None
        ok = g[~g["next_pflops_unmet"]] if flag else g.dropna(subset=[column])
        weight = ok["demand_pflops"].where(ok["demand_pflops"] > 0, 1.0)
        val = (ok[column] * weight).groupby(ok["province"]).sum() / weight.groupby(ok["province"]).sum()
        lo, hi = (float(val.min()), float(val.max())) if len(val) else (0.0, 1.0)
        mid = float(val.median()) if len(val) else 0.0
        spread = (hi - lo) / abs(mid) if mid else 0.0
        title = workload_label(wl, str(g["class"].iloc[0]), lang)
        keys = [Patch(facecolor=C.UNMET, edgecolor="#bbbbbb", lw=0.5, label=w["mc_unmet"])] \
            if unmet is not None and unmet.any() else []
        if not len(val):
            shade(ax, special=unmet, lang=lang)
            ax.set_title(w["mc_none"].format(title=title), fontsize=8.5, loc="left")
        elif spread < MATERIAL:  # a sub-threshold spread is never stretched over a colour ramp
            shade(ax, val.clip(mid, mid), "Greys", _one_grey(mid), special=unmet, lang=lang)
            ax.set_title(w["mc_flat"].format(title=title, mid=f"{mid / 1e6:,.2f}", spread=pct(spread, 2),
                                             material=pct(MATERIAL)), fontsize=8.5, loc="left")
        else:
            ramp, norm, breaks = classes(lo, hi)
            shade(ax, val, ramp, norm, special=unmet, lang=lang)  # type: ignore[arg-type]
            ax.set_title(w["mc_spread"].format(title=title, spread=pct(spread, 1), mid=f"{mid / 1e6:,.2f}"),
                         fontsize=8.5, loc="left")
            bar(fig, ax, ramp, norm, w["mc_bar"], fmt=tick_format(breaks), ticks=breaks)
        if keys:
            ax.legend(handles=keys, loc="upper left", fontsize=6.5, framealpha=0.9, edgecolor="#dddddd")
    return save(fig, folder / name)


def _one_grey(mid: float):  # noqa: ANN202
    from matplotlib.colors import Normalize

    return Normalize(mid - 1.0, mid + 4.0)  # the value maps to one light grey


def corridor_kind(verdict: str, saving: float, cost: float) -> str:
    """move bits / move watts / local / no own-side alternative, or `same` when the saving is
    under MATERIAL of the flow's cost (no material difference, whichever way)."""
    for k in ("move bits", "move watts", "local"):
        if k in verdict:
            if k != "local" and cost > 0 and abs(saving) < MATERIAL * cost:
                return "same"
            return k
    return "no own-side alternative"


def corridor_map(folder: Path, lang: str = "zh") -> Path:
    w = decision_words(lang)
    cor = pd.read_csv(folder / "corridors.csv", dtype=IDS)
    cor = cor[cor["period"] == cor["period"].max()] if "period" in cor and len(cor) else cor
    regions, sites = _instance_table(folder, "regions"), _instance_table(folder, "sites")
    names = read_names(folder / "instance")
    rx, ry = xy(regions["lon"], regions["lat"])
    sx, sy = xy(sites["lon"], sites["lat"])
    rxy = dict(zip(regions["region"], zip(rx, ry, strict=True), strict=True))
    sxy = dict(zip(sites["site"], zip(sx, sy, strict=True), strict=True))
    cor = cor.assign(kind=[corridor_kind(v, s, c) for v, s, c in
                           zip(cor["verdict"], cor["saving_cny"], cor["cost_cny"], strict=True)]).sort_values("it_mw")
    count = cor.groupby("kind")["it_mw"].agg(["size", "sum"])

    def n(k: str, what: str = "size") -> str:
        return f"{count.loc[k, what]:,.0f}" if k in count.index else "0"

    head = w["cor_head"].format(bits=n("move bits"), bits_mw=n("move bits", "sum"), local=n("local"),
                                local_mw=n("local", "sum"), watts=n("move watts"), watts_mw=n("move watts", "sum"),
                                same=n("same"))
    fig, (ax,) = figure(1, 1, w["cor_title"], w["cor_note"].format(material=pct(MATERIAL), n=LABELLED_CORRIDORS),
                        lang, panel_in=(11, 8.8), sub=head)
    inset = shade(ax, lang=lang, inset_width=0.16)
    top = float(cor["it_mw"].max()) if len(cor) else 1.0
    segs = [[rxy[r], sxy[s]] for r, s in zip(cor["region"], cor["site"], strict=True)]
    widths = 0.4 + 5.0 * np.sqrt(cor["it_mw"].to_numpy() / top)
    ax.add_collection(LineCollection(segs, colors=[VERDICT_COLOURS[k] for k in cor["kind"]], linewidths=widths,
                                     alpha=0.7, zorder=4, capstyle="round"))
    ax.scatter(sx, sy, s=16, c="#333333", zorder=5, marker="s", edgecolors="white", linewidths=0.4)
    ax.scatter(rx, ry, s=7, c="#5b7fa6", zorder=5)
    shown = [k for k in VERDICT_COLOURS if k in set(cor["kind"])]
    nice = _nice(top)
    legend = ax.legend(
        handles=[Line2D([], [], color=VERDICT_COLOURS[k], lw=3, label=w[k].format(material=pct(MATERIAL)))
                 for k in shown]
        + [Line2D([], [], color="#777777", lw=0.4 + 5.0 * np.sqrt(v / top), label=w["width_key"].format(mw=f"{v:,.0f}"))
           for v in (nice, nice / 4)]
        + [Line2D([], [], marker="s", ls="", color="#333333", label=w["site"]),
           Line2D([], [], marker="o", ls="", color="#5b7fa6", ms=4, label=w["region"])],
        loc="upper left", fontsize=8, title=w["cor_widest"].format(mw=f"{top:,.0f}"), title_fontsize=8,
        framealpha=0.92, edgecolor="#cccccc")
    legend.set_zorder(10)
    fig.tight_layout(rect=(0, 0.045, 1, 0.93))  # final layout first: the placer measures in display pixels
    placer = Placer(ax)
    placer.reserve_artist(legend)
    placer.reserve_artist(inset)
    for x, y in zip(sx, sy, strict=True):
        placer.reserve_data(x, y, 3)
    biggest = cor[cor["kind"] != "local"].nlargest(LABELLED_CORRIDORS, "it_mw")
    for r in biggest.itertuples(index=False):
        (x0, y0), (x1, y1) = rxy[r.region], sxy[r.site]
        label = (f"{names.of('regions', [r.region], lang, short=True).iloc[0]}→"
                 f"{names.of('sites', [r.site], lang, short=True).iloc[0]} {r.it_mw:,.0f} MW")
        placer.place(label, (x0 + x1) / 2, (y0 + y1) / 2, gap_pt=3, fontsize=7,
                     color=C.mix(VERDICT_COLOURS[r.kind], "#000000", 0.3), path_effects=THIN_HALO, zorder=8,
                     optional=True)
    return save(fig, folder / f"corridors{suffix(lang)}.png", layout=False)


def _nice(top: float) -> float:
    from edwc.maps.panels import nice_value

    return nice_value(top)
