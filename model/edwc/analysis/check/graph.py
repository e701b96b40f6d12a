"""The trunk graph rebuilt independently of edwc.network: great-circle lengths, Dijkstra, shortest-path bounds."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from edwc.analysis.check.readers import Plan

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass
class Graph:
    length_km: dict[str, float]  # trunk -> km
    weight: dict[str, float]  # trunk -> its round-trip ms (2 * km * fibre_us / 1000 + hop)
    ends: dict[str, tuple[str, str]]
    adj: dict[str, list[tuple[str, str]]]  # node -> [(neighbour, trunk)]


def build_graph(p: Plan) -> Graph:
    xy: dict[str, tuple[float, float]] = {}
    for tab, key in (("regions", "region"), ("sites", "site")):
        for k, lon, lat in p.inst[tab][[key, "lon", "lat"]].itertuples(index=False):
            xy[str(k)] = (float(lon), float(lat))
    net = p.cfg.network
    g = Graph({}, {}, {}, defaultdict(list))
    t = p.inst["trunks"]
    for l, a, b, km in zip(t["trunk"], t["from"], t["to"], t["length_km"], strict=True):
        l, a, b = str(l), str(a), str(b)
        if km is None or pd.isna(km):
            km = haversine_km(*xy[a], *xy[b]) * net.route_factor
        g.length_km[l] = float(km)
        g.weight[l] = 2 * float(km) * net.fibre_us_per_km / 1000 + net.hop_delay_ms
        g.ends[l] = (a, b)
        g.adj[a].append((b, l))
        g.adj[b].append((a, l))
    return g


@dataclass
class Tree:
    dist: dict[str, float]
    count: dict[str, float]  # number of shortest paths from the source
    km: dict[str, float] = field(default_factory=dict)  # fibre km along a shortest path (the shortest such km on ties)
    km_max: dict[str, float] = field(default_factory=dict)  # the longest such km on ties


def dijkstra(g: Graph, src: str) -> Tree:
    """Shortest round-trip ms from src, with the number of shortest paths to every node (ties within 1e-9)."""
    dist: dict[str, float] = {src: 0.0}
    count: dict[str, float] = {src: 1.0}
    km: dict[str, float] = {src: 0.0}
    km_max: dict[str, float] = {src: 0.0}
    done: set[str] = set()
    heap: list[tuple[float, str]] = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for v, l in g.adj.get(u, []):
            nd = d + g.weight[l]
            tie = 1e-9 * max(1.0, nd)
            if v not in dist or nd < dist[v] - tie:
                dist[v], count[v], km[v], km_max[v] = nd, count[u], km[u] + g.length_km[l], km_max[u] + g.length_km[l]
                heapq.heappush(heap, (nd, v))
            elif abs(nd - dist[v]) <= tie and v not in done:
                count[v] += count[u]
                km[v] = min(km[v], km[u] + g.length_km[l])
                km_max[v] = max(km_max[v], km_max[u] + g.length_km[l])
    return Tree(dist, count, km, km_max)


def route_bounds(g: Graph, a: Tree, b: Tree, target: str) -> tuple[set[str], set[str]]:
    """Trunks on some / on every shortest path from a's source to target (b = tree from target)."""
    total = a.dist[target]
    tie = 1e-9 * max(1.0, total)
    some, every = set(), set()
    for l, (x, y) in g.ends.items():
        for u, v in ((x, y), (y, x)):
            if u in a.dist and v in b.dist and a.dist[u] + g.weight[l] + b.dist[v] <= total + tie:
                some.add(l)
                if g.weight[l] > tie and a.count[u] * b.count[v] >= a.count[target] - 0.5:
                    every.add(l)
    return some, every
