"""Map panels for the decision analytics (marginal costs, corridors, firm sites, draws): provinces
shaded by a value, site markers and region → site lines, drawn with the basemap, projection and
colours of the plan map (maps/geo.py, maps/draw.py, maps/colours.py)."""

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
from matplotlib.colors import Normalize  # noqa: E402

from edwc.maps import colours as C  # noqa: E402
from edwc.maps.base import register_font, write_atomically  # noqa: E402
from edwc.maps.draw import draw_basemap, setup  # noqa: E402
from edwc.maps.geo import basemap, project_xy  # noqa: E402
from edwc.maps.i18n import words  # noqa: E402

DPI = 150


def shade(ax: Axes, values: pd.Series | None = None, cmap: str = "viridis", norm: Normalize | None = None,
          special: pd.Series | None = None, special_colour: str = C.UNMET) -> None:
    """The main map window with provinces coloured by `values` (indexed by province adcode); those
    flagged in `special` get `special_colour`; provinces without a value are plain land."""
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


def xy(lon: pd.Series, lat: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return project_xy(lon.to_numpy(), lat.to_numpy())


def colourbar(fig: plt.Figure, ax: Axes, cmap: str, norm: Normalize, label: str,
              fmt: Callable[[float, int], str] | None = None) -> None:
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                       fraction=0.04, pad=0.02, format=fmt)
    bar.set_label(label, fontsize=7)
    bar.ax.tick_params(labelsize=6)


def figure(n: int, cols: int, title: str, note: str, lang: str = "en",
           panel_in: tuple[float, float] = (5.2, 4.4)) -> tuple[plt.Figure, list[Axes]]:
    """A figure of n map panels in `cols` columns, with a title and a footnote."""
    plt.rcParams["font.family"] = [register_font(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(panel_in[0] * cols, panel_in[1] * rows + 0.8), dpi=DPI, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13)
    width = int(18 * panel_in[0] * cols)  # characters per line at 6.5 pt
    fig.text(0.01, 0.005, textwrap.fill(note + " " + words(lang)["note"], width), fontsize=6.5, color=C.INK_SOFT,
             ha="left", va="bottom")
    return fig, flat[:n]


def save(fig: plt.Figure, path: Path, layout: bool = True) -> Path:
    try:
        if layout:
            fig.tight_layout(rect=(0, 0.045, 1, 0.95))
        return write_atomically(path, lambda p: fig.savefig(p, format="png", dpi=DPI, facecolor="white"))
    finally:
        plt.close(fig)
