"""`edwc sweep INSTANCE --vary key=v1,v2 … [--scenario NAME …]`: many solves of one instance, in parallel.

The cases are the Cartesian product of the `--vary` values (and of the named scenarios, when
given). Each case is solved by a worker — a local process (default) or a worker of an
existing Dask distributed cluster (`--scheduler tcp://host:port`) — with one HiGHS thread.
Workers need edwc installed but no shared disk: the instance travels to them as file
contents, and each result folder travels back and is written here, atomically, under
`--out/<case>/`. A case that fails is reported (status and message in the index) while the
others go on; a rerun skips every case whose summary.json carries the same input hash.
`index.csv` and `index.md` list every case with its status, cost parts and headline KPIs;
`kpis.png` draws them across cases (cost parts with the unmet penalty apart, key shares).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edwc.errors import InputError, Problem
from edwc.workflow.sweep.cases import (
    BASE,
    Case,
    Vary,
    build_cases,
    instance_scenarios,
    parse_vary,
    resolve_scenarios,
)
from edwc.workflow.sweep.chart import kpi_frame, plot_kpis
from edwc.workflow.sweep.index import HEADLINE_KPIS, index_row, index_table, write_index
from edwc.workflow.sweep.local import run_local
from edwc.workflow.sweep.report import SweepReport, case_line, render_report
from edwc.workflow.sweep.runners import (
    OnDone,
    Outcome,
    SolveOptions,
    Task,
    case_hash,
    probe_scheduler,
    run_case,
    run_dask,
    run_warm,
)
from edwc.workflow.sweep.transfer import Files, pack_folder, pack_instance, unpack_files

__all__ = [
    "BASE", "HEADLINE_KPIS", "Case", "Files", "OnDone", "Outcome", "SolveOptions", "SweepReport", "Task", "Vary",
    "build_cases", "case_hash", "case_line", "kpi_frame", "plot_kpis", "prepare_sweep", "instance_scenarios", "pack_folder", "pack_instance",
    "parse_vary", "render_report",
    "resolve_scenarios", "run_case", "run_dask", "run_local", "sweep_instance", "unpack_files",
]


def _previous_hash(folder: Path) -> str | None:
    """The input_hash of an earlier result of a case, when this edwc wrote it (else None: solve again)."""
    import json

    import edwc
    from edwc.results.folders import folder_kind
    from edwc.results.tables import RESULT_VERSION

    if folder_kind(folder) != "result":
        return None
    try:
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same_edwc = s.get("edwc_result_version") == RESULT_VERSION and (s.get("versions") or {}).get("edwc") == edwc.__version__
    return s.get("input_hash") if same_edwc else None


def prepare_sweep(instance: Path, cases: list[Case], out: Path, scheduler: str | None) -> None:
    """Everything that can refuse a sweep, before any case runs or anything is written: the
    scheduler address, the instance with each scenario asked for, and the --out folder (which
    is then created with its marker)."""
    from edwc.network.reach import load_valid_instance
    from edwc.results.folders import check_replaceable, claim_folder, folder_kind

    if scheduler is not None:
        probe_scheduler(scheduler)  # a malformed or silent address fails now
    if not (Path(instance) / "instance.yaml").is_file():
        raise InputError([Problem(str(instance), "not an instance folder (no instance.yaml)")], "edwc sweep")
    if folder_kind(out) != "sweep":
        check_replaceable(out, "sweep", force=True)
    for scenario in dict.fromkeys(c.scenario for c in cases):
        load_valid_instance(instance, scenario=scenario)
    claim_folder(out, "sweep")


def sweep_instance(
    instance: str | Path,
    cases: list[Case],
    *,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    options: SolveOptions | None = None,
    force: bool = False,
    on_done: OnDone | None = None,
    lang: str = "zh",
    prepared: bool = False,
    warm: bool = False,
    starts: list[Any] | None = None,
    chain: bool = False,
) -> SweepReport:
    """Solve every case (skipping unchanged ones unless force) and write out/<case>/, out/index.*
    and the KPI chart out/kpis[.LANG].png.

    The instance (with each scenario asked for) is validated first: an invalid one is refused
    before any case runs. `out` must be new, empty or an earlier edwc sweep (its marker); a
    sub-folder that is not an edwc result fails its own case and is left as it is. warm=True starts
    each case from `starts`, or from the lead case's plan, and with chain=True also from the plans of
    the cases just before it (edwc.workflow.sweep.runners.run_warm).
    """
    from edwc.errors import EdwcError
    from edwc.results.folders import write_atomically

    instance, out = Path(instance), Path(out)
    if not prepared:
        prepare_sweep(instance, cases, out, scheduler)
    options = options or SolveOptions()
    files = pack_instance(instance)
    tasks = [Task(c, options, str(instance), None if force else _previous_hash(out / c.name)) for c in cases]
    rows: dict[str, dict[str, Any]] = {}
    plans: dict[str, Any] = {}  # case -> its plan, as a start for later cases (warm)
    title = f"sweep of {instance.name}: {len(cases)} cases"

    def done(task: Task, outcome: Outcome) -> None:
        if outcome.plan is not None:
            plans[task.case.name] = outcome.plan
            outcome.plan = None
        if outcome.ok and outcome.files is not None:
            files_back = outcome.files

            def fill(tmp: Path) -> None:
                unpack_files(files_back, tmp)

            try:
                write_atomically(out / task.case.name, fill, force=True)
            except (EdwcError, OSError) as e:
                outcome = Outcome(task.case.name, "error", False, f"not written: {e}", seconds=outcome.seconds,
                                  worker=outcome.worker)
        rows[task.case.name] = index_row(task.case, outcome, out)
        write_index(index_table([rows[c.name] for c in cases if c.name in rows]), out, title)
        if on_done is not None:
            on_done(task, outcome)

    t0 = time.perf_counter()
    if scheduler is not None:
        def run(ts: list[Task]) -> None:
            run_dask(ts, files, scheduler, done)
        where = f"Dask cluster {scheduler}"
    else:
        workers = max(1, min(workers, len(tasks)))

        def run(ts: list[Task]) -> None:
            run_local(ts, files, min(workers, len(ts)), done)
        where = f"{workers} local process{'es' if workers > 1 else ''}"
    if warm:
        run_warm(tasks, run, plans, starts, chain=workers if chain and scheduler is None else 0)
    else:
        run(tasks)
    index = index_table([rows[c.name] for c in cases])
    write_index(index, out, title)
    chart = plot_kpis(index, out, lang)
    return SweepReport(out=out, index=index, seconds=time.perf_counter() - t0, workers=where, chart=chart)
