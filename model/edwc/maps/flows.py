"""Thin the region -> site flows so city-scale plans stay readable, and bend them into arcs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from edwc.maps.base import province_of

MIN_DISTANCE_M = 60_000.0  # pairs closer than this are local: not drawn
MAX_FLOWS = 70
WIDTH_PT = (0.4, 4.5)


def aggregate_flows(flows: pd.DataFrame, regions: pd.DataFrame, by_province: bool
                    ) -> pd.DataFrame:
    """Sum PFLOPS per (origin, site, workload); origin = region, or its province when
    ``by_province`` (drawn from the PFLOPS-weighted mean of that province's region points)."""
    xy = regions.set_index("region")[["x", "y"]]
    f = flows.join(xy, on="region")
    f["origin"] = f["region"].map(province_of) if by_province else f["region"]
    f["wx"], f["wy"] = f["x"] * f["pflops"], f["y"] * f["pflops"]
    g = f.groupby(["origin", "site", "workload", "class"], as_index=False)[
        ["pflops", "wx", "wy", "rtt_ms"]].agg({"pflops": "sum", "wx": "sum", "wy": "sum",
                                                "rtt_ms": "mean"})
    g["x0"], g["y0"] = g["wx"] / g["pflops"], g["wy"] / g["pflops"]
    return g.drop(columns=["wx", "wy"])


def thin_flows(agg: pd.DataFrame, site_xy: pd.DataFrame, limit: int = MAX_FLOWS
               ) -> pd.DataFrame:
    """Drop local pairs; keep the ``limit`` largest flows, ranked within their class."""
    f = agg.join(site_xy.rename(columns={"x": "x1", "y": "y1"}), on="site")
    f = f[np.hypot(f["x1"] - f["x0"], f["y1"] - f["y0"]) >= MIN_DISTANCE_M]
    f = f.assign(rel=f["pflops"] / f.groupby("class")["pflops"].transform("max"))
    return f.sort_values("rel", ascending=False).head(limit).reset_index(drop=True)


def widths(rel: pd.Series) -> np.ndarray:
    lo, hi = WIDTH_PT
    return lo + (hi - lo) * np.sqrt(rel.clip(0, 1).to_numpy())


def arc(x0: float, y0: float, x1: float, y1: float, bend: float, n: int = 24) -> np.ndarray:
    """Quadratic Bézier from (x0, y0) to (x1, y1), bent left by ``bend`` × its length."""
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    cx, cy = mx - (y1 - y0) * bend, my + (x1 - x0) * bend
    t = np.linspace(0, 1, n)[:, None]
    p0, pc, p1 = np.array([x0, y0]), np.array([cx, cy]), np.array([x1, y1])
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * pc + t ** 2 * p1


def flow_arcs(f: pd.DataFrame, workloads: list[str]) -> list[np.ndarray]:
    """One arc per flow; different workloads on one pair bend differently."""
    rank = {w: i for i, w in enumerate(workloads)}
    return [arc(r.x0, r.y0, r.x1, r.y1, 0.08 + 0.05 * rank.get(r.workload, 0))
            for r in f.itertuples(index=False)]
