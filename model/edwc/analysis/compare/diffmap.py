"""The comparison's difference map (diff_map.png): installed capacity change per site against the
baseline, one row per compared result and one panel per class, drawn by the national-map
renderer of edwc.maps (Albers projection, hub provinces tinted by side, the ten-dash line and
a South China Sea inset in every panel, the scale bar and the maps' disclaimer).

A class's panels share one circle scale (area ∝ |change| in that class's PFLOPS), so rows can
be compared; classes are not summed (their PFLOPS are in different precisions).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.chart_words import chart_words, signed
from edwc.analysis.compare.comparison import TOL, Comparison
from edwc.results.digest import Digest

PANEL_IN = (4.7, 4.3)  # one panel, inches (map, title lines and margins)
SITE_PT = (2.0, 14.0)  # circle radius range, points
LABELLED = 5  # largest changes labelled per panel


def plot_diff_map(comp: Comparison, path: Path, lang: str = "zh", digest: Digest | None = None,
                  dpi: int = 110) -> None:
    """Draw diff_map[.LANG].png for ``comp`` (the baseline's digest is read when not given)."""
    import matplotlib

    from edwc.maps.i18n import words
    from edwc.maps.mapdata import MapData
    from edwc.maps.static import figure, rc
    from edwc.results.digest import read_digest

    d = digest if digest is not None else read_digest(comp.folders[0])
    m = MapData(d, lang)
    w, cw = words(lang), chart_words(lang)
    sc = comp.site_change
    classes = [c for c in d.classes if c in set(sc["class"])] or list(d.classes)
    rows, cols = max(len(comp.others), 1), max(len(classes), 1)
    # the disclaimer wrapped to the figure's width (one class changed: one panel wide), the foot grown to hold it
    note = textwrap.fill(w["note"], int((8 if lang == "zh" else 16) * PANEL_IN[0] * cols))
    head_in, foot_in = 0.75, 0.27 + 0.13 * len(note.splitlines())
    size = (PANEL_IN[0] * cols + 0.2, PANEL_IN[1] * rows + head_in + foot_in)
    with matplotlib.rc_context(rc(lang)):
        fig = figure(size, dpi)
        fig.text(0.5 / size[0], 1 - 0.12 / size[1], cw["diff_title"].format(base=comp.base, period=d.period),
                 fontsize=14, va="top")
        fig.text(0.5 / size[0], 1 - 0.45 / size[1], cw["diff_sub"], fontsize=8.5, va="top", color="#555555")
        fills = m.fills("hubs")
        xy = _site_xy(m, sc)
        for j, cls in enumerate(classes):
            in_cls = sc[sc["class"] == cls]
            top = float(in_cls["delta_pflops"].abs().max()) if len(in_cls) else 0.0
            for i, lab in enumerate(comp.others):
                rect = ((0.1 + j * PANEL_IN[0]) / size[0],
                        (foot_in + (rows - 1 - i) * PANEL_IN[1] + 0.1) / size[1],
                        (PANEL_IN[0] - 0.2) / size[0], (PANEL_IN[1] - 0.62) / size[1])
                ax = fig.add_axes(rect)
                draw_panel(ax, m, in_cls[in_cls["result"] == lab], xy, top, cls, fills,
                           cw["diff_panel"], lab, comp.base)
        fig.text(0.1 / size[0], 0.1 / size[1], note, fontsize=7, color="#555555", va="bottom")
        fig.savefig(path, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 3})


def _site_xy(m: Any, sc: pd.DataFrame) -> pd.DataFrame:
    """Map x, y and the short name (page language) of every site in the comparison: from the
    baseline's digest, else from the site table's own lon/lat (a site only a scenario has)."""
    from edwc.maps.geo import project_xy

    known = m.sites.set_index("site")[["x", "y", "label"]]
    extra = sc[~sc["site"].isin(known.index)].drop_duplicates("site").dropna(subset=["lon", "lat"])
    if len(extra):
        x, y = project_xy(extra["lon"], extra["lat"])
        known = pd.concat([known, pd.DataFrame({"x": x, "y": y, "label": extra["name"].astype(str).to_numpy()},
                                               index=extra["site"])])
    return known


def draw_panel(ax: Any, m: Any, ch: pd.DataFrame, xy: pd.DataFrame, top: float, cls: str,
               fills: list[str], title: str, label: str, base: str) -> None:
    """One result × one class: grown sites solid, shrunk sites as rings, the largest labelled."""
    from edwc.maps import colours as C
    from edwc.maps.draw import THIN_HALO, draw_basemap, draw_inset, scale_bar, setup
    from edwc.maps.geo import basemap
    from edwc.maps.i18n import cls_label, words
    from edwc.maps.mapdata import site_sizes
    from edwc.maps.place import Placer

    bm = basemap()
    setup(ax, bm.main_bounds)
    draw_basemap(ax, fills, bm.main_bounds, outline_lw=0.5, coarse=True)
    hue = C.class_colour(cls, m.d.classes)
    dark = C.mix(hue, "#000000", 0.35)
    ax.scatter(xy["x"], xy["y"], s=5, c=C.INK_FAINT, alpha=0.55, linewidths=0, zorder=3)
    ch = ch[ch["site"].isin(xy.index)]
    delta = ch["delta_pflops"].to_numpy(float)
    sx, sy = xy.loc[ch["site"], "x"].to_numpy(), xy.loc[ch["site"], "y"].to_numpy()
    r = site_sizes(np.abs(delta), SITE_PT, top or 1.0)
    more, less = delta > TOL, delta < -TOL
    ax.scatter(sx[more], sy[more], s=(2 * r[more]) ** 2, c=hue, alpha=0.85, edgecolors="white",
               linewidths=0.5, zorder=4)
    ax.scatter(sx[less], sy[less], s=(2 * r[less]) ** 2, facecolors=C.mix(hue, "#ffffff", 0.85),
               edgecolors=dark, linewidths=1.3, alpha=0.9, zorder=4.2)
    placer = Placer(ax)
    legend = _legend(ax, top, hue, dark, m.lang)
    placer.reserve_artist(legend)
    w = words(m.lang)
    placer.reserve_artist(draw_inset(ax, fills, w["scs"].replace(" Sea ", " Sea\n"), width=0.17))
    scale_bar(ax, 500, w["scale"].format(km=500), size=6)
    for x, y, rr, dv in zip(sx, sy, r, delta, strict=True):
        if abs(dv) > TOL:
            placer.reserve_data(x, y, rr)
    names = xy.loc[ch["site"], "label"].to_numpy()
    for i in np.argsort(-np.abs(delta))[:LABELLED]:
        if abs(delta[i]) <= TOL:
            break
        placer.place(f"{names[i]} {signed(delta[i])}", sx[i], sy[i], gap_pt=r[i], fontsize=7,
                     color=dark, path_effects=THIN_HALO, zorder=8)
    side = ch["site"].map(m.sites.set_index("site")["side"]).fillna("")
    west = float(ch.loc[(side == "west").to_numpy(), "delta_pflops"].sum())
    east = float(ch.loc[(side == "east").to_numpy(), "delta_pflops"].sum())
    ax.set_title(title.format(result=label, base=base, cls=cls_label(cls, m.lang), total=signed(float(delta.sum())),
                              west=signed(west), east=signed(east)),
                 fontsize=8.8, loc="left", color=dark, pad=4)


def _legend(ax: Any, top: float, hue: str, dark: str, lang: str) -> Any:
    from matplotlib.lines import Line2D

    from edwc.maps import colours as C
    from edwc.maps.mapdata import site_sizes
    from edwc.maps.panels import nice_value

    cw = chart_words(lang)
    nice = nice_value(top) if top > 0 else 1.0
    big, small = 2 * site_sizes(np.array([nice, nice / 4]), SITE_PT, top or 1.0)
    handles = [Line2D([], [], marker="o", ls="", mfc=hue, mec="white", ms=big,
                      label=f"{cw['more']} {nice:,.0f} PFLOPS"),
               Line2D([], [], marker="o", ls="", mfc=C.mix(hue, "#ffffff", 0.85), mec=dark, mew=1.3,
                      ms=small, label=f"{cw['less']} {nice / 4:,.0f}"),
               Line2D([], [], marker="o", ls="", mfc=C.INK_FAINT, mec="none", ms=3, label=cw["same"])]
    size = 6.5  # the handle box and row spacing fit the largest reference circle (in font sizes)
    legend = ax.legend(handles=handles, loc="upper left", fontsize=size, framealpha=0.9, handlelength=big / size,
                       labelspacing=max(1.0, 0.6 * big / size), borderpad=0.8, handletextpad=0.8, edgecolor="#dddddd")
    legend.set_zorder(10)
    return legend
