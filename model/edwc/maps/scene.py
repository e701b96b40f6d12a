"""The projected (Albers) pieces both renderers draw: one place decides what is shown."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from edwc.maps.base import ALBERS, basemap, text
from edwc.maps.flows import aggregate_flows, thin_flows
from edwc.maps.plan import InstanceView, PlanView, shaded_provinces

MAINLAND_VIEW_LAT = 17.5  # the main map stops here; the islands further south go to the inset
CITY_SCALE_REGIONS = 60  # more regions than this: flows are aggregated by province


@dataclass
class Scene:
    lang: str
    title: str
    shade_label: str
    provinces: gpd.GeoDataFrame  # with "value" and "label" (name in lang), label_x/label_y
    neighbours: gpd.GeoDataFrame
    ten_dash: gpd.GeoDataFrame
    regions: gpd.GeoDataFrame  # x, y
    sites: gpd.GeoDataFrame  # x, y, label
    hubs: gpd.GeoDataFrame  # x, y, label
    trunks: gpd.GeoDataFrame  # projected lines
    flows: pd.DataFrame  # thinned: x0, y0, x1, y1, pflops, rel, workload, class
    reach: gpd.GeoDataFrame  # projected lines (instance maps)
    classes: list[str]
    workloads: list[str]
    bounds: tuple[float, float, float, float]  # main map extent (Albers m)
    solved: bool


def name_column(lang: str) -> str:
    return "name_zh" if lang == "zh" else "name_en"


def with_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.to_crs(ALBERS)
    out["x"], out["y"] = out.geometry.x, out.geometry.y
    return out


def labelled(gdf: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    gdf["label"] = gdf[name_column(lang)].fillna(gdf.get("name_en", "")).astype(str)
    return gdf


def province_layer(regions: pd.DataFrame, shade: str, lang: str) -> gpd.GeoDataFrame:
    prov = shaded_provinces(regions, shade, ALBERS)
    prov["label"] = prov["short_zh"] if lang == "zh" else prov["name_en"]
    pts = gpd.GeoSeries(shapely.points(prov["label_lon"], prov["label_lat"]),
                        crs="EPSG:4326").to_crs(ALBERS)
    prov["label_x"], prov["label_y"] = pts.x.to_numpy(), pts.y.to_numpy()
    return prov


def main_bounds(provinces: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    north = shapely.segmentize(shapely.box(70, MAINLAND_VIEW_LAT, 140, 56), 0.5)
    clip = gpd.GeoSeries([north], crs="EPSG:4326").to_crs(ALBERS).iloc[0]
    minx, miny, maxx, maxy = provinces.geometry.intersection(clip).total_bounds
    pad = 0.03 * (maxx - minx)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def reach_count_column(view: InstanceView) -> tuple[str, str, float] | None:
    """Shade an instance map by the number of sites within the tightest latency limit."""
    limited = view.tables.workloads.dropna(subset=["max_rtt_ms"])
    if limited.empty:
        return None
    tightest = limited.sort_values("max_rtt_ms").iloc[0]
    reach = view.reach[view.reach["workload"] == tightest["workload"]]
    col = f"reach:{tightest['workload']}"
    view.regions[col] = view.regions["region"].map(reach.groupby("region")["site"].nunique()
                                                   ).fillna(0)
    return col, str(tightest["workload"]), float(tightest["max_rtt_ms"])


def _common(view: InstanceView, regions: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
            trunks: gpd.GeoDataFrame, shade: str, lang: str) -> dict:
    provinces = province_layer(regions, shade, lang)
    neighbours = basemap("neighbours", ALBERS)
    return dict(
        lang=lang, provinces=provinces, neighbours=neighbours,
        ten_dash=basemap("ten_dash_line", ALBERS),
        regions=labelled(with_xy(regions), lang), sites=labelled(with_xy(sites), lang),
        hubs=labelled(with_xy(view.hubs), lang), trunks=trunks.to_crs(ALBERS),
        classes=view.classes, workloads=view.workloads, bounds=main_bounds(provinces),
    )


def plan_scene(plan: PlanView, shade: str, lang: str) -> Scene:
    t = text(lang)
    common = _common(plan.inst, plan.regions, plan.sites, plan.trunks, shade, lang)
    by_province = len(plan.regions) > CITY_SCALE_REGIONS
    agg = aggregate_flows(plan.flows, common["regions"], by_province)
    site_xy = common["sites"].set_index("site")[["x", "y"]]
    return Scene(title=t["title_plan"].format(name=plan.inst.name, period=plan.period),
                 shade_label=t[shade], flows=thin_flows(agg, site_xy),
                 reach=plan.inst.reach.iloc[0:0].to_crs(ALBERS), solved=True, **common)


def instance_scene(view: InstanceView, lang: str) -> Scene:
    t = text(lang)
    reach = reach_count_column(view)
    shade, label = "demand", t["demand"]
    if reach is not None:
        shade, workload, limit = reach
        label = t["reach_count"].format(limit=limit, workload=workload)
    common = _common(view, view.regions, view.sites, view.trunks, shade, lang)
    empty = pd.DataFrame(columns=["x0", "y0", "x1", "y1", "pflops", "rel", "workload", "class"])
    return Scene(title=t["title_instance"].format(name=view.name), shade_label=label,
                 flows=empty, reach=view.reach.to_crs(ALBERS), solved=False, **common)


def line_coords(geoms: gpd.GeoSeries) -> list[np.ndarray]:
    return [np.asarray(g.coords) for g in geoms]
