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
    province_labels,
    scale_bar,
    setup,
)
from edwc.maps.geo import basemap, project_xy
from edwc.maps.i18n import ef, pct, words
from edwc.maps.place import Placer
from edwc.results.digest import CONGESTED_AT, Digest, province_of

FIGSIZE_IN = (16.0, 14.0)
DPI = 115
SITE_PT = (2.0, 11.0)  # main panel site radius range, points
TRUNK_PT = (0.5, 3.6)  # trunk width range, points
YI = 1e8  # 亿元


def figure(size: tuple[float, float] = FIGSIZE_IN, dpi: int = DPI) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def rc(lang: str) -> dict:  # noqa: ARG001
    return {"font.family": [register_font(), "DejaVu Sans"], "font.size": 8.5,
            "axes.unicode_minus": False, "pdf.fonttype": 42, "svg.fonttype": "none"}


def render_plan(d: Digest, path: Path, fmt: str, lang: str, shade: str = "hubs") -> None:
    import matplotlib

    with matplotlib.rc_context(rc(lang)):
        fig = figure()
        draw_plan(fig, d, lang, shade)
        # fast zlib level: the PNG is ~10 % larger and written several times faster
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
        fig.savefig(path, format=fmt, dpi=DPI, facecolor="white", **extra)


def draw_plan(fig: Figure, d: Digest, lang: str, shade: str) -> None:
    from edwc.maps.panels import draw_class_panel, draw_hub_bars

    w = words(lang)
    m = MapData(d, lang)
    fig.text(0.012, 0.985, page_title(d, lang), fontsize=17, va="top")
    lines = headline_lines(d, lang)
    fig.text(0.012, 0.962, lines[0], fontsize=11.5, va="top", color=C.INK)
    fig.text(0.012, 0.945, lines[1], fontsize=10, va="top", color=C.INK_SOFT)
    ax = fig.add_axes((0.008, 0.325, 0.68, 0.605))
    draw_network(ax, m, shade)
    bars = fig.add_axes((0.755, 0.36, 0.23, 0.53))
    draw_hub_bars(bars, d, lang)
    for i, c in enumerate(d.classes[:3]):
        panel = fig.add_axes((0.008 + i * 0.332, 0.03, 0.32, 0.255))
        draw_class_panel(panel, m, c)
    fig.text(0.012, 0.008, w["note"], fontsize=7.2, color=C.INK_SOFT, ha="left", va="bottom")


def is_instance(d: Digest) -> bool:
    return d.summary.get("kind") == "instance"


def page_title(d: Digest, lang: str) -> str:
    w = words(lang)
    if is_instance(d):
        return w["title_instance"].format(name=title_name(d))
    return w["title"].format(name=title_name(d), period=d.period)


def title_name(d: Digest) -> str:
    s = d.summary
    return str(s.get("instance", "")) + (f" / {s['scenario']}" if s.get("scenario") else "")


def headline_lines(d: Digest, lang: str) -> list[str]:
    w, h = words(lang), d.headline()
    if is_instance(d):
        return [w["instance_line"].format(
            regions=len(d.regions), sites=len(d.sites), trunks=len(d.trunks),
            installed=ef(h["installed_pflops"]), period=d.period,
            demand=ef(h["demand_pflops"])), w["instance_line2"]]
    penalty = w["penalty"].format(v=f"{h['unmet_penalty_cny'] / YI:,.0f}") if h[
        "unmet_penalty_cny"] > 0.5 * YI else ""
    return [
        w["headline"].format(installed=ef(h["installed_pflops"]), built=ef(h["built_pflops"]),
                             west_new=pct(h["west_share_new"]), intel=pct(h["intelligent_share"]),
                             cost=f"{h['cost_cny'] / YI:,.0f}", penalty=penalty),
        w["headline2"].format(unmet=pct(h["unmet_share"], 1),
                              unmet_pflops=f"{h['unmet_pflops']:,.0f}",
                              congested=int(h["congested"]), at=pct(CONGESTED_AT),
                              gap=pct(h["mip_gap"], 2)),
    ]


class MapData:
    """The digest in map coordinates and in one language."""

    def __init__(self, d: Digest, lang: str) -> None:
        self.d, self.lang = d, lang
        names = d.names
        s = d.sites.copy()
        s["x"], s["y"] = project_xy(s["lon"], s["lat"])
        s["label"] = names.of("sites", s["site"], lang, short=True).to_numpy()
        s["province"] = s["region"].map(province_of)
        self.sites = s
        h = d.hubs[d.hubs["hub"] != ""].dropna(subset=["lon", "lat"]).copy()
        h["x"], h["y"] = project_xy(h["lon"], h["lat"])
        h["label"] = names.of("hubs", h["hub"], lang, short=True).to_numpy()
        self.hubs = h
        nodes = pd.concat([d.regions.set_index("region")[["lon", "lat"]],
                           d.sites.set_index("site")[["lon", "lat"]]])
        nodes = nodes[~nodes.index.duplicated()]
        t = d.trunks.copy()
        ok = t["from"].isin(nodes.index) & t["to"].isin(nodes.index)
        t = t[ok].reset_index(drop=True)
        t["x0"], t["y0"] = project_xy(nodes.loc[t["from"], "lon"], nodes.loc[t["from"], "lat"])
        t["x1"], t["y1"] = project_xy(nodes.loc[t["to"], "lon"], nodes.loc[t["to"], "lat"])
        site_ids = set(s["site"])
        t["access_site"] = np.where(t["to"].isin(site_ids), t["to"],
                                    np.where(t["from"].isin(site_ids), t["from"], ""))
        t["label"] = names.trunk_label(t["from"], t["to"], lang).to_numpy()
        self.trunks = t
        self.hub_provinces = s.dropna(subset=["hub"]).groupby("province")["side"].first()

    def fills(self, shade: str) -> list[str]:
        """One fill per basemap province: hub provinces tinted by side, others plain land;
        Taiwan, Hong Kong and Macao (no data in the instances) in the no-data grey."""
        bm = basemap()
        if shade in ("demand", "west_share"):
            values = self.province_values(shade)
            top = float(values.max()) if len(values) and values.max() > 0 else 1.0
            ramp = C.SHADE_RAMP if shade == "demand" else C.SIDE_RAMP
            return [C.ramp(ramp, values[a] / (1.0 if shade == "west_share" else top))
                    if a in values.index and values[a] == values[a] else
                    (C.LAND if m else C.NO_DATA) for a, m in zip(bm.adcode, bm.mainland,
                                                                  strict=True)]
        return [C.SIDE_TINT[self.hub_provinces[a]] if a in self.hub_provinces.index
                and self.hub_provinces[a] in C.SIDE_TINT else (C.LAND if m else C.NO_DATA)
                for a, m in zip(bm.adcode, bm.mainland, strict=True)]

    def province_values(self, shade: str) -> pd.Series:
        serve = self.d.serve_last()
        prov = serve["region"].map(province_of)
        if shade == "west_share":
            side = self.d.sites.set_index("site")["side"]
            west = serve["pflops"].where(serve["site"].map(side) == "west", 0.0)
            tot = serve["pflops"].groupby(prov).sum()
            return west.groupby(prov).sum() / tot.where(tot > 0)
        unmet = self.d.tables["unmet"]
        unmet = unmet[unmet["period"] == self.d.period]
        return (serve["pflops"].groupby(prov).sum()
                .add(unmet["pflops"].groupby(unmet["region"].map(province_of)).sum(),
                     fill_value=0.0))


def trunk_widths(cap: pd.Series) -> np.ndarray:
    lo, hi = TRUNK_PT
    top = float(cap.max()) if len(cap) and cap.max() > 0 else 1.0
    return lo + (hi - lo) * np.sqrt(cap.fillna(0).to_numpy() / top)


def site_sizes(values: np.ndarray, lo_hi: tuple[float, float] = SITE_PT,
               top: float | None = None) -> np.ndarray:
    """Radius in points, area ∝ value."""
    lo, hi = lo_hi
    top = top or (float(values.max()) if len(values) and values.max() > 0 else 1.0)
    return lo + (hi - lo) * np.sqrt(np.clip(values, 0, None) / top)


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
    if full_access:
        names = "、".join(s.set_index("site").loc[sorted(full_access), "label"]) if lang == "zh" \
            else ", ".join(s.set_index("site").loc[sorted(full_access), "label"])
        ax.text(0.01, 0.075, f"{w['congested_access']}: {names}", transform=ax.transAxes,
                fontsize=7, color=C.CONGESTED, ha="left", va="bottom", wrap=True,
                path_effects=THIN_HALO, zorder=9)


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
    ]
    for side in ("east", "west"):
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
