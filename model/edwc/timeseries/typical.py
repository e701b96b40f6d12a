"""The instance's hourly profiles reduced to typical days (tsam), or to one annual slice.

Columns are kept at their annual means (tsam's `preserve_column_means`), so for every profile x

    Σ_{(d,k)} weight_h[(d,k)] · x[(d,k)] = Σ_t x_t      (annual energy of 1 MW, or curtailed MWh, kept)

Typical days are chosen by hierarchical clustering with medoids (tsam's default): the same profiles
give the same days. Results are cached in memory by a hash of the profiles and the settings.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from edwc.errors import InputError, Problem
from edwc.input.instance import Instance
from edwc.input.schema import Time
from edwc.timeseries.profiles import HOURS, Profiles, load_profiles
from edwc.timeseries.slices import TimeSlices, annual

_CACHE: dict[str, TimeSlices] = {}


def province_of(region: str, known: set[str]) -> str | None:
    """The province whose profile a region uses: itself, or adcode[:2] + "0000" for a city region."""
    if region in known:
        return region
    p = region[:2] + "0000"
    return p if p in known else None


def instance_provinces(inst: Instance, prof: Profiles) -> dict[str, str]:
    """region -> province for every region of the instance (regions without a profile raise InputError)."""
    known = set(prof.provinces())
    out: dict[str, str] = {}
    missing = []
    for r in inst.regions["region"].astype(str):
        p = province_of(r, known)
        if p is None:
            missing.append(r)
        else:
            out[r] = p
    if missing:
        raise InputError([Problem("regions.csv", f"region {r}: no renewable profile for it or its province "
                                                 f"{r[:2]}0000 ({prof.source})", column="region") for r in missing])
    return out


def time_slices(inst: Instance) -> TimeSlices:
    """The TimeSlices of `inst.config.time`: annual means, or typical days of its provinces' profiles."""
    t = inst.config.time
    prof = load_profiles(profiles_path(inst))
    regions = instance_provinces(inst, prof)
    provinces = sorted(set(regions.values()))
    frame = prof.data[[c for c in prof.data.columns if c.split(":")[1] in provinces]]
    info: dict[str, object] = {"profile_source": prof.source, "profile_year": prof.year}
    if t.mode == "annual":
        ts = annual_slices(frame)
    else:
        ts = typical_days(frame, t)
    return replace(ts, province_of=regions, method={**ts.method, **info})


def annual_slices(frame: pd.DataFrame) -> TimeSlices:
    """One slice: every profile at its annual mean, curtailment as annual MWh."""
    means = frame.mean()
    cf = {_key(c): float(v) for c, v in means.items() if not c.startswith("curtailed:")}
    curt = {c.split(":")[1]: float(frame[c].sum()) for c in frame.columns if c.startswith("curtailed:")}
    return annual(cf, curt)


def _key(col: str) -> tuple[str, str]:
    kind, province = col.split(":")
    return kind, province


def typical_days(frame: pd.DataFrame, t: Time) -> TimeSlices:
    """`t.days` typical days (of `t.segments` steps, or 24 hours) chosen by tsam from 365 days of hours."""
    h = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    h.update(",".join(frame.columns).encode())
    key = f"{h.hexdigest()}:{t.days}:{t.segments}"
    if key not in _CACHE:
        _CACHE[key] = _aggregate(frame, t.days, t.segments)
    return _CACHE[key]


def _aggregate(frame: pd.DataFrame, days: int, segments: int | None) -> TimeSlices:
    import tsam

    data = frame.copy()
    data.index = pd.date_range("2023-01-01", periods=HOURS, freq="h")  # tsam wants times; a non-leap year
    seg = tsam.SegmentConfig(n_segments=segments) if segments else None
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # tsam warns on 1e-13 overshoots of a column's maximum after rescaling
        warnings.filterwarnings("ignore", message=".*exceeds the maximal value.*", category=UserWarning)
        res = tsam.aggregate(data, n_clusters=days, period_duration=24, segments=seg, preserve_column_means=True)
    seconds = time.perf_counter() - t0
    rep = res.cluster_representatives
    counts = res.cluster_counts
    day_ids = sorted(int(d) for d in rep.index.get_level_values(0).unique())
    slices, hours, start = [], {}, {}
    cf: dict[tuple[str, str], dict[tuple[int, int], float]] = {}
    curt: dict[str, dict[tuple[int, int], float]] = {}
    for d in day_ids:
        block = rep.loc[d]
        dur = block.index.get_level_values(-1).to_numpy(float) if segments else np.ones(len(block))
        clock = np.concatenate([[0.0], np.cumsum(dur)[:-1]])
        for k in range(len(block)):
            sl = (d, k)
            slices.append(sl)
            hours[sl], start[sl] = float(dur[k]), float(clock[k])
            for c in frame.columns:
                kind, p = _key(c)
                v = float(block[c].iloc[k])
                (curt.setdefault(p, {}) if kind == "curtailed" else cf.setdefault((kind, p), {}))[sl] = v
    acc = res.accuracy
    method: dict[str, object] = {
        "mode": "typical_days", "days": days, "segments": segments or 24,
        "library": f"tsam {version('tsam')}", "clustering": "hierarchical, medoid representation, column means kept",
        # tsam's figures on min-max normalised columns (0-1): hour by hour, and of the duration curves
        "rmse": round(float(acc.weighted_rmse), 4), "rmse_duration": round(float(acc.weighted_rmse_duration), 4),
        "rmse_by_kind": _by_kind(acc.rmse), "rmse_duration_by_kind": _by_kind(acc.rmse_duration),
        "seconds": round(seconds, 2),
    }
    return TimeSlices(slices=slices, hours=hours, day_weight={d: float(counts[d]) for d in day_ids},
                      start_hour=start, cf=cf, curtailed_mw=curt, method=method)


def _by_kind(per_column: pd.Series) -> dict[str, float]:
    """Root mean square of per-column figures within each kind (solar, onwind, ...)."""
    kinds = per_column.index.str.split(":").str[0]
    return {k: round(float(np.sqrt((per_column[kinds == k] ** 2).mean())), 4) for k in dict.fromkeys(kinds)}


def profiles_path(inst: Instance) -> Path | None:
    """The planner's profile file, resolved against the instance folder (None: shipped)."""
    p = inst.config.time.profiles
    return inst.path / p if p else None
