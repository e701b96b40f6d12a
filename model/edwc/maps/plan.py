"""What the maps draw, as GeoDataFrames in WGS84: read from an instance or a result folder.

The sites, trunks and regions always come from the instance the result was solved with
(``result/instance/``), so scenarios that add sites or trunks are drawn as solved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from edwc.maps.base import WGS84, basemap, points, province_of
from edwc.maps.reader import InstanceTables, read_instance

M_PER_KM = 1000.0


@dataclass
class InstanceView:
    """An instance as map layers (before any solve)."""

    tables: InstanceTables
    regions: gpd.GeoDataFrame  # region points + demand_it_mw
    sites: gpd.GeoDataFrame  # site points + existing capacity
    trunks: gpd.GeoDataFrame  # lines + length_km
    hubs: gpd.GeoDataFrame  # hub points (centroid of its sites)
    reach: gpd.GeoDataFrame  # lines region-site for pairs within a workload's limit

    @property
    def name(self) -> str:
        return self.tables.name

    @property
    def classes(self) -> list[str]:
        return list(self.tables.classes["class"])

    @property
    def workloads(self) -> list[str]:
        return list(self.tables.workloads["workload"])


@dataclass
class PlanView:
    """A solved plan (one period) as map layers, on top of its instance."""

    inst: InstanceView
    period: int
    regions: gpd.GeoDataFrame  # KPIs per region
    sites: gpd.GeoDataFrame  # capacity by class, utilisation, PUE
    flows: gpd.GeoDataFrame  # region -> site lines, pflops by workload
    trunks: gpd.GeoDataFrame  # load, capacity, utilisation, upgraded
    all_periods: dict[str, pd.DataFrame]  # result tables for every period (GeoPackage)


# --------------------------------------------------------------------------- instance


def node_points(t: InstanceTables) -> pd.DataFrame:
    regions = t.regions.set_index("region")[["lon", "lat"]]
    sites = t.sites.set_index("site")[["lon", "lat"]]
    return pd.concat([regions, sites]).astype(float)


def lines_between(nodes: pd.DataFrame, a: pd.Series, b: pd.Series) -> np.ndarray:
    xa, ya = nodes.loc[a, "lon"].to_numpy(), nodes.loc[a, "lat"].to_numpy()
    xb, yb = nodes.loc[b, "lon"].to_numpy(), nodes.loc[b, "lat"].to_numpy()
    coords = np.stack([np.column_stack([xa, ya]), np.column_stack([xb, yb])], axis=1)
    return shapely.linestrings(coords) if len(coords) else np.array([], dtype=object)


def class_kw(t: InstanceTables, period: int | None = None) -> pd.Series:
    """IT kW per PFLOPS of each class's new builds of `period` (its vintage: kw_per_pflops · (1 + kw_change_per_year)^
    (period − first period); None or the first period: kw_per_pflops)."""
    cl = t.classes.set_index("class")
    kw = cl["kw_per_pflops"].astype(float)
    if period is None or "kw_change_per_year" not in cl or not len(t.demand):
        return kw
    n = period - int(t.demand["period"].min())
    change = pd.to_numeric(cl["kw_change_per_year"], errors="coerce").fillna(0.0)
    return kw * (1 + change) ** n


def kw_per_pflops(t: InstanceTables, period: int | None = None) -> pd.Series:
    """IT kW per PFLOPS of each workload (through its class), at the kW of `period`'s new builds."""
    return t.workloads.set_index("workload")["class"].map(class_kw(t, period))


def region_demand(t: InstanceTables, period: int | None = None) -> pd.DataFrame:
    """Demand per region: IT-MW equivalent (all classes) and PFLOPS per class."""
    d = t.demand if period is None else t.demand[t.demand["period"] == period]
    if period is None and len(d):
        d = d[d["period"] == d["period"].max()]
    shown = int(d["period"].max()) if len(d) else None
    d = d.assign(cls=d["workload"].map(t.workloads.set_index("workload")["class"]),
                 it_mw=d["pflops"] * d["workload"].map(kw_per_pflops(t, shown)) / 1000.0)
    by_class = d.pivot_table(index="region", columns="cls", values="pflops", aggfunc="sum")
    by_class.columns = [f"demand_pflops_{c}" for c in by_class.columns]
    out = by_class.join(d.groupby("region")["it_mw"].sum().rename("demand_it_mw"), how="outer")
    return out.reindex(t.regions["region"]).fillna(0.0)


def site_existing(t: InstanceTables) -> pd.DataFrame:
    sc = t.site_classes.pivot_table(index="site", columns="class", values="existing_pflops",
                                    aggfunc="sum")
    return sc.reindex(index=t.sites["site"], columns=list(t.classes["class"])).fillna(0.0)


def it_mw_by_class(pflops: pd.DataFrame, t: InstanceTables) -> pd.DataFrame:
    kw = t.classes.set_index("class")["kw_per_pflops"].astype(float)
    return pflops.mul(kw.reindex(pflops.columns).to_numpy(), axis=1) / 1000.0


def hub_points(t: InstanceTables) -> gpd.GeoDataFrame:
    sites = t.sites.dropna(subset=["hub"])
    xy = sites.groupby("hub")[["lon", "lat"]].mean()
    hubs = t.hubs.join(xy, on="hub").dropna(subset=["lon", "lat"])
    return gpd.GeoDataFrame(hubs, geometry=points(hubs["lon"], hubs["lat"]), crs=WGS84)


def reach_lines(t: InstanceTables, nodes: pd.DataFrame) -> gpd.GeoDataFrame:
    """region-site pairs within each latency-limited workload's max_rtt_ms."""
    limited = t.workloads.dropna(subset=["max_rtt_ms"])
    pairs = limited[["workload", "max_rtt_ms"]].merge(t.rtt, how="cross")
    pairs = pairs[pairs["rtt_ms"] <= pairs["max_rtt_ms"]].reset_index(drop=True)
    geom = lines_between(nodes, pairs["region"], pairs["site"])
    return gpd.GeoDataFrame(pairs, geometry=geom, crs=WGS84)


def instance_view(folder: Path, with_reach: bool = True, resolved: bool = False) -> InstanceView:
    t = read_instance(folder, with_rtt=with_reach, resolved=resolved)
    nodes = node_points(t)
    regions = t.regions.join(region_demand(t), on="region")
    regions["province"] = regions["region"].map(province_of)
    sites = t.sites.copy()
    existing = site_existing(t)
    sites[[f"existing_pflops_{c}" for c in existing.columns]] = existing.to_numpy()
    sites["existing_it_mw"] = it_mw_by_class(existing, t).sum(axis=1).to_numpy()
    trunks = t.trunks.copy()
    return InstanceView(
        tables=t,
        regions=gpd.GeoDataFrame(regions, geometry=points(regions["lon"], regions["lat"]),
                                 crs=WGS84),
        sites=gpd.GeoDataFrame(sites, geometry=points(sites["lon"], sites["lat"]), crs=WGS84),
        trunks=gpd.GeoDataFrame(trunks, geometry=lines_between(nodes, trunks["from"],
                                                               trunks["to"]), crs=WGS84),
        hubs=hub_points(t),
        reach=reach_lines(t, nodes),
    )


# --------------------------------------------------------------------------- result


def read_result_tables(result_dir: Path) -> dict[str, pd.DataFrame]:
    ids = {"region": str, "site": str, "trunk": str, "from": str, "to": str, "hub": str}
    names = ("capacity", "sites", "serve", "unmet", "trunks")
    return {n: pd.read_csv(result_dir / f"{n}.csv", dtype=ids) for n in names}


# the power side of each site in the period shown (sites.csv, docs/formats.md): direct supply built, supply by kind,
# both emission bases
SITE_POWER_COLUMNS = ("energy_mwh", "grid_mwh", "curtailed_mwh", "direct_mwh", "trade_mwh", "certificate_mwh",
                      "green_mwh", "green_matched_mwh", "peak_grid_mw", "direct_solar_mw", "direct_wind_mw",
                      "battery_mwh", "emissions_t", "emissions_market_t")


def plan_sites(inst: InstanceView, res: dict[str, pd.DataFrame], period: int) -> gpd.GeoDataFrame:
    t = inst.tables
    cap = res["capacity"][res["capacity"]["period"] == period]
    installed = cap.pivot_table(index="site", columns="class", values="installed_pflops",
                                aggfunc="sum").reindex(index=t.sites["site"],
                                                       columns=inst.classes).fillna(0.0)
    served = cap.pivot_table(index="site", columns="class", values="served_pflops",
                             aggfunc="sum").reindex_like(installed).fillna(0.0)
    built = cap.pivot_table(index="site", columns="class", values="built_pflops",
                            aggfunc="sum").reindex_like(installed).fillna(0.0)
    if "it_mw" in cap:  # the plan's own IT MW: the existing stock and each new vintage at its own kW per PFLOPS
        mw = cap.pivot_table(index="site", columns="class", values="it_mw", aggfunc="sum").reindex_like(installed).fillna(0.0)
        served_mw = mw * (served / installed.where(installed > 0)).fillna(0.0)
    else:
        mw, served_mw = it_mw_by_class(installed, t), it_mw_by_class(served, t)
    sites = inst.sites[["site", "name_zh", "name_en", "hub", "side", "kind", "pue", "lon",
                        "lat", "geometry"]].copy()
    for c in inst.classes:
        sites[f"installed_pflops_{c}"] = installed[c].to_numpy()
        sites[f"built_pflops_{c}"] = built[c].to_numpy()
        sites[f"utilisation_{c}"] = (served[c] / installed[c].where(installed[c] > 0)).to_numpy()
        sites[f"installed_it_mw_{c}"] = mw[c].to_numpy()
    sites["installed_it_mw"] = mw.sum(axis=1).to_numpy()
    total = mw.sum(axis=1)
    sites["utilisation"] = (served_mw.sum(axis=1) / total.where(total > 0)).to_numpy()
    status = res["sites"][res["sites"]["period"] == period].set_index("site")
    for col in ("open", "newly_opened", "facility_mw", *SITE_POWER_COLUMNS):
        if col in status:
            sites[col] = sites["site"].map(status[col]).fillna(0).to_numpy()
    sites["period"] = period
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=WGS84)


def plan_regions(inst: InstanceView, res: dict[str, pd.DataFrame], period: int
                 ) -> gpd.GeoDataFrame:
    t = inst.tables
    serve = res["serve"][res["serve"]["period"] == period]
    side = t.sites.set_index("site")["side"]
    serve = serve.assign(west=serve["site"].map(side).eq("west") * serve["pflops"],
                         rtt_x=serve["rtt_ms"] * serve["pflops"])
    g = serve.groupby("region")[["pflops", "west", "rtt_x"]].sum()
    unmet = res["unmet"][res["unmet"]["period"] == period].groupby("region")["pflops"].sum()
    regions = inst.regions[["region", "name_zh", "name_en", "province", "lon", "lat",
                            "geometry"]].copy()
    regions = regions.join(region_demand(t, period), on="region")
    regions["served_pflops"] = regions["region"].map(g["pflops"]).fillna(0.0)
    regions["served_west_pflops"] = regions["region"].map(g["west"]).fillna(0.0)
    regions["unmet_pflops"] = regions["region"].map(unmet).fillna(0.0)
    regions["west_share_served"] = (regions["served_west_pflops"]
                                    / regions["served_pflops"].where(regions["served_pflops"] > 0))
    regions["rtt_mean_ms"] = regions["region"].map(g["rtt_x"] / g["pflops"].where(g["pflops"] > 0))
    regions["period"] = period
    return gpd.GeoDataFrame(regions, geometry="geometry", crs=WGS84)


def plan_flows(inst: InstanceView, res: dict[str, pd.DataFrame], period: int | None
               ) -> gpd.GeoDataFrame:
    t = inst.tables
    serve = res["serve"] if period is None else res["serve"][res["serve"]["period"] == period]
    serve = serve[serve["pflops"] > 0].reset_index(drop=True)
    serve["class"] = serve["workload"].map(t.workloads.set_index("workload")["class"])
    geom = lines_between(node_points(t), serve["region"], serve["site"])
    return gpd.GeoDataFrame(serve, geometry=geom, crs=WGS84)


def plan_trunks(inst: InstanceView, res: dict[str, pd.DataFrame], period: int | None
                ) -> gpd.GeoDataFrame:
    """Trunk lines with load; ``upgraded`` = wavelengths added in this or an earlier period."""
    trunks = res["trunks"].drop(columns=[c for c in ("from", "to", "length_km")
                                         if c in res["trunks"]])
    trunks = trunks.sort_values(["trunk", "period"])
    trunks["upgraded"] = trunks.groupby("trunk")["wavelengths_added"].cumsum() > 0
    if period is not None:
        trunks = trunks[trunks["period"] == period]
    lines = inst.trunks[["trunk", "from", "to", "length_km", "geometry"]]
    out = lines.merge(trunks, on="trunk", how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def plan_view(result_dir: Path) -> PlanView:
    inst = instance_view(result_dir / "instance", with_reach=False, resolved=True)
    res = read_result_tables(result_dir)
    periods = sorted(set(res["capacity"]["period"]))
    period = int(periods[-1]) if periods else int(max(inst.tables.demand["period"]))
    return PlanView(
        inst=inst, period=period,
        regions=plan_regions(inst, res, period),
        sites=plan_sites(inst, res, period),
        flows=plan_flows(inst, res, period),
        trunks=plan_trunks(inst, res, period),
        all_periods=res,
    )


# --------------------------------------------------------------------------- provinces


def province_values(regions: pd.DataFrame, shade: str) -> pd.Series:
    """Aggregate a region KPI to province level (regions may be provinces or cities)."""
    g = regions.groupby("province")
    if shade == "demand":
        return g["demand_it_mw"].sum()
    if shade == "west_share":
        served = g["served_pflops"].sum()
        return g["served_west_pflops"].sum() / served.where(served > 0)
    if shade.startswith("reach:"):
        return g[shade].max()
    raise ValueError(f"shade must be 'demand' or 'west_share', got {shade!r}")


def shaded_provinces(regions: pd.DataFrame, shade: str, crs: str) -> gpd.GeoDataFrame:
    prov = basemap("provinces", crs)
    prov["value"] = prov["adcode"].map(province_values(regions, shade))
    return prov
