"""The trunk graph: lengths, shortest-latency paths and round-trip times between regions and sites.

rtt(r, s) = access_rtt_ms + sum over the trunks of the shortest-latency path of
            (2 * length_km * fibre_us_per_km / 1000 + hop_delay_ms)
The allowed assignment set A = {(r, s, w): rtt(r, s) <= max_rtt(w)} is computed here, before any
model is built, so no variable exists for a pair that breaks its latency limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from edwc.input.instance import Instance

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in km (vectorised)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(x, dtype=float)) for x in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def node_coordinates(inst: Instance) -> pd.DataFrame:
    """lon/lat of every network node (regions and sites), indexed by node id."""
    r = inst.regions.set_index("region")[["lon", "lat"]]
    s = inst.sites.set_index("site")[["lon", "lat"]]
    return pd.concat([r, s])


def trunk_table(inst: Instance) -> pd.DataFrame:
    """Trunks with resolved length_km and their round-trip latency rtt_ms."""
    t = inst.trunks.copy()
    xy = node_coordinates(inst)
    gc = great_circle_km(
        xy.loc[t["from"], "lon"].to_numpy(), xy.loc[t["from"], "lat"].to_numpy(),
        xy.loc[t["to"], "lon"].to_numpy(), xy.loc[t["to"], "lat"].to_numpy(),
    )
    net = inst.config.network
    t["length_km"] = t["length_km"].astype(float).fillna(pd.Series(gc * net.route_factor, index=t.index))
    t["rtt_ms"] = 2 * t["length_km"] * net.fibre_us_per_km / 1000 + net.hop_delay_ms
    return t


@dataclass(frozen=True)
class Routes:
    """Shortest-latency routes from every region to every reachable site."""

    rtt: pd.DataFrame  # region, site, rtt_ms
    paths: dict[tuple[str, str], tuple[str, ...]]  # (region, site) -> trunk ids on the path
    # The shortest-path tree of each site: (site, node) -> (next node toward the site, trunk id).
    toward: dict[tuple[str, str], tuple[str, str]]


def routes(inst: Instance) -> Routes:
    """Dijkstra from each site over the trunk graph (cached on the instance)."""
    if "routes" in inst.cache:
        return inst.cache["routes"]
    t = trunk_table(inst)
    g = nx.Graph()
    g.add_nodes_from(inst.regions["region"])
    g.add_nodes_from(inst.sites["site"])
    # Parallel trunks between the same two nodes: the route uses the faster one (deterministic).
    for row in t.sort_values(["rtt_ms", "trunk"], ascending=[False, False]).itertuples(index=False):
        g.add_edge(row[1], row[2], weight=float(row.rtt_ms), trunk=row.trunk)
    regions = set(inst.regions["region"])
    access = inst.config.network.access_rtt_ms
    rows, paths, toward = [], {}, {}
    for site in inst.sites["site"]:
        dist, path = nx.single_source_dijkstra(g, site, weight="weight")
        # Dijkstra's paths share prefixes: together they form a tree. dist lists nodes in the order they
        # were settled, so a node's parent always comes first and its trunks extend the parent's.
        along: dict[str, tuple[str, ...]] = {site: ()}
        for node in dist:
            p = path[node]
            if len(p) > 1:
                trunk = g.edges[p[-2], node]["trunk"]
                toward[(site, node)] = (p[-2], trunk)
                along[node] = along[p[-2]] + (trunk,)
        for node in sorted(regions & dist.keys()):
            rows.append((node, site, access + dist[node]))
            paths[(node, site)] = along[node]
    rtt = pd.DataFrame(rows, columns=["region", "site", "rtt_ms"])
    out = Routes(rtt=rtt, paths=paths, toward=toward)
    inst.cache["routes"] = out
    return out


def rtt_table(inst: Instance) -> pd.DataFrame:
    """region, site, rtt_ms for every region-site pair joined by trunks."""
    return routes(inst).rtt


def allowed_pairs(inst: Instance) -> pd.DataFrame:
    """The set A: region, site, workload, class, rtt_ms for demanded work a site may serve.

    A pair is kept when rtt <= max_rtt_ms of the workload (no limit when empty) and the site can
    hold the workload's class (existing capacity or room for modules).
    """
    if "allowed" in inst.cache:
        return inst.cache["allowed"]
    rtt = rtt_table(inst)
    wl = inst.workloads[["workload", "class", "max_rtt_ms"]]
    dem = inst.demand[inst.demand["pflops"] > 0][["region", "workload"]].drop_duplicates()
    sc = inst.site_classes
    offers = sc[(sc["existing_pflops"] > 0) | (sc["max_modules"] > 0)][["site", "class"]]
    a = dem.merge(wl, on="workload").merge(rtt, on="region").merge(offers, on=["site", "class"])
    a = a[a["max_rtt_ms"].isna() | (a["rtt_ms"] <= a["max_rtt_ms"] + 1e-9)]
    a = a[["region", "site", "workload", "class", "rtt_ms"]].sort_values(["region", "site", "workload"])
    a = a.reset_index(drop=True)
    inst.cache["allowed"] = a
    return a
