"""Site power limits by period (docs/model.md, "Shells": site_power)."""

from __future__ import annotations

import pandas as pd


def facility_limits(sites: pd.DataFrame, periods: list[int]) -> dict[tuple[str, int], float]:
    """max_facility_mw per (site, period): max_facility_mw in every period, or, where max_facility_mw_start is given
    and the instance has several periods, max_facility_mw_start in the first period rising linearly with the years
    to max_facility_mw in the last (what is built and approved now, growing to the limit of the horizon)."""
    first, last = min(periods), max(periods)
    start = sites["max_facility_mw_start"] if "max_facility_mw_start" in sites else pd.Series(float("nan"), index=sites.index)
    out: dict[tuple[str, int], float] = {}
    for site, end, begin in zip(sites["site"], sites["max_facility_mw"].astype(float), start.astype(float), strict=True):
        for t in periods:
            rising = begin == begin and last > first
            out[(str(site), t)] = begin + (end - begin) * (t - first) / (last - first) if rising else end
    return out
