"""Reading an instance folder's files as raw data: instance.yaml (strict YAML) and the CSV tables as text."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.errors import Problem
from edwc.input.safe_yaml import YamlInputError, load_yaml
from edwc.input.scenarios import RawTables
from edwc.input.schema import TABLES

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 200  # the widest table has 16 columns; 10,000 took a minute to refuse (finding N-10k-columns)


MAX_YAML_BYTES = 10 * 1024 * 1024


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, Any]:
    file = path.name
    if not path.is_file():
        problems.append(Problem(file, "file not found"))
        return {}
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            problems.append(Problem(file, f"file is larger than {MAX_YAML_BYTES // 2**20} MiB"))
            return {}
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        problems.append(Problem(file, f"cannot read the file: {e.strerror or e}"))
        return {}
    except UnicodeDecodeError as e:
        problems.append(Problem(file, f"not UTF-8 text ({e.reason} at byte {e.start})"))
        return {}
    try:
        data = load_yaml(text)  # data only, never code; alias and nesting bombs refused
    except YamlInputError as e:
        problems.append(Problem(file, e.message, line=e.line))
        return {}
    if data is None:
        problems.append(Problem(file, "file is empty"))
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
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(file, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB"))
            return None
        raw = path.read_bytes()
    except OSError as e:
        problems.append(Problem(file, f"cannot read the file: {e.strerror or e}"))
        return None
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
    if len(df.columns) > MAX_COLUMNS:
        problems.append(Problem(file, f"the header has {len(df.columns):,} columns; a table has at most {MAX_COLUMNS}"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted(c for c, n in Counter(df.columns).items() if n > 1)
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
