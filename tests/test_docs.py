"""The docs match the code (issue 13, item 9): a CLI option, a setting, a result column or a
summary key that disappears from the docs (or a documented one that disappears from the code)
fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
import yaml
from pydantic import BaseModel

from edwc.analysis.check.readers import RESULT_COLUMNS
from edwc.cli.main import main
from edwc.input.schema import InstanceConfig
from edwc.workflow.run import solve_instance

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
ALL = README + "\n".join(DOCS.values())
FORMATS = DOCS["formats.md"]


def commands() -> dict[str, click.Command]:
    assert isinstance(main, click.Group)
    return dict(main.commands)


def options(cmd: click.Command) -> set[str]:
    return {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts if o.startswith("--")} | {"--help"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_is_documented(name: str) -> None:
    missing = sorted(o for o in options(commands()[name]) - {"--help"} if f"{o}" not in ALL)
    assert not missing, f"edwc {name}: options not in README.md or docs/: {missing}"


def test_every_documented_option_exists() -> None:
    """Each `--option` written next to `edwc <command>` on a line of the docs is an option of that command."""
    cmds = commands()
    wrong = []
    for doc, text in {"README.md": README, **DOCS}.items():
        for line in text.splitlines():
            for m in re.finditer(r"edwc (\w+)\b", line):
                if m.group(1) not in cmds:
                    continue
                rest = line[m.end():].split("edwc ")[0]
                for opt in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
                    if opt not in options(cmds[m.group(1)]):
                        wrong.append(f"{doc}: edwc {m.group(1)} {opt}")
    assert not wrong, "documented options that do not exist:\n" + "\n".join(sorted(set(wrong)))


def settings(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        if name == "scenarios":
            continue
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += settings(ann, f"{prefix}{name}.")
        else:
            out.append(prefix + name)
    return out


def test_every_setting_is_in_formats_md() -> None:
    """Every key of instance.yaml appears in the example of docs/formats.md under its section."""
    block = FORMATS[FORMATS.index("```yaml"):FORMATS.index("```", FORMATS.index("```yaml") + 3)]
    documented = yaml.safe_load(block.removeprefix("```yaml"))
    missing = []
    for key in settings(InstanceConfig):
        node = documented
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(key)
                break
            node = node[part]
    assert not missing, f"settings missing from docs/formats.md: {missing}"


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, _ = solve_instance(ROOT / "instances" / "tiny", out=tmp_path_factory.mktemp("docs") / "r", maps=False)
    return out


def test_every_result_column_and_summary_key_is_in_formats_md(tiny_result: Path) -> None:
    results_part = FORMATS[FORMATS.index("## Result folder"):]
    missing = []
    names_documented = "`<id>_name_zh`, `<id>_name_en`" in results_part
    for table, cols in RESULT_COLUMNS.items():
        header = (tiny_result / f"{table}.csv").read_text().splitlines()[0].split(",")
        assert set(cols) <= set(header), f"{table}.csv writes {header}; the check reads {list(cols)}"
        row = next(ln for ln in results_part.splitlines() if ln.startswith(f"| `{table}.csv` |"))
        missing += [f"{table}.csv: {c}" for c in header if not re.search(rf"\b{re.escape(c)}\b", row)
                    and not (names_documented and c.endswith(("_name_zh", "_name_en")))]
    summary = json.loads((tiny_result / "summary.json").read_text())
    row = next(ln for ln in FORMATS.splitlines() if ln.startswith("| `summary.json` |"))
    missing += [f"summary.json: {k}" for k in summary if f"`{k}`" not in row]
    for folder_file in ("summary.json", *(f"{t}.csv" for t in RESULT_COLUMNS), "edwc-folder.json"):
        if f"`{folder_file}`" not in FORMATS:
            missing.append(folder_file)
    assert not missing, "missing from docs/formats.md:\n" + "\n".join(missing)


def test_scenarios_md_quotes_china_2025_as_it_is() -> None:
    """The gap docs/scenarios.md quotes for china-2025 is the instance's."""
    cfg = yaml.safe_load((ROOT / "instances" / "china-2025" / "instance.yaml").read_text(encoding="utf-8"))
    gap = re.search(r"china-2025's\s+`mip_gap` of ([\d.]+) %", DOCS["scenarios.md"])
    assert gap, "docs/scenarios.md no longer states china-2025's gap"
    assert float(gap.group(1)) / 100 == pytest.approx(cfg["solver"]["mip_gap"])


# ---- docs/model.md and docs/trust.md against the model and the check (issue 21, item 7) --------------------

MODEL_MD = DOCS["model.md"]
TRUST_MD = DOCS["trust.md"]
EVERY_POLICY = {"policy.hub_share_new_min": 0.1, "policy.west_share_new_min": 0.1, "policy.intelligent_share_min": 0.1,
                "policy.national_utilisation_min": 0.1, "policy.cluster_utilisation_min": 0.1,
                "policy.west_utilisation_min": 0.1, "policy.carbon_cap_t": 1e9, "policy.green_share_min": 0.1,
                "policy.green_share_new_hub_min": 0.1, "policy.max_site_share": 1.0,
                "policy.pue_max": {"east": 1.25, "west": 1.2, "outside_hubs": 1.3}, "periods": [2025, 2030]}


def _section(text: str, title: str) -> str:
    part = text[text.index(f"## {title}"):]
    return part[:part.find("\n## ", 3)]


@pytest.fixture(scope="module")
def model_families() -> set[str]:
    """Every constraint family of tiny with every policy in force, over two periods, with every network row."""
    import pyomo.core as pyo

    from edwc.formulation.build import build_model
    from edwc.input.instance import load_instance

    inst = load_instance(ROOT / "instances" / "tiny", sets=EVERY_POLICY)
    m, _ = build_model(inst, network="full")
    return {c.local_name for c in m.component_objects(pyo.Constraint)}


def test_every_constraint_family_is_in_model_md(model_families: set[str]) -> None:
    text = _section(MODEL_MD, "Constraints") + _section(MODEL_MD, "Policies") + _section(MODEL_MD, "Power side")
    missing = sorted(f for f in model_families if f"`{f}[" not in text)
    assert not missing, f"constraint families of the model not in docs/model.md's tables: {missing}"


def test_every_constraint_named_in_model_md_exists(model_families: set[str]) -> None:
    text = _section(MODEL_MD, "Constraints") + _section(MODEL_MD, "Policies") + _section(MODEL_MD, "Power side")
    named = set(re.findall(r"`([a-z_]+)\[", text))
    assert named, "no constraint names found in docs/model.md"
    assert not sorted(named - model_families), f"named in docs/model.md, not in the model: {sorted(named - model_families)}"


def test_every_policy_setting_has_its_row_with_its_scope() -> None:
    """Each policy of instance.yaml has its own row in model.md's policy table, naming its constraint with its
    index (per period [t], per site [s,t], ...): the scope is stated, not left to 'as their names say'."""
    from edwc.input.schema import Policy

    table = _section(MODEL_MD, "Policies")
    assert "as their names say" not in table
    for key in Policy.model_fields:
        if key == "carbon_price_cny_per_t":
            continue  # a price in the objective, not a constraint
        row = next((ln for ln in table.splitlines() if ln.startswith(f"| `{key}`")), None)
        assert row is not None and re.search(r"`[a-z_]+\[[a-z,]+\]`", row), f"docs/model.md: no row naming {key}'s constraint"
    for key in ("carbon_cap_t", "green_share_min"):
        row = next(ln for ln in table.splitlines() if ln.startswith(f"| `{key}`"))
        assert "national" in row and "every period" in row


def test_west_share_means_the_same_everywhere() -> None:
    """model.md, formats.md and the code read west_share_new_min over the sites whose side is west."""
    import inspect

    from edwc.formulation import policy

    assert 'd.site[s]["side"] == "west"' in inspect.getsource(policy.add_west_share_new)
    model_row = next(ln for ln in MODEL_MD.splitlines() if ln.startswith("| `west_share_new_min`"))
    formats_line = next(ln for ln in FORMATS.splitlines() if "west_share_new_min:" in ln)
    assert "west sites" in model_row and "west sites" in formats_line
    assert "four western hubs" not in model_row


def test_cost_parts_are_named_as_in_the_code() -> None:
    from edwc.formulation.objective import COST_PARTS, UNMET_PART

    objective = MODEL_MD[MODEL_MD.index("    objective = "):MODEL_MD.index("yearly parts of period t")]
    assert re.findall(r"\b[a-z_]+\b", objective.split("·")[1].split("= total_cost_cny")[0].replace(")[t]", "")) \
        == [*COST_PARTS], objective
    bullets = re.findall(r"^- ([a-z_]+)(?: =|,)", _section(MODEL_MD, "Money over time and the objective"), re.M)
    assert set(bullets) >= {*COST_PARTS, UNMET_PART} - {"facility_capex"}, bullets
    costs_row = next(ln for ln in TRUST_MD.splitlines() if ln.startswith("| `costs` |"))
    assert all(f"`{p}`" in costs_row for p in COST_PARTS), costs_row


def test_trust_md_lists_every_family_the_check_reports(tiny_result: Path) -> None:
    from edwc.analysis.check import check_plan, read_plan

    plan = read_plan(tiny_result)
    families = set(check_plan(plan, tiny_result).checked)
    table = TRUST_MD[TRUST_MD.index("| family |"):TRUST_MD.index("**Tolerance.**")]
    missing = sorted(f for f in families if f"`{f}`" not in table)
    assert not missing, f"check families not in docs/trust.md: {missing}"


def test_trust_md_infeasible_example_is_what_edwc_says(tmp_path: Path) -> None:
    """The example in docs/trust.md is re-measured: the command it shows prints each line it quotes."""
    from click.testing import CliRunner

    block = TRUST_MD[TRUST_MD.index("```\n$ edwc solve instances/tiny"):]
    block = block[4:block.index("```", 4)].strip().splitlines()
    args = block[0].split("#")[0].split()[2:]
    r = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r"), "--no-map"])
    assert r.exit_code == 1, r.output
    said = [ln.rstrip() for ln in r.output.splitlines()]
    assert not [ln for ln in block[1:] if ln.rstrip() not in said], r.output
