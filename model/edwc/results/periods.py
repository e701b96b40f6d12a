"""A plan period by period: what is built in each period (by class, by side, by hub), the
energy, emissions and yearly cost of each period, and the present value the objective counts.

A one-period plan has one row. Built PFLOPS in capacity.csv are cumulative; the new build of a
period is the difference from the period before. Yearly costs come from summary.json
``yearly_cny`` (CNY/yr); the present value is ``total_cost_cny`` (docs/model.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from edwc.results.digest import Digest

YI = 1e8  # 亿元


def new_by_period(d: Digest) -> pd.DataFrame:
    """New PFLOPS per site, class and period (the cumulative built, differenced)."""
    cap = d.tables["capacity"]
    if cap.empty:
        return pd.DataFrame(columns=["site", "class", "period", "new_pflops"])
    c = cap.sort_values("period")[["site", "class", "period", "built_pflops"]].copy()
    c["new_pflops"] = c.groupby(["site", "class"])["built_pflops"].diff().fillna(c["built_pflops"]).clip(lower=0)
    return c.drop(columns="built_pflops")


def period_table(d: Digest) -> pd.DataFrame:
    """One row per period: new PFLOPS by class and by side, west share of new, energy (MWh),
    emissions (t), yearly cost without unmet demand (CNY/yr) and the value of unmet demand (CNY/yr)."""
    new = new_by_period(d)
    side = d.sites.set_index("site")["side"]
    new = new.assign(side=new["site"].map(side))
    by_class = new.pivot_table(index="period", columns="class", values="new_pflops", aggfunc="sum")
    by_class = by_class.reindex(columns=d.classes).fillna(0.0).add_prefix("new_")
    by_side = new.pivot_table(index="period", columns="side", values="new_pflops", aggfunc="sum").fillna(0.0)
    out = by_class.copy()
    out["new_total"] = by_class.sum(axis=1)
    for s in ("east", "west", "outside"):
        out[f"new_{s}"] = by_side.get(s, pd.Series(0.0, index=out.index)).reindex(out.index).fillna(0.0)
    out["west_share_new"] = out["new_west"] / out["new_total"].where(out["new_total"] > 0)
    k = d.tables["kpis"]
    if len(k):
        kv = k.pivot_table(index="period", columns="kpi", values="value", aggfunc="first")
        for name in ("energy_mwh", "emissions_t", "unmet_pflops"):
            if name in kv:
                out[name] = kv[name].reindex(out.index)
    y = d.yearly_costs()
    if not y.empty:
        unmet = y["unmet_value"] if "unmet_value" in y else pd.Series(0.0, index=y.index)
        out["yearly_cost_cny"] = y.drop(columns=["unmet_value"], errors="ignore").sum(axis=1).reindex(out.index)
        out["unmet_value_cny"] = unmet.reindex(out.index)
    w = d.summary.get("period_weights") or {}
    out["weight_years"] = [float(w.get(str(t), float("nan"))) for t in out.index]
    out.index.name = "period"
    return out.reset_index()


def new_by_hub(d: Digest) -> pd.DataFrame:
    """New PFLOPS by hub (rows; '' = outside the hubs) and period (columns), all classes."""
    new = new_by_period(d)
    hub = d.sites.set_index("site")["hub"].fillna("")
    new = new.assign(hub=new["site"].map(hub).fillna(""))
    return new.pivot_table(index="hub", columns="period", values="new_pflops", aggfunc="sum").fillna(0.0)


def yearly_cost(d: Digest, period: int | None = None) -> float:
    """The yearly cost (CNY/yr, without unmet demand) of one period (default: the last)."""
    y = d.yearly_costs()
    t = d.period if period is None else period
    if y.empty or t not in y.index:
        return d.cost_without_unmet
    return float(y.drop(columns=["unmet_value"], errors="ignore").loc[t].sum())
