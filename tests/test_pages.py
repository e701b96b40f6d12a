"""The planner-facing pages of a real solved plan (instances/tiny) in a real headless Chromium
with the network cut off: map.html (one tooltip at a time, names, class filter, click a site
for its flows) and report.html (nothing fetched, content drawn), and plan.xlsx."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cdp import Browser, chromium_path
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
READY = "document.readyState === 'complete' && (document.body.dataset.ready === '1' || !document.getElementById('map'))"


def need_chromium() -> None:
    if chromium_path():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing (apt-get install chromium)")
    pytest.skip("chromium is not installed")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real solve of the tiny instance with every output (maps, report, workbook)."""
    out = tmp_path_factory.mktemp("tiny") / "result"
    cmd = [sys.executable, "-m", "edwc", "solve", str(TINY), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    need_chromium()
    with Browser(1400, 1000) as b:
        yield b


def outside(urls: list[str]) -> list[str]:
    """Requests that would leave the machine (the page itself and inline data: are fine)."""
    return [u for u in urls if not u.startswith(("file:", "data:", "about:"))]


def centre(b: Browser, selector: str) -> tuple[float, float]:
    x, y = b.eval(f"""(() => {{ const q = document.querySelector({selector!r}).getBoundingClientRect();
        return [q.x + q.width / 2, q.y + q.height / 2]; }})()""")
    return float(x), float(y)


def visible_tips(b: Browser) -> int:
    return b.eval("[...document.querySelectorAll('#tip')].filter(t => getComputedStyle(t).display !== 'none').length")


def test_result_has_every_output(result: Path) -> None:
    for name in ("map.png", "map.html", "plan.gpkg", "report.html", "plan.xlsx"):
        assert (result / name).stat().st_size > 0, name


def test_map_page_offline_hover_filter_click(result: Path, browser: Browser, tmp_path: Path) -> None:
    b = browser
    b.events.clear()
    b.open(result / "map.html", READY)
    assert outside(b.requests()) == [], "the page asked the network for something"
    # the shipped font is in use (Chinese names do not fall back to boxes)
    assert b.eval("document.fonts.check('12px \"EDWC Sans\"', '西部一号')")
    assert "EDWC Sans" in b.eval("getComputedStyle(document.getElementById('tip')).fontFamily")
    # hover the largest site: exactly one tooltip, with the site's name (not its id)
    big = "#sites circle:nth-of-type(1)"
    ids = b.eval("[...document.querySelectorAll('#sites circle')].map(c => c.r.baseVal.value)")
    big = f"#sites circle:nth-of-type({int(np.argmax(ids)) + 1})"
    x, y = centre(b, big)
    b.mouse("mouseMoved", x, y)
    time.sleep(0.2)
    assert visible_tips(b) == 1
    text = b.eval("document.getElementById('tip').innerText")
    names = {"西部一号", "西部二号", "北京数据中心", "上海数据中心"}
    assert any(n in text for n in names), text
    assert "west-" not in text and "bj-dc" not in text  # names, not ids
    # moving onto a trunk replaces the tooltip, it does not add one
    tx, ty = centre(b, "#trunks line")
    b.mouse("mouseMoved", tx, ty)
    time.sleep(0.2)
    assert visible_tips(b) <= 1
    # class filter: choosing "intelligent" shows only that class's arrows and resizes sites
    b.eval("document.querySelector('input[value=general]').click()")
    shown = b.eval("[...document.querySelectorAll('#arrows path')].filter(p => p.style.display !== 'none').map(p => p.dataset.c)")
    assert shown and set(shown) == {"general"}
    b.eval("document.querySelector('input[value=intelligent]').click()")
    shown = b.eval("[...document.querySelectorAll('#arrows path')].filter(p => p.style.display !== 'none').map(p => p.dataset.c)")
    assert set(shown) <= {"intelligent"}
    # clicking a site shows the flows it serves
    b.eval("document.querySelector('input[value=\"\"]').click()")
    x, y = centre(b, big)
    b.click(x, y)
    time.sleep(0.2)
    flows = b.eval("document.querySelectorAll('#flows path').length")
    assert flows >= 1
    shot = b.screenshot(tmp_path / "map.png")
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # a drawn map, not a blank page


def test_report_page_offline(result: Path, browser: Browser, tmp_path: Path) -> None:
    b = browser
    b.events.clear()
    b.open(result / "report.html")
    assert outside(b.requests()) == []
    text = b.eval("document.body.innerText")
    for words in ("政策记分卡", "各枢纽装机", "年化成本构成", "西部一号", "东部枢纽"):
        assert words in text, words
    assert b.eval("document.querySelector('img').naturalWidth") > 1000  # map.png is embedded
    shot = b.screenshot(tmp_path / "report.png", full=True)
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[0] > 1500
    assert (pixels.min(axis=2) < 200).mean() > 0.02  # text and charts, not a blank page


def test_english_report_beside_chinese(result: Path) -> None:
    cmd = [sys.executable, "-m", "edwc", "report", str(result), "--lang", "en"]
    before = (result / "report.html").read_bytes()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert (result / "report.en.html").exists() and (result / "plan.en.xlsx").exists()
    assert (result / "report.html").read_bytes() == before
    assert "Policy scorecard" in (result / "report.en.html").read_text(encoding="utf-8")


def test_workbook(result: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(result / "plan.xlsx")
    about = wb.worksheets[0]
    listed = {row[0].value for row in about.iter_rows(min_row=2) if isinstance(row[2].value, int)}
    assert {"装机", "服务流向", "干线"} <= listed <= set(wb.sheetnames)
    ws = wb["装机"]
    heads = [c.value for c in ws[1]]
    assert "站点" in heads and "装机 (PFLOPS)" in heads and "利用率" in heads
    assert ws.freeze_panes == f"{chr(ord('A') + heads.index('枢纽') + 1)}2"  # ids and names stay in view
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert {"成本", "枢纽", "指标"} <= set(wb.sheetnames)
    col = heads.index("利用率") + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    names = {ws.cell(row=r, column=heads.index("站点") + 1).value for r in range(2, ws.max_row + 1)}
    assert "西部一号" in names
    raw = {(sheet.title, c.value) for sheet in wb.worksheets for c in sheet[1]
           if isinstance(c.value, str) and re.fullmatch(r"[a-z0-9_]+", c.value)}
    assert not raw, f"headers that are column codes, not names with units: {sorted(raw)}"


def test_csvs_carry_names(result: Path) -> None:
    import pandas as pd

    serve = pd.read_csv(result / "serve.csv", dtype=str)
    assert list(serve.columns[:6]) == ["region", "region_name_zh", "region_name_en", "site",
                                       "site_name_zh", "site_name_en"]
    assert "西部一号" in set(serve["site_name_zh"])
    assert all(len(v.replace(".", "").replace("-", "").lstrip("0")) <= 8 for v in serve["pflops"])
