"""Small map panels for the decision analytics (marginal costs, corridors, firm sites, draws):
provinces shaded by a value, site markers and region → site lines, in the Albers projection of
the main map, on one or more axes of a matplotlib figure."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402

from edwc.maps.base import ALBERS, WGS84, basemap, points, register_font, text, write_atomically  # noqa: E402
from edwc.maps.scene import main_bounds  # noqa: E402

SEA, LAND, NO_DATA, BORDER = "#e8f1f8", "#f2f2ee", "#dddddd", "#ffffff"
DPI = 150


def provinces() -> gpd.GeoDataFrame:
    return basemap("provinces", ALBERS)


def setup(ax: Axes, prov: gpd.GeoDataFrame) -> None:
    minx, miny, maxx, maxy = main_bounds(prov)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def shade(ax: Axes, prov: gpd.GeoDataFrame, values: pd.Series, cmap: str, norm: Normalize,
          special: pd.Series | None = None, special_colour: str = "#67000d") -> None:
    """Provinces coloured by `values` (indexed by province adcode); those flagged in `special` get
    `special_colour`; the rest are grey (no data)."""
    basemap("neighbours", ALBERS).plot(ax=ax, color=LAND, edgecolor="#c8c8c8", linewidth=0.3)
    p = prov.assign(value=prov["adcode"].map(values))
    flag = prov["adcode"].map(special).fillna(False).astype(bool) if special is not None else pd.Series(False, index=prov.index)
    p[p["value"].isna() & ~flag].plot(ax=ax, color=NO_DATA, edgecolor=BORDER, linewidth=0.4)
    shaded = p[p["value"].notna() & ~flag]
    if len(shaded):
        shaded.plot(ax=ax, column="value", cmap=cmap, norm=norm, edgecolor=BORDER, linewidth=0.4)
    if flag.any():
        p[flag].plot(ax=ax, color=special_colour, edgecolor=BORDER, linewidth=0.4)
    setup(ax, prov)


def xy(lon: pd.Series, lat: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    g = gpd.GeoSeries(points(lon.to_numpy(), lat.to_numpy()), crs=WGS84).to_crs(ALBERS)
    return g.x.to_numpy(), g.y.to_numpy()


def colourbar(fig: plt.Figure, ax: Axes, cmap: str, norm: Normalize, label: str,
              fmt: Callable[[float, int], str] | None = None) -> None:
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                       fraction=0.04, pad=0.02, format=fmt)
    bar.set_label(label, fontsize=7)
    bar.ax.tick_params(labelsize=6)


def figure(n: int, cols: int, title: str, note: str, lang: str = "en",
           panel_in: tuple[float, float] = (5.2, 4.4)) -> tuple[plt.Figure, list[Axes]]:
    """A figure of n map panels in `cols` columns, with a title and a footnote."""
    family = register_font()
    plt.rcParams["font.family"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(panel_in[0] * cols, panel_in[1] * rows + 0.8), dpi=DPI, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13)
    width = int(32 * panel_in[0] * cols / 1.3)  # characters per line at 6.5 pt
    fig.text(0.01, 0.005, textwrap.fill(note + " " + text(lang)["note"], width), fontsize=6.5, color="#555555",
             ha="left", va="bottom")
    return fig, flat[:n]


def save(fig: plt.Figure, path: Path) -> Path:
    try:
        fig.tight_layout(rect=(0, 0.045, 1, 0.95))
        return write_atomically(path, lambda p: fig.savefig(p, format="png", dpi=DPI, facecolor="white"))
    finally:
        plt.close(fig)
