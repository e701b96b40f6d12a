"""The block rule of docs/model.md ("Training blocks and where demand is") re-checked from serve.csv and the
instance's workloads.csv block_pflops: at each site and period a block workload is served 0 or at least one
block (block_min), and capacity.csv's blocks column is Σ served / block_pflops of those workloads."""

from __future__ import annotations

import math

import pandas as pd

from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import ATOL, RTOL, Rows, fmt


def block_pflops(p: Plan) -> dict[str, float]:
    """workload -> its block size, for the workloads whose block_pflops cell is set."""
    wl = p.inst["workloads"]
    if "block_pflops" not in wl.columns:
        return {}
    b = pd.to_numeric(wl["block_pflops"], errors="coerce")
    return {str(w): float(v) for w, v in zip(wl["workload"], b, strict=True) if not math.isnan(v) and v > 0}


def check_blocks(p: Plan, r: Rows) -> None:
    size = block_pflops(p)
    srv = p.res["serve"]
    by = srv.groupby(["site", "workload", "period"])["pflops"].sum()
    for (s, w, t), v in by.items():
        if w not in size:
            continue
        r.count("block_min")
        b = size[w]
        tol = RTOL * b + ATOL * b
        if tol < v < b - tol:  # neither none nor one block
            r.fail("block_min", f"serve.csv ({s}, {w}, {int(t)})",
                   f"{fmt(v)} PFLOPS of block workload {w} served here: neither 0 nor at least one block of {fmt(b)}",
                   b - v)
    blk = srv[srv["workload"].isin(list(size))]
    per = (blk["pflops"] / blk["workload"].map(size)).groupby(
        [blk["site"], blk["workload"].map(dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["class"],
                                                   strict=True))),
         blk["period"].astype(int)]).sum()
    cap = p.res["capacity"]
    if "blocks" not in cap.columns:
        return  # a result written before the column existed (its serve rows are checked above)
    for i, s, c, t, got in cap[["site", "class", "period", "blocks"]].itertuples():
        want = float(per.get((s, c, int(t)), 0.0))
        r.eq("capacity_table", f"capacity.csv line {i + 2} ({s}, {c}, {int(t)})", float(got), want, 1.0,
             "blocks {lhs} but served / block_pflops is {rhs}")
