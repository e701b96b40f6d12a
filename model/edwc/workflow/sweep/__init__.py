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

A sweep folder is a collection of cases: a later sweep into the same folder adds its cases, and
the index and every KPI chart already there (kpis.png, kpis.en.png) are rewritten to list the
cases of this run and those of earlier runs still in the folder, so nothing is orphaned and the
charts agree with index.csv. A case solved again with other inputs keeps its earlier folder in
`<case>.kept/` (edwc.results.folders).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from edwc.errors import InputError, Problem

# the plans workers send back are edwc.solve.warm objects: import it (and highspy) here, before any worker starts,
# so that unpickling a result never imports a C extension while a Ctrl-C may land ("initialization failed")
from edwc.solve import warm as _warm  # noqa: F401
from edwc.workflow.sweep.cases import (
    BASE,
    Case,
    Vary,
    build_cases,
    instance_scenarios,
    parse_vary,
    resolve_scenarios,
)
from edwc.workflow.sweep.chart import kpi_chart_name, kpi_frame, plot_kpis
from edwc.workflow.sweep.index import (
    HEADLINE_KPIS,
    earlier_rows,
    index_row,
    index_table,
    write_index,
)
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
    "build_cases", "case_hash", "case_line", "instance_digest", "kpi_frame", "keep_earlier_run", "start_run", "plot_kpis", "prepare_sweep", "instance_scenarios", "pack_folder", "pack_instance",
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


def keep_earlier_run(out: Path, spec: dict[str, Any], what: str, log: Any = None) -> Path | None:
    """For a command whose folder describes one run (pareto, draws, alternatives): when `out` holds
    an earlier run made with other arguments or inputs (its run.json), move it, whole, into
    `<out>.kept/` so the new run starts empty; the same run again resumes in place (unchanged
    cases are skipped). Returns where the earlier run was kept, if it was."""
    import json

    from edwc.results.folders import folder_kind
    from edwc.results.keeping import keep_aside

    out = Path(out)
    if folder_kind(out) != "sweep" or not any(p.name != "edwc-folder.json" for p in out.iterdir()):
        return None
    try:
        same = json.loads((out / "run.json").read_text(encoding="utf-8")) == spec
    except (OSError, ValueError):
        same = False
    if same:
        return None
    where = keep_aside(out, out)
    if where == out:
        from edwc.results.folders import OutputError

        raise OutputError(f"{out} holds an earlier {what} of other arguments and could not be moved aside; "
                          "choose another --out")
    if log is not None:
        log(f"kept the earlier {what} (other arguments or inputs), whole, in {where}")
    return where


def start_run(instance: Path, cases: list[Case], out: Path, scheduler: str | None, spec: dict[str, Any],
              what: str, log: Any = None) -> None:
    """Begin a run whose folder describes that one run (pareto, draws, alternatives): refuse what
    prepare_sweep refuses, keep an earlier run of other arguments aside (keep_earlier_run), and
    record this run's arguments in run.json."""
    from edwc.results.folders import claim_folder

    prepare_sweep(instance, cases, out, scheduler)
    if keep_earlier_run(out, spec, what, log) is not None:
        claim_folder(out, "sweep")
    write_run_spec(out, spec)


def write_run_spec(out: Path, spec: dict[str, Any]) -> None:
    """run.json: the arguments and inputs of the run a folder holds (keep_earlier_run reads it)."""
    import json

    from edwc.workflow.sweep.index import write_text_atomically

    write_text_atomically(Path(out) / "run.json", json.dumps(spec, indent=1, sort_keys=True) + "\n")


def instance_digest(instance: Path) -> str:
    """A hash of the instance's files (instance.yaml and its tables), for run.json."""
    import hashlib

    h = hashlib.sha256()
    for name, data in sorted(pack_instance(Path(instance)).items()):
        h.update(name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()[:16]


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
    names = {c.name for c in cases}
    before = earlier_rows(out)  # cases of earlier sweeps into this folder: listed until this run replaces them
    rows: dict[str, dict[str, Any]] = dict(before)
    order = [*before, *(c.name for c in cases if c.name not in before)]
    kept: list[str] = []
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
                write_atomically(out / task.case.name, fill, force=True, log=kept.append)
            except (EdwcError, OSError) as e:
                outcome = Outcome(task.case.name, "error", False, f"not written: {e}", seconds=outcome.seconds,
                                  worker=outcome.worker)
        rows[task.case.name] = index_row(task.case, outcome, out)
        write_index(index_table([rows[c] for c in order if c in rows]), out, title)
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
    listed = index_table([rows[c] for c in order if c in rows])
    write_index(listed, out, title)
    chart = plot_kpis(listed, out, lang)
    for other in ("zh", "en"):  # a chart of another language already there is redrawn: every chart agrees with index.csv
        if other != lang and (out / kpi_chart_name(other)).is_file():
            plot_kpis(listed, out, other)
    index = index_table([rows[c.name] for c in cases])
    return SweepReport(out=out, index=index, seconds=time.perf_counter() - t0, workers=where, chart=chart,
                       earlier=sum(1 for c in before if c not in names), kept=kept)
