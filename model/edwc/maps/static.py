"""The static map (matplotlib + geopandas): PNG, SVG or PDF."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection, PatchCollection  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Wedge  # noqa: E402

from edwc.maps.base import ALBERS, class_colour, register_font, text, workload_colours  # noqa: E402
from edwc.maps.flows import flow_arcs, widths  # noqa: E402
from edwc.maps.scene import Scene, line_coords  # noqa: E402

FIGSIZE_IN = (13.0, 10.0)
DPI = 150
SEA, LAND, NO_DATA, BORDER = "#e8f1f8", "#f2f2ee", "#dddddd", "#ffffff"
SITE_RADIUS_M = (22_000.0, 95_000.0)
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
INSET_LONLAT = (106.0, 3.0, 123.5, 24.5)
SHADE_CMAP = {"demand": "YlGnBu", "west_share": "PuOr", "reach": "Greens"}
UTIL_CMAP = LinearSegmentedColormap.from_list(
    "utilisation", ["#9ecae1", "#fdae61", "#d7191c", "#67000d"])


def render_static(scene: Scene, path: Path, fmt: str) -> None:
    family = register_font()
    with plt.rc_context({"font.family": [family, "DejaVu Sans"], "font.size": 9,
                         "axes.unicode_minus": False, "pdf.fonttype": 42}):
        fig = plt.figure(figsize=FIGSIZE_IN, dpi=DPI)
        try:
            draw(fig, scene)
            fig.savefig(path, format=fmt, dpi=DPI, facecolor="white")
        finally:
            plt.close(fig)


def draw(fig: plt.Figure, scene: Scene) -> None:
    ax = fig.add_axes((0.01, 0.07, 0.98, 0.86))
    setup_axes(ax, scene.bounds)  # first: the legend's size key needs the map scale
    cmap = draw_base(ax, scene, labels=True)
    trunk_norm = draw_trunks(ax, scene)
    draw_reach(ax, scene)
    draw_flows(ax, scene)
    radius = draw_sites(ax, scene)
    draw_hubs(ax, scene)
    draw_inset(ax, scene)
    draw_legend(ax, scene, radius)
    draw_colourbars(fig, scene, cmap, trunk_norm)
    setup_axes(ax, scene.bounds)  # again: geopandas re-scales and labels the axes
    t = text(scene.lang)
    fig.suptitle(scene.title, x=0.02, y=0.975, ha="left", fontsize=16)
    fig.text(0.01, 0.008, t["note"], fontsize=7.5, color="#555555", ha="left", va="bottom")


def setup_axes(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def shade_cmap(scene: Scene) -> tuple[str, Normalize]:
    values = scene.provinces["value"].dropna()
    if "west" in scene.shade_label.lower() or "西部" in scene.shade_label:
        return SHADE_CMAP["west_share"], Normalize(0, 1)
    name = SHADE_CMAP["demand"] if scene.solved else SHADE_CMAP["reach"]
    top = float(values.max()) if len(values) and values.max() > 0 else 1.0
    return name, Normalize(0, top)


def draw_base(ax: Axes, scene: Scene, labels: bool) -> tuple[str, Normalize]:
    scene.neighbours.plot(ax=ax, color=LAND, edgecolor="#c8c8c8", linewidth=0.4)
    cmap, norm = shade_cmap(scene)
    prov = scene.provinces
    prov[prov["value"].isna()].plot(ax=ax, color=NO_DATA, edgecolor=BORDER, linewidth=0.5)
    shaded = prov[prov["value"].notna()]
    if len(shaded):
        shaded.plot(ax=ax, column="value", cmap=cmap, norm=norm, edgecolor=BORDER,
                    linewidth=0.5)
    prov.dissolve().boundary.plot(ax=ax, color="#707070", linewidth=0.7)
    scene.ten_dash.plot(ax=ax, color="#707070", linewidth=0.8)
    if labels:
        for r in prov.itertuples(index=False):
            ax.annotate(r.label, (r.label_x, r.label_y), fontsize=7, color="#505050",
                        ha="center", va="center", path_effects=HALO, annotation_clip=True)
    return cmap, norm


def draw_trunks(ax: Axes, scene: Scene) -> Normalize:
    norm = Normalize(0, 1)
    tr = scene.trunks
    if tr.empty:
        return norm
    segs = line_coords(tr.geometry)
    if scene.solved:
        up = tr["upgraded"].to_numpy(bool)
        ax.add_collection(LineCollection([s for s, u in zip(segs, up, strict=True) if u],
                                         colors="black", linewidths=4.0, zorder=3))
        colours = UTIL_CMAP(norm(tr["utilisation"].fillna(0).to_numpy()))
        ax.add_collection(LineCollection(segs, colors=colours, linewidths=2.0, zorder=3.1))
    else:
        ax.add_collection(LineCollection(segs, colors="#6b6b6b", linewidths=1.2, zorder=3))
    return norm


def draw_reach(ax: Axes, scene: Scene) -> None:
    if scene.reach.empty:
        return
    limits = scene.reach.groupby("workload")["max_rtt_ms"].first().sort_values()
    tight = scene.reach[scene.reach["workload"] == limits.index[0]]
    ax.add_collection(LineCollection(line_coords(tight.geometry), colors="#2ca02c",
                                     linewidths=0.6, alpha=0.35, zorder=2.5))


def draw_flows(ax: Axes, scene: Scene) -> None:
    f = scene.flows
    if f.empty:
        return
    colours = workload_colours(scene.workloads)
    f = f.sort_values("rel")  # big flows on top
    ax.add_collection(LineCollection(flow_arcs(f, scene.workloads),
                                     colors=[colours[w] for w in f["workload"]],
                                     linewidths=widths(f["rel"]), alpha=0.6, zorder=4,
                                     capstyle="round"))


def site_mw(scene: Scene) -> pd.DataFrame:
    col = "installed_it_mw_{}" if scene.solved else "existing_pflops_{}"
    mw = pd.DataFrame({c: scene.sites.get(col.format(c), 0.0) for c in scene.classes})
    return mw.fillna(0.0).clip(lower=0.0)


def site_radius(total: np.ndarray) -> tuple[np.ndarray, float]:
    lo, hi = SITE_RADIUS_M
    top = float(total.max()) if len(total) and total.max() > 0 else 1.0
    return lo + (hi - lo) * np.sqrt(total / top), top


def draw_sites(ax: Axes, scene: Scene) -> tuple[float, float]:
    sites = scene.sites
    if sites.empty:
        return 0.0, 1.0
    mw = site_mw(scene) if scene.solved else None
    if mw is None:
        ax.scatter(sites["x"], sites["y"], s=40, marker="s", c="#333333", zorder=5,
                   edgecolors="white", linewidths=0.8)
        draw_site_labels(ax, sites, np.full(len(sites), 30_000.0))
        return 0.0, 1.0
    total = mw.sum(axis=1).to_numpy()
    radius, top = site_radius(total)
    wedges = []
    for i, (x, y) in enumerate(zip(sites["x"], sites["y"], strict=True)):
        wedges += pie(x, y, radius[i], mw.iloc[i], scene.classes)
    ax.add_collection(PatchCollection(wedges, match_original=True, zorder=5))
    new = sites.get("newly_opened", pd.Series(0, index=sites.index)).to_numpy() > 0
    ax.scatter(sites["x"][new], sites["y"][new], s=0, zorder=6)
    for x, y, r in zip(sites["x"][new], sites["y"][new], radius[new], strict=True):
        ax.add_patch(Wedge((x, y), r * 1.18, 0, 360, width=r * 0.12, color="black", zorder=6))
    draw_site_labels(ax, sites, radius)
    return float(top), float(SITE_RADIUS_M[1])


def pie(x: float, y: float, r: float, values: pd.Series, classes: list[str]) -> list[Wedge]:
    total = float(values.sum())
    if total <= 0:
        return [Wedge((x, y), r, 0, 360, facecolor="white", edgecolor="#333333", linewidth=0.8)]
    out, start = [], 90.0
    for c in classes:
        sweep = 360.0 * float(values[c]) / total
        if sweep > 0:
            out.append(Wedge((x, y), r, start, start + sweep, facecolor=class_colour(c, classes),
                             edgecolor="white", linewidth=0.6))
        start += sweep
    return out


def draw_site_labels(ax: Axes, sites: pd.DataFrame, radius: np.ndarray) -> None:
    for label, x, y, r in zip(sites["label"], sites["x"], sites["y"], radius, strict=True):
        ax.annotate(label, (x + r * 0.8, y - r * 0.8), fontsize=7, color="#202020",
                    ha="left", va="top", path_effects=HALO, zorder=7, annotation_clip=True)


def draw_hubs(ax: Axes, scene: Scene) -> None:
    for label, x, y in zip(scene.hubs["label"], scene.hubs["x"], scene.hubs["y"], strict=True):
        ax.annotate(label, (x, y), xytext=(0, 14), textcoords="offset points", fontsize=10.5,
                    color="#8b0000", ha="center", va="bottom",
                    path_effects=HALO, zorder=8, annotation_clip=True)


def draw_inset(ax: Axes, scene: Scene) -> None:
    box = shapely.segmentize(shapely.box(*INSET_LONLAT), 0.5)
    minx, miny, maxx, maxy = gpd.GeoSeries([box], crs="EPSG:4326").to_crs(ALBERS).total_bounds
    width = 0.15
    height = width * (maxy - miny) / (maxx - minx) * (ax.bbox.width / ax.bbox.height)
    inset = ax.inset_axes((1 - width - 0.005, 0.005, width, height))
    setup_axes(inset, (minx, miny, maxx, maxy))
    draw_base(inset, scene, labels=False)
    setup_axes(inset, (minx, miny, maxx, maxy))
    for side in inset.spines.values():
        side.set_edgecolor("#555555")
    inset.text(0.5, 0.02, text(scene.lang)["scs"], transform=inset.transAxes, ha="center",
               va="bottom", fontsize=7.5, path_effects=HALO)


def draw_legend(ax: Axes, scene: Scene, radius: tuple[float, float]) -> None:
    t = text(scene.lang)
    handles: list = []
    if scene.solved:
        handles += [Patch(facecolor=class_colour(c, scene.classes), label=t.get(c, c))
                    for c in scene.classes]
        handles.append(Line2D([], [], marker="o", ls="", mfc="white", mec="black", mew=2.0,
                              ms=9, label=t["new_site"]))
        colours = workload_colours(scene.workloads)
        shown = set(scene.flows["workload"])
        handles += [Line2D([], [], color=colours[w], lw=3, label=w) for w in scene.workloads
                    if w in shown]
        handles.append(Line2D([], [], color="black", lw=4, label=t["upgraded"]))
        title = f"{t['sites']}\n{t['flows']}\n{width_note(scene)}"
    else:
        handles.append(Line2D([], [], marker="s", ls="", color="#333333", label=t["site"]))
        handles.append(Line2D([], [], color="#6b6b6b", lw=1.2, label=t["trunks"].split("（")[0]
                              .split(" (")[0]))
        if not scene.reach.empty:
            w = scene.reach.sort_values("max_rtt_ms").iloc[0]
            handles.append(Line2D([], [], color="#2ca02c", lw=1, label=t["reach"].format(
                limit=float(w["max_rtt_ms"]), workload=w["workload"])))
        title = t["regions"]
    legend = ax.legend(handles=handles, loc="upper left", fontsize=7.5, title=title,
                       title_fontsize=7.5, framealpha=0.9, borderpad=0.6, labelspacing=0.5,
                       alignment="left")
    sizes = size_handles(ax, *radius) if scene.solved else []
    if sizes:
        ax.add_artist(legend)
        ax.legend(handles=sizes, loc="lower left", fontsize=7.5, labelspacing=2.4,
                  borderpad=1.4, handletextpad=1.8, framealpha=0.9, title="IT MW",
                  title_fontsize=7.5)


def size_handles(ax: Axes, top_mw: float, top_radius_m: float) -> list[Line2D]:
    """Legend circles at the map's scale for a few installed IT MW values."""
    if top_mw <= 0:
        return []
    pts_per_m = ax.bbox.width * 72 / ax.figure.dpi / np.diff(ax.get_xlim())[0]
    out = []
    for share in (1.0, 0.25):
        mw = top_mw * share
        r, _ = site_radius(np.array([mw, top_mw]))
        out.append(Line2D([], [], marker="o", ls="", mfc="#bbbbbb", mec="white",
                          ms=2 * r[0] * pts_per_m, label=f"{mw:,.0f} MW"))
    return out


def width_note(scene: Scene) -> str:
    t = text(scene.lang)
    top = scene.flows.groupby("class")["pflops"].max()
    items = ", ".join(f"{t.get(c, c)} {v:,.0f} PFLOPS" for c, v in top.items())
    return t["width_note"].format(items=items)


def draw_colourbars(fig: plt.Figure, scene: Scene, cmap_norm: tuple[str, Normalize],
                    trunk_norm: Normalize) -> None:
    cmap, norm = cmap_norm
    cax = fig.add_axes((0.30, 0.055, 0.22, 0.012))
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax,
                       orientation="horizontal")
    bar.set_label(scene.shade_label, fontsize=8)
    if scene.solved:
        tax = fig.add_axes((0.58, 0.055, 0.16, 0.012))
        tbar = fig.colorbar(plt.cm.ScalarMappable(norm=trunk_norm, cmap=UTIL_CMAP), cax=tax,
                            orientation="horizontal", format=lambda v, _: f"{v:.0%}")
        tbar.set_label(text(scene.lang)["utilisation"], fontsize=8)
