"""One solve, end to end: validate → build → solve → extract → write (atomically) → map."""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyomo
import pyomo.core as pyo
from pydantic import ValidationError

import edwc
from edwc.crash_notes import note
from edwc.errors import InputError, Problem, SolveError
from edwc.formulation.build import build_model
from edwc.input.instance import Instance
from edwc.input.schema import Solver
from edwc.network.reach import load_valid_instance
from edwc.results.folders import check_output_file, check_output_path, check_replaceable
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
from edwc.solve.cores import machine_cores
from edwc.solve.highs import (
    HIGHS_RUNNING,
    TIE_TOL,
    SolveOutcome,
    progress,
    solve_model,
    write_lp,
)
from edwc.solve.lazy import solve_lazy
from edwc.solve.warm import warm_start

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


def default_out(instance_dir: str | Path, scenario: str | None = None) -> Path:
    """results/<instance folder>[-<scenario>]: named from the folder, not from instance.yaml's
    `name:`, so an edited copy of an instance (which keeps the original's name) never writes
    where the original's results are; a result's own `instance/` (which reproduces it) writes
    results/<result>-rerun."""
    folder = Path(instance_dir).resolve()
    name = folder.name
    if name == "instance" and (folder.parent / "summary.json").is_file():  # a result's resolved instance
        name = f"{folder.parent.name}-rerun"
    return Path("results") / (name + (f"-{scenario}" if scenario else ""))


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
    starts: Sequence[Any] = (),
    on_plan: Callable[[pyo.ConcreteModel, Any], None] | None = None,
) -> tuple[Path, Result]:
    """Solve one instance (and scenario) and write its result folder. Returns (folder, result).

    trace=True records the plan and bound through the solve in summary["gap_trace"] (benchmarks).
    starts: known plans (edwc.solve.warm.Start) HiGHS starts from, repaired to this case; on_plan(m, d)
    sees the solved model (a sweep keeps it as the start of its next cases).
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    cores = machine_cores()
    if threads is not None and threads > cores:
        raise InputError([Problem("--threads", f"{threads} is more than the {cores} cores this machine offers")], "--threads")
    inst = load_valid_instance(instance_dir, scenario=scenario, sets=sets)
    solver = inst.config.solver
    _override_solver(solver, time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    if solver.threads > cores:
        log(f"note: solver.threads is {solver.threads} but this machine offers {cores} cores; HiGHS uses {cores}")
        solver.threads = cores
    if network is not None:
        solver.network = "lazy" if network == "lazy" else "full"
    seconds["validate"] = time.perf_counter() - t
    out = Path(out) if out is not None else default_out(instance_dir, inst.scenario)
    check_replaceable(out, "result", force)  # refused now, before the solve, not after it
    check_output_path(out)
    if lp_file:
        check_output_file(Path(lp_file))
    log(f"{inst.result_name}: {len(inst.regions)} regions, {len(inst.sites)} sites, "
        f"{len(inst.trunks)} trunks, periods {inst.config.periods}")
    note("out", [str(out), out.exists()])
    note("instance", _instance_size(inst))
    for line in noop_lines(inst):  # rows that do nothing: `edwc validate` lists them, solve must not hide them
        log(line)

    t = time.perf_counter()
    try:
        with progress("building the model", enabled=show_progress):
            m, d = build_model(inst, network=solver.network)
    except MemoryError:
        raise SolveError(_out_of_memory(inst, "building the model", None)) from None
    seconds["build"] = time.perf_counter() - t
    sizes = model_sizes(m)
    log(f"model: {sizes['variables']:,} variables ({sizes['integers']:,} integer), {sizes['constraints']:,} constraints "
        f"built in {seconds['build']:.1f} s" + (" (network rows added as needed)" if solver.network == "lazy" else ""))
    if lp_file:
        write_lp(m if solver.network == "full" else build_model(inst)[0], Path(lp_file))
        log(f"LP file written to {lp_file} (the full model)")

    warm = _warm_up(maps=maps, check=check) if maps or check else None
    try:
        if solver.network == "lazy":
            outcome = solve_lazy(m, d, solver, tee=tee, show_progress=show_progress, trace=trace, starts=starts)
        else:
            outcome = solve_model(m, solver, tee=tee, show_progress=show_progress, trace=trace,
                                  warm=warm_start(starts, solver) if starts else None,
                                  near=any(getattr(s, "near", False) for s in starts))
    except MemoryError:  # HiGHS's std::bad_alloc arrives as MemoryError
        raise SolveError(_out_of_memory(inst, "solving", sizes)) from None
    if outcome.status == "memory_limit":  # HiGHS >= 1.16 ends the run with this status instead
        raise SolveError(_out_of_memory(inst, "solving", sizes))
    seconds["handover"] = outcome.handover_s
    seconds["solve"] = outcome.seconds
    log(f"HiGHS {outcome.highs_version}: {outcome.status} in {outcome.seconds:.1f} s"
        + (f", gap {outcome.mip_gap:.2%}" if outcome.mip_gap is not None else "")
        + (f" ({outcome.rounds} round{'s' if outcome.rounds > 1 else ''}, {outcome.network_rows} trunk rows)"
           if outcome.network == "lazy" else ""))
    if not outcome.has_solution:
        raise SolveError(_no_plan_message(inst, outcome))

    if on_plan is not None:
        on_plan(m, d)
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
        "best_bound_cny": None if outcome.bound is None or inst.config.explore.objective != "cost" else outcome.bound * 1e6,
        "objective_solved": inst.config.explore.objective,
        "seconds": seconds,
        "sizes": sizes,
        "network": {"rows": outcome.network, "rounds": outcome.rounds, "trunk_rows": outcome.network_rows},
        "start": outcome.start,
        "policies": list(m.policies),
        "versions": {"edwc": edwc.__version__, "pyomo": pyomo.version.version, "highs": outcome.highs_version,
                     "python": platform.python_version()},
        "input_hash": inst.input_hash(),
        "solver_options": solver.model_dump(),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "time": {k: v for k, v in d.power.ts.method.items() if k != "rmse_by_kind" and k != "rmse_duration_by_kind"},
        "power": power_summary(tables["kpis"]),
    }
    warnings = _warnings(inst, m, tables, outcome, solver.mip_gap)
    summary["warnings"] = warnings
    for w in warnings:
        log(f"warning: {w}")
    if trace:
        summary["gap_trace"] = [list(p) for p in outcome.trace]
    result = Result(summary=summary, tables=tables)

    def fill(folder: Path) -> None:
        t0 = time.perf_counter()
        write_result_files(folder, inst, result)
        seconds["write"] = time.perf_counter() - t0
        if warm is not None:
            warm.join(timeout=60)  # its imports finished before map.png forks (a child must not inherit a held lock)

        def run_check() -> None:
            t = time.perf_counter()
            _self_check(folder, log)
            seconds["check"] = time.perf_counter() - t

        if maps:  # the check runs while map.png is drawn in a child process
            t0 = time.perf_counter()
            _render_maps(folder, log, meanwhile=run_check if check else None)
            seconds["maps"] = time.perf_counter() - t0 - seconds.get("check", 0.0)
        elif check:
            run_check()

    write_atomically(out, fill, force=force, log=log)
    return out, result


POWER_HEADLINE = ("grid_mwh", "curtailed_mwh", "direct_mwh", "trade_mwh", "certificate_mwh", "green_share_all",
                  "green_share_curtailed", "green_share_direct", "green_share_trade", "green_share_certificate",
                  "green_matched_share", "curtailment_absorbed_mwh", "curtailment_absorbed_share", "peak_grid_mw",
                  "direct_solar_mw", "direct_wind_mw", "battery_mwh", "emissions_t", "emissions_market_t")


def power_summary(k: Any) -> dict[str, dict[str, float]]:
    """The power side's headline KPIs by period (summary.json "power"; both emission bases side by side)."""
    out: dict[str, dict[str, float]] = {}
    for name, t, v in k[["kpi", "period", "value"]].itertuples(index=False):
        if name in POWER_HEADLINE:
            out.setdefault(str(int(t)), {})[str(name)] = float(v)
    return out


def _out_of_memory(inst: Instance, phase: str, sizes: dict[str, int] | None) -> str:
    """One line for running out of memory, saying how big the instance (and model, when built) was."""
    msg = f"out of memory while {phase} {_instance_size(inst)}"
    if sizes:
        msg += (f"; the model has {sizes['variables']:,} variables ({sizes['integers']:,} integer) and "
                f"{sizes['constraints']:,} constraints")
    return msg + ". Try a smaller instance (fewer regions, sites or periods) or a machine with more memory."


NOOP_LINES = 5  # warnings shown by solve before "and N more" (validate lists them all)


def noop_lines(inst: Instance) -> list[str]:
    """The instance's silent no-ops (edwc.network.noops) as warning lines, at most NOOP_LINES and a count."""
    from edwc.network.noops import instance_warnings

    found = instance_warnings(inst)
    lines = [f"warning: {w}" for w in found[:NOOP_LINES]]
    if len(found) > NOOP_LINES:
        lines.append(f"warning: … and {len(found) - NOOP_LINES} more rows that do nothing (`edwc validate` lists them all)")
    return lines


def _instance_size(inst: Instance) -> str:
    return (f"{inst.result_name}: {len(inst.regions):,} regions, {len(inst.sites):,} sites, {len(inst.trunks):,} trunks, "
            f"{len(inst.demand):,} demand rows, {len(inst.config.periods)} period(s)")


def _warnings(inst: Instance, m: pyo.ConcreteModel, tables: dict[str, Any], outcome: SolveOutcome,
              asked_gap: float) -> list[str]:
    """What a planner must not miss: a gap above the one asked for, and demand left unmet (with
    the limits and policies that bind at the plan, which are what forced the shortage)."""
    out = []
    gap = outcome.mip_gap
    if gap is not None and gap > asked_gap + TIE_TOL:  # the tie-break may spend 1e-9 of the cost (docs/model.md)
        out.append(f"the solve stopped ({outcome.status}) at gap {gap:.2%}, above the {asked_gap:.2%} asked for: "
                   "a cheaper plan may exist (allow more time with --time-limit)")
    unmet = float(tables["unmet"]["pflops"].sum())
    demand = float(inst.demand["pflops"].sum())
    if unmet > 1e-6 * max(1.0, demand):
        from edwc.solve.explain import binding_limits, policies_in_force

        binding = binding_limits(m, inst)
        in_force = policies_in_force(m, inst)
        if binding:
            why = "binding at this plan: " + "; ".join(binding)
        elif in_force:
            why = ("no row binds exactly, so whole modules (module_pflops) against the policies in force leave it: "
                   + "; ".join(in_force))
        else:
            why = "no limit or policy binds: that demand is out of latency reach of every site"
        over = ""
        if len(inst.config.periods) > 1:
            u, last = tables["unmet"], max(inst.config.periods)
            in_last = float(u.loc[u["period"] == last, "pflops"].sum())
            over = (f" summed over the periods {', '.join(str(t) for t in inst.config.periods)}"
                    f" ({_pflops(in_last)} in {last})")
        out.append(f"{_pflops(unmet)} PFLOPS of demand ({unmet / demand:.2%}){over} is left unserved (its value of "
                   f"lost service counts instead of a cost); {why}")
    return out


def _pflops(v: float) -> str:
    """PFLOPS as a planner reads them: whole numbers with thousands separators, one decimal under 10."""
    return f"{v:,.1f}" if abs(v) < 10 else f"{v:,.0f}"


def _override_solver(solver: Solver, **options: float | int | None) -> None:
    """Apply the command line's solver options; a value the schema refuses is an InputError."""
    fields = {"time_limit": ("time_limit_s", "--time-limit"), "mip_gap": ("mip_gap", "--mip-gap"), "threads": ("threads", "--threads")}
    problems = []
    for key, value in options.items():
        if value is None:
            continue
        name, flag = fields[key]
        try:
            setattr(solver, name, value)
        except ValidationError as e:
            problems += [Problem(flag, f"{err['msg']} (got {value!r})") for err in e.errors()]
    if problems:
        raise InputError(problems, "options")


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


def _warm_up(maps: bool, check: bool) -> threading.Thread:
    """Import what the check and the outputs need, and fill the maps' per-process caches, in a
    background thread while HiGHS solves: the solve leaves the GIL free (it runs in its own
    thread) and the second core idle, so ~1-2 s of imports (pandas readers, matplotlib,
    geopandas, pyogrio, openpyxl) and of first-use work (the basemap from its user cache, the
    projection, the province paths, the map font) overlap the solve instead of following it."""
    names = (["edwc.analysis.check"] if check else []) + (
        ["edwc.analysis.outputs", "edwc.analysis.report_page", "edwc.analysis.workbook", "edwc.maps",
         "edwc.results.digest", "edwc.maps.static", "edwc.maps.page", "edwc.maps.geopackage",
         "edwc.maps.plan"] if maps else [])

    def work() -> None:
        HIGHS_RUNNING.wait(timeout=60)  # imports hold the GIL: started during the hand-over they slowed it
        try:                            # (china-2030: 0.21 -> 0.31 s), so they wait until HiGHS runs
            for name in names:
                importlib.import_module(name)
            if maps:
                from edwc.maps.warm import warm_caches

                warm_caches()
        except Exception:  # noqa: BLE001, S110  (a failed warm-up fails again, visibly, where it is used)
            return

    th = threading.Thread(target=work, name="warm-up", daemon=True)
    th.start()
    return th


def _self_check(folder: Path, log: Log) -> None:
    try:
        from edwc.analysis.check import check_result
    except ImportError:
        return
    report = check_result(folder)
    if not report.ok:
        raise SolveError("the solved plan failed its independent check:\n" + report.render())
    log(f"independent check: {report.summary_line()}")


def _render_maps(folder: Path, log: Log, meanwhile: Callable[[], None] | None = None) -> None:
    """The planner-facing files: map.png, map.html, plan.gpkg, report.html, plan.xlsx (meanwhile runs
    while map.png is drawn)."""
    from edwc.analysis.outputs import write_outputs

    t = time.perf_counter()
    paths = write_outputs(folder, meanwhile=meanwhile)
    log(f"maps and report: {', '.join(p.name for p in paths)} in {time.perf_counter() - t:.1f} s")
