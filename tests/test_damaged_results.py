"""Damaged result folders and folders of the wrong kind (issue 13, item 6), through the real CLI.

Every kind of damage below is tried on a copy of a solved tiny result with `report`, `compare`
(against the intact result), `map` and `check`. report, compare and map must end with exit 0 (the
damage did not matter to them) or 2 with one line; `check` must never pass a damaged result: exit 1
(a failed check) or 2 (cannot read it), one line. Never a traceback. The number of damages tried is
printed at the end (run with -s).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edwc.analysis.check.readers import RESULT_COLUMNS
from edwc.cli.main import main
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TRIED: dict[str, int] = {}
CSVS = ["capacity", "sites", "serve", "unmet", "trunks", "kpis"]


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\n[damage] tried: {TRIED}")


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, _ = solve_instance(TINY, out=tmp_path_factory.mktemp("good") / "r", maps=False)
    return out


def summary_edit(fn: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        p = folder / "summary.json"
        s = json.loads(p.read_text())
        s = fn(s) or s
        p.write_text(json.dumps(s, allow_nan=True))
    return edit


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda s: s.__setitem__(key, value)


def _csv_edit(name: str, fn: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        p = folder / f"{name}.csv"
        p.write_text("\n".join(fn(p.read_text().splitlines())) + "\n")
    return edit


def _drop_column(name: str) -> Callable[[list[str]], list[str]]:
    """Drop the last column the check reads from table `name`."""
    def drop(lines: list[str]) -> list[str]:
        j = lines[0].split(",").index(RESULT_COLUMNS[name][-1])
        return [",".join(c for i, c in enumerate(ln.split(",")) if i != j) for ln in lines]
    return drop


def _text_in_numbers(lines: list[str]) -> list[str]:
    text_columns = {"site", "class", "region", "workload", "trunk", "from", "to", "hub", "side", "kpi", "unit"}
    j = max(i for i, c in enumerate(lines[0].split(",")) if c not in text_columns)
    cells = lines[1].split(",")
    cells[j] = "lots"
    return [lines[0], ",".join(cells), *lines[2:]]


DAMAGES: dict[str, Callable[[Path], None]] = {
    **{f"delete {n}.csv": (lambda f, n=n: (f / f"{n}.csv").unlink()) for n in CSVS},
    **{f"empty {n}.csv": (lambda f, n=n: (f / f"{n}.csv").write_text("")) for n in CSVS},
    **{f"header only {n}.csv": _csv_edit(n, lambda ls: ls[:1]) for n in CSVS},
    **{f"drop a column of {n}.csv": _csv_edit(n, _drop_column(n)) for n in CSVS},
    **{f"text in a number of {n}.csv": _csv_edit(n, _text_in_numbers) for n in CSVS},
    "binary junk in serve.csv": lambda f: (f / "serve.csv").write_bytes(b"\xff\xfe\x00junk\x00"),
    "delete summary.json": lambda f: (f / "summary.json").unlink(),
    "summary.json not JSON": lambda f: (f / "summary.json").write_text("{not json"),
    "summary.json a list": lambda f: (f / "summary.json").write_text("[1, 2]"),
    "objective null": summary_edit(_set("objective_cny", None)),
    "objective text": summary_edit(_set("objective_cny", "a lot")),
    "gap NaN": summary_edit(_set("mip_gap", math.nan)),
    "gap text": summary_edit(_set("mip_gap", "small")),
    "unknown result version": summary_edit(_set("edwc_result_version", 99)),
    "status edited": summary_edit(_set("status", "time_limit")),
    "instance name edited": summary_edit(_set("instance", "china-2025")),
    "cost parts a list": summary_edit(_set("cost_parts_cny", [1, 2])),
    "cost part text": summary_edit(lambda s: s["cost_parts_cny"].__setitem__("energy", "x")),
    "missing status": summary_edit(lambda s: s.pop("status")),
    "kpis period text": _csv_edit("kpis", lambda ls: [ls[0]] + [ln.replace(",2025,", ",soon,") for ln in ls[1:]]),
    "instance/ deleted": lambda f: shutil.rmtree(f / "instance"),
    "instance/sites.csv deleted": lambda f: (f / "instance" / "sites.csv").unlink(),
    "instance/instance.yaml junk": lambda f: (f / "instance" / "instance.yaml").write_text("{{{"),
    "instance edited": lambda f: (f / "instance" / "demand.csv").write_text(
        (f / "instance" / "demand.csv").read_text().replace(",10\n", ",11\n")),
}
MAP_DAMAGES = ["delete serve.csv", "empty sites.csv", "drop a column of capacity.csv", "text in a number of trunks.csv",
               "summary.json not JSON", "objective null", "unknown result version", "header only serve.csv",
               "instance/ deleted", "instance/sites.csv deleted", "gap NaN", "kpis period text", "delete summary.json",
               "binary junk in serve.csv"]


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), f"crashed: {r.exc_info}\n{r.output}"
    assert "Traceback" not in r.output, r.output
    return r.exit_code, r.output


def one_line(out: str) -> None:
    errors = [ln for ln in out.strip().splitlines() if ln.lower().startswith("error")]
    assert len(errors) == 1 and out.strip().splitlines()[-1] == errors[0], out


@pytest.fixture
def damaged(good: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    folder = Path(shutil.copytree(good, tmp_path / "damaged"))
    DAMAGES[request.param](folder)
    return folder


@pytest.mark.parametrize("damaged", sorted(DAMAGES), indirect=True)
def test_report_compare_check_on_damage(damaged: Path, good: Path, tmp_path: Path) -> None:
    for command, args in (("report", [str(damaged)]), ("compare", [str(good), str(damaged), "--out", str(tmp_path / "c"), "-q"])):
        TRIED[command] = TRIED.get(command, 0) + 1
        code, out = run(command, *args)
        assert code in (0, 2), (command, out)
        if code == 2:
            one_line(out)
    TRIED["check"] = TRIED.get("check", 0) + 1
    code, out = run("check", str(damaged), "-q")
    assert code in (1, 2), f"check passed a damaged result:\n{out}"
    assert len(out.strip().splitlines()) == 1 or code == 1, out


@pytest.mark.slow
@pytest.mark.parametrize("damaged", MAP_DAMAGES, indirect=True)
def test_map_on_damage(damaged: Path) -> None:
    TRIED["map"] = TRIED.get("map", 0) + 1
    code, out = run("map", str(damaged), "--format", "png")
    assert code in (0, 2), out
    if code == 2:
        one_line(out)


@pytest.mark.parametrize("command", ["report", "map", "check", "compare"])
@pytest.mark.parametrize("kind", ["empty", "instance", "users", "missing"])
def test_wrong_kind_of_folder(command: str, kind: str, good: Path, tmp_path: Path) -> None:
    folder = {"empty": tmp_path / "empty", "instance": TINY, "users": tmp_path / "users", "missing": tmp_path / "nowhere"}[kind]
    if kind in ("empty", "users"):
        folder.mkdir()
    if kind == "users":
        (folder / "notes.txt").write_text("mine")
    if command == "map" and kind == "instance":
        pytest.skip("an instance folder is a valid input of edwc map")
    args = [str(good), str(folder), "--out", str(tmp_path / "c")] if command == "compare" else [str(folder)]
    code, out = run(command, *args)
    assert code == 2, out
    assert len(out.strip().splitlines()) in (1, 4), out  # one line, or click's usage error (3 lines + Error:)
    assert "problems found" not in out
