"""The plan map (PNG, SVG or PDF): the headline numbers in the title; the network and hubs
on the main panel; one small panel per class with its sites and main flows; a bar chart of
capacity by hub, east and west grouped. matplotlib's pyplot is never imported (Figure + Agg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from edwc.maps import colours as C
from edwc.maps.base import register_font
from edwc.maps.draw import (
    HALO,
    THIN_HALO,
    draw_basemap,
    draw_inset,
    fit_width,
    province_labels,
    scale_bar,
    setup,
)
from edwc.maps.geo import basemap
from edwc.maps.i18n import ef, pct, words
from edwc.maps.mapdata import MapData, headline_lines, page_title, site_sizes, trunk_widths
from edwc.maps.panels import draw_class_panel, draw_hub_bars
from edwc.maps.place import Placer
from edwc.results.digest import CONGESTED_AT, Digest
from edwc.results.limits import AT_LIMIT, limits_of

FIGSIZE_IN = (16.0, 14.0)
MAX_NAMED_ACCESS = 6  # more sites with a full access link than this: a count, not the names
DPI = 115


def figure(size: tuple[float, float] = FIGSIZE_IN, dpi: int = DPI) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def rc(lang: str) -> dict:  # noqa: ARG001
    # no hinting: glyph loading is most of a label's cost (the autohinter on the CJK font's
    # outlines); at these sizes and DPI the unhinted text reads the same
    return {"font.family": [register_font(), "DejaVu Sans"], "font.size": 8.5,
            "axes.unicode_minus": False, "pdf.fonttype": 42, "svg.fonttype": "none",
            "text.hinting": "no_hinting"}


def render_plan(d: Digest, path: Path, fmt: str, lang: str, shade: str = "hubs") -> None:
    import matplotlib

    with matplotlib.rc_context(rc(lang)):
        fig = figure()
        draw_plan(fig, d, lang, shade)
        if fmt == "png":
            save_png(fig, path)
        else:
            fig.savefig(path, format=fmt, dpi=DPI, facecolor="white")


def save_png(fig: Figure, path: Path) -> None:
    """Render once and write an RGB PNG (the map is opaque: no alpha channel to encode) at a
    fast zlib level (~10 % larger, written several times faster than the default)."""
    from PIL import Image

    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]
    Image.fromarray(rgba[..., :3]).save(path, format="png", compress_level=3,
                                        dpi=(fig.dpi, fig.dpi))


def draw_plan(fig: Figure, d: Digest, lang: str, shade: str) -> None:
    w = words(lang)
    m = MapData(d, lang)
    fig.text(0.012, 0.988, page_title(d, lang), fontsize=17, va="top")
    lines = headline_lines(d, lang)
    for text in (fig.text(0.012, 0.966, lines[0], fontsize=11.5, va="top", color=C.INK),
                 fig.text(0.012, 0.950, lines[1], fontsize=10, va="top", color=C.INK_SOFT)):
        fit_width(text, fig)  # the English headline of a multi-period plan ran off the right edge
    if len(lines) > 2:  # a multi-period plan: its build schedule beside the last period drawn
        fit_width(fig.text(0.012, 0.936, lines[2], fontsize=9.5, va="top", color=C.INK), fig)
    ax = fig.add_axes((0.008, 0.325, 0.68, 0.605 if len(lines) <= 2 else 0.593))  # the schedule line clear of the frame
    draw_network(ax, m, shade)
    bars = fig.add_axes((0.755, 0.36, 0.23, 0.53))
    draw_hub_bars(bars, d, lang)
    for i, c in enumerate(d.classes[:3]):
        panel = fig.add_axes((0.008 + i * 0.332, 0.03, 0.32, 0.255))
        draw_class_panel(panel, m, c)
    fig.text(0.012, 0.008, w["note"], fontsize=7.2, color=C.INK_SOFT, ha="left", va="bottom")


def draw_network(ax: Axes, m: MapData, shade: str) -> None:
    w, lang = words(m.lang), m.lang
    bm = basemap()
    setup(ax, bm.main_bounds)
    fills = m.fills(shade)
    draw_basemap(ax, fills, bm.main_bounds)
    province_labels(ax, lang)
    t = m.trunks
    util = t["utilisation"].fillna(0.0)
    segs = [np.array([[a, b], [c, e]]) for a, b, c, e in zip(t["x0"], t["y0"], t["x1"], t["y1"],
                                                             strict=True)]
    widths = trunk_widths(t["capacity_gbps"])
    order = np.argsort(util.to_numpy())
    ax.add_collection(LineCollection([segs[i] for i in order],
                                     colors=[C.trunk_grey(util.iloc[i]) for i in order],
                                     linewidths=widths[order], zorder=2, capstyle="round"))
    hot = t["congested"].to_numpy(bool)
    backbone = hot & (t["access_site"] == "").to_numpy()
    ax.add_collection(LineCollection([segs[i] for i in np.flatnonzero(backbone)],
                                     colors=C.CONGESTED, linewidths=widths[backbone] + 1.2,
                                     zorder=2.5, capstyle="round"))
    s = m.sites
    installed = s[[f"installed_{c}" for c in m.d.classes]].sum(axis=1).to_numpy()
    r = site_sizes(installed)
    ax.scatter(s["x"], s["y"], s=(2 * r) ** 2, c=[C.SIDE.get(v, C.INK_SOFT) for v in s["side"]],
               alpha=0.85, edgecolors="white", linewidths=0.6, zorder=4)
    limited = s["site"].isin(limits_of(m.d).site_ids).to_numpy()  # at the power limit: a thick dark outline
    ax.scatter(s["x"][limited], s["y"][limited], s=(2 * r[limited] + 1.5) ** 2, facecolors="none",
               edgecolors=C.AT_LIMIT, linewidths=2.2, zorder=4.4)
    direct = direct_mw(m.d)  # green direct supply built at the site: a sun-coloured star beside it
    dmw = s["site"].map(direct).fillna(0.0).to_numpy()
    has = dmw > 0.5
    if has.any():
        ax.scatter(s["x"][has] + 45e3, s["y"][has] + 45e3, marker="*",  # 45 km up and right of the site (Albers m)
                   s=70 + 160 * np.sqrt(dmw[has] / max(1.0, dmw.max())), c=C.DIRECT, edgecolors="#7a5a00",
                   linewidths=0.5, zorder=4.6)
    full_access = set(t.loc[hot & (t["access_site"] != "").to_numpy(), "access_site"])
    ring = s["site"].isin(full_access).to_numpy()
    ax.scatter(s["x"][ring], s["y"][ring], s=(2 * r[ring] + 5) ** 2, facecolors="none",
               edgecolors=C.CONGESTED, linewidths=1.6, zorder=4.5)
    placer = Placer(ax)
    legend = network_legend(ax, m)
    placer.reserve_artist(legend)
    inset = draw_inset(ax, fills, w["scs"])
    placer.reserve_artist(inset)
    scale_bar(ax, 500, w["scale"].format(km=500))
    for x, y, rr, rung in zip(s["x"], s["y"], r, ring, strict=True):
        placer.reserve_data(x, y, rr + (4.5 if rung else 0.5))
    hubs = m.hubs.sort_values("installed", ascending=False)
    for h in hubs.itertuples(index=False):
        key = "callout" if h.intelligent_share == h.intelligent_share else "callout_nointel"
        text = w[key].format(name=h.label, installed=ef(h.installed), built=ef(h.built),
                             intel=pct(h.intelligent_share))
        ax.plot(h.x, h.y, marker="D", ms=4.5, color=C.SIDE.get(h.side, C.INK), mec="white",
                mew=0.6, zorder=5)
        placer.place(text, h.x, h.y, gap_pt=8, fontsize=8.2, color=C.SIDE.get(h.side, C.INK),
                     linespacing=1.15, path_effects=HALO, zorder=8)
    for i in np.flatnonzero(backbone):
        row = t.iloc[i]
        placer.place(f"{row['label']} {pct(row['utilisation'])}", (row.x0 + row.x1) / 2,
                     (row.y0 + row.y1) / 2, gap_pt=2, fontsize=7, color=C.CONGESTED,
                     path_effects=THIN_HALO, zorder=8)
    if len(full_access) > MAX_NAMED_ACCESS:  # a long list crosses the map: the rings and a count say it
        ax.text(0.01, 0.075, f"{w['congested_access']}: {len(full_access)}", transform=ax.transAxes,
                fontsize=7, color=C.CONGESTED, ha="left", va="bottom", path_effects=THIN_HALO, zorder=9)
    elif full_access:
        names = "、".join(s.set_index("site").loc[sorted(full_access), "label"]) if lang == "zh" \
            else ", ".join(s.set_index("site").loc[sorted(full_access), "label"])
        ax.text(0.01, 0.075, f"{w['congested_access']}: {names}", transform=ax.transAxes,
                fontsize=7, color=C.CONGESTED, ha="left", va="bottom", wrap=True,
                path_effects=THIN_HALO, zorder=9)


def direct_mw(d) -> dict[str, float]:  # noqa: ANN001
    """PV + wind MW of green direct supply (绿电直连) in service at each site in the period the map shows."""
    st = d.tables.get("sites")
    if st is None or "direct_solar_mw" not in st:
        return {}
    st = st[st["period"] == d.period]
    return {str(k): float(v) for k, v in (st["direct_solar_mw"] + st["direct_wind_mw"]).groupby(st["site"]).sum().items()}


def network_legend(ax: Axes, m: MapData):  # noqa: ANN201
    w = words(m.lang)
    at = pct(CONGESTED_AT)
    cap = m.trunks["capacity_gbps"]
    handles: list = []
    if len(cap) and cap.max() > 0:
        for v in sorted({float(cap.max()), float(cap.max()) / 2}, reverse=True):
            handles.append(Line2D([], [], color=C.trunk_grey(0.6), lw=trunk_widths(
                pd.Series([v, cap.max()]))[0],
                label=f"{v / 1000:,.0f} Tbps" if v >= 1000 else f"{v:,.0f} Gbps"))
    handles += [
        Line2D([], [], color=C.CONGESTED, lw=2.6, label=w["congested"].format(at=at)),
        Line2D([], [], marker="o", ls="", mfc="none", mec=C.CONGESTED, mew=1.6, ms=9,
               label=w["congested_access"]),
        Line2D([], [], marker="o", ls="", mfc=C.SIDE["east"], mec=C.AT_LIMIT, mew=2.2, ms=8,
               label=w["at_limit"].format(at=pct(AT_LIMIT))),
    ]
    if any(v > 0.5 for v in direct_mw(m.d).values()):
        total = sum(direct_mw(m.d).values())
        handles.append(Line2D([], [], marker="*", ls="", mfc=C.DIRECT, mec="white", ms=10,
                              label=w["direct"].format(mw=f"{total:,.0f}")))
    for side in ("east", "west", "outside"):
        handles.append(Line2D([], [], marker="o", ls="", mfc=C.SIDE[side], mec="white", ms=7,
                              label=w["site_side"].format(side=w[side])))
    for side in ("east", "west"):
        handles.append(Patch(facecolor=C.SIDE_TINT[side], edgecolor="#bbbbbb", lw=0.5,
                             label=w["hub_tint"].format(side=w[side])))
    handles.append(Patch(facecolor=C.NO_DATA, edgecolor="#bbbbbb", lw=0.5, label=w["no_data"]))
    legend = ax.legend(handles=handles, loc="upper left", fontsize=7.2, title=w["trunk_width"],
                       title_fontsize=7.4, framealpha=0.92, borderpad=0.6, labelspacing=0.45,
                       handlelength=2.2, edgecolor="#cccccc", alignment="left")
    legend.set_zorder(10)
    return legend
