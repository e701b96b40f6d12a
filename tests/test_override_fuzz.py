"""Property test: random scenario blocks and `--set` values, well and badly formed, never crash edwc.

Each input either loads (and then every setting is finite and the scenario changed only what it
named) or is refused with an InputError whose every problem names where it came from (--set or a
scenario of instance.yaml), as the input fuzz test (test_input_fuzz.py) demands for tables. A sample
goes through the real CLI too: exit 0 or 2, one message, no traceback. The number of inputs tried
is printed at the end of the module (run with -s to see it).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edwc.cli.main import main
from edwc.errors import InputError
from edwc.input.instance import load_instance
from edwc.input.scenarios import parse_set
from edwc.input.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TRIED = {"scenario blocks": 0, "--set values": 0, "CLI runs": 0}
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SETTINGS = ["finance.discount_rate", "finance.load_factor", "finance.hours_per_year", "policy.carbon_cap_t",
            "policy.west_share_new_min", "policy.pue_max.east", "policy.pue_max", "solver.threads", "solver.mip_gap",
            "solver.time_limit_s", "periods", "name", "description", "network.k_paths", "capacity.utilisation_max",
            "policy", "finance.no_such", "scenarios", "", "policy..x"]
TEXT_VALUES = ["inf", "Infinity", "-inf", "nan", ".nan", ".inf", "-.inf", "1e400", "0", "1", "-1", "0.5", "true",
               "null", "~", "[]", "[2025]", "{}", "{east: 1.2}", "&a [*a]", "[" * 100, "[" * 70 + "]" * 70,
               "'quoted'", "\"", "=HYPERLINK(\"x\")", "2025.5", "1_000", "0x10", "北京", "", " "]

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=8), st.sampled_from(["west-1", "batch", "110000", "620000", "general", "east", "true", "2025"]))
NAMES = st.one_of(st.sampled_from(sorted({c.name for cols in TABLES.values() for c in cols} | {"class", "side", "colour"})),
                  st.text(max_size=6), st.integers(0, 3))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=3), SCALARS, max_size=2))
WHERE = st.one_of(st.dictionaries(NAMES, VALUES, max_size=3), VALUES)
TABLE = st.one_of(st.sampled_from(sorted(TABLES)), st.text(max_size=6), st.lists(st.sampled_from(sorted(TABLES)), max_size=2))


def op(verb: str) -> st.SearchStrategy[Any]:
    fields: dict[str, st.SearchStrategy[Any]] = {"table": TABLE}
    if verb in ("scale", "replace", "remove"):
        fields["where"] = WHERE
    if verb == "scale":
        fields["column"] = NAMES
        fields["factor"] = st.one_of(st.floats(), st.integers(-3, 3), st.text(max_size=3), st.booleans())
    if verb == "replace":
        fields["values"] = st.one_of(st.dictionaries(NAMES, SCALARS, max_size=3), VALUES)
    if verb == "add":
        fields["rows"] = st.one_of(st.lists(st.dictionaries(NAMES, SCALARS, max_size=6), max_size=2), VALUES)
    extra = st.dictionaries(st.sampled_from(["colour", "where", "rows", "table"]), VALUES, max_size=1)
    return st.builds(lambda d, e, drop: {k: v for k, v in {**d, **e}.items() if k not in drop},
                     st.fixed_dictionaries(fields), extra, st.sets(st.sampled_from(list(fields)), max_size=1))


SCENARIO = st.fixed_dictionaries(
    {"description": st.one_of(st.just("fuzz"), SCALARS)},
    optional={"set": st.one_of(st.dictionaries(st.sampled_from(SETTINGS), VALUES, max_size=2), VALUES),
              "scale": st.one_of(st.lists(op("scale"), max_size=2), VALUES),
              "replace": st.one_of(st.lists(op("replace"), max_size=2), VALUES),
              "add": st.lists(op("add"), max_size=2), "remove": st.lists(op("remove"), max_size=2),
              "colour": SCALARS})


@pytest.fixture(scope="module", autouse=True)
def _count() -> Iterator[None]:
    yield
    print(f"\n[fuzz] tried: {TRIED}")


def finite_everywhere(node: Any) -> bool:
    if isinstance(node, dict):
        return all(finite_everywhere(v) for v in node.values())
    if isinstance(node, list):
        return all(finite_everywhere(v) for v in node)
    return not isinstance(node, float) or math.isfinite(node)


def check_loaded_or_refused(folder: Path, **kw: Any) -> None:
    try:
        inst = load_instance(folder, **kw)
    except InputError as e:
        assert e.problems, "an InputError without problems"
        for p in e.problems:
            assert p.file.startswith(("instance.yaml", "--set", "--scenario")) or p.file.endswith(".csv"), str(p)
        return
    assert finite_everywhere(inst.config.model_dump())
    for name, df in inst.tables.items():
        for col in df.select_dtypes("number"):
            assert df[col].dropna().map(math.isfinite).all(), (name, col)


def write_scenario(tmp: Path, spec: Any) -> Path:
    folder = tmp / f"t{sum(TRIED.values())}"
    shutil.copytree(TINY, folder)
    cfg = yaml.safe_load((folder / "instance.yaml").read_text(encoding="utf-8"))
    cfg["scenarios"]["fuzz"] = spec
    (folder / "instance.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return folder


@FUZZ
@given(spec=SCENARIO)
def test_random_scenario_blocks(tmp_path: Path, spec: dict[str, Any]) -> None:
    TRIED["scenario blocks"] += 1
    folder = write_scenario(tmp_path, spec)
    check_loaded_or_refused(folder, scenario="fuzz")
    check_loaded_or_refused(folder)  # the base, with this block beside it


@FUZZ
@given(items=st.lists(st.tuples(st.sampled_from(SETTINGS), st.one_of(st.sampled_from(TEXT_VALUES), st.text(max_size=10))),
                      min_size=1, max_size=3))
def test_random_set_values(items: list[tuple[str, str]]) -> None:
    TRIED["--set values"] += 1
    sets, problems = parse_set([f"{k}={v}" for k, v in items])
    if problems:
        assert all(p.file == "--set" for p in problems)
        return
    check_loaded_or_refused(TINY, sets=sets)


@settings(FUZZ, max_examples=15)
@given(spec=SCENARIO, item=st.tuples(st.sampled_from(SETTINGS), st.sampled_from(TEXT_VALUES)))
def test_random_overrides_through_the_cli(tmp_path: Path, spec: dict[str, Any], item: tuple[str, str]) -> None:
    TRIED["CLI runs"] += 1
    folder = write_scenario(tmp_path, spec)
    r = CliRunner().invoke(main, ["validate", str(folder), "--scenario", "fuzz", "--set", "=".join(item)])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exc_info
    assert "Traceback" not in r.output
    assert r.exit_code in (0, 2), r.output
    if r.exit_code == 2:
        assert r.output.startswith("error: ")
