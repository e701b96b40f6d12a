"""Values and structures that once slipped through validation (issue 13, item 4 and 7): every one is
refused with exit 2 and a located message, quickly, before any model is built."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from edwc.cli.main import main
from edwc.errors import InputError
from edwc.input.instance import load_instance
from edwc.solve.highs import machine_cores

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def problems_of(folder: Path, **kw: Any) -> list[str]:
    with pytest.raises(InputError) as e:
        load_instance(folder, **kw)
    return [str(p) for p in e.value.problems]


def with_yaml(tmp: Path, edit: Any) -> Path:
    """A copy of tiny whose instance.yaml is `edit(dict)` (a dict) or the given text (a str)."""
    dst = Path(shutil.copytree(TINY, tmp / "tiny"))
    y = dst / "instance.yaml"
    if isinstance(edit, str):
        y.write_text(edit, encoding="utf-8")
    else:
        cfg = yaml.safe_load(y.read_text(encoding="utf-8"))
        edit(cfg)
        y.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dst


def with_scenario(tmp: Path, spec: Any, name: str = "s") -> Path:
    return with_yaml(tmp, lambda cfg: cfg["scenarios"].update({name: spec}))


# ---- non-finite values: every spelling, every way in ------------------------------------------


NON_FINITE = ["inf", "Infinity", "-inf", "-Infinity", "nan", "NaN", ".inf", "-.inf", ".nan", "+inf", "INF"]


@pytest.mark.parametrize("spelling", NON_FINITE)
def test_set_non_finite_is_refused(spelling: str, tmp_path: Path) -> None:
    r = invoke("solve", str(TINY), "--set", f"policy.carbon_cap_t={spelling}", "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 2, r.output
    assert "--set policy.carbon_cap_t" in r.output and "finite" in r.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("spelling", ["inf", "Infinity", "-inf", "nan", ".inf", ".nan"])
def test_unquoted_non_finite_in_instance_yaml_is_refused(spelling: str, tmp_path: Path) -> None:
    text = (TINY / "instance.yaml").read_text(encoding="utf-8").replace("policy: {}", f"policy: {{carbon_cap_t: {spelling}}}")
    inst = with_yaml(tmp_path, text)
    [msg] = problems_of(inst)
    assert "policy.carbon_cap_t" in msg and "finite" in msg


@pytest.mark.parametrize("flag", ["--mip-gap", "--time-limit"])
@pytest.mark.parametrize("value", ["nan", "inf", "-nan"])
def test_solver_flags_refuse_non_finite(flag: str, value: str, tmp_path: Path) -> None:
    r = invoke("solve", str(TINY), flag, value, "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert flag in r.output
    assert not (tmp_path / "r").exists()


def test_scenario_values_refuse_non_finite(tmp_path: Path) -> None:
    inst = with_scenario(tmp_path, {"description": "d", "set": {"policy.carbon_cap_t": float("inf")},
                                    "scale": [{"table": "demand", "where": {"workload": "batch"}, "column": "pflops", "factor": float("inf")}],
                                    "replace": [{"table": "sites", "where": {"site": "west-1"}, "values": {"pue": float("nan")}}]})
    msgs = "\n".join(problems_of(inst, scenario="s"))
    assert "column 'set.policy.carbon_cap_t'" in msgs and "column 'scale[0].factor'" in msgs
    assert "column 'replace[0].values.pue'" in msgs and msgs.count("finite") == 3
    # the same block is refused when another scenario (or the base) is solved: a typo is never a no-op
    assert any("scenarios.s.scale[0].factor" in m for m in problems_of(inst))


# ---- threads, empty scenario name ---------------------------------------------------------------


def test_threads_are_bounded_by_the_machine(tmp_path: Path) -> None:
    cores = machine_cores()
    r = invoke("solve", str(TINY), "--threads", str(cores + 1), "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 2 and f"{cores} cores" in r.output and len(r.output.strip().splitlines()) == 1, r.output
    # from a file (which may come from a bigger machine): used as this machine's cores, with a note
    t = time.perf_counter()
    r = invoke("solve", str(TINY), "--set", "solver.threads=10000", "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 0, r.output
    assert time.perf_counter() - t < 60
    assert f"HiGHS uses {cores}" in r.output
    summary = yaml.safe_load((tmp_path / "r" / "summary.json").read_text())
    assert summary["solver_options"]["threads"] == cores


@pytest.mark.parametrize("name", ["", " ", "../x"])
def test_bad_scenario_name_is_refused(name: str, tmp_path: Path) -> None:
    r = invoke("solve", str(TINY), "--scenario", name, "--out", str(tmp_path / "r"), "--no-map")
    assert r.exit_code == 2 and "--scenario" in r.output and "carbon-price, double-batch" in r.output, r.output
    assert not (tmp_path / "r").exists()


# ---- scenario structure: checked before anything is applied, every problem at once ----------------


def test_scenario_structure_problems_are_all_reported(tmp_path: Path) -> None:
    spec = {"description": "d",
            "scale": [{"table": ["demand"], "where": {"workload": "batch"}, "column": ["pflops"], "factor": "2"}],
            "replace": [{"table": "sites", "where": {"site": {"a": 1}}, "values": [1, 2]}],
            "add": [{"table": "demand", "rows": [{1: "x", "region": "110000"}], "colour": "red"}],
            "remove": {"table": "trunks"}}
    inst = with_scenario(tmp_path, spec)
    msgs = problems_of(inst, scenario="s")
    text = "\n".join(msgs)
    for expected in ("column 'scale[0].table': Input should be a valid string",
                     "column 'scale[0].column': Input should be a valid string",
                     "column 'scale[0].factor': expected a number, got str",
                     "column 'replace[0].where.site'", "column 'replace[0].values': Input should be a valid dictionary",
                     "column 'add[0].rows[0][1]': the key: Input should be a valid string",
                     "column 'add[0].colour': unknown key", "column 'remove': Input should be a valid list"):
        assert expected in text, text
    assert all(m.startswith("instance.yaml, scenario 's'") for m in msgs)


def test_cli_scenario_structure_error_is_exit_2_without_traceback(tmp_path: Path) -> None:
    inst = with_scenario(tmp_path, {"description": "d", "scale": [{"table": ["a"], "column": ["b"]}]})
    r = invoke("validate", str(inst), "--scenario", "s")
    assert r.exit_code == 2 and "Traceback" not in r.output and "scale[0].table" in r.output


# ---- `where` compares typed values ----------------------------------------------------------------


@pytest.mark.parametrize(("where", "expect"), [
    ({"candidate": True}, {"west-1", "west-2"}),
    ({"candidate": "yes"}, {"west-1", "west-2"}),
    ({"candidate": False}, {"bj-dc", "sh-dc"}),
    ({"lon": 116.5}, {"bj-dc"}),
    ({"lon": "116.5"}, {"bj-dc"}),
    ({"lon": [116.50, 103.9]}, {"bj-dc", "west-1"}),
    ({"region": 620000}, {"west-1", "west-2"}),
    ({"campus_capex_cny": None}, {"bj-dc", "sh-dc"}),
    ({"max_facility_mw": 100, "side": "west"}, {"west-1", "west-2"}),
])
def test_where_matches_typed_values(where: dict[str, Any], expect: set[str], tmp_path: Path) -> None:
    inst = with_scenario(tmp_path, {"description": "d", "replace": [{"table": "sites", "where": where, "values": {"pue": 1.25}}]})
    sites = load_instance(inst, scenario="s").sites
    assert set(sites.loc[sites["pue"] == 1.25, "site"]) == expect


def test_where_typed_value_that_matches_nothing_is_named(tmp_path: Path) -> None:
    inst = with_scenario(tmp_path, {"description": "d", "remove": [{"table": "sites", "where": {"lon": 116.51}}]})
    assert problems_of(inst, scenario="s") == ["instance.yaml, scenario 's': no row of sites has lon '116.51'"]


# ---- hostile YAML: refused quickly -----------------------------------------------------------------


def alias_bomb(levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "bomb:\n" + "\n".join("  " + x for x in lines) + "\n"


def run_cli(*args: str, timeout: float = 60) -> tuple[int, str, float]:
    """The real edwc in a child process (a hang or a RecursionError must not take pytest down)."""
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "edwc", *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr, time.perf_counter() - t


@pytest.mark.parametrize("kind", ["alias-bomb", "nested-brackets", "nested-mappings", "alias-chain", "self-alias"])
def test_hostile_yaml_is_refused_quickly(kind: str, tmp_path: Path) -> None:
    base = (TINY / "instance.yaml").read_text(encoding="utf-8")
    text = {
        "alias-bomb": base + alias_bomb(),
        "nested-brackets": base.replace("periods: [2025]", "periods: " + "[" * 5000 + "2025" + "]" * 5000),
        "nested-mappings": base + "deep: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "alias-chain": base + "chain:\n  c0: &c0 [1]\n" + "".join(f"  c{i}: &c{i} [*c{i - 1}]\n" for i in range(1, 500)),
        "self-alias": base + "x: &a [*a]\n",
    }[kind]
    inst = with_yaml(tmp_path, text)
    code, out, seconds = run_cli("validate", str(inst))
    assert code == 2, out
    assert "instance.yaml, line" in out and "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    assert seconds < 20, f"{kind}: {seconds:.1f} s"


def test_hostile_set_value_is_refused_quickly() -> None:
    code, out, seconds = run_cli("validate", str(TINY), "--set", "description=" + "[" * 5000 + "]" * 5000)
    assert code == 2 and "--set" in out and "nested" in out and "Traceback" not in out, out
    assert seconds < 20


def test_hostile_vary_value_is_refused_quickly() -> None:
    code, out, seconds = run_cli("sweep", str(TINY), "--vary", "description=" + "[" * 5000, "--dry-run")
    assert code == 2 and "--vary" in out and "nested" in out and "Traceback" not in out, out
    assert seconds < 20
