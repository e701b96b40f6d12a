"""The shipped basemap in the map projection, read once per process and cut to the map window.

Layers come from ``geodata/china.gpkg`` through pyogrio's array reader and shapely (no
geopandas): provinces (34, with short names and label points), the national outline (the
dissolved provinces, precomputed), the ten-dash line and the neighbouring countries, clipped to
the window the maps show so nothing outside it is projected or drawn twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import shapely

from edwc.maps.base import ALBERS, BASEMAP

MAIN_LONLAT = (72.0, 17.5, 136.5, 54.5)  # main map: mainland China; islands further south go to the inset
INSET_LONLAT = (106.5, 3.0, 123.0, 24.5)  # South China Sea inset (南海诸岛)
CLIP_LONLAT = (60.0, 0.0, 145.0, 60.0)  # neighbours are cut to this before projecting


FINE_M, COARSE_M = 1500.0, 6000.0  # simplification of drawn shapes: main map, small panels
GEOMETRY_FIELDS = ("provinces", "outline", "ten_dash", "neighbours", "provinces_coarse",
                   "outline_coarse", "neighbours_coarse")


@dataclass(frozen=True)
class Basemap:
    """Projected layers, simplified to below a pixel of the maps (FINE_M; *_coarse: COARSE_M,
    for the small panels)."""

    adcode: np.ndarray  # province adcodes (str)
    short_zh: np.ndarray
    name_en: np.ndarray
    mainland: np.ndarray  # bool
    label_xy: np.ndarray  # (n, 2) projected label points
    provinces: np.ndarray  # shapely geometries, projected
    outline: np.ndarray
    ten_dash: np.ndarray
    neighbours: np.ndarray
    provinces_coarse: np.ndarray
    outline_coarse: np.ndarray
    neighbours_coarse: np.ndarray
    main_bounds: tuple[float, float, float, float]
    inset_bounds: tuple[float, float, float, float]


@cache
def transformer():  # noqa: ANN201
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", ALBERS, always_xy=True)


def project_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Longitude/latitude (degrees) to map metres."""
    x, y = transformer().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def project(geoms: np.ndarray) -> np.ndarray:
    def tx(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(project_xy(xy[:, 0], xy[:, 1]))

    return shapely.transform(geoms, tx)


def window(lonlat: tuple[float, float, float, float], pad: float = 0.0
           ) -> tuple[float, float, float, float]:
    """The projected bounding box of a lon/lat box (its curved edges included)."""
    box = project(np.array([shapely.segmentize(shapely.box(*lonlat), 0.5)]))[0]
    minx, miny, maxx, maxy = shapely.bounds(box)
    dx, dy = pad * (maxx - minx), pad * (maxy - miny)
    return minx - dx, miny - dy, maxx + dx, maxy + dy


def _read(layer: str) -> tuple[dict, np.ndarray]:
    from pyogrio.raw import read

    meta, _, wkb, fields = read(BASEMAP, layer=layer)
    return dict(zip(meta["fields"], fields, strict=True)), shapely.from_wkb(wkb)


@cache
def basemap() -> Basemap:
    """The layers, from the user cache when the shipped file has not changed (reading,
    projecting and simplifying them takes a noticeable part of a second)."""
    import json

    from edwc.maps.fonts_cache import cache_dir, file_key, store

    cached = cache_dir("geo") / f"{file_key(BASEMAP.resolve(), f'{FINE_M}:{COARSE_M}:2')}.json"
    if cached.exists():
        try:
            raw = json.loads(cached.read_text(encoding="utf-8"))
            fields: dict[str, Any] = {
                k: (shapely.from_wkb([bytes.fromhex(h) for h in v]) if k in GEOMETRY_FIELDS
                    else tuple(v) if k.endswith("bounds") else np.asarray(v))
                for k, v in raw.items()}
            return Basemap(**fields)
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache file: rebuild it
    bm = _build_basemap()
    store(cached, json.dumps({k: ([g.hex() for g in shapely.to_wkb(v)] if k in GEOMETRY_FIELDS
                                  else list(v) if k.endswith("bounds") else v.tolist())
                              for k, v in bm.__dict__.items()}).encode("utf-8"))
    return bm


def _simplified(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    return shapely.simplify(geoms, tolerance, preserve_topology=True)


def _build_basemap() -> Basemap:
    fields, prov = _read("provinces")
    _, outline = _read("outline")
    _, dash = _read("ten_dash_line")
    _, neighbours = _read("neighbours")
    neighbours = shapely.intersection(neighbours, shapely.box(*CLIP_LONLAT))
    neighbours = neighbours[~shapely.is_empty(neighbours)]
    lx, ly = project_xy(fields["label_lon"].astype(float), fields["label_lat"].astype(float))
    prov_p = project(prov)
    mainland = np.asarray(fields["mainland"]).astype(bool)
    north = window(MAIN_LONLAT)
    b = shapely.bounds(shapely.intersection(prov_p[mainland], shapely.box(*north)))
    land = (np.nanmin(b[:, 0]), np.nanmin(b[:, 1]), np.nanmax(b[:, 2]), np.nanmax(b[:, 3]))
    pad = 0.025 * (land[2] - land[0])
    outline_p, neighbours_p = project(outline), project(neighbours)
    return Basemap(
        adcode=np.asarray(fields["adcode"]).astype(str), short_zh=np.asarray(fields["short_zh"]),
        name_en=np.asarray(fields["name_en"]), mainland=mainland,
        label_xy=np.column_stack([lx, ly]), provinces=_simplified(prov_p, FINE_M),
        outline=_simplified(outline_p, FINE_M), ten_dash=project(dash),
        neighbours=_simplified(neighbours_p, FINE_M),
        provinces_coarse=_simplified(prov_p, COARSE_M),
        outline_coarse=_simplified(outline_p, COARSE_M),
        neighbours_coarse=_simplified(neighbours_p, COARSE_M),
        main_bounds=(land[0] - pad, land[1] - pad, land[2] + pad, land[3] + pad),
        inset_bounds=window(INSET_LONLAT),
    )


def polygon_rings(geom) -> list[np.ndarray]:  # noqa: ANN001
    """Every ring (exterior and holes) of a (multi)polygon as an (n, 2) array."""
    rings = []
    for part in shapely.get_parts(geom):
        rings.append(np.asarray(part.exterior.coords))
        rings += [np.asarray(r.coords) for r in part.interiors]
    return rings


def line_parts(geom) -> list[np.ndarray]:  # noqa: ANN001
    return [np.asarray(p.coords) for p in shapely.get_parts(geom)]
