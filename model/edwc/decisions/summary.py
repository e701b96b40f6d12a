"""The terminal lines of `edwc price` (and `edwc report` when the result was priced)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

YI = 1e8  # 亿元


def money(summary: dict) -> str:
    """The unit of the objective: 亿元 a year for one period, else a present value (docs/model.md)."""
    weights = summary.get("period_weights") or {}
    return "亿元/yr" if len(weights) <= 1 else f"亿元 (present value at {min(weights)})"


def _yi(v: float) -> str:
    return f"{v / YI:,.2f}"


def policy_line(row: pd.Series, unit: str = "亿元/yr") -> str:
    """One policy in planner words, e.g. 'west_share_new (policy.west_share_new_min = 0.6): binding, costs 3.1 亿元/yr'."""
    head = f"{row['policy']} ({row['setting']} = {row['value']}): "
    if row["binds"] == "no":
        words = "not binding (the plan found without it meets it anyway)"
    elif row["binds"] == "yes":
        words = "binding"
    else:
        words = "not re-solved"
    if row["binds"] == "yes" and pd.notna(row.get("full_cost_cny")):
        lo, hi = row["full_cost_low_cny"], row["full_cost_high_cny"]
        words += f", costs {_yi(row['full_cost_cny'])} {unit}"
        if pd.notna(lo) and pd.notna(hi) and _yi(lo) != _yi(hi):
            words += f" (between {_yi(lo)} and {_yi(hi)} at the MIP gaps)"
    shadow = row.get("shadow_price_cny_per_unit")
    if pd.notna(shadow) and not math.isinf(shadow):
        if bool(row.get("setting_is_share")):
            words += f"; shadow price {_yi(shadow / 100)} {unit} per percentage point (plan fixed)"
        else:
            words += f"; shadow price {shadow:,.4g} CNY/yr per unit of the setting (plan fixed)"
    elif isinstance(row.get("shadow_note"), str) and row["shadow_note"]:
        words += "; no shadow price at a fixed plan (integer rows)"
    return head + words


def render_prices(folder: Path) -> str:
    """Price tags and a digest of the marginal cost of compute, from the files of `edwc price`; '' if none."""
    folder = Path(folder)
    lines: list[str] = []
    pc = folder / "policy_costs.csv"
    if pc.is_file():
        df = pd.read_csv(pc)
        lines.append("policy price tags:" if len(df) else "policy price tags: no policy in force")
        unit = money(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
        lines += ["  " + policy_line(r, unit) for _, r in df.iterrows()]
    mc = folder / "marginal_compute.csv"
    if mc.is_file():
        lines += marginal_lines(pd.read_csv(mc, dtype={"region": str}))
    cor = folder / "corridors.csv"
    if cor.is_file():
        df = pd.read_csv(cor)
        kinds = df["verdict"].str.replace("cross-side: ", "", regex=False).value_counts()
        mw = df.groupby(df["verdict"].str.replace("cross-side: ", "", regex=False))["it_mw"].sum()
        lines.append("corridors: " + ", ".join(f"{k} {n} ({mw[k]:,.0f} IT MW)" for k, n in kinds.items()))
    return "\n".join(lines)


SCARCE = 1.5  # the short-run cost above this multiple of the long-run one flags scarcity at the plan


def marginal_lines(df: pd.DataFrame) -> list[str]:
    """The marginal cost of compute, led by the long run (what one more PFLOPS-year costs when
    built for at the cheapest site in reach: the planning answer); the short run at the plan
    (its integers fixed) follows as a scarcity flag where it is far above the long run."""
    df = df[df["period"] == df["period"].max()]
    t = df["period"].max()
    lines = [f"marginal cost of compute in {t}, building for it (long run; CNY per PFLOPS-year), "
             "lowest – median – highest over regions:"]
    scarce = []
    for w, g in df.groupby("workload", sort=False):
        long = g["long_run_cny_per_pflops_year"].dropna()
        short = g["marginal_cost_cny_per_pflops_year"]
        lines.append(f"  {w:<18} " + (f"{long.min():,.0f} – {long.median():,.0f} – {long.max():,.0f}" if len(long)
                                      else f"— (no site in reach can build it; at the plan {short.median():,.0f})"))
        full = int(g.get("short_of_capacity", pd.Series(False, index=g.index)).sum())
        if len(long) and short.median() > SCARCE * long.median():
            scarce.append(f"  {w:<18} {short.median():,.0f} at the plan (x{short.median() / long.median():.1f} the long "
                          "run)" + (f"; no spare capacity for it in {full} region(s): the next PFLOPS goes unmet at its "
                                    "value of lost service" if full else ""))
    if scarce:
        lines.append("scarcity at the plan (short run, its integers fixed; median over regions): build, do not read "
                     "these as costs:")
        lines += scarce
    else:
        lines.append("at the plan (short run): no scarcity; the short-run costs are within "
                     f"x{SCARCE:g} of the long run (marginal_compute.csv)")
    return lines
