"""What a sweep returns (SweepReport) and its terminal rendering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from edwc.workflow.sweep.index import YI, one_line


@dataclass
class SweepReport:
    out: Path
    index: pd.DataFrame
    seconds: float
    workers: str

    @property
    def failed(self) -> pd.DataFrame:
        return self.index[self.index["outcome"] == "failed"]

    def counts(self) -> dict[str, int]:
        return {k: int((self.index["outcome"] == k).sum()) for k in ("solved", "skipped", "failed")}



def render_report(rep: SweepReport) -> str:
    df = rep.index
    show = pd.DataFrame({"case": df["case"], "outcome": df["outcome"], "status": df["status"]})
    if "objective_cny" in df:
        show["cost 亿元/yr"] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in df["objective_cny"]]
    for c, pct in (("built_pflops", False), ("west_share_new", True), ("unmet_pflops", False)):
        if c in df:
            show[c] = [("" if pd.isna(v) else (f"{v:.1%}" if pct else f"{v:,.4g}")) for v in df[c]]
    n = rep.counts()
    lines = [show.to_string(index=False), "",
             f"{n['solved']} solved, {n['skipped']} skipped (unchanged), {n['failed']} failed in {rep.seconds:.1f} s "
             f"on {rep.workers}; index: {rep.out / 'index.csv'}"]
    for row in rep.failed.itertuples(index=False):
        lines.append(f"failed: {row.case}: {one_line(row.message, 300)}")
    return "\n".join(lines)
