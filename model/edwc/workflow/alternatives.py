"""`edwc alternatives RESULT --slack 0.05 [--n N]`: near-optimal plans that differ most in where capacity goes.

Each alternative is the plan that builds the most (or least) IT MW in the west, or in one hub,
among all plans that cost at most (1 + slack) × the optimum (explore.cost_max_cny): the
"modelling to generate alternatives" idea with one direction per plan. They are solved in
parallel on the sweep machinery, each a result folder under OUT/. firm.csv says per site whether
it is built in every plan (firm), some (a choice) or none; hubs.csv gives the range per hub.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from edwc.decisions.firm import built_by_site, directions, firm_table, hub_ranges
from edwc.decisions.summary import money
from edwc.errors import EdwcError
from edwc.results.names import Names

Log = Callable[[str], None]


@dataclass
class AlternativesReport:
    out: Path
    firm: pd.DataFrame
    hubs: pd.DataFrame
    plans: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    unit: str = "亿元/yr"
    chart: str = ""  # firm.png (firm.en.png in English) when drawn
    kpis: str = ""  # kpis.png (kpis.en.png), the optimum first, when drawn


def _case_name(objective: str) -> str:
    how, _, group = objective.split(":", 2)
    return f"{how}-{group.replace('=', '-')}"


def alternatives(result_dir: str | Path, *, slack: float = 0.05, n: int | None = 6, out: str | Path | None = None,
                 workers: int = 1, scheduler: str | None = None, time_limit: float | None = None,
                 mip_gap: float | None = None, maps: bool = True, log: Log = lambda _: None,
                 lang: str = "zh", warm: bool = False, threads: int = 1) -> AlternativesReport:
    """The alternatives; warm=True starts each from the optimum's plan (it costs the optimum, within
    every alternative's cost cap: edwc.solve.warm). Off by default: measured 0.56x on china-2025 (a poor
    incumbent for another objective steers HiGHS's search; docs/performance.md)."""
    from edwc.decisions.fixed import plan_start
    from edwc.workflow.price import write_csv
    from edwc.workflow.sweep import Case, SolveOptions, start_run, sweep_instance

    result_dir = Path(result_dir)
    if not (result_dir / "summary.json").is_file():
        raise EdwcError(f"{result_dir} is not a result folder (no summary.json)")
    s = json.loads((result_dir / "summary.json").read_text(encoding="utf-8"))
    if s.get("objective_solved", "cost") != "cost":
        raise EdwcError(f"{result_dir} is not a least-cost plan (solved for {s['objective_solved']})")
    out = Path(out) if out is not None else result_dir / "alternatives"
    cap = float(s["objective_cny"]) * (1 + slack)
    base = built_by_site(result_dir)
    objectives = directions(base, n)
    cases = [Case(_case_name(o), None, {"explore.cost_max_cny": cap, "explore.objective": o},
                  texts={"explore.objective": o}) for o in objectives]
    log(f"{len(cases)} alternatives within {slack:.1%} of {float(s['objective_cny']) / 1e8:,.2f} {money(s)} "
        f"(≤ {cap / 1e8:,.2f})")
    t0 = time.perf_counter()
    rep_failed: list[str] = []

    def done(task, outcome) -> None:  # noqa: ANN001
        log(f"  {task.case.name}: {outcome.status}")
        if not outcome.ok:
            rep_failed.append(f"{task.case.name}: {outcome.status} {outcome.message[:200]}")

    spec = {"command": "alternatives", "slack": slack, "n": n, "time_limit": time_limit, "mip_gap": mip_gap,
            "result": s.get("input_hash"), "objective_cny": s.get("objective_cny")}
    start_run(result_dir / "instance", cases, out, scheduler, spec, "set of alternatives", log)
    start = plan_start(result_dir) if warm else None
    sweep_instance(result_dir / "instance", cases, out=out, workers=max(1, min(workers, len(cases))),
                   scheduler=scheduler, options=SolveOptions(time_limit=time_limit, mip_gap=mip_gap, maps=False,
                                                             threads=threads),
                   on_done=done, warm=start is not None, starts=None if start is None else [start.plan_only()])
    seconds = {"solves": time.perf_counter() - t0}
    plans = {"optimum": base}
    rows = [{"plan": "optimum", "objective": "cost", **plan_numbers(s, result_dir), "folder": str(result_dir)}]
    for c, o in zip(cases, objectives, strict=True):
        f = out / c.name
        if (f / "summary.json").is_file():
            cs = json.loads((f / "summary.json").read_text(encoding="utf-8"))
            plans[c.name] = built_by_site(f)
            rows.append({"plan": c.name, "objective": o, **plan_numbers(cs, f), "folder": c.name})
    kpis = redraw_kpis(out, result_dir, lang)
    firm, hubs = firm_table(plans), hub_ranges(plans)
    table = pd.DataFrame(rows)
    table["cost_over_optimum"] = table["cost_cny"] / float(s["objective_cny"]) - 1
    for name, df in (("firm", firm), ("hubs", hubs), ("plans", table)):
        write_csv(df, out / f"{name}.csv")
    rep = AlternativesReport(out, firm, hubs, table, seconds, rep_failed, money(s), kpis=kpis)
    if len(plans) < 2:
        log("no alternative was found: firm.png is not drawn (with the optimum alone no site can be called firm)")
    elif maps:
        t0 = time.perf_counter()
        rep.chart = firm_map(out, firm, result_dir, slack, len(plans), table, lang).name
        rep.seconds["map"] = time.perf_counter() - t0
    return rep


def redraw_kpis(out: Path, result_dir: Path, lang: str) -> str:
    """kpis.png of the alternatives with the optimum first, as the reference bar (the sweep that solved them
    draws the alternatives alone); the other language's chart too when it is there."""
    from edwc.maps.i18n import suffix
    from edwc.workflow.sweep import plot_kpis
    from edwc.workflow.sweep.index import result_row

    index = out / "index.csv"
    if not index.is_file():
        return ""
    listed = pd.read_csv(index)
    optimum = {"case": "optimum", "outcome": "solved", **result_row(result_dir)}
    both = pd.concat([pd.DataFrame([optimum]), listed[listed["case"] != "optimum"]], ignore_index=True)
    drawn = None
    for lg in ("zh", "en"):
        if lg == lang or (out / f"kpis{suffix(lg)}.png").is_file():
            chart = plot_kpis(both, out, lg)
            drawn = chart if lg == lang else drawn
    return drawn.name if drawn is not None else ""


def plan_status(summary: dict) -> str:
    """The status of a plan as its solve ended, with its gap: 'optimal' when HiGHS ended at the optimum or
    edwc stopped it at the gap asked for (the lazy network does: HiGHS then reports 'Interrupted by user'),
    else 'stopped (HiGHS's own words, gap)'."""
    from edwc.solve.highs import status_of_termination

    status, term = str(summary.get("status", "")), str(summary.get("termination") or "")
    gap, asked = summary.get("mip_gap"), (summary.get("solver_options") or {}).get("mip_gap")
    at = f", gap {gap:.2%}" if gap is not None else ""
    if status != "optimal":
        return status + at
    if not term or term.lower() == "optimal":
        return "optimal" + at
    if (status_of_termination(term) == "interrupted" and gap is not None and asked is not None
            and float(gap) <= float(asked) + 2e-7):
        return f"optimal, gap {gap:.2%} ≤ {asked:.2%} asked"
    return f"stopped ({term}{at})"


def plan_numbers(summary: dict, folder: Path) -> dict:
    """A plan's objective, its cost without the value of unmet service, the unmet PFLOPS (all periods)
    and its status."""
    from edwc.decisions.front import unmet_total

    return {"cost_cny": float(summary["objective_cny"]),
            "total_cost_cny": float(summary.get("total_cost_cny", summary["objective_cny"])),
            "unmet_value_cny": float(summary.get("unmet_value_cny") or 0.0),
            "unmet_pflops": unmet_total(folder), "status": plan_status(summary)}


def firm_map(out: Path, firm: pd.DataFrame, result_dir: Path, slack: float, plans: int,
             table: pd.DataFrame | None = None, lang: str = "zh") -> Path:
    from edwc.decisions.firm import FIRM_RANGE
    from edwc.maps.sites_map import firm_map as draw

    unmet, stopped = None, None
    if table is not None and len(table) > 1:
        alt, best = table[table["plan"] != "optimum"]["unmet_pflops"], float(table["unmet_pflops"].iloc[0])
        unmet = (best, float(alt.min()), float(alt.max()))
        others = table[table["plan"] != "optimum"]
        stopped = [str(p) for p, st in zip(others["plan"], others["status"], strict=True) if not str(st).startswith("optimal")]
    return draw(out, firm, result_dir / "instance", slack, plans, FIRM_RANGE, unmet, lang, stopped)


def _mw(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 or v == 0 else f"{v:.2g}"


def render_alternatives(rep: AlternativesReport, names: Names | None = None) -> str:
    from edwc.decisions.firm import FIRM_RANGE

    site = (lambda x: x) if names is None else (lambda x: f"{names.of('sites', [x], 'en', short=True).iloc[0]} ({x})")
    hub = (lambda x: x) if names is None else (
        lambda x: x if x == "(no hub)" else f"{names.of('hubs', [x], 'en', short=True).iloc[0]} ({x})")
    lines = [f"objective = cost + value of unmet service, in {rep.unit}; the optimum first",
             f"{'plan':<24} {'objective':>12} {'over optimum':>13} {'cost':>12} {'unmet PFLOPS':>13}  status"]
    for r in rep.plans.itertuples(index=False):
        flag = "  ⚠ serves less than the optimum" if r.unmet_pflops > rep.plans["unmet_pflops"].iloc[0] + 100 else ""
        over = r.cost_over_optimum if abs(r.cost_over_optimum) >= 5e-5 else 0.0  # never "-0.00%"
        lines.append(f"{r.plan:<24} {r.cost_cny / 1e8:>12,.2f} {over:>13.2%} {r.total_cost_cny / 1e8:>12,.2f} "
                     f"{r.unmet_pflops:>13,.0f}  {r.status}{flag}")
    if len(rep.plans) < 2:
        lines.append("no alternative was found within the limits (see 'failed' below): with the optimum alone no site "
                     "is called firm, sized or a choice; allow more time (--time-limit) or start from the optimum (--warm)")
        lines += [f"failed: {f}" for f in rep.failed]
        lines.append(f"written to {rep.out}: plans.csv, firm.csv, hubs.csv")
        return "\n".join(lines)
    lines.append(f"firm = built in every plan with most − least ≤ {FIRM_RANGE:.0%} of the most; sized = built in every "
                 "plan, its size a choice; choice = built in some")
    for status in ("firm", "sized", "choice"):
        g = rep.firm[rep.firm["status"] == status]
        items = ", ".join(f"{site(r.site)} {_mw(r.built_mw_min)}–{_mw(r.built_mw_max)} MW" for r in g.itertuples(index=False))
        lines.append(f"{status} ({len(g)} sites): {items or '—'}")
    lines.append("IT MW built per hub, least – most over the plans: " + ", ".join(
        f"{hub(r.hub)} {r.least_mw:,.0f}–{r.most_mw:,.0f}" for r in rep.hubs.itertuples(index=False)))
    lines += [f"failed: {f}" for f in rep.failed]
    charts = "".join(f"{c}, " for c in (rep.chart, rep.kpis + " (the optimum first)" if rep.kpis else "") if c)
    lines.append(f"written to {rep.out}: plans.csv, firm.csv, hubs.csv, {charts}one result folder per plan")
    return "\n".join(lines)
