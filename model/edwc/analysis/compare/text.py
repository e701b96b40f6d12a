"""The comparison as text: display tables, the terminal rendering and compare.md."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.compare.comparison import TOL, YI, Comparison
from edwc.analysis.compare.tables import cost_gap


def _tie_note(comp: Comparison, lab: str, m: pd.DataFrame) -> str:
    if not len(m) or (m["kind"] != "tie").any():
        return ""
    rel, gap = cost_gap(comp.results[0], comp.results[comp.labels.index(lab)])
    return (f" — all ties: the costs differ by {rel:.3%}, within the solver's MIP gap {gap:.3%}, so these are "
            "equal-cost alternatives, not effects")


def _fmt_value(v: Any, unit: str, delta: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    sign = "+" if delta and v > 0 else ""
    if unit in ("CNY/yr", "CNY"):
        return f"{sign}{v / YI:,.2f}"
    if unit == "fraction":
        return f"{sign}{v * 100:,.1f}%" if not delta else f"{sign}{v * 100:,.1f} pp"
    return f"{sign}{v:,.4g}" if abs(v) < 1000 else f"{sign}{v:,.0f}"


def display_summary(comp: Comparison) -> pd.DataFrame:
    """The summary with money in 亿元/yr, fractions in %, differences signed; text only."""
    df = comp.summary
    out = pd.DataFrame({"metric": [m if not p else f"{m} [{p}]" for m, p in zip(df["metric"], df["period"], strict=True)],
                        "unit": [{"CNY/yr": "亿元/yr", "CNY": "亿元", "fraction": "%"}.get(u, u) for u in df["unit"]]})
    for lab in comp.labels:
        out[lab] = [_fmt_value(v, u) for v, u in zip(df[lab], df["unit"], strict=True)]
    for lab in comp.others:
        out[f"Δ {lab}"] = [_fmt_value(v, u, delta=True) for v, u in zip(df[f"Δ {lab}"], df["unit"], strict=True)]
        out[f"Δ% {lab}"] = [("" if pd.isna(v) or u == "fraction" else f"{v:+.1%}") for v, u in zip(df[f"Δ% {lab}"], df["unit"], strict=True)]
    return out


def display_capacity(comp: Comparison) -> pd.DataFrame:
    df = comp.capacity.copy()
    for col in df.columns[2:]:
        delta = str(col).startswith("Δ")
        df[col] = [_fmt_value(float(v), "PFLOPS", delta=delta) if not delta or abs(v) > TOL else "0" for v in df[col]]
    return df


def display_moved(comp: Comparison) -> pd.DataFrame:
    df = comp.moved.copy()
    df["moved_share"] = [f"{v:.0%}" for v in df["moved_share"]]
    df["moved_pflops"] = [f"{v:,.4g}" for v in df["moved_pflops"]]
    return df


def markdown_table(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency); cells are escaped for '|'."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def render_markdown(comp: Comparison) -> str:
    lines = [f"# Comparison of {len(comp.labels)} results of instance `{comp.results[0].summary['instance']}`", "",
             f"Baseline: `{comp.base}`. Money in 亿元 (1e8 CNY): a yearly cost for one period, a present value over several; fractions in %; "
             "Δ = result − baseline (pp = percentage points).", ""]
    lines += ["| result | folder | scenario | --set |", "|---|---|---|---|"]
    for lab, f, r in zip(comp.labels, comp.folders, comp.results, strict=True):
        sets = ", ".join(f"{k}={v}" for k, v in (r.summary.get("sets") or {}).items())
        lines.append(f"| {lab} | `{f}` | {r.summary.get('scenario') or ''} | {sets} |")
    lines += ["", "## KPIs and cost parts", "", markdown_table(display_summary(comp)), "",
              "## Installed capacity by hub and class (PFLOPS, last period)", "", markdown_table(display_capacity(comp)), "",
              "## What moved (region workloads served elsewhere than in the baseline)", ""]
    lines.append(markdown_table(display_moved(comp)) if len(comp.moved) else "Nothing moved.")
    for lab in comp.others:
        note = _tie_note(comp, lab, comp.moved[comp.moved["result"] == lab])
        if note:
            lines += ["", f"{lab}: {note.removeprefix(' — ')}."]
    lines += ["", "![capacity by hub](capacity.png)", "", "![cost parts](costs.png)", "", "![difference map](diff_map.png)", ""]
    return "\n".join(lines)


def render_terminal(comp: Comparison, max_moved: int = 15, width: int = 60) -> str:
    """The comparison for a terminal: relative differences only for up to two compared results,
    long site lists cut to `width` characters, at most `max_moved` moved rows per result."""
    summary = display_summary(comp)
    if len(comp.others) > 2:
        summary = summary[[c for c in summary.columns if not str(c).startswith("Δ%")]]
    with pd.option_context("display.width", 250, "display.max_columns", 60):
        lines = [f"{comp.results[0].summary['instance']}: {len(comp.labels)} results, baseline {comp.base} "
                 "(money in 亿元/yr, Δ = result − baseline)", ""]
        lines.append(summary.to_string(index=False))
        lines += ["", "installed capacity by hub and class (PFLOPS, last period):", display_capacity(comp).to_string(index=False), ""]
        moved = display_moved(comp)
        for col in ("baseline_sites", "sites"):
            moved[col] = [v if len(v) <= width else v[: width - 1] + "…" for v in moved[col]]
        for lab in comp.others:
            m = moved[moved["result"] == lab]
            lines.append(f"{lab}: {len(m)} region workload(s) moved against the baseline" + _tie_note(comp, lab, m))
            if len(m):
                shown = m.drop(columns="result").head(max_moved)
                lines += ["  " + ln for ln in shown.to_string(index=False).splitlines()]
                if len(m) > max_moved:
                    lines.append(f"  … {len(m) - max_moved} more in moved.csv")
    return "\n".join(lines)
