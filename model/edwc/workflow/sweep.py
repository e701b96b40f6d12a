"""`edwc sweep INSTANCE --vary key=v1,v2 … [--scenario NAME …]`: many solves of one instance, in parallel.

The cases are the Cartesian product of the `--vary` values (and of the named scenarios, when
given). Each case is solved by a worker — a local process (default) or a worker of an
existing Dask distributed cluster (`--scheduler tcp://host:port`) — with one HiGHS thread.
Workers need edwc installed but no shared disk: the instance travels to them as file
contents, and each result folder travels back and is written here, atomically, under
`--out/<case>/`. A case that fails is reported (status and message in the index) while the
others go on; a rerun skips every case whose summary.json carries the same input hash.
`index.csv` and `index.md` list every case with its status, cost parts and headline KPIs.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from edwc.errors import EdwcError, InputError, Problem, SolveError
from edwc.formulation.objective import COST_PARTS
from edwc.input.schema import TABLES

BASE = "base"  # the scenario name that stands for the instance as it is
YI = 1e8
HEADLINE_KPIS = ("demand_pflops", "unmet_pflops", "installed_pflops", "built_pflops", "west_share_installed",
                 "west_share_new", "west_share_served", "energy_mwh", "emissions_t", "sites_opened", "wavelengths_added")
_SOLVE_LOCK = threading.Lock()  # one solve at a time per worker process (Pyomo is not thread-safe)

Files = dict[str, bytes]


# ---- cases --------------------------------------------------------------------------------------


@dataclass
class Vary:
    """One `--vary key=v1,v2`: the dotted key and its values as given (text) and as parsed (YAML)."""

    key: str
    texts: list[str]
    values: list[Any]


@dataclass
class Case:
    """One solve of the sweep: a scenario (or None) and --set values; `name` is its folder."""

    name: str
    scenario: str | None
    sets: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # key -> value as given on the command line
    scenario_label: str | None = None  # the scenario column of the index, when scenarios are swept


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so `periods=[2025,2030],[2030]` gives two values."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


def parse_vary(items: Iterable[str]) -> list[Vary]:
    """Parse `key=v1,v2,…` strings; keys must be settings of instance.yaml. Raises InputError."""
    from edwc.input.scenarios import check_key

    varies: list[Vary] = []
    problems: list[Problem] = []
    for item in items:
        key, sep, rest = item.partition("=")
        key = key.strip()
        texts = _split_values(rest) if sep else []
        if not sep or not key or not rest.strip() or any(t == "" for t in texts):
            problems.append(Problem("--vary", f"expected key=v1,v2,… got '{item}'"))
            continue
        problem = check_key(key, "--vary")
        if problem is not None:
            problems.append(problem)
        if key in (v.key for v in varies):
            problems.append(Problem("--vary", f"'{key}' is varied more than once"))
        if len(set(texts)) < len(texts):
            problems.append(Problem("--vary", f"'{key}' lists a value more than once"))
        varies.append(Vary(key, texts, [_yaml_value(t) for t in texts]))
    if problems:
        raise InputError(problems, "edwc sweep")
    return varies


def _yaml_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _short_keys(keys: list[str]) -> dict[str, str]:
    """The last part of each dotted key, or the whole key where the last parts would clash."""
    last = [k.split(".")[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)}


def _safe(name: str) -> str:
    return re.sub(r"[\s/\\:*?\"<>|]+", "_", name)


def build_cases(varies: list[Vary], scenarios: list[str | None] | None = None) -> list[Case]:
    """The Cartesian product of scenarios × varied values, named deterministically from the overrides."""
    scen: list[str | None] = list(scenarios) if scenarios else [None]
    short = _short_keys([v.key for v in varies])
    cases = []
    for sc in scen:
        for combo in itertools.product(*[list(zip(v.texts, v.values, strict=True)) for v in varies]):
            texts = {v.key: t for v, (t, _) in zip(varies, combo, strict=True)}
            parts = ([sc or BASE] if scenarios else []) + [f"{short[k]}={t}" for k, t in texts.items()]
            cases.append(Case(name=_safe(",".join(parts)), scenario=sc, texts=texts, scenario_label=(sc or BASE) if scenarios else None,
                              sets={v.key: val for v, (_, val) in zip(varies, combo, strict=True)}))
    names = [c.name for c in cases]
    if len(set(names)) < len(names):
        raise InputError([Problem("edwc sweep", "two cases would share a folder name; give distinct values")], "edwc sweep")
    return cases


def instance_scenarios(instance: Path) -> list[str]:
    """Names of the scenarios in INSTANCE/instance.yaml (raw, before validation)."""
    from edwc.input.scenarios import scenario_names

    try:
        cfg = yaml.safe_load((Path(instance) / "instance.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return scenario_names(cfg) if isinstance(cfg, dict) else []


def resolve_scenarios(instance: Path, names: Iterable[str], all_scenarios: bool) -> list[str | None] | None:
    """`--scenario` names (BASE → None) or all of them (with the base first); None when none asked."""
    known = instance_scenarios(instance)
    if all_scenarios:
        return [None, *known]
    names = list(names)
    if not names:
        return None
    bad = [n for n in names if n != BASE and n not in known]
    if bad:
        raise InputError([Problem("--scenario", f"no scenario '{n}' in {instance}/instance.yaml "
                                  f"(scenarios: {', '.join(known) or 'none'}; '{BASE}' = the instance as it is)") for n in bad],
                         "edwc sweep")
    return [None if (n == BASE and BASE not in known) else n for n in names]


# ---- moving folders as data ---------------------------------------------------------------------


def pack_folder(folder: Path, only: Iterable[str] | None = None) -> Files:
    """Files under `folder` (or just the named ones) as relative POSIX path → bytes."""
    folder = Path(folder)
    paths = [folder / n for n in only] if only is not None else [p for p in folder.rglob("*") if p.is_file()]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths if p.is_file()}


def unpack_files(files: Files, folder: Path) -> Path:
    """Write packed files under `folder`; paths that would leave it are refused."""
    folder = Path(folder)
    root = folder.resolve()
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if root != target and root not in target.parents:
            raise ValueError(f"refusing to write outside {folder}: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def pack_instance(instance: Path) -> Files:
    """instance.yaml and the CSV tables of an instance folder."""
    return pack_folder(instance, ["instance.yaml", *(f"{t}.csv" for t in TABLES)])


# ---- one case, on a worker ----------------------------------------------------------------------


@dataclass
class SolveOptions:
    time_limit: float | None = None
    mip_gap: float | None = None
    maps: bool = False
    check: bool = True


@dataclass
class Task:
    case: Case
    options: SolveOptions
    instance_label: str  # the instance path as the user gave it, for messages
    previous_hash: str | None = None  # input_hash of an earlier result of this case


@dataclass
class Outcome:
    """What a worker sends back: status, message, and the result folder as files (when solved)."""

    name: str
    status: str  # HiGHS status word, or skipped / input_error / no_plan / error
    ok: bool
    message: str = ""
    summary: dict[str, Any] | None = None
    files: Files | None = None
    seconds: float = 0.0
    worker: str = ""


def case_hash(instance_dir: Path, case: Case, options: SolveOptions) -> str:
    """The input_hash solve_instance will write for this case (same overrides, threads=1)."""
    from edwc.network.reach import load_valid_instance

    inst = load_valid_instance(instance_dir, scenario=case.scenario, sets=case.sets)
    solver = inst.config.solver
    if options.time_limit is not None:
        solver.time_limit_s = options.time_limit
    if options.mip_gap is not None:
        solver.mip_gap = options.mip_gap
    solver.threads = 1
    return inst.input_hash()


def run_case(task: Task, instance_files: Files) -> Outcome:
    """Solve one case in a scratch folder and return its result folder as files. Never raises."""
    t0 = time.perf_counter()
    who = f"{socket.gethostname()}:{os.getpid()}"
    with _SOLVE_LOCK, tempfile.TemporaryDirectory(prefix="edwc-case-") as tmp:
        inst_dir = unpack_files(instance_files, Path(tmp) / "instance")
        try:
            out = _solve_case(task, inst_dir, Path(tmp) / "result")
        except InputError as e:
            out = Outcome(task.case.name, "input_error", False, e.render().replace(str(inst_dir), task.instance_label))
        except SolveError as e:
            out = Outcome(task.case.name, "no_plan", False, str(e).replace(str(inst_dir), task.instance_label))
        except Exception as e:  # noqa: BLE001 - a failed case is reported, the sweep goes on
            out = Outcome(task.case.name, "error", False, f"{type(e).__name__}: {e}")
    out.seconds, out.worker = time.perf_counter() - t0, who
    return out


def _solve_case(task: Task, inst_dir: Path, out: Path) -> Outcome:
    from edwc.workflow.run import solve_instance

    case, opt = task.case, task.options
    if task.previous_hash and case_hash(inst_dir, case, opt) == task.previous_hash:
        return Outcome(case.name, "skipped", True, "unchanged since the last run")
    folder, result = solve_instance(inst_dir, scenario=case.scenario, sets=case.sets, out=out, force=True,
                                    time_limit=opt.time_limit, mip_gap=opt.mip_gap, threads=1,
                                    maps=opt.maps, check=opt.check)
    return Outcome(case.name, str(result.summary["status"]), True, summary=result.summary, files=pack_folder(folder))


# ---- running many cases -------------------------------------------------------------------------

OnDone = Callable[[Task, Outcome], None]


def _failed(task: Task, e: BaseException) -> Outcome:
    return Outcome(task.case.name, "error", False, f"worker failed: {type(e).__name__}: {e}")


def run_local(tasks: list[Task], files: Files, workers: int, on_done: OnDone) -> None:
    """Run tasks in `workers` fresh local processes (spawned, so no solver state is inherited)."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_case, t, files): t for t in tasks}
        try:
            for fut in futures_completed(futures):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as e:  # noqa: BLE001 - a dead worker fails its case only
                    outcome = _failed(task, e)
                on_done(task, outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_dask(tasks: list[Task], files: Files, address: str, on_done: OnDone) -> None:
    """Run tasks on an existing Dask distributed cluster at `address` (tcp://host:port)."""
    from distributed import Client, as_completed

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise EdwcError(f"cannot reach the Dask scheduler at {address}: {e}") from e
    with client:
        [files_future] = client.scatter([files], broadcast=True)
        token = f"{os.getpid()}-{time.time_ns()}"
        futures = {client.submit(run_case, t, files_future, pure=False, key=f"edwc-case-{t.case.name}-{token}"): t
                   for t in tasks}
        try:
            for fut in as_completed(list(futures)):
                task = futures[fut]
                try:
                    outcome = fut.result()
                except Exception as e:  # noqa: BLE001 - a lost worker fails its case only
                    outcome = _failed(task, e)
                on_done(task, outcome)
        except BaseException:
            client.cancel(list(futures))
            raise


# ---- the index ----------------------------------------------------------------------------------


def _result_row(folder: Path) -> dict[str, Any]:
    """Objective, cost parts, gap, times and last-period headline KPIs of a result folder."""
    import json

    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    row: dict[str, Any] = {"status": s.get("status"), "objective_cny": s.get("objective_cny")}
    row.update({f"cost_{p}_cny": (s.get("cost_parts_cny") or {}).get(p) for p in COST_PARTS})
    k = pd.read_csv(folder / "kpis.csv")
    k = k[k["period"] == k["period"].max()].set_index("kpi")["value"]
    for name in HEADLINE_KPIS:
        row[name] = k.get(name, np.nan)
    for name in sorted(n for n in k.index if n.startswith("installed_pflops_")):
        row[name] = k[name]
    row["mip_gap"] = s.get("mip_gap")
    row["solve_s"] = (s.get("seconds") or {}).get("solve")
    row["input_hash"] = s.get("input_hash")
    return row


def index_row(case: Case, outcome: Outcome, out: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"case": case.name}
    if case.scenario_label is not None:
        row["scenario"] = case.scenario_label
    row.update(case.texts)
    folder = out / case.name
    if outcome.ok and (folder / "summary.json").is_file():
        row.update(_result_row(folder))
        row["folder"] = str(folder)
    else:
        row["status"] = outcome.status
    row.update({"outcome": "failed" if not outcome.ok else ("skipped" if outcome.status == "skipped" else "solved"),
                "case_s": round(outcome.seconds, 3), "worker": outcome.worker, "message": outcome.message})
    return row


def index_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    first = ["case", "scenario"]
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    cols = [c for c in first if c in cols] + [c for c in cols if c not in first]
    return pd.DataFrame(rows, columns=cols)


def index_markdown(df: pd.DataFrame, title: str) -> str:
    from edwc.analysis.compare import markdown_table

    show = pd.DataFrame({"case": df["case"], "outcome": df["outcome"], "status": df["status"]})
    money = ["objective_cny", *(f"cost_{p}_cny" for p in COST_PARTS)]
    for c in money:
        if c in df:
            show[c.replace("_cny", " (亿元/yr)")] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in df[c]]
    for c in ("built_pflops", "installed_pflops", "west_share_new", "unmet_pflops", "emissions_t", "mip_gap", "solve_s"):
        if c in df:
            pct = c.startswith("west_share") or c == "mip_gap"
            show[c] = [("" if pd.isna(v) else (f"{v:.1%}" if pct else f"{v:,.4g}")) for v in df[c]]
    show["message"] = [one_line(m, 200) for m in df["message"]]
    return f"# {title}\n\n{markdown_table(show)}\n"


def one_line(message: Any, width: int) -> str:
    text = " ".join(str(message).split()) if isinstance(message, str) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _write_text_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_index(df: pd.DataFrame, out: Path, title: str) -> None:
    """index.csv (every column) and index.md (the headline columns), each replaced atomically."""
    _write_text_atomically(out / "index.csv", df.to_csv(index=False, lineterminator="\n", float_format="%.10g"))
    _write_text_atomically(out / "index.md", index_markdown(df, title))


# ---- the sweep ----------------------------------------------------------------------------------


@dataclass
class SweepReport:
    out: Path
    index: pd.DataFrame
    seconds: float
    workers: str

    @property
    def failed(self) -> pd.DataFrame:
        return self.index[self.index["outcome"] == "failed"]

    def counts(self) -> dict[str, int]:
        return {k: int((self.index["outcome"] == k).sum()) for k in ("solved", "skipped", "failed")}


def _previous_hash(folder: Path) -> str | None:
    """The input_hash of an earlier result of a case, when this edwc wrote it (else None: solve again)."""
    import json

    import edwc
    from edwc.results.tables import RESULT_VERSION

    try:
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same_edwc = s.get("edwc_result_version") == RESULT_VERSION and (s.get("versions") or {}).get("edwc") == edwc.__version__
    return s.get("input_hash") if same_edwc else None


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
) -> SweepReport:
    """Solve every case (skipping unchanged ones unless force) and write out/<case>/ and out/index.*."""
    from edwc.results.tables import write_atomically

    instance, out = Path(instance), Path(out)
    if not (instance / "instance.yaml").is_file():
        raise InputError([Problem(str(instance), "not an instance folder (no instance.yaml)")], "edwc sweep")
    options = options or SolveOptions()
    files = pack_instance(instance)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [Task(c, options, str(instance), None if force else _previous_hash(out / c.name)) for c in cases]
    rows: dict[str, dict[str, Any]] = {}
    title = f"sweep of {instance.name}: {len(cases)} cases"

    def done(task: Task, outcome: Outcome) -> None:
        if outcome.ok and outcome.files is not None:
            write_atomically(out / task.case.name, lambda tmp: unpack_files(outcome.files or {}, tmp), force=True)
        rows[task.case.name] = index_row(task.case, outcome, out)
        write_index(index_table([rows[c.name] for c in cases if c.name in rows]), out, title)
        if on_done is not None:
            on_done(task, outcome)

    t0 = time.perf_counter()
    if scheduler:
        run_dask(tasks, files, scheduler, done)
        where = f"Dask cluster {scheduler}"
    else:
        workers = max(1, min(workers, len(tasks)))
        run_local(tasks, files, workers, done)
        where = f"{workers} local process{'es' if workers > 1 else ''}"
    index = index_table([rows[c.name] for c in cases])
    write_index(index, out, title)
    return SweepReport(out=out, index=index, seconds=time.perf_counter() - t0, workers=where)


def render_report(rep: SweepReport) -> str:
    df = rep.index
    show = pd.DataFrame({"case": df["case"], "outcome": df["outcome"], "status": df["status"]})
    if "objective_cny" in df:
        show["cost 亿元/yr"] = [("" if pd.isna(v) else f"{v / YI:,.2f}") for v in df["objective_cny"]]
    for c, pct in (("built_pflops", False), ("west_share_new", True), ("unmet_pflops", False)):
        if c in df:
            show[c] = [("" if pd.isna(v) else (f"{v:.1%}" if pct else f"{v:,.4g}")) for v in df[c]]
    n = rep.counts()
    lines = [show.to_string(index=False), "",
             f"{n['solved']} solved, {n['skipped']} skipped (unchanged), {n['failed']} failed in {rep.seconds:.1f} s "
             f"on {rep.workers}; index: {rep.out / 'index.csv'}"]
    for row in rep.failed.itertuples(index=False):
        lines.append(f"failed: {row.case}: {one_line(row.message, 300)}")
    return "\n".join(lines)
