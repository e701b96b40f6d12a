"""Reading an instance folder's files as raw data: instance.yaml (strict YAML) and the CSV tables as text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from edwc.errors import Problem
from edwc.input.scenarios import RawTables
from edwc.input.schema import TABLES

MAX_FILE_BYTES = 200 * 1024 * 1024


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader (data only, never code) that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; a key given next to it overrides on purpose
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is given twice (the second would silently win)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _cyclic(node: Any, inside: frozenset[int] = frozenset()) -> bool:
    """True when YAML anchors made a container contain itself (`x: &a [*a]`)."""
    if not isinstance(node, dict | list):
        return False
    if id(node) in inside:
        return True
    inside = inside | {id(node)}
    return any(_cyclic(v, inside) for v in (node.values() if isinstance(node, dict) else node))


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any]:
    file = path.name
    if not path.is_file():
        problems.append(Problem(file, "file not found"))
        return {}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(Problem(file, f"not UTF-8 text ({e.reason} at byte {e.start})"))
        return {}
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506  a SafeLoader: instance files are data, never code
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problems.append(Problem(file, f"not valid YAML: {getattr(e, 'problem', e)}", line=mark.line + 1 if mark else None))
        return {}
    if data is None:
        problems.append(Problem(file, "file is empty"))
        return {}
    if _cyclic(data):
        problems.append(Problem(file, "a YAML alias (*name) refers to a node that contains it"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(file, "expected a mapping of settings at the top level"))
        return {}
    return data


def _read_csv(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """Read a table as text (parsing comes later, column by column, with located messages)."""
    file = path.name
    if not path.is_file():
        problems.append(Problem(file, "file not found"))
        return None
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(Problem(file, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB"))
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is tolerated
    except UnicodeDecodeError as e:
        problems.append(Problem(file, f"not UTF-8 text (bad byte at offset {e.start}); save the file as UTF-8"))
        return None
    if not text.strip():
        problems.append(Problem(file, "file is empty (expected a header row)"))
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as e:
        problems.append(Problem(file, f"not a valid CSV table: {str(e).strip()}"))
        return None
    if not isinstance(df.index, pd.RangeIndex):  # pandas made the first column an index: a row is too long
        problems.append(Problem(file, "a row has more fields than the header row (a stray comma?)"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        problems.append(Problem(file, f"duplicate column names: {dupes}"))
        return None
    return df.apply(lambda s: s.str.strip())


def read_raw(folder: Path) -> tuple[dict[str, Any], RawTables, list[Problem]]:
    problems: list[Problem] = []
    config = _read_yaml(folder / "instance.yaml", problems)
    tables: RawTables = {}
    for name in TABLES:
        df = _read_csv(folder / f"{name}.csv", problems)
        if df is not None:
            tables[name] = df
    return config, tables, problems
