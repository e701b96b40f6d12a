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
