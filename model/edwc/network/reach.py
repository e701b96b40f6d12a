"""Latency reach: demand that no site can serve within its workload's latency limit is an input error."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from edwc.errors import InputError, Problem
from edwc.input.instance import MAX_PROBLEMS_PER_COLUMN, Instance, load_instance_rows
from edwc.network.routes import allowed_pairs

NETWORK_TABLES = ("regions", "sites", "site_classes", "classes", "workloads", "trunks")  # what reach depends on


def reach_problems(inst: Instance, problems: list[Problem]) -> None:
    """Demand that no site can serve within its workload's latency limit is an input error."""
    pairs = allowed_pairs(inst)
    d = inst.demand
    d = d[d["pflops"] > 0]
    reach = pairs[["region", "workload"]].drop_duplicates().assign(ok=True)
    m = d.reset_index().merge(reach, on=["region", "workload"], how="left")
    lim = dict(zip(inst.workloads["workload"], inst.workloads["max_rtt_ms"], strict=False))
    rows = inst.cache.get("rows", {}).get("demand")  # with rows left out (load_instance_rows): their file rows
    for _, row in m[m["ok"].isna()].head(MAX_PROBLEMS_PER_COLUMN * 3).iterrows():
        limit = lim[row["workload"]]
        why = ("no site that holds its class is joined to it by trunks (add a site or a trunk)" if pd.isna(limit) else
               f"no site is within {limit:g} ms RTT (add a site or a trunk, or relax max_rtt_ms)")
        problems.append(
            Problem(
                "demand.csv",
                f"region {row['region']} workload {row['workload']}: {why}",
                line=(rows[int(row["index"])] if rows else int(row["index"])) + 2,
                column="workload",
            )
        )


def load_valid_instance(
    folder: str | os.PathLike[str],
    scenario: str | None = None,
    sets: dict[str, Any] | None = None,
) -> Instance:
    """`load_instance` plus the latency-reach check: what `edwc validate` and `edwc solve` accept. The reach
    check runs beside the other problems, on the rows that have none, so that every problem shows in one run."""
    inst, problems = load_instance_rows(folder, scenario=scenario, sets=sets)
    if inst is not None:
        found: list[Problem] = []
        try:
            reach_problems(inst, found)
        except (KeyError, ValueError, TypeError, IndexError):  # rows left out broke the network: their problems say why
            if not problems:
                raise
        left_out = {f"{t}.csv" for t in NETWORK_TABLES} & {p.file for p in problems if p.line is not None}
        if left_out:  # a site or trunk left out may be why a region is out of reach
            note = f" (checked without the rows of {', '.join(sorted(left_out))} that have problems above)"
            found = [Problem(p.file, p.message + note, line=p.line, column=p.column) for p in found]
        problems += found
    if problems or inst is None:
        raise InputError(problems or [Problem(str(folder), "instance could not be read")], str(folder))
    return inst


def load_valid_workbook(path: str | os.PathLike[str], scenario: str | None = None,
                        sets: dict[str, Any] | None = None) -> Instance:
    """An instance workbook (.xlsx, edwc.input.xlsx) read and validated exactly as a folder, every
    problem located by sheet, row and column. The Instance's path is a temporary folder, gone on return."""
    from pathlib import Path

    from edwc.input.xlsx import relocate, workbook_folder

    book = Path(path).name
    with workbook_folder(Path(path)) as (folder, rows_of, problems):
        try:
            inst = load_valid_instance(folder, scenario=scenario, sets=sets)
        except InputError as e:
            raise InputError(problems + relocate(e.problems, book, rows_of), book) from None
        if problems:
            raise InputError(problems, book)
        inst.cache["workbook_rows"] = (book, rows_of)  # to locate warnings in the workbook
        return inst
