"""Map panels for the decision analytics (marginal costs, corridors, firm sites, draws): provinces
shaded by a value, site markers and region → site lines, drawn with the basemap, projection and
colours of the plan map (maps/geo.py, maps/draw.py, maps/colours.py), its South China Sea inset,
scale bar and disclaimer, in the language asked for."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import BoundaryNorm, Colormap, ListedColormap, Normalize  # noqa: E402

from edwc.maps import colours as C  # noqa: E402
from edwc.maps.base import register_font, write_atomically  # noqa: E402
from edwc.maps.draw import draw_basemap, draw_inset, scale_bar, setup  # noqa: E402
from edwc.maps.geo import basemap, project_xy  # noqa: E402
from edwc.maps.i18n import words  # noqa: E402

DPI = 150


def shade(ax: Axes, values: pd.Series | None = None, cmap: str = "viridis", norm: Normalize | None = None,
          special: pd.Series | None = None, special_colour: str = C.UNMET, lang: str = "zh",
          inset_width: float = 0.13) -> Axes:
    """The main map window with provinces coloured by `values` (indexed by province adcode); those
    flagged in `special` get `special_colour`; provinces without a value are plain land. The South
    China Sea inset (returned, for a label placer to keep clear of) and a scale bar as on map.png."""
    bm = basemap()
    fills = [C.LAND if main else C.NO_DATA for main in bm.mainland]
    if values is not None and norm is not None:
        ramp = plt.get_cmap(cmap)
        for i, code in enumerate(bm.adcode):
            v = values.get(str(code))
            if v is not None and v == v:
                fills[i] = matplotlib.colors.to_hex(ramp(norm(v)))
    if special is not None:
        for i, code in enumerate(bm.adcode):
            if bool(special.get(str(code), False)):
                fills[i] = special_colour
    setup(ax, bm.main_bounds)
    draw_basemap(ax, fills, bm.main_bounds, coarse=True)
    w = words(lang)
    scale_bar(ax, 500, w["scale"].format(km=500), size=6)
    # a small inset: the English name on two lines, inside its frame
    return draw_inset(ax, fills, w["scs"].replace(" Sea ", " Sea\n"), width=inset_width)


def xy(lon: pd.Series, lat: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return project_xy(lon.to_numpy(), lat.to_numpy())


def colourbar(fig: plt.Figure, ax: Axes, cmap: str | Colormap, norm: Normalize, label: str,
              fmt: Callable[[float, int], str] | None = None, ticks: list[float] | None = None) -> None:
    """A horizontal colour bar under ``ax``, its label and ticks small (classed: ``ticks`` at the breaks)."""
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                       fraction=0.035, pad=0.015, format=fmt, ticks=ticks, aspect=35)
    bar.set_label(label, fontsize=7, labelpad=1)
    bar.ax.tick_params(labelsize=6)


def classes(lo: float, hi: float, n: int = 5, cmap: str = "viridis") -> tuple[Colormap, BoundaryNorm, list[float]]:
    """``n`` equal classes from lo to hi: a stepped colour map, its norm and the breaks (classed legends
    read at a glance; a continuous ramp invites reading noise)."""
    breaks = list(np.linspace(lo, hi, n + 1))
    ramp = plt.get_cmap(cmap)
    steps = ListedColormap([ramp(i / max(1, n - 1)) for i in range(n)])
    return steps, BoundaryNorm(breaks, n), breaks


def tick_format(breaks: list[float]) -> Callable[[float, int], str]:
    """Tick labels with as many digits as it takes for neighbouring breaks to differ."""
    step = min((b - a for a, b in zip(breaks, breaks[1:], strict=False)), default=1.0) or 1.0
    thousands = all(abs(b) >= 1e4 for b in breaks) and step >= 1e3  # 1,234k
    unit = 1e3 if thousands else 1.0
    digits = max(0, int(np.ceil(-np.log10(step / unit))) + 1) if step / unit < 10 else 0
    suffix = "k" if thousands else ""

    def fmt(v: float, _: int = 0) -> str:
        return f"{v / unit:,.{digits}f}{suffix}"

    return fmt


def figure(n: int, cols: int, title: str, note: str, lang: str = "zh",
           panel_in: tuple[float, float] = (5.2, 4.4), sub: str = "") -> tuple[plt.Figure, list[Axes]]:
    """A figure of n map panels in `cols` columns, with a title (and a line under it) and a footnote
    ending with the maps' disclaimer."""
    plt.rcParams["font.family"] = [register_font(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(panel_in[0] * cols, panel_in[1] * rows + 0.8), dpi=DPI, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13)
    if sub:
        fig.text(0.01, 1 - 0.5 / (panel_in[1] * rows + 0.8), sub, fontsize=9, color=C.INK_SOFT, ha="left", va="top")
    width = int((9 if lang == "zh" else 18) * panel_in[0] * cols)  # characters per line at 6.5 pt
    fig.text(0.01, 0.005, textwrap.fill(note + " " + words(lang)["note"], width), fontsize=6.5, color=C.INK_SOFT,
             ha="left", va="bottom")
    return fig, flat[:n]


def save(fig: plt.Figure, path: Path, layout: bool = True) -> Path:
    try:
        if layout:
            fig.tight_layout(rect=(0, 0.045, 1, 0.95), h_pad=3.0)
        return write_atomically(path, lambda p: fig.savefig(p, format="png", dpi=DPI, facecolor="white"))
    finally:
        plt.close(fig)
