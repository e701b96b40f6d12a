"""Security: instance files are data, never code; names are escaped in HTML; outputs stay in their folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from edwc.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_EN = "<img src=x onerror=alert(2)>"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TINY, tmp_path / "tiny"))


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/name:os.system",
])
def test_yaml_is_data_never_code(tiny: Path, tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "pwned"
    y = tiny / "instance.yaml"
    y.write_text(y.read_text().replace("description: Hand-checkable", "description: " + payload.format(marker=marker) + "\nx_old:"))
    r = invoke("validate", str(tiny))
    assert r.exit_code == 2 and "instance.yaml" in r.output and "Traceback" not in r.output
    assert not marker.exists()


@pytest.mark.parametrize("payload", ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\",\"y\")", "+1+cmd", "@SUM(A1)",
                                     "-2+3"])  # a leading tab or CR is stripped from every cell on reading
def test_formula_text_in_instance_is_refused(tiny: Path, tmp_path: Path, payload: str) -> None:
    """A name a spreadsheet would run as a formula is refused with a located message; nothing runs."""
    marker = tmp_path / "pwned"
    s = tiny / "sites.csv"
    quoted = '"' + payload.replace('"', '""') + f' $(touch {marker})"'
    s.write_text(s.read_text().replace("Beijing DC", quoted))
    r = invoke("solve", str(tiny), "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 2, r.output
    assert "sites.csv, line 2, column 'name_en'" in r.output and "formula" in r.output
    assert not marker.exists() and not (tmp_path / "r").exists()


def test_negative_numbers_and_inner_signs_are_fine(tiny: Path, tmp_path: Path) -> None:
    s = tiny / "sites.csv"
    s.write_text(s.read_text().replace("Beijing DC", "Beijing DC = A+B @ 2"))
    assert invoke("validate", str(tiny)).exit_code == 0


def test_text_edwc_makes_is_neutralised_in_every_csv(tmp_path: Path) -> None:
    """Labels and case values come from folder names and the command line: compare.csv and the sweep's
    index.csv write them with a leading apostrophe, so a spreadsheet shows them as text."""
    import pandas as pd

    a, b = tmp_path / "=HYPERLINK(1)", tmp_path / "@SUM(2)"
    for out in (a, b):
        assert invoke("solve", str(TINY), "--out", str(out), "--no-map").exit_code == 0
    r = invoke("compare", str(a), str(b), "--out", str(tmp_path / "c"), "-q")
    assert r.exit_code == 0, r.output
    for name in ("compare.csv", "capacity.csv", "moved.csv"):
        cells = pd.read_csv(tmp_path / "c" / name, dtype=str, keep_default_na=False).to_numpy().ravel().tolist()
        cells += list(pd.read_csv(tmp_path / "c" / name, nrows=0).columns)
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c) and c.strip() != "-")], name
    assert "'=HYPERLINK(1)" in (tmp_path / "c" / "compare.csv").read_text()
    r = invoke("sweep", str(TINY), "--vary", "description==1+1,@x", "--workers", "1", "--out", str(tmp_path / "s"))
    assert r.exit_code == 0, r.output
    index = (tmp_path / "s" / "index.csv").read_text()
    assert "'=1+1" in index and "'@x" in index


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def hostile_instance(tiny: Path) -> Path:
    s = tiny / "sites.csv"
    s.write_text(s.read_text().replace("west-1,西部一号,West One", f"west-1,{HOSTILE},{HOSTILE_EN}"))
    r = tiny / "regions.csv"
    r.write_text(r.read_text().replace("甘肃,Gansu", f"{HOSTILE},{HOSTILE_EN}"))
    return tiny


def assert_escaped(html: Path) -> None:
    text = html.read_text(encoding="utf-8")
    for raw in (HOSTILE, HOSTILE_EN, "<script>alert", "onerror=alert"):
        assert raw not in text, f"{html.name} holds the raw name {raw!r}: it would run as markup"


def test_hostile_names_escaped_in_result_map(tiny: Path, tmp_path: Path) -> None:
    """The real map rendering (edwc.maps, the SVG page and the report page) of a plan whose site and region carry markup: map.html keeps
    the names as text. Skipped until the maps land."""
    pytest.importorskip("edwc.maps")
    from edwc.maps import render_result  # noqa: F401  (solve calls it)

    hostile_instance(tiny)
    out = tmp_path / "r"
    r = invoke("solve", str(tiny), "--out", str(out))
    assert r.exit_code == 0, r.output
    for page in ("map.html", "report.html"):
        assert (out / page).exists()
        assert_escaped(out / page)
    # the names are still there, as escaped text (the planner can read them)
    assert "alert(1)" in (out / "map.html").read_text(encoding="utf-8")


def test_hostile_names_escaped_in_instance_map(tiny: Path, tmp_path: Path) -> None:
    pytest.importorskip("edwc.maps")
    hostile_instance(tiny)
    r = invoke("map", str(tiny), "--out", str(tmp_path / "m"), "--format", "html")
    assert r.exit_code == 0, r.output
    pages = list((tmp_path / "m").glob("*.html"))
    assert pages
    for p in pages:
        assert_escaped(p)


def test_outputs_stay_in_the_chosen_folder(tiny: Path, tmp_path: Path) -> None:
    """Every file a solve writes lies inside --out (no symlinks, nothing beside it once done)."""
    hostile = "../../../escape"
    s = tiny / "sites.csv"
    s.write_text(s.read_text().replace("West One", hostile))
    parent = tmp_path / "area"
    parent.mkdir()
    out = parent / "plan"
    r = invoke("solve", str(tiny), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert [p.name for p in parent.iterdir()] == ["plan"]
    for p in out.rglob("*"):
        assert not p.is_symlink()
        assert p.resolve().is_relative_to(out.resolve())
    assert not list(tmp_path.rglob("escape*"))


def test_scenario_names_cannot_leave_the_results_folder(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario's name becomes part of results/<instance>-<scenario>: one with '/' or '..' is refused."""
    y = tiny / "instance.yaml"
    y.write_text(y.read_text() + "  ../../../escaped:\n    description: x\n    set: {policy.carbon_price_cny_per_t: 1}\n")
    monkeypatch.chdir(tmp_path)
    r = invoke("solve", str(tiny), "--scenario", "../../../escaped", "--no-map")
    assert r.exit_code == 2 and "scenario name" in r.output
    assert not list(tmp_path.parent.rglob("escaped"))
    assert not (tmp_path / "results").exists()


def test_workbook_keeps_formula_text_as_text(tmp_path: Path) -> None:
    """plan.xlsx: a cell whose text begins with '=' is stored as a string, which no spreadsheet evaluates."""
    import pandas as pd
    from openpyxl import Workbook, load_workbook

    from edwc.analysis.workbook import write_sheet

    wb = Workbook()
    write_sheet(wb, "t", pd.DataFrame({"site": ["=HYPERLINK(\"http://x\",\"y\")", "ok"], "value": [1.0, -2.0]}), "en")
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["t"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")
    assert ws["B3"].value == -2.0
