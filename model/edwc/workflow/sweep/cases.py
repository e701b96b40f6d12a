"""The sweep's cases: parsing `--vary`, the scenarios asked for, and their Cartesian product with folder names."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edwc.errors import InputError, Problem

BASE = "base"  # the scenario name that stands for the instance as it is


@dataclass
class Vary:
    """One `--vary key=v1,v2`: the dotted key and its values as given (text) and as parsed (YAML)."""

    key: str
    texts: list[str]
    values: list[Any]


@dataclass
class Case:
    """One solve of the sweep: a scenario (or None) and --set values; `name` is its folder."""

    name: str
    scenario: str | None
    sets: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # key -> value as given on the command line
    scenario_label: str | None = None  # the scenario column of the index, when scenarios are swept


def _split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so `periods=[2025,2030],[2030]` gives two values."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "[{"
        depth -= ch in "]}"
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


def parse_vary(items: Iterable[str]) -> list[Vary]:
    """Parse `key=v1,v2,…` strings; keys must be settings of instance.yaml. Raises InputError."""
    from edwc.input.scenarios import check_key

    varies: list[Vary] = []
    problems: list[Problem] = []
    for item in items:
        key, sep, rest = item.partition("=")
        key = key.strip()
        texts = _split_values(rest) if sep else []
        if not sep or not key or not rest.strip() or any(t == "" for t in texts):
            problems.append(Problem("--vary", f"expected key=v1,v2,… got '{item}'"))
            continue
        problem = check_key(key, "--vary")
        if problem is not None:
            problems.append(problem)
        if key in (v.key for v in varies):
            problems.append(Problem("--vary", f"'{key}' is varied more than once"))
        if len(set(texts)) < len(texts):
            problems.append(Problem("--vary", f"'{key}' lists a value more than once"))
        varies.append(Vary(key, texts, [_yaml_value(t) for t in texts]))
    if problems:
        raise InputError(problems, "edwc sweep")
    return varies


def _yaml_value(text: str) -> Any:
    from edwc.input.safe_yaml import YamlInputError, load_yaml

    try:
        return load_yaml(text)
    except YamlInputError as e:
        if e.message.startswith("not valid YAML"):
            return text  # plain text; the schema judges it
        raise InputError([Problem("--vary", f"a value is {e.message}")], "edwc sweep") from None


def _short_keys(keys: list[str]) -> dict[str, str]:
    """The last part of each dotted key, or the whole key where the last parts would clash."""
    last = [k.split(".")[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)}


def _safe(name: str) -> str:
    return re.sub(r"[\s/\\:*?\"<>|]+", "_", name)


def build_cases(varies: list[Vary], scenarios: list[str | None] | None = None) -> list[Case]:
    """The Cartesian product of scenarios × varied values, named deterministically from the overrides."""
    scen: list[str | None] = list(scenarios) if scenarios else [None]
    short = _short_keys([v.key for v in varies])
    cases = []
    for sc in scen:
        for combo in itertools.product(*[list(zip(v.texts, v.values, strict=True)) for v in varies]):
            texts = {v.key: t for v, (t, _) in zip(varies, combo, strict=True)}
            parts = ([sc or BASE] if scenarios else []) + [f"{short[k]}={t}" for k, t in texts.items()]
            cases.append(Case(name=_safe(",".join(parts)), scenario=sc, texts=texts, scenario_label=(sc or BASE) if scenarios else None,
                              sets={v.key: val for v, (_, val) in zip(varies, combo, strict=True)}))
    names = [c.name for c in cases]
    if len(set(names)) < len(names):
        raise InputError([Problem("edwc sweep", "two cases would share a folder name; give distinct values")], "edwc sweep")
    return cases


def instance_scenarios(instance: Path) -> list[str]:
    """Names of the scenarios in INSTANCE/instance.yaml (raw, before validation)."""
    from edwc.input.safe_yaml import YamlInputError, load_yaml
    from edwc.input.scenarios import scenario_names

    try:
        cfg = load_yaml((Path(instance) / "instance.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, YamlInputError):
        return []
    return scenario_names(cfg) if isinstance(cfg, dict) else []


def resolve_scenarios(instance: Path, names: Iterable[str], all_scenarios: bool) -> list[str | None] | None:
    """`--scenario` names (BASE → None) or all of them (with the base first); None when none asked."""
    known = instance_scenarios(instance)
    if all_scenarios:
        return [None, *known]
    names = list(names)
    if not names:
        return None
    bad = [n for n in names if n != BASE and n not in known]
    if bad:
        raise InputError([Problem("--scenario", f"no scenario '{n}' in {instance}/instance.yaml "
                                  f"(scenarios: {', '.join(known) or 'none'}; '{BASE}' = the instance as it is)") for n in bad],
                         "edwc sweep")
    return [None if (n == BASE and BASE not in known) else n for n in names]
