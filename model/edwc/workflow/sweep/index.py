"""The sweep's index: one row per case (status, cost parts, headline KPIs) written as index.csv and index.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from edwc.formulation.objective import COST_PARTS
from edwc.results.spreadsheet import to_csv_text
from edwc.workflow.sweep.cases import Case
from edwc.workflow.sweep.runners import Outcome

YI = 1e8
HEADLINE_KPIS = ("demand_pflops", "unmet_pflops", "installed_pflops", "built_pflops", "west_share_installed",
                 "west_share_new", "west_share_served", "energy_mwh", "emissions_t", "sites_opened", "wavelengths_added")


def result_row(folder: Path, kpis: tuple[str, ...] = HEADLINE_KPIS) -> dict[str, Any]:
    """Objective, cost parts, gap, times and last-period KPIs (the headline ones unless asked) of a result folder."""
    import json

    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    row: dict[str, Any] = {"status": s.get("status"), "objective_cny": s.get("objective_cny"),
                           "total_cost_cny": s.get("total_cost_cny"), "unmet_value_cny": s.get("unmet_value_cny")}
    row.update({f"cost_{p}_cny": (s.get("cost_parts_cny") or {}).get(p) for p in COST_PARTS})
    k = pd.read_csv(folder / "kpis.csv")
    k = k[k["period"] == k["period"].max()].set_index("kpi")["value"]
    for name in kpis:
        row[name] = k.get(name, np.nan)
    for name in sorted(n for n in k.index if n.startswith("installed_pflops_")):
        row[name] = k[name]
    row["mip_gap"] = s.get("mip_gap")
    row["solve_s"] = (s.get("seconds") or {}).get("solve")
    row["input_hash"] = s.get("input_hash")
    return row


def index_row(case: Case, outcome: Outcome, out: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"case": case.name}
    if case.scenario_label is not None:
        row["scenario"] = case.scenario_label
    row.update(case.texts)
    folder = out / case.name
    if outcome.ok and (folder / "summary.json").is_file():
        row.update(result_row(folder))
        row["folder"] = str(folder)
    else:
        row["status"] = outcome.status
    row.update({"outcome": "failed" if not outcome.ok else ("skipped" if outcome.status == "skipped" else "solved"),
                "case_s": round(outcome.seconds, 3), "worker": outcome.worker, "message": outcome.message})
    return row


def index_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    first = ["case", "scenario"]
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    cols = [c for c in first if c in cols] + [c for c in cols if c not in first]
    return pd.DataFrame(rows, columns=cols)


def index_markdown(df: pd.DataFrame, title: str) -> str:
    from edwc.analysis.compare import markdown_table

    show = pd.DataFrame({"case": df["case"], "outcome": df["outcome"], "status": df["status"]})
    money = ["objective_cny", "total_cost_cny", "unmet_value_cny", *(f"cost_{p}_cny" for p in COST_PARTS)]
    for c in money:
        if c in df:
            show[c.replace("_cny", " (亿元/yr)")] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in df[c]]
    for c in ("built_pflops", "installed_pflops", "west_share_new", "unmet_pflops", "emissions_t", "mip_gap", "solve_s"):
        if c in df:
            # a gap of 0.05 % must not read 0.0 %: gaps with two decimals, as the terminal prints them
            fmt = ("{:.2%}" if c == "mip_gap" else "{:.1%}" if c.startswith("west_share")
                   else "{:,.1f}" if c == "solve_s" else None)
            show[c] = [("" if pd.isna(v) else fmt.format(v) if fmt else f"{v:,.1f}" if abs(v) < 10 else f"{v:,.0f}")
                       for v in df[c]]
    show["message"] = [one_line(m, 200) for m in df["message"]]
    return f"# {title}\n\n{markdown_table(show)}\n"


def one_line(message: Any, width: int) -> str:
    text = " ".join(str(message).split()) if isinstance(message, str) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def earlier_rows(out: Path) -> dict[str, dict[str, Any]]:
    """The rows of index.csv already in a sweep folder (case -> row), for the cases still there
    (their folder exists, or they failed): a later sweep into the folder lists them too."""
    try:
        df = pd.read_csv(Path(out) / "index.csv", dtype={"case": str})
    except (OSError, ValueError, pd.errors.ParserError):
        return {}
    if "case" not in df:
        return {}
    rows: dict[str, dict[str, Any]] = {}
    for r in df.to_dict("records"):
        name = str(r["case"])
        if (Path(out) / name / "summary.json").is_file() or r.get("outcome") == "failed":
            rows[name] = {k: v for k, v in r.items() if not (isinstance(v, float) and np.isnan(v))}
    return rows


def write_text_atomically(path: Path, text: str) -> None:
    from edwc.results.atomic_file import write_file_atomically

    write_file_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_index(df: pd.DataFrame, out: Path, title: str) -> None:
    """index.csv (every column) and index.md (the headline columns), each replaced atomically."""
    write_text_atomically(out / "index.csv", to_csv_text(df))
    write_text_atomically(out / "index.md", index_markdown(df, title))
