"""The shipped basemap in the map projection, read once per process and cut to the map window.

Layers come from ``geodata/china.gpkg`` through pyogrio's array reader and shapely (no
geopandas): provinces (34, with short names and label points), the national outline (the
dissolved provinces, precomputed), the ten-dash line and the neighbouring countries, clipped to
the window the maps show so nothing outside it is projected or drawn twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from edwc.maps.base import ALBERS, BASEMAP

MAIN_LONLAT = (72.0, 17.5, 136.5, 54.5)  # main map: mainland China; islands further south go to the inset
INSET_LONLAT = (106.5, 3.0, 123.0, 24.5)  # South China Sea inset (南海诸岛)
CLIP_LONLAT = (60.0, 0.0, 145.0, 60.0)  # neighbours are cut to this before projecting


@dataclass(frozen=True)
class Basemap:
    adcode: np.ndarray  # province adcodes (str)
    short_zh: np.ndarray
    name_en: np.ndarray
    mainland: np.ndarray  # bool
    label_xy: np.ndarray  # (n, 2) projected label points
    provinces: np.ndarray  # shapely geometries, projected
    outline: np.ndarray
    ten_dash: np.ndarray
    neighbours: np.ndarray
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
    land = shapely.bounds(shapely.union_all(shapely.intersection(prov_p[mainland],
                                                                 shapely.box(*north))))
    pad = 0.025 * (land[2] - land[0])
    return Basemap(
        adcode=np.asarray(fields["adcode"]).astype(str), short_zh=np.asarray(fields["short_zh"]),
        name_en=np.asarray(fields["name_en"]), mainland=mainland,
        label_xy=np.column_stack([lx, ly]), provinces=prov_p, outline=project(outline),
        ten_dash=project(dash), neighbours=project(neighbours),
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
