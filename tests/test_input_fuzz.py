"""Bad input, tried as a new user would: malformed variants of instances/tiny through the real CLI.

Every variant must end with exit code 0 (it was still valid) or 2 with a message naming a file of the
instance, and never a traceback. Variants that are surely malformed must give 2. The number of inputs
tried is counted and printed at the end of the module (run with -s to see it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edwc.cli.main import main
from edwc.input.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
FILES = {p.name: p.read_bytes() for p in sorted(TINY.iterdir()) if p.is_file()}
CSVS = sorted(n for n in FILES if n.endswith(".csv"))
TRIED = {"inputs": 0}
FUZZ = settings(max_examples=50, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FUZZ_MORE = settings(FUZZ, max_examples=80, derandomize=False)

BAD_VALUES = ["abc", "", " ", "nan", "NaN", "inf", "-inf", "-1", "-1e-9", "1e400", "1e308", "99999999999999999999",
              "1,5", "0x10", "true", "null", "None", "😀", "北京", "<script>alert(1)</script>", "../../etc/passwd",
              "=cmd|' /C calc'!A0", "1e-320", "2025.5", "\t", '"', "'", "\\", "%s%s%s", "NUL\x00byte"]


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\n[fuzz] malformed instance inputs tried: {TRIED['inputs']}")


def run(files: dict[str, bytes], tmp: Path, command: str = "validate") -> tuple[int, str]:
    """Write the variant and run the CLI in-process; return (exit code, output)."""
    TRIED["inputs"] += 1
    folder = tmp / f"v{TRIED['inputs']}"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    args = [command, str(folder)] + (["--out", str(tmp / f"out{TRIED['inputs']}"), "--no-map"] if command == "solve" else [])
    r = CliRunner().invoke(main, args)
    out = r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), f"crashed: {r.exc_info}\n{out}"
    assert "Traceback" not in out, out
    if r.exit_code == 2:
        assert any(n in out for n in [*FILES, folder.name]), f"message names no file:\n{out}"
    else:
        assert r.exit_code == 0, f"exit {r.exit_code}:\n{out}"
    return r.exit_code, out


def rows(name: str) -> list[str]:
    return FILES[name].decode("utf-8").rstrip("\n").split("\n")


def with_file(name: str, text: str | bytes) -> dict[str, bytes]:
    return {**FILES, name: text.encode("utf-8") if isinstance(text, str) else text}


def set_cell(name: str, row: int, col: int, value: str) -> dict[str, bytes]:
    lines = rows(name)
    i = 1 + row % (len(lines) - 1)
    cells = lines[i].split(",")
    cells[col % len(cells)] = f'"{value}"' if ("," in value or '"' in value) and not value.startswith('"') else value
    lines[i] = ",".join(cells)
    return with_file(name, "\n".join(lines) + "\n")


# ---- exhaustive: every required column, every file, every table's key -----------------------------------------


@pytest.mark.parametrize("table", sorted(TABLES))
def test_each_missing_required_column(table: str, tmp_path: Path) -> None:
    header = rows(f"{table}.csv")[0].split(",")
    for col in [c.name for c in TABLES[table] if c.required]:
        j = header.index(col)
        lines = [",".join(c for k, c in enumerate(ln.split(",")) if k != j) for ln in rows(f"{table}.csv")]
        code, out = run(with_file(f"{table}.csv", "\n".join(lines) + "\n"), tmp_path)
        assert code == 2 and col in out and f"{table}.csv" in out


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_missing_file(name: str, tmp_path: Path) -> None:
    files = dict(FILES)
    del files[name]
    code, out = run(files, tmp_path)
    assert code == 2 and name in out and "not found" in out


@pytest.mark.parametrize("name", CSVS)
def test_each_table_empty_headeronly_duplicated(name: str, tmp_path: Path) -> None:
    for text in ("", "\n\n", "   \n", rows(name)[0] + "\n"):
        code, out = run(with_file(name, text), tmp_path)
        assert code == 2, (name, text, out)
        if name == "trunks.csv" and text.startswith("trunk"):  # no trunks is allowed: then demand is out of reach
            assert "demand.csv" in out and "joined to it by trunks" in out and "nan" not in out
        else:
            assert name in out, (name, text, out)
    lines = rows(name)
    if len(lines) > 1:
        code, out = run(with_file(name, "\n".join(lines + [lines[1]]) + "\n"), tmp_path)
        assert code == 2 and "duplicate" in out


@pytest.mark.parametrize("name", CSVS + ["instance.yaml"])
def test_each_file_in_wrong_encodings(name: str, tmp_path: Path) -> None:
    text = FILES[name].decode("utf-8")
    code, _ = run(with_file(name, "\ufeff" + text), tmp_path)  # a byte-order mark is fine
    assert code == 0
    code, out = run(with_file(name, text.encode("utf-16")), tmp_path)
    assert code == 2 and "UTF-8" in out
    if any(ord(ch) > 127 for ch in text):
        code, out = run(with_file(name, text.encode("gbk")), tmp_path)
        assert code == 2 and "UTF-8" in out and name in out


# ---- hypothesis: random cells, bytes and YAML ---------------------------------------------------------------------


@FUZZ
@given(name=st.sampled_from(CSVS), row=st.integers(0, 50), col=st.integers(0, 20),
       value=st.one_of(st.sampled_from(BAD_VALUES), st.text(max_size=12)))
def test_random_bad_cell(tmp_path: Path, name: str, row: int, col: int, value: str) -> None:
    run(set_cell(name, row, col, value.replace("\n", " ").replace("\r", " ")), tmp_path)


@FUZZ
@given(name=st.sampled_from(sorted(FILES)), cut=st.integers(0, 2000), junk=st.binary(max_size=16))
def test_random_truncation_and_junk_bytes(tmp_path: Path, name: str, cut: int, junk: bytes) -> None:
    data = FILES[name]
    k = cut % (len(data) + 1)
    run(with_file(name, data[:k] + junk + data[k:]), tmp_path)


YAML_BREAKS = [
    "name: tiny\nname: other\n", "- a\n- b\n", "just text", "{{{", "name: [unclosed\n", "periods: 2025\n",
    "periods: []\n", "periods: [2030, 2025]\n", "periods: [.nan]\n", "finance: {discount_rate: .nan}\n",
    "finance: {discount_rate: .inf}\n", "finance: {unmet_penalty_cny_per_pflops_year: .inf}\n",
    "policy: {carbon_cap_t: .inf}\n", "policy: {carbon_price_cny_per_t: .nan}\n", "policy: {west_share_new_min: 1.5}\n",
    "policy: {west_share_new_min: -0.1}\n", "policy: {no_such_policy: 1}\n", "capacity: {utilisation_max: 0}\n",
    "network: {k_paths: 3}\n", "solver: {time_limit_s: -1}\n", "solver: {threads: many}\n", "name: Tiny Instance\n",
    "name: 北京\n", "name: !!python/object/apply:os.system ['echo pwned']\n", "x: &a [*a]\n", "scenarios: 5\n",
    "finance: 7\n", "policy: [1, 2]\n",
    "name: null\n", "periods: [1e400]\n", "periods: [2025.5]\n",
]


@pytest.mark.parametrize("patch", YAML_BREAKS)
def test_yaml_breaks(patch: str, tmp_path: Path) -> None:
    """Each line replaces (or adds) top-level keys of instance.yaml: all are wrong, all must give exit 2."""
    import yaml

    base = yaml.safe_load(FILES["instance.yaml"])
    try:
        extra = yaml.safe_load(patch)
    except yaml.YAMLError:
        extra = None
    if isinstance(extra, dict) and patch.count("name:") < 2:
        text = yaml.safe_dump({**base, **extra}, allow_unicode=True) if "!!python" not in patch else patch
        text = patch + "\n" + yaml.safe_dump({k: v for k, v in base.items() if k not in extra}) if ".nan" in patch or ".inf" in patch or "1e400" in patch else text
    else:
        text = patch + "\n" + FILES["instance.yaml"].decode() if "name:" in patch else patch
    code, out = run(with_file("instance.yaml", text), tmp_path)
    assert code == 2, out


@FUZZ
@given(key=st.sampled_from(["name", "periods", "finance", "network", "capacity", "policy", "solver", "scenarios"]),
       value=st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=8),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)))
def test_random_yaml_values(tmp_path: Path, key: str, value: object) -> None:
    import yaml

    base = yaml.safe_load(FILES["instance.yaml"])
    base[key] = value
    run(with_file("instance.yaml", yaml.safe_dump(base, allow_unicode=True)), tmp_path)


@pytest.mark.slow
@FUZZ_MORE
@given(name=st.sampled_from(CSVS), row=st.integers(0, 50), col=st.integers(0, 20),
       value=st.one_of(st.sampled_from(BAD_VALUES), st.text(max_size=12)), cut=st.integers(0, 2000),
       junk=st.binary(max_size=16), yaml_key=st.sampled_from(["name", "periods", "finance", "policy", "solver"]),
       yaml_value=st.one_of(st.none(), st.floats(), st.text(max_size=8), st.lists(st.floats(), max_size=3)))
def test_random_inputs_many(tmp_path: Path, name: str, row: int, col: int, value: str, cut: int, junk: bytes,
                            yaml_key: str, yaml_value: object) -> None:
    test_random_bad_cell.hypothesis.inner_test(tmp_path, name, row, col, value)
    test_random_truncation_and_junk_bytes.hypothesis.inner_test(tmp_path, name, cut, junk)
    test_random_yaml_values.hypothesis.inner_test(tmp_path, yaml_key, yaml_value)


# ---- references, Chinese ids, large files -------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "col", "value"), [
    ("site_classes.csv", 0, "nowhere"), ("site_classes.csv", 1, "quantum"), ("demand.csv", 0, "999999"),
    ("demand.csv", 1, "mining"), ("demand.csv", 2, "2040"), ("trunks.csv", 1, "atlantis"), ("sites.csv", 3, "no-hub"),
    ("sites.csv", 5, "999999"), ("workloads.csv", 1, "quantum"), ("sites.csv", 4, "north"), ("trunks.csv", 2, "620001"),
])
def test_unknown_references(table: str, col: int, value: str, tmp_path: Path) -> None:
    code, out = run(set_cell(table, 0, col, value), tmp_path)
    assert code == 2 and value in out


def test_chinese_ids_are_fine(tmp_path: Path) -> None:
    """A planner may name sites in Chinese: ids are text, so this is a valid instance (and it solves)."""
    files = {n: d.decode("utf-8").replace("west-1", "西部一号站").encode("utf-8") for n, d in FILES.items()}
    assert run(files, tmp_path)[0] == 0
    assert run(files, tmp_path, "solve")[0] == 0


def test_very_large_table(tmp_path: Path) -> None:
    """200,000 demand rows of unknown regions: exit 2 in seconds, the messages capped, not 200,000 lines."""
    lines = [rows("demand.csv")[0]] + [f"{100000 + i % 800000:06d},batch,2025,1" for i in range(200_000)]
    t = time.perf_counter()
    code, out = run(with_file("demand.csv", "\n".join(lines) + "\n"), tmp_path)
    assert code == 2 and "demand.csv" in out
    assert len(out.splitlines()) < 100 and time.perf_counter() - t < 60


def test_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import edwc.input.tables

    monkeypatch.setattr(edwc.input.tables, "MAX_FILE_BYTES", 100)
    code, out = run(FILES, tmp_path)
    assert code == 2 and "larger than" in out


def test_solve_on_bad_input_also_exits_2(tmp_path: Path) -> None:
    code, out = run(set_cell("sites.csv", 2, 11, "-5"), tmp_path, "solve")
    assert code == 2 and "sites.csv" in out and "pue" in out


def test_in_a_real_process(tmp_path: Path) -> None:
    """A sample through the installed command in its own process: exit 2, the file named, no traceback."""
    cases = [set_cell("demand.csv", 0, 3, "lots"), with_file("trunks.csv", ""),
             with_file("instance.yaml", "name: [\n"), with_file("sites.csv", FILES["sites.csv"].decode().encode("gbk"))]
    for i, files in enumerate(cases):
        TRIED["inputs"] += 1
        folder = tmp_path / f"p{i}"
        folder.mkdir()
        for n, d in files.items():
            (folder / n).write_bytes(d)
        p = subprocess.run([sys.executable, "-m", "edwc", "validate", str(folder)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, p.stderr
        assert "Traceback" not in p.stderr + p.stdout
        assert any(n in p.stderr for n in FILES)


# ---- infeasible policy combinations are explained, not a bare "infeasible" -------------------------------------------


def test_infeasible_policies_are_explained(tmp_path: Path) -> None:
    """intelligent_share 0.5 needs 25 PFLOPS of intelligent capacity, but the western sites (the only ones that can
    hold it) have 10 MW each: the message names the policy, the shortfall and the site-power limits in its way."""
    folder = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    sites = (folder / "sites.csv").read_text().replace(",0.5,100\n", ",0.5,10\n")
    (folder / "sites.csv").write_text(sites)
    r = CliRunner().invoke(main, ["solve", str(folder), "--out", str(tmp_path / "r"), "--no-map",
                                  "--set", "policy.intelligent_share_min=0.5"])
    assert r.exit_code == 1, r.output
    assert "intelligent_share" in r.output and "policy.intelligent_share_min = 0.5" in r.output
    assert "7.5 PFLOPS short" in r.output
    assert "site power at west-1" in r.output and "site power at west-2" in r.output
    assert not (tmp_path / "r").exists()
