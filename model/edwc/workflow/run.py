"""One solve, end to end: validate → build → solve → extract → write (atomically) → map."""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyomo
import pyomo.environ as pyo

import edwc
from edwc.errors import ResultExistsError, SolveError
from edwc.formulation.build import build_model
from edwc.input.instance import Instance
from edwc.network.reach import load_valid_instance
from edwc.results.kpis import kpis
from edwc.results.tables import (
    RESULT_VERSION,
    Result,
    cost_parts,
    extract,
    unmet_value,
    write_atomically,
    write_result_files,
    yearly_cost_parts,
)
from edwc.solve.highs import SolveOutcome, progress, solve_model, write_lp
from edwc.solve.lazy import solve_lazy

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


OBJECTIVE_COUNTS = (
    "objective_cny = total_cost_cny + unmet_value_cny. total_cost_cny = sum of cost_parts_cny: each part is the "
    "present value at the base year (the first period) of its yearly cost, weighted by period_weights (the "
    "discounted years each period stands for; 1 for a single period, so a one-period plan reads as one year). "
    "Yearly costs: annuities of new IT (over each class's IT life), new facilities, campuses and trunk upgrades "
    "(over campus_lifetime_years), energy of all installed IT (existing and new, idle draw included) at the site "
    "price, the premium of contracted green power, bandwidth beyond each region's own access, carbon. Not counted: "
    "the capital of the existing fleet (sunk), O&M, staff, land rent, storage. unmet_value_cny is the value of the "
    "service left unserved (per workload), not a cost; yearly_cny gives every part per period in CNY/year.")


def model_sizes(m: pyo.ConcreteModel) -> dict[str, int]:
    nvar = sum(len(v) for v in m.component_objects(pyo.Var, active=True))
    nint = sum(1 for v in m.component_data_objects(pyo.Var) if not v.is_continuous())
    ncon = sum(len(c) for c in m.component_objects(pyo.Constraint, active=True))
    return {"variables": nvar, "integers": nint, "constraints": ncon}


def default_out(inst: Instance) -> Path:
    return Path("results") / inst.result_name


def solve_instance(
    instance_dir: str | Path,
    *,
    scenario: str | None = None,
    sets: dict[str, Any] | None = None,
    out: str | Path | None = None,
    force: bool = False,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    threads: int | None = None,
    network: str | None = None,
    lp_file: str | Path | None = None,
    maps: bool = True,
    check: bool = True,
    tee: bool = False,
    show_progress: bool = False,
    trace: bool = False,
    log: Log = _quiet,
) -> tuple[Path, Result]:
    """Solve one instance (and scenario) and write its result folder. Returns (folder, result).

    trace=True records the plan and bound through the solve in summary["gap_trace"] (benchmarks).
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    inst = load_valid_instance(instance_dir, scenario=scenario, sets=sets)
    solver = inst.config.solver
    if time_limit is not None:
        solver.time_limit_s = time_limit
    if mip_gap is not None:
        solver.mip_gap = mip_gap
    if threads is not None:
        solver.threads = threads
    if network is not None:
        solver.network = "lazy" if network == "lazy" else "full"
    seconds["validate"] = time.perf_counter() - t
    out = Path(out) if out is not None else default_out(inst)
    if out.exists() and not force:
        raise ResultExistsError(f"{out} exists; use --force to replace it")
    log(f"{inst.result_name}: {len(inst.regions)} regions, {len(inst.sites)} sites, "
        f"{len(inst.trunks)} trunks, periods {inst.config.periods}")

    t = time.perf_counter()
    with progress("building the model", enabled=show_progress):
        m, d = build_model(inst, network=solver.network)
    seconds["build"] = time.perf_counter() - t
    sizes = model_sizes(m)
    log(f"model: {sizes['variables']:,} variables ({sizes['integers']:,} integer), {sizes['constraints']:,} constraints "
        f"built in {seconds['build']:.1f} s" + (" (network rows added as needed)" if solver.network == "lazy" else ""))
    if lp_file:
        write_lp(m if solver.network == "full" else build_model(inst)[0], Path(lp_file))
        log(f"LP file written to {lp_file} (the full model)")

    if maps or check:
        _warm_up(maps=maps, check=check)
    if solver.network == "lazy":
        outcome = solve_lazy(m, d, solver, tee=tee, show_progress=show_progress, trace=trace)
    else:
        outcome = solve_model(m, solver, tee=tee, show_progress=show_progress, trace=trace)
    seconds["handover"] = outcome.handover_s
    seconds["solve"] = outcome.seconds
    log(f"HiGHS {outcome.highs_version}: {outcome.status} in {outcome.seconds:.1f} s"
        + (f", gap {outcome.mip_gap:.2%}" if outcome.mip_gap is not None else "")
        + (f" ({outcome.rounds} round{'s' if outcome.rounds > 1 else ''}, {outcome.network_rows} trunk rows)"
           if outcome.network == "lazy" else ""))
    if not outcome.has_solution:
        raise SolveError(_no_plan_message(inst, outcome))

    t = time.perf_counter()
    tables = extract(inst, m, d)
    tables["kpis"] = kpis(inst, tables)
    parts = cost_parts(m)
    lost = unmet_value(m)
    seconds["extract"] = time.perf_counter() - t
    summary = {
        "edwc_result_version": RESULT_VERSION,
        "instance": inst.name,
        "scenario": inst.scenario,
        "sets": inst.sets,
        "status": outcome.status,
        "termination": outcome.termination,
        "objective_cny": sum(parts.values()) + lost,
        "objective_counts": OBJECTIVE_COUNTS,
        "total_cost_cny": sum(parts.values()),
        "cost_parts_cny": parts,
        "unmet_value_cny": lost,
        "period_weights": {str(t): w for t, w in d.weight.items()},
        "period_years": {str(t): y for t, y in d.years.items()},
        "yearly_cny": yearly_cost_parts(m, d),
        "mip_gap": outcome.mip_gap,
        "best_bound_cny": None if outcome.bound is None else outcome.bound * 1e6,
        "seconds": seconds,
        "sizes": sizes,
        "network": {"rows": outcome.network, "rounds": outcome.rounds, "trunk_rows": outcome.network_rows},
        "policies": list(m.policies),
        "versions": {"edwc": edwc.__version__, "pyomo": pyomo.version.version, "highs": outcome.highs_version,
                     "python": platform.python_version()},
        "input_hash": inst.input_hash(),
        "solver_options": solver.model_dump(),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    if trace:
        summary["gap_trace"] = [list(p) for p in outcome.trace]
    result = Result(summary=summary, tables=tables)

    def fill(folder: Path) -> None:
        t0 = time.perf_counter()
        write_result_files(folder, inst, result)
        seconds["write"] = time.perf_counter() - t0
        if check:
            t0 = time.perf_counter()
            _self_check(folder, log)
            seconds["check"] = time.perf_counter() - t0
        if maps:
            t0 = time.perf_counter()
            _render_maps(folder, log)
            seconds["maps"] = time.perf_counter() - t0

    write_atomically(out, fill, force=force)
    return out, result


def _no_plan_message(inst: Instance, outcome: SolveOutcome) -> str:
    msg = f"{inst.result_name}: no plan found (HiGHS: {outcome.termination})."
    if outcome.status in ("infeasible", "infeasible_or_unbounded"):
        try:
            from edwc.solve.explain import explain_infeasible
        except ImportError:
            return msg + " The policy constraints in force may conflict."
        return msg + "\n" + explain_infeasible(inst)
    if outcome.status in ("time_limit", "interrupted"):
        return msg + " Stopped before any feasible plan was found; allow more time (--time-limit)."
    return msg


def _warm_up(maps: bool, check: bool) -> None:
    """Import what the check and the maps need in a background thread while HiGHS solves: the solve
    leaves the GIL free (it runs in its own thread) and the second core idle, so ~1-2 s of imports
    (pandas readers, matplotlib, geopandas, pyogrio, openpyxl) overlap the solve instead of following it."""
    names = (["edwc.analysis.check"] if check else []) + (
        ["edwc.analysis.outputs", "edwc.analysis.report_page", "edwc.analysis.workbook", "edwc.maps",
         "edwc.results.digest", "matplotlib.pyplot"] if maps else [])

    def work() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001  (a failed warm-up import fails again, visibly, where it is used)
                return

    threading.Thread(target=work, name="warm-up", daemon=True).start()


def _self_check(folder: Path, log: Log) -> None:
    try:
        from edwc.analysis.check import check_result
    except ImportError:
        return
    report = check_result(folder)
    if not report.ok:
        raise SolveError("the solved plan failed its independent check:\n" + report.render())
    log(f"independent check: {report.summary_line()}")


def _render_maps(folder: Path, log: Log) -> None:
    """The planner-facing files: map.png, map.html, plan.gpkg, report.html, plan.xlsx."""
    from edwc.analysis.outputs import write_outputs

    t = time.perf_counter()
    paths = write_outputs(folder)
    log(f"maps and report: {', '.join(p.name for p in paths)} in {time.perf_counter() - t:.1f} s")
