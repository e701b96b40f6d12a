"""What a planner reads must not mislead: a real multi-period solve (the tiny instance over two
periods) and its report in a real headless Chromium, workbook and terminal. The costs are labelled
as what they are (the yearly cost of the period shown and the present value over the periods,
never one of them as "annual cost"), every period has its row, the map says which period it shows,
and the page and the terminal say what limits the plan."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from cdp import Browser
from test_pages import need_chromium, outside
from test_sweep import assert_white_edges

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """tiny over 2025 and 2030 (2030 demand 1.5 x 2025), solved with every output; and its stdout."""
    root = tmp_path_factory.mktemp("tiny2")
    inst = root / "tiny2"
    shutil.copytree(TINY, inst)
    cfg = yaml.safe_load((inst / "instance.yaml").read_text(encoding="utf-8"))
    cfg["name"], cfg["periods"] = "tiny2", [2025, 2030]
    (inst / "instance.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    demand = pd.read_csv(inst / "demand.csv", dtype={"region": str})
    later = demand.assign(period=2030, pflops=demand["pflops"] * 1.5)
    pd.concat([demand, later]).to_csv(inst / "demand.csv", index=False)
    sites = pd.read_csv(inst / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site"] == "sh-dc", "hub"] = ""  # a site outside the hubs (its data side: east)
    sites.to_csv(inst / "sites.csv", index=False)
    out = root / "result"
    done = subprocess.run([sys.executable, "-m", "edwc", "solve", str(inst), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    (root / "stderr.txt").write_text(done.stderr, encoding="utf-8")
    return out, done.stdout


def test_unserved_warning_says_it_sums_the_periods(two_periods: tuple[Path, str]) -> None:
    """The solve's warning counts unmet demand over every period; the summary line counts the last:
    the warning says so, so the two numbers do not contradict each other."""
    result, stdout = two_periods
    err = (result.parent / "stderr.txt").read_text(encoding="utf-8")
    warning = next(ln for ln in err.splitlines() if "left unserved" in ln)
    assert "summed over the periods 2025, 2030" in warning and "in 2030)" in warning, warning
    assert "e+" not in warning  # PFLOPS with separators, never 7.53e+04


def test_solver_banner_never_on_stdout(two_periods: tuple[Path, str]) -> None:
    _, stdout = two_periods
    assert "Running HiGHS" not in stdout and "Copyright" not in stdout


def test_terminal_labels_present_value_and_periods(two_periods: tuple[Path, str]) -> None:
    _, stdout = two_periods
    assert "present value at 2025 of periods 2025, 2030 (not a yearly cost)" in stdout
    assert "2025: yearly cost" in stdout and "2030: yearly cost" in stdout
    assert "value of unmet service (not a cost):" in stdout and "(present value, as the cost above)" in stdout
    last = next(ln for ln in stdout.splitlines() if ln.strip().startswith("2030: yearly cost"))
    assert "unmet" in last and "亿元/yr)" in last, last  # each period's unserved demand and its yearly value
    assert "what limits this plan" in stdout
    assert "cost per year" not in stdout


def test_multi_period_report_labels_its_costs(two_periods: tuple[Path, str], tmp_path: Path) -> None:
    need_chromium()
    result, _ = two_periods
    with Browser(1400, 1000) as b:
        b.open(result / "report.html")
        assert outside(b.requests()) == []
        text = b.eval("document.body.innerText")
        cards = b.eval("[...document.querySelectorAll('.card .k')].map(k => k.innerText)")
        heads = b.eval("[...document.querySelectorAll('h2')].map(h => h.innerText)")
        warned = b.eval("[...document.querySelectorAll('.card.warn')].map(c => c.innerText)")
        shot = b.screenshot(tmp_path / "report2.png", full=True)
    assert "年化成本" not in text, "a present value must not be called an annual cost"
    assert "2030 年年度成本（亿元/年）" in cards
    assert "现值 2025–2030（亿元，折现至 2025 年）" in cards
    assert any(h.startswith("成本构成：2025–2030 现值") for h in heads), heads
    assert any(h.startswith("分期") for h in heads) and "本方案受哪些限制" in heads
    assert "图示 2030 年（2025–2030 共 2 期中的最后一期）" in text
    rows = [ln for ln in text.splitlines() if ln.startswith(("2025\t", "2030\t"))]
    assert len(rows) >= 2, rows  # one row per period in the periods table
    assert shot.stat().st_size > 0
    # the last period's numbers say which period they are; unmet demand per period and apart from the costs
    assert {"2030 年未满足需求", "2030 年用电", "2030 年排放"} <= set(cards), cards
    # 2.5 of 60 PFLOPS unserved in 2030 (4 %): the card is flagged, as sweep flags such a case
    assert len(warned) == 1 and "2030 年未满足需求" in warned[0] and "⚠" in warned[0], warned
    assert "未满足（PFLOPS）" in text and "未满足需求价值（不计入成本）" in text
    note = next(ln for ln in text.splitlines() if "服务价值损失" in ln)
    assert note.startswith("2030 年未满足需求") and "各期合计" in note and "现值" in note, note
    assert "亿元/年（按" not in note.split("现值")[1].split("，")[0], note  # the present value is not a yearly sum


def test_hub_labels_on_the_map_page_do_not_collide(two_periods: tuple[Path, str]) -> None:
    """map.html's hub labels: no two overlap, and the placer's width estimate is never narrower than the
    text the browser draws (so boxes it keeps apart stay apart on screen)."""
    from edwc.maps.page_labels import boxes_overlap, text_width

    need_chromium()
    result, _ = two_periods
    with Browser(1400, 1000) as b:
        b.open(result / "map.html", "document.readyState === 'complete'")
        labels = b.eval("""[...document.querySelectorAll('#labels text')].map(t => {
            const r = t.getBBox(); return [t.textContent, r.x, r.y, r.x + r.width, r.y + r.height,
                                           parseFloat(getComputedStyle(t).fontSize)]; })""")
    assert len(labels) >= 2, labels
    for text, x0, _, x1, _, size in labels:
        assert x1 - x0 <= text_width(text, size) + 1, (text, x1 - x0, text_width(text, size))
    boxes = [tuple(lbl[1:5]) for lbl in labels]
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), labels


def test_english_multi_period_report_and_workbook(two_periods: tuple[Path, str]) -> None:
    from openpyxl import load_workbook

    result, _ = two_periods
    done = subprocess.run([sys.executable, "-m", "edwc", "report", str(result), "--lang", "en"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "read from" in done.stdout and "written to" not in done.stdout
    page = (result / "report.en.html").read_text(encoding="utf-8")
    assert "annual cost" not in page and "yearly cost in 2030 (亿元/yr)" in page
    assert "present value 2025–2030" in page and "What limits this plan" in page
    assert (result / "map.en.png").is_file() and 'alt="map.en.png"' in page  # the map is drawn for the page
    for png in ("map.en.png", "map.png"):  # the (long English) headline and schedule lines end inside the image
        assert_white_edges(result / png)
    wb = load_workbook(result / "plan.en.xlsx")
    cost = wb["cost"]
    heads = [c.value for c in cost[1]]
    assert heads[:2] == ["cost part", "present value (亿元, at the first period)"]
    assert "yearly cost in 2025 (亿元/yr)" in heads and "yearly cost in 2030 (亿元/yr)" in heads
    parts = [r[0].value for r in cost.iter_rows(min_row=2)]
    assert "total" in parts and "value of unmet demand (not a cost)" in parts
    assert {"hubs", "periods", "policy scorecard", "KPIs"} <= set(wb.sheetnames)
    about = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None]
    assert any(re.search(r"MIP gap \d+\.\d\d%", v) for v in about), about  # the gap, with two decimals
    periods = [c.value for c in wb["periods"][1]]
    assert any(str(h).startswith("unmet") and "PFLOPS" in str(h) for h in periods), periods
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1", ws.title
        assert not any(str(c.value).endswith(("_pflops", "_mwh", "_mw", "_km")) for c in ws[1]), ws.title


def test_outside_sites_are_not_east(two_periods: tuple[Path, str]) -> None:
    from edwc.results.digest import OUTSIDE, read_digest

    d = read_digest(two_periods[0])
    assert d.sites.set_index("site").at["sh-dc", "side"] == OUTSIDE
    assert set(d.sites.loc[d.sites["hub"].isna(), "side"]) <= {OUTSIDE}
    assert set(d.sites.loc[d.sites["hub"].notna(), "side"]) <= {"east", "west"}
