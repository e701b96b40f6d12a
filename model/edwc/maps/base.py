"""Shared map pieces: shipped layers, projection, font, labels, atomic writes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:  # geopandas is imported only by the GeoPackage writer and its readers
    import geopandas as gpd

HERE = Path(__file__).resolve().parent
BASEMAP = HERE / "data" / "china.gpkg"
FONT_FILE = HERE / "fonts" / "NotoSansSC-GB2312.otf"
FONT_FAMILY = "Noto Sans CJK SC"
WGS84 = "EPSG:4326"
ALBERS = ("+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 "
          "+ellps=WGS84 +units=m +no_defs")
PROVINCES_OUTSIDE_MAINLAND = ("710000", "810000", "820000")

def class_colour(name: str, order: list[str]) -> str:
    from edwc.maps.colours import class_colour as hue

    return hue(name, order)


@cache
def _basemap_wgs84(layer: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.read_file(BASEMAP, layer=layer, engine="pyogrio")


def basemap(layer: str, crs: str = WGS84) -> gpd.GeoDataFrame:
    """A shipped layer (provinces, cities, outline, ten_dash_line, neighbours) in ``crs``."""
    gdf = _basemap_wgs84(layer).copy()
    return gdf if crs == WGS84 else gdf.to_crs(crs)


def province_of(adcode: str) -> str:
    """The province-level adcode of a region adcode (6 digits)."""
    return str(adcode)[:2] + "0000"


def to_albers(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(ALBERS)


def points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return shapely.points(np.asarray(lon, float), np.asarray(lat, float))


def register_font() -> str:
    """Make the shipped Chinese font known to matplotlib; return its family name."""
    from matplotlib import font_manager

    if not any(f.fname == str(FONT_FILE) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(FONT_FILE))
    return FONT_FAMILY


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` for a temporary file beside ``path``, then move it into place."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
