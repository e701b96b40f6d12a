"""What a sweep returns (SweepReport) and its terminal rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from edwc.workflow.sweep.index import YI, one_line
from edwc.workflow.sweep.runners import Outcome


@dataclass
class SweepReport:
    out: Path
    index: pd.DataFrame
    seconds: float
    workers: str
    chart: Path | None = None  # kpis[.LANG].png, the KPIs across cases
    earlier: int = 0  # cases of earlier sweeps into the folder, listed in index.csv beside this run's
    kept: list[str] = field(default_factory=list)  # where earlier case folders were kept (one line each)

    @property
    def failed(self) -> pd.DataFrame:
        return self.index[self.index["outcome"] == "failed"]

    def counts(self) -> dict[str, int]:
        return {k: int((self.index["outcome"] == k).sum()) for k in ("solved", "skipped", "failed")}



def case_line(name: str, outcome: Outcome, folder: Path, done: int, total: int, width: int = 100) -> str:
    """One finished case for the terminal: position, name, status, cost (亿元: per year for one
    period, a present value over several; the value of unmet demand apart) and time; a failed
    case's message instead of the numbers."""
    import json

    from edwc.analysis.termtable import cut

    head = f"[{done}/{total}] {name}"
    status = "skipped" if outcome.status == "skipped" else outcome.status
    if not outcome.ok:
        tail = f"  {status}  {outcome.seconds:.1f} s  {one_line(outcome.message, 200)}"
        return cut(head + tail, width)
    try:
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        s = {}
    if outcome.status == "skipped":
        status = f"skipped ({s.get('status', '?')}, unchanged)"
    parts = {k: float(v or 0.0) for k, v in (s.get("cost_parts_cny") or {}).items()}
    unmet = float(s.get("unmet_value_cny", parts.pop("unmet", 0.0)) or 0.0)
    per = "亿元/yr" if len(s.get("period_weights") or {}) <= 1 else "亿元 (present value)"
    cost = f"cost {sum(parts.values()) / YI:,.2f} {per}" if parts else "cost ?"
    if unmet > 0.005 * YI:
        cost += f" + unmet value {unmet / YI:,.2f}"
    tail = f"  {status}  {cost}  {outcome.seconds:.1f} s"
    room = max(width - len(tail), 12)
    return cut(head, room) + tail


UNMET_FLAG = 0.001  # a case leaving more than this share of demand unserved is flagged


def unmet_flags(df: pd.DataFrame) -> pd.Series:
    """Cases (index rows) that leave more than UNMET_FLAG of their demand unserved."""
    if "unmet_pflops" not in df or "demand_pflops" not in df:
        return pd.Series(False, index=df.index)
    share = pd.to_numeric(df["unmet_pflops"], errors="coerce") / pd.to_numeric(df["demand_pflops"], errors="coerce")
    return (share > UNMET_FLAG).fillna(False)


def render_report(rep: SweepReport, width: int | None = None) -> str:
    """The index for a terminal of ``width`` columns (the terminal's own by default)."""
    from edwc.analysis.termtable import fit, terminal_width

    df = rep.index
    show = pd.DataFrame({"case": df["case"], "outcome": df["outcome"], "status": df["status"]})
    if "objective_cny" in df:
        cost = df["total_cost_cny"] if "total_cost_cny" in df else df["objective_cny"]
        show["cost 亿元"] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in cost]
        if "unmet_value_cny" in df and (df["unmet_value_cny"].fillna(0) > 0.005 * YI).any():
            show["unmet value"] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in df["unmet_value_cny"]]
    for c, head, pct in (("built_pflops", "new PFLOPS", False), ("west_share_new", "west of new", True),
                         ("unmet_pflops", "unmet PFLOPS", False)):
        if c in df:
            show[head] = [("" if pd.isna(v) else (f"{v:.1%}" if pct else f"{v:,.1f}" if abs(v) < 10 else f"{v:,.0f}"))
                          for v in df[c]]
    flags = unmet_flags(df)
    if flags.any():  # a case cheaper only because it serves less is never just "cheaper"
        share = pd.to_numeric(df["unmet_pflops"], errors="coerce") / pd.to_numeric(df["demand_pflops"], errors="coerce")
        show["flag"] = [f"⚠ {v:.1%} unmet" if f else "" for f, v in zip(flags, share, strict=True)]
    n = rep.counts()
    lines = [*fit(show, width or terminal_width(), keys=["case"], left=("case", "outcome", "status")), "",
             f"{n['solved']} solved, {n['skipped']} skipped (unchanged), {n['failed']} failed in {rep.seconds:.1f} s "
             f"on {rep.workers}; index: {rep.out / 'index.csv'}"]
    if flags.any():
        lines.append(f"⚠ {int(flags.sum())} case(s) leave more than {UNMET_FLAG:.1%} of demand unserved: their cost is "
                     "lower partly because they serve less (unmet value shown beside the cost), not comparable")
    if rep.earlier:
        lines.append(f"index.csv and the KPI charts also list {rep.earlier} case(s) of earlier sweeps into {rep.out} (kept as they were)")
    lines += rep.kept
    for row in rep.failed.itertuples(index=False):
        lines.append(f"failed: {row.case}: {one_line(row.message, 300)}")
    if rep.chart is not None:
        lines.append(f"KPIs across cases: {rep.chart}")
    return "\n".join(lines)
