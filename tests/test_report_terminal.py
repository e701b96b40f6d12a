"""The terminal summary's capacity-by-hub table on a plan without any hub."""

from __future__ import annotations

import warnings

import pandas as pd

from edwc.analysis.report import capacity_by_hub
from edwc.results.tables import Result


def _tables(hub: list[object]) -> dict[str, pd.DataFrame]:
    sites = pd.DataFrame({"site": ["a", "b"], "period": [2025, 2025], "hub": hub})
    capacity = pd.DataFrame({"site": ["a", "a", "b"], "period": [2025] * 3,
                             "class": ["general", "intelligent", "general"],
                             "installed_pflops": [1.0, 2.0, 4.0]})
    return {"sites": sites, "capacity": capacity}


def test_no_hub_column_of_nan_reads_as_no_hub_without_a_warning() -> None:
    # a result with no hub site reads its hub column back as all-NaN float64
    tables = _tables([float("nan"), float("nan")])
    assert tables["sites"]["hub"].dtype == "float64"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab = capacity_by_hub(Result(summary={}, tables=tables))
    assert tab.index.tolist() == ["(no hub)"]
    assert tab.loc["(no hub)", "general"] == 5.0 and tab.loc["(no hub)", "intelligent"] == 2.0


def test_sites_outside_hubs_are_grouped_apart() -> None:
    tab = capacity_by_hub(Result(summary={}, tables=_tables(["jjj", None])))
    assert sorted(tab.index) == ["(no hub)", "jjj"]
    assert tab.loc["jjj", "general"] == 1.0 and tab.loc["(no hub)", "general"] == 4.0


def test_a_result_without_sites_has_an_empty_table_without_a_warning() -> None:
    tables = _tables(["jjj", "jjj"])  # sites.csv with its header only reads back as float64 columns
    tables["sites"] = pd.DataFrame({c: pd.Series([], dtype="float64") for c in ("site", "period", "hub")})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab = capacity_by_hub(Result(summary={}, tables=tables))
    assert tab.index.tolist() == ["(no hub)"]
