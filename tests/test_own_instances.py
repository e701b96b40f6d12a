"""A planner's own instances: `edwc new` copies an instance under a new name (never over what edwc did
not write), an instance goes to one Excel workbook and back unchanged (optional columns too), a
workbook is validated as a folder is (every problem in one run, by sheet, row and column), and rows
that silently do nothing are warnings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT, copy_instance, edit_table
from edwc.cli.main import main
from edwc.input.instance import load_instance


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_new_copies_under_a_new_name_and_never_over_foreign_files(tiny: Path, tmp_path: Path) -> None:
    text = (tiny / "instance.yaml").read_text(encoding="utf-8")
    (tiny / "instance.yaml").write_text(text + "time:\n  profiles: own/hourly.csv   # the planner's profiles\n",
                                        encoding="utf-8")
    (tiny / "own").mkdir()
    (tiny / "own" / "hourly.csv").write_text("hour,cf\n0,0.1\n", encoding="utf-8")
    code, out = run("new", "my-plan", "--from", str(tiny))
    assert code == 0, out
    copy = tiny.parent / "my-plan"
    yaml_text = (copy / "instance.yaml").read_text(encoding="utf-8")
    assert "name: my-plan" in yaml_text and "name: tiny" not in yaml_text and "# tiny: a hand-checkable" in yaml_text
    assert (copy / "own" / "hourly.csv").read_text() == "hour,cf\n0,0.1\n"  # time.profiles goes with it
    for t in ("sites", "demand", "trunks"):
        assert (copy / f"{t}.csv").read_bytes() == (tiny / f"{t}.csv").read_bytes()
    assert run("new", "my-plan", "--from", str(tiny))[0] == 0  # unchanged since edwc wrote it: may be rewritten
    book = tmp_path / "my-plan.xlsx"
    for _ in range(2):  # edit in Excel and read back into the copy, again and again (its profiles stay)
        assert run("instance-to-xlsx", str(copy), "--out", str(book), "--force")[0] == 0
        code, out = run("xlsx-to-instance", str(book), "--out", str(copy))
        assert code == 0, out
    assert (copy / "own" / "hourly.csv").is_file() and "name: my-plan" in (copy / "instance.yaml").read_text()
    (copy / "sites.csv").write_text((copy / "sites.csv").read_text() + "\n", encoding="utf-8")  # a planner's edit
    code, out = run("new", "my-plan", "--from", str(tiny))
    assert code == 2 and "sites.csv changed" in out
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    code, out = run("new", "other", "--from", str(tiny), "--out", str(foreign))
    assert code == 2 and "did not write" in out and (foreign / "notes.txt").read_text() == "mine"
    code, out = run("new", "Bad Name", "--from", str(tiny))
    assert code == 2 and "lower-case" in out


def test_an_instance_goes_to_excel_and_back_unchanged(tmp_path: Path) -> None:
    src = copy_instance("china-2025", tmp_path)
    book = tmp_path / "c.xlsx"
    code, out = run("instance-to-xlsx", str(src), "--out", str(book))
    assert code == 0, out
    assert run("instance-to-xlsx", str(src), "--out", str(book))[0] == 2  # never over a workbook without --force
    code, out = run("xlsx-to-instance", str(book), "--out", str(tmp_path / "back"))
    assert code == 0, out
    a, b = load_instance(src), load_instance(tmp_path / "back")
    assert a.input_hash() == b.input_hash()
    for col in ("direct_mw_max",):
        assert col in (tmp_path / "back" / "sites.csv").read_text().splitlines()[0]
    assert "flexible_share" in (tmp_path / "back" / "workloads.csv").read_text().splitlines()[0]
    assert (tmp_path / "back" / "instance.yaml").read_text() == (src / "instance.yaml").read_text()  # comments kept


def test_a_workbook_is_validated_as_a_folder_every_problem_by_sheet_row_and_column(tiny: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "t.xlsx"
    assert run("instance-to-xlsx", str(tiny), "--out", str(book))[0] == 0
    wb = load_workbook(book)
    ws = wb["sites"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("pue") + 1, "abc")  # a parse error
    wd = wb["demand"]
    wd.cell(2, [c.value for c in wd[1]].index("region") + 1, "999999")  # a reference error
    wb.save(book)
    code, out = run("validate", str(book))
    assert code == 2
    assert "t.xlsx, sheet 'sites', row 3, column 'pue': expected a number" in out
    assert "t.xlsx, sheet 'demand', row 2, column 'region': '999999' is not a known region" in out
    code, out = run("xlsx-to-instance", str(book), "--out", str(tmp_path / "never"))
    assert code == 2 and not (tmp_path / "never").exists()


def test_parse_and_reference_errors_come_in_one_run(tiny: Path) -> None:
    edit_table(tiny, "sites", lambda df: df.assign(pue=df["pue"].where(df.index != 0, "x")))
    edit_table(tiny, "site_classes", lambda df: df.assign(site=df["site"].where(df.index != 0, "nowhere")))
    code, out = run("validate", str(tiny))
    assert code == 2
    assert "sites.csv, line 2, column 'pue'" in out and "'nowhere' is not a known site" in out


def test_rows_that_do_nothing_are_warnings(tiny: Path) -> None:
    edit_table(tiny, "trunks", lambda df: df[(df["from"] != "west-2") & (df["to"] != "west-2")])
    extra = {"hub": "empty-hub", "name_zh": "空", "name_en": "Empty", "side": "east"}
    edit_table(tiny, "hubs", lambda df: pd.concat([df, pd.DataFrame([extra])], ignore_index=True))
    r = CliRunner().invoke(main, ["validate", str(tiny)])
    assert r.exit_code == 0, r.output
    assert "site 'west-2' has no trunk" in r.output and "hub 'empty-hub' has no site" in r.output
    assert "warnings (above)" in r.output


@pytest.mark.parametrize("name", ["china-2030"])
def test_shipped_instances_have_no_warnings_but_known_ones(name: str) -> None:
    from edwc.network.noops import instance_warnings
    from edwc.network.reach import load_valid_instance

    inst = load_valid_instance(ROOT / "instances" / name)
    assert all("has no trunk" not in str(w) for w in instance_warnings(inst))


def test_a_table_that_cannot_be_read_does_not_hide_the_other_tables_references(tiny: Path) -> None:
    edit_table(tiny, "classes", lambda df: df.drop(columns=["precision"]))  # classes.csv cannot be read
    edit_table(tiny, "demand", lambda df: df.assign(region=df["region"].where(df.index != 0, "999999")))
    code, out = run("validate", str(tiny))
    assert code == 2
    assert "classes.csv, column 'precision': required column is missing" in out
    assert "demand.csv, line 2, column 'region': '999999' is not a known region" in out
