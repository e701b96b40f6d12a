"""The plan (or instance) as a GeoPackage for GIS users, EPSG:4326."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from edwc.maps.base import WGS84, basemap
from edwc.maps.plan import InstanceView, PlanView, plan_flows, plan_trunks


def region_shapes(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Province polygons when every region is a province, else the region points."""
    prov = basemap("provinces").set_index("adcode").geometry
    if regions["region"].isin(prov.index).all():
        regions = regions.assign(geometry=regions["region"].map(prov).to_numpy())
    return gpd.GeoDataFrame(regions, geometry="geometry", crs=WGS84)


def _write(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, gdf in layers.items():
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=WGS84)
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def write_plan_gpkg(plan: PlanView, path: Path) -> None:
    """Layers regions (KPIs), sites (with their power columns), direct_supply (the sites that build green direct
    supply: PV, wind MW and storage MWh), flows (lines), trunks (lines): the plan's last period for regions, sites
    and direct supply, every period for flows and trunks."""
    res = plan.all_periods
    sites = plan.sites
    layers = {"regions": region_shapes(plan.regions), "sites": sites}
    if "direct_solar_mw" in sites:
        built = sites[(sites["direct_solar_mw"] + sites["direct_wind_mw"]) > 0.5]
        layers["direct_supply"] = built[["site", "name_zh", "name_en", "hub", "side", "period", "direct_solar_mw",
                                         "direct_wind_mw", "battery_mwh", "direct_mwh", "energy_mwh", "geometry"]]
    _write(path, {
        **layers,
        "flows": plan_flows(plan.inst, res, None),
        "trunks": plan_trunks(plan.inst, res, None),
    })


def write_instance_gpkg(view: InstanceView, path: Path) -> None:
    _write(path, {"regions": region_shapes(view.regions), "sites": view.sites,
                  "hubs": view.hubs, "trunks": view.trunks, "reach": view.reach})
