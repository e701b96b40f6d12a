"""What a comparison holds (the Comparison record) and the thresholds and units it shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from edwc.results.tables import Result

YI = 1e8  # 亿元
TOL = 1e-6  # PFLOPS and shares below this are solver noise
UNMET = "(unmet)"
DRAWN = ("compare.md", "capacity.png", "costs.png", "diff_map.png")  # in the language's name


def drawn_names(lang: str) -> list[str]:
    """compare.md, capacity.png, costs.png, diff_map.png with the language infix ('' for zh)."""
    from edwc.maps.i18n import suffix

    return [f"{Path(n).stem}{suffix(lang)}{Path(n).suffix}" for n in DRAWN]


@dataclass
class Comparison:
    """Everything `edwc compare` shows and writes; the first label is the baseline."""

    labels: list[str]
    folders: list[Path]
    results: list[Result]
    summary: pd.DataFrame  # metric, period, unit, <label>…, Δ <label>…, Δ% <label>…
    capacity: pd.DataFrame  # hub, class, <label>…, Δ <label>…
    moved: pd.DataFrame  # result, region, name, workload, period, baseline_sites, sites, moved_share, moved_pflops
    site_change: pd.DataFrame  # result, site, class, name, lon, lat, baseline_pflops, pflops, delta_pflops

    @property
    def base(self) -> str:
        return self.labels[0]

    @property
    def others(self) -> list[str]:
        return self.labels[1:]
