"""matplotlib pieces every static map shares: the basemap as cached paths, the South China Sea
inset, the scale bar, halos. Paths are built once per process; the inset draws only the
shapes that reach into its window.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path
from matplotlib.text import Text

from edwc.maps import colours as C
from edwc.maps.geo import basemap, line_parts, polygon_rings

HALO = [patheffects.withStroke(linewidth=2.4, foreground="white")]
THIN_HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]


def rings_path(geom) -> Path:  # noqa: ANN001
    rings = polygon_rings(geom)
    if not rings:
        return Path(np.zeros((1, 2)))
    verts = np.concatenate(rings)
    codes = np.full(len(verts), Path.LINETO, dtype=np.uint8)
    start = 0
    for r in rings:
        codes[start] = Path.MOVETO
        codes[start + len(r) - 1] = Path.CLOSEPOLY
        start += len(r)
    return Path(verts, codes)


@cache
def province_paths(coarse: bool = False) -> tuple[Path, ...]:
    bm = basemap()
    return tuple(rings_path(g) for g in (bm.provinces_coarse if coarse else bm.provinces))


@cache
def neighbour_paths(coarse: bool = False) -> tuple[Path, ...]:
    bm = basemap()
    return tuple(rings_path(g) for g in (bm.neighbours_coarse if coarse else bm.neighbours))


@cache
def outline_paths(coarse: bool = False) -> tuple[Path, ...]:
    bm = basemap()
    return tuple(rings_path(g) for g in (bm.outline_coarse if coarse else bm.outline))


@cache
def dash_segments() -> tuple[np.ndarray, ...]:
    return tuple(p for g in basemap().ten_dash for p in line_parts(g))


def in_window(geoms: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    return shapely.intersects(geoms, shapely.box(*bounds))


def setup(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(C.SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_edgecolor("#9a9a9a")
        side.set_linewidth(0.6)


def draw_basemap(ax: Axes, fills: list[str], bounds: tuple[float, float, float, float],
                 edge: str = C.BORDER, outline_lw: float = 0.7, coarse: bool = False) -> None:
    """Neighbours, provinces filled with ``fills`` (one per basemap province), the national
    outline and the ten-dash line; only shapes reaching into ``bounds``."""
    bm = basemap()
    near = in_window(bm.neighbours, bounds)
    ax.add_collection(PathCollection([p for p, k in zip(neighbour_paths(coarse), near, strict=True)
                                      if k], facecolors=C.NEIGHBOUR, edgecolors=C.NEIGHBOUR_EDGE,
                                     linewidths=0.4, zorder=0.5))
    keep = in_window(bm.provinces, bounds)
    paths = [p for p, k in zip(province_paths(coarse), keep, strict=True) if k]
    ax.add_collection(PathCollection(paths, facecolors=[f for f, k in zip(fills, keep,
                                                                         strict=True) if k],
                                     edgecolors=edge, linewidths=0.5, zorder=1))
    ax.add_collection(PathCollection(list(outline_paths(coarse)), facecolors="none",
                                     edgecolors=C.OUTLINE, linewidths=outline_lw, zorder=1.2))
    ax.add_collection(LineCollection(list(dash_segments()), colors=C.OUTLINE,
                                     linewidths=outline_lw + 0.2, zorder=1.2))


def province_labels(ax: Axes, lang: str, colour: str = C.INK_FAINT, size: float = 6.5) -> None:
    bm = basemap()
    names = bm.short_zh if lang == "zh" else bm.name_en
    for name, (x, y), main in zip(names, bm.label_xy, bm.mainland, strict=True):
        if main:
            ax.text(x, y, str(name), fontsize=size, color=colour, ha="center", va="center",
                    zorder=1.5, clip_on=True)


def draw_inset(ax: Axes, fills: list[str], label: str, width: float = 0.13) -> Axes:
    """The South China Sea inset in the lower right corner of ``ax``, same projection."""
    minx, miny, maxx, maxy = basemap().inset_bounds
    aspect = (maxy - miny) / (maxx - minx)
    frame = ax.get_window_extent()
    height = width * aspect * frame.width / frame.height
    inset = ax.inset_axes((1 - width - 0.004, 0.004, width, height))
    setup(inset, (minx, miny, maxx, maxy))
    draw_basemap(inset, fills, (minx, miny, maxx, maxy), outline_lw=0.5)
    text = inset.text(0.5, 0.03, label, transform=inset.transAxes, ha="center", va="bottom",
                      fontsize=INSET_LABEL_PT, color=C.INK_SOFT, path_effects=THIN_HALO)
    fit_inside(text, inset)
    return inset


INSET_LABEL_PT = 6.5


def fit_width(text: Text, fig, right: float = 0.99, least_pt: float = 6.0) -> None:  # noqa: ANN001
    """Shrink a figure-level ``text`` until it ends left of ``right`` (a fraction of the figure's width)."""
    renderer = fig.canvas.get_renderer()
    room = fig.bbox.width * right
    size = float(text.get_fontsize())
    while size > least_pt:
        box = text.get_window_extent(renderer)
        if box.x1 <= room:
            return
        size = max(least_pt, size * max(0.85, (room - box.x0) / box.width))
        text.set_fontsize(size)


def fit_inside(text: Text, ax: Axes, margin: float = 0.06, least_pt: float = 4.0) -> None:
    """Shrink ``text`` until it fits inside ``ax`` with ``margin`` (of the frame's width) on each side.

    The label of a narrow inset (a small panel, a long English name) would otherwise spill over its frame."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    room = ax.get_window_extent(renderer).width * (1 - 2 * margin)
    size = float(text.get_fontsize())
    while size > least_pt:
        width = text.get_window_extent(renderer).width
        if width <= room:
            return
        size = max(least_pt, size * max(0.8, room / width))
        text.set_fontsize(size)


def scale_bar(ax: Axes, km: float, label: str, size: float = 7) -> None:
    """A bar of ``km`` kilometres (map units are metres; Albers keeps distances near the
    standard parallels within a few per cent)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, base = x0 + 0.03 * (x1 - x0), y0 + 0.035 * (y1 - y0)
    length = km * 1000.0
    ax.plot([left, left + length], [base, base], color=C.INK, lw=2.2, solid_capstyle="butt",
            zorder=9)
    for x in (left, left + length):
        ax.plot([x, x], [base, base + 0.008 * (y1 - y0)], color=C.INK, lw=0.8, zorder=9)
    ax.text(left + length / 2, base + 0.012 * (y1 - y0), label, ha="center", va="bottom",
            fontsize=size, color=C.INK, zorder=9, path_effects=THIN_HALO)
