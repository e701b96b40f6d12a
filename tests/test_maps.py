"""Maps of a real solved plan (instances/tiny) and of an instance: PNG, offline HTML, GPKG."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from PIL import Image

from edwc.maps import render_instance, render_result

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "instances" / "tiny"
EVIL = "<script>alert(1)</script>"


def solve_tiny(out: Path) -> Path:
    """A real result folder: the real solver on the tiny instance, no maps."""
    cmd = [sys.executable, "-m", "edwc", "solve", str(TINY), "--out", str(out), "--no-map"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return solve_tiny(tmp_path_factory.mktemp("tiny") / "result")


@pytest.fixture(scope="module")
def rendered(solved: Path) -> dict[str, Path]:
    start = time.perf_counter()
    paths = render_result(solved)
    print(f"render_result: {time.perf_counter() - start:.1f} s")
    return {p.suffix: p for p in paths}


def image(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def distinct_colours(pixels: np.ndarray) -> int:
    return len(np.unique(pixels.reshape(-1, 3), axis=0))


def non_white_share(pixels: np.ndarray) -> float:
    return float((pixels.min(axis=2) < 250).mean())


# --------------------------------------------------------------------------- result


def test_render_result_writes_three_files(solved: Path, rendered: dict[str, Path]) -> None:
    assert set(rendered) == {".png", ".html", ".gpkg"}
    assert all(p.parent == solved and p.stat().st_size > 0 for p in rendered.values())
    assert not [p for p in solved.iterdir() if p.name.startswith(".")], "temp files left"


def test_png_has_size_and_content(rendered: dict[str, Path]) -> None:
    pixels = image(rendered[".png"])
    assert pixels.shape[0] > 1200 and pixels.shape[1] > 1500
    assert distinct_colours(pixels) > 500
    assert non_white_share(pixels) > 0.5  # the map fills the frame


class Links(HTMLParser):
    """Every src/href of a real element (text inside <script> is not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def external(url: str) -> bool:
    return url.strip().lower().startswith(("http:", "https:", "//", "ftp:"))


def test_html_is_self_contained(rendered: dict[str, Path]) -> None:
    html = rendered[".html"].read_text(encoding="utf-8")
    links = Links()
    links.feed(html)
    assert [u for u in links.urls if external(u)] == []
    assert "url(http" not in "".join(links.styles).replace(" ", "")
    assert "@font-face" in html and "data:font/otf;base64," in html  # the font is inline
    assert "<svg" in html and 'id="inset"' in html  # the map and the South China Sea inset


def test_gpkg_layers(rendered: dict[str, Path], solved: Path) -> None:
    path = rendered[".gpkg"]
    assert {n for n, _ in pyogrio.list_layers(path)} >= {"regions", "sites", "flows", "trunks"}
    serve = pd.read_csv(solved / "serve.csv")
    for layer in ("regions", "sites", "flows", "trunks"):
        gdf = gpd.read_file(path, layer=layer)
        assert gdf.crs.to_epsg() == 4326 and len(gdf) > 0, layer
    regions = gpd.read_file(path, layer="regions")
    assert {"demand_it_mw", "west_share_served", "rtt_mean_ms"} <= set(regions.columns)
    flows = gpd.read_file(path, layer="flows")
    assert flows["pflops"].sum() == pytest.approx(serve["pflops"].sum())


def test_english_and_west_share(solved: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(solved, tmp_path / "r")
    [zh] = render_result(copy, formats=("png",))
    before = zh.read_bytes()
    [png] = render_result(copy, lang="en", shade="west_share", formats=("png",))
    assert png.name == "map.en.png" and zh.read_bytes() == before  # English never overwrites
    assert distinct_colours(image(png)) > 500
    with pytest.raises(ValueError):
        render_result(copy, shade="nope", formats=("png",))


# --------------------------------------------------------------------------- browser


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe:
        return exe
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is missing (apt-get install chromium)")
    pytest.skip("chromium is not installed")


def screenshot(html: Path, out: Path) -> np.ndarray:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
               f"--user-data-dir={profile}", f"--screenshot={out}", "--window-size=1400,1000",
               html.as_uri()]
        subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert out.exists(), "chromium wrote no screenshot"
    return image(out)


def test_chromium_draws_the_page_offline(rendered: dict[str, Path], tmp_path: Path) -> None:
    pixels = screenshot(rendered[".html"], tmp_path / "shot.png")
    plot = pixels[150:900, 0:1100]  # the map
    assert distinct_colours(plot) > 100, "blank page: the map was not drawn"
    sea = np.all(np.abs(plot.astype(int) - [238, 243, 248]) <= 3, axis=2).mean()
    assert sea > 0.02, "no sea background: the map was not drawn"


# --------------------------------------------------------------------------- instance


def test_instance_map(tmp_path: Path) -> None:
    start = time.perf_counter()
    paths = render_instance(TINY, tmp_path / "m", lang="en", formats=("png", "html", "gpkg"))
    print(f"render_instance: {time.perf_counter() - start:.1f} s")
    by = {p.suffix: p for p in paths}
    assert set(by) == {".png", ".html", ".gpkg"}
    assert distinct_colours(image(by[".png"])) > 300
    assert {"reach", "sites", "trunks"} <= {n for n, _ in pyogrio.list_layers(by[".gpkg"])}


def test_reach_follows_the_latency_formula(tmp_path: Path) -> None:
    from edwc.maps.reader import _read_with_pandas, read_instance

    ours, theirs = _read_with_pandas(TINY).rtt, read_instance(TINY).rtt
    both = ours.merge(theirs, on=["region", "site"])
    assert len(both) == len(ours) == len(theirs) > 0
    assert np.allclose(both["rtt_ms_x"], both["rtt_ms_y"])


# --------------------------------------------------------------------------- escaping


def test_names_are_escaped(solved: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(solved, tmp_path / "r")
    sites = pd.read_csv(copy / "instance" / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[0, ["name_zh", "name_en"]] = [EVIL, EVIL + "&<b>x</b>"]
    sites.to_csv(copy / "instance" / "sites.csv", index=False)
    [html] = render_result(copy, formats=("html",))
    text = html.read_text(encoding="utf-8")
    assert EVIL not in text and "<b>x</b>" not in text
    assert "{safe}" not in text
    pixels = screenshot(html, tmp_path / "shot.png")
    assert distinct_colours(pixels[40:880, 0:1000]) > 200  # still draws
