"""`edwc price RESULT`: price tags of the policies, marginal values and the corridor ledger of a plan.

1. The plan's LP with its integers fixed (decisions/fixed.py): its duals give the marginal cost of
   compute per region and workload, the value of a MW per site and of a Gbps per trunk, and each
   policy's shadow price; the corridor ledger prices every flow against its own-side alternative.
2. Each policy family in force is switched off in turn and the instance re-solved, in parallel on
   the sweep machinery (local processes or a Dask cluster); each re-solve is a result folder under
   RESULT/policy-resolves/. A policy binds when putting it back on the plan found without it costs something.

Written into RESULT: policy_prices_cny in summary.json (read by the result's report), policy_costs.csv, policy_duals.csv, marginal_compute.csv, marginal_sites.csv,
marginal_trunks.csv, corridor_flows.csv, corridors.csv, and the maps marginal_cost.png, corridors.png.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.decisions.fixed import plan_start, solve_fixed
from edwc.decisions.ledger import corridor_ledger, corridors
from edwc.decisions.marginal import marginal_compute, site_values, trunk_values
from edwc.decisions.policies import PolicyTag, Resolve, policy_duals, policy_tags, price_table
from edwc.decisions.summary import money
from edwc.decisions.unit_costs import UnitCosts
from edwc.errors import EdwcError
from edwc.results.atomic_file import write_file_atomically
from edwc.results.tables import read_result

Log = Callable[[str], None]
RESOLVES = "policy-resolves"
HOLDS_TOL = 1e-7  # relative: restoring a policy that costs less than this on the plan without it does not bind


@dataclass
class PriceReport:
    folder: Path
    tables: dict[str, pd.DataFrame]
    seconds: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a CSV beside its final name, then move it into place (never a half-written file)."""
    return write_file_atomically(path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g"))


def resolve_without(result_dir: Path, tags: list[PolicyTag], *, workers: int, scheduler: str | None,
                    time_limit: float | None, on_done: Callable[[str, str], None] | None = None,
                    starts: list[Any] | None = None, threads: int = 1) -> dict[str, Resolve]:
    """Re-solve the result's instance once per policy setting switched off (in parallel), each started
    from `starts` (the plan itself: it meets every policy, so it is a plan of each re-solve) when given."""
    from edwc.workflow.sweep import Case, SolveOptions, sweep_instance

    by_key: dict[str, list[PolicyTag]] = {}
    for t in tags:
        if t.setting.key != "?":
            by_key.setdefault(t.setting.key, []).append(t)
    if not by_key:
        return {}
    cases = [Case(name=f"without-{'+'.join(t.family for t in ts)}", scenario=None, sets={key: ts[0].setting.off},
                  texts={key: json.dumps(ts[0].setting.off)}) for key, ts in by_key.items()]
    out = result_dir / RESOLVES
    sweep_instance(result_dir / "instance", cases, out=out, workers=max(1, min(workers, len(cases))),
                   scheduler=scheduler, options=SolveOptions(time_limit=time_limit, maps=False, check=True,
                                                             threads=threads),
                   warm=starts is not None, starts=starts, on_done=(lambda task, o: on_done(task.case.name, o.status)) if on_done else None)
    found: dict[str, Resolve] = {}
    for case, (key, ts) in zip(cases, by_key.items(), strict=True):
        folder = out / case.name
        summary_file = folder / "summary.json"
        if not summary_file.is_file():
            res = Resolve("failed", None, None, f"{RESOLVES}/{case.name}", None)
        else:
            s = json.loads(summary_file.read_text(encoding="utf-8"))
            # Does the plan found without the policy meet it anyway? Fix that plan's integers, put the policy
            # back and re-solve the rest: if it costs no more, the policy takes nothing from that plan.
            cost = float(s["objective_cny"])
            back = solve_fixed(folder, sets={key: ts[0].setting.value})
            holds = back.status == "optimal" and back.objective_cny <= cost + HOLDS_TOL * max(1.0, abs(cost))
            res = Resolve(str(s["status"]), cost, s.get("best_bound_cny"), f"{RESOLVES}/{case.name}", holds)
        for t in ts:
            found[t.family] = res
    return found


def record_prices(folder: Path, costs: pd.DataFrame) -> Path:
    """Put each re-solved policy's full cost into summary.json (`policy_prices_cny`, keyed by its setting
    under policy:), where the result's report reads it; a policy that does not bind costs 0."""
    path = folder / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    prices = dict(summary.get("policy_prices_cny") or {})
    for r in costs.itertuples(index=False):
        if r.binds in ("yes", "no") and r.setting.startswith("policy."):
            prices[r.setting.removeprefix("policy.")] = 0.0 if r.binds == "no" else float(r.full_cost_cny)
    summary["policy_prices_cny"] = prices
    return write_file_atomically(
        path, lambda tmp: tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))


def refresh_reports(folder: Path) -> list[Path]:
    """Write the result's report pages again (those that exist), so their scorecards show the prices."""
    from edwc.analysis.outputs import write_outputs

    out: list[Path] = []
    for lang, name in (("zh", "report.html"), ("en", "report.en.html")):
        if (folder / name).is_file():
            out += write_outputs(folder, lang=lang, maps=(), workbook=False)
    return out


def price_result(result_dir: str | Path, *, workers: int = 1, scheduler: str | None = None,
                 time_limit: float | None = None, resolve: bool = True, maps: bool = True,
                 log: Log = lambda _: None, lang: str = "zh", warm: bool = True, threads: int = 1) -> PriceReport:
    """Compute and write every table of `edwc price` into the result folder (maps in ``lang``); warm=True
    starts each re-solve from the plan in hand, threads: HiGHS threads per re-solve."""
    folder = Path(result_dir)
    if not (folder / "summary.json").is_file() or not (folder / "instance").is_dir():
        raise EdwcError(f"{folder} is not a result folder (summary.json and instance/ expected)")
    rep = PriceReport(folder, {})
    result = read_result(folder)
    s = result.summary
    if s.get("objective_solved", "cost") != "cost":
        raise EdwcError(f"{folder} was solved for {s['objective_solved']}, not cost: its duals are no prices")

    t0 = time.perf_counter()
    plan = solve_fixed(folder, result=result)
    if plan.status != "optimal":
        raise EdwcError(f"the plan of {folder} with its integers fixed has no solution ({plan.status})")
    rep.seconds["fixed_lp"] = time.perf_counter() - t0
    drift = abs(plan.objective_cny - float(s["objective_cny"])) / max(1.0, abs(float(s["objective_cny"])))
    log(f"fixed plan: {plan.objective_cny / 1e8:,.2f} {money(s)} (result: {float(s['objective_cny']) / 1e8:,.2f}; "
        f"drift {drift:.1e}) in {rep.seconds['fixed_lp']:.1f} s")

    t0 = time.perf_counter()
    unit = UnitCosts(plan.inst, plan.data)
    flows = corridor_ledger(unit, result.tables["serve"])
    rep.tables.update({
        "marginal_compute": marginal_compute(plan, unit),
        "marginal_sites": site_values(plan, unit),
        "marginal_trunks": trunk_values(plan, unit),
        "corridor_flows": flows,
        "corridors": corridors(flows),
        "policy_duals": policy_duals(plan),
    })
    rep.seconds["marginal_and_ledger"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tags = policy_tags(plan, folder, result)
    rep.seconds["shadow_prices"] = time.perf_counter() - t0
    without: dict[str, Resolve] = {}
    if resolve and tags:
        t0 = time.perf_counter()
        log(f"re-solving without each of {len(tags)} policies ({workers} worker{'s' if workers > 1 else ''})")
        start = plan_start(folder, plan) if warm else None
        if start is not None:
            start.near = True  # a plan of every re-solve (it meets each policy), and near its optimum: edwc.solve.warm
        without = resolve_without(folder, tags, workers=workers, scheduler=scheduler, time_limit=time_limit,
                                  on_done=lambda name, status: log(f"  {name}: {status}"),
                                  starts=None if start is None else [start], threads=threads)
        rep.seconds["resolves"] = time.perf_counter() - t0
    rep.tables["policy_costs"] = price_table(tags, float(s["objective_cny"]), s.get("best_bound_cny"), without)

    for name, df in rep.tables.items():
        rep.files.append(write_csv(df, folder / f"{name}.csv"))
    if without:
        rep.files.append(record_prices(folder, rep.tables["policy_costs"]))
        rep.files += refresh_reports(folder)
    if maps:
        t0 = time.perf_counter()
        from edwc.maps.decisions import render_marginal_map

        rep.files += render_marginal_map(folder, lang)
        rep.seconds["maps"] = time.perf_counter() - t0
    return rep
