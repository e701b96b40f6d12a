"""An instance as one Excel workbook, and back: planners edit the tables in Excel.

The workbook has a sheet per table (regions, hubs, sites, …; the header in row 1, one row per
row of the CSV, every optional column the instance has), a sheet `instance.yaml` holding the
settings as text (one line per row, comments kept) and a first sheet saying how to read it back.
Numbers are stored as numbers, ids and adcodes as text. Read back, the workbook goes through the
very validation of a folder of CSVs (edwc.network.reach.load_valid_instance); its problems are
located by sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.errors import InputError, Problem
from edwc.input.schema import TABLES

YAML_SHEET = "instance.yaml"
README = {"zh": "说明", "en": "README"}
MAX_ROWS = 1_000_000
README_LINES = [
    "edwc instance workbook / edwc 算例工作簿",
    "One sheet per table of the instance (header in row 1); instance.yaml holds the settings, one line per row.",
    "每张表一个工作表（第 1 行为表头）；instance.yaml 工作表为设置文本，每行一行。",
    "Ids and adcodes are text; keep them text. Empty cells are empty values (as in the CSVs, docs/formats.md).",
    "Read back: edwc xlsx-to-instance THIS.xlsx --out FOLDER   (check only: edwc validate THIS.xlsx)",
    "读回：edwc xlsx-to-instance 本文件.xlsx --out 文件夹   （只检查：edwc validate 本文件.xlsx）",
    "The instance's own hourly profile file (time.profiles), if any, is not in the workbook: keep it beside the folder.",
]


def _number(text: str, kind: str) -> Any:
    """A CSV cell as the workbook stores it: numbers of numeric columns as numbers, the rest text."""
    if kind in ("float", "int") and text != "":
        try:
            v = float(text)
        except ValueError:
            return text
        if math.isfinite(v):
            return int(v) if v.is_integer() and abs(v) < 2**53 and "." not in text and "e" not in text.lower() else v
    return text


def write_workbook(instance_dir: Path, path: Path) -> Path:
    """Write the instance folder's instance.yaml and tables to ``path`` (.xlsx), all columns as found."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from edwc.input.tables import read_raw

    _, raw, problems = read_raw(Path(instance_dir))
    if problems:
        raise InputError(problems, str(instance_dir))
    wb = Workbook()
    info = wb.active
    info.title = README["en"]
    for i, line in enumerate(README_LINES, 1):
        info.cell(i, 1, line)
    info.column_dimensions["A"].width = 110
    ys = wb.create_sheet(YAML_SHEET)
    text = (Path(instance_dir) / "instance.yaml").read_bytes().decode("utf-8-sig")
    for i, line in enumerate(text.splitlines(), 1):
        ys.cell(i, 1, line).number_format = "@"
    ys.column_dimensions["A"].width = 120
    for name in TABLES:
        df = raw[name]
        kinds = {c.name: c.kind for c in TABLES[name]}
        ws = wb.create_sheet(name)
        for j, col in enumerate(df.columns, 1):
            ws.cell(1, j, col).font = Font(bold=True)
            kind = kinds.get(col, "str")
            for i, v in enumerate(df[col].tolist(), 2):
                cell = ws.cell(i, j, _number(v, kind))
                if isinstance(cell.value, str):
                    cell.number_format = "@"  # Excel keeps a typed id or adcode as text
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
    wb.properties.creator = "edwc instance-to-xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def _text(v: Any) -> str:
    """A workbook cell as the text a CSV would hold."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    return str(v)


def _where(book: str, sheet: str, row: int | None = None) -> str:
    return f"{book}, sheet '{sheet}'" + (f", row {row}" if row is not None else "")


def read_workbook(path: Path) -> tuple[str, dict[str, pd.DataFrame], dict[str, list[int]], list[Problem]]:
    """instance.yaml's text, each table as text (as read from a CSV), each table row's sheet row, and
    the problems of reading (not a workbook, a sheet missing, a header gap, a formula without a value)."""
    from openpyxl import load_workbook

    book = Path(path).name
    problems: list[Problem] = []
    try:
        wb = load_workbook(path, data_only=False)
        values = load_workbook(path, data_only=True)  # a formula's value as Excel last computed it
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError([Problem(book, f"not an Excel workbook (.xlsx) edwc can read: {e}")], book) from None
    yaml_text = ""
    if YAML_SHEET in wb.sheetnames:
        yaml_text = "\n".join(_text(r[0] if r else None) for r in values[YAML_SHEET].iter_rows(values_only=True)) + "\n"
    else:
        problems.append(Problem(_where(book, YAML_SHEET), "sheet not found (the settings, one line per row)"))
    tables: dict[str, pd.DataFrame] = {}
    rows_of: dict[str, list[int]] = {}
    for name in TABLES:
        if name not in wb.sheetnames:
            problems.append(Problem(_where(book, name), "sheet not found"))
            continue
        ws, wv = wb[name], values[name]
        if ws.max_row > MAX_ROWS:
            problems.append(Problem(_where(book, name), f"more than {MAX_ROWS:,} rows"))
            continue
        grid = list(wv.iter_rows(values_only=True))
        formulas = list(ws.iter_rows(values_only=True))
        header = [_text(v).strip() for v in (grid[0] if grid else ())]
        while header and header[-1] == "":
            header.pop()
        if not header:
            problems.append(Problem(_where(book, name), "the sheet is empty (expected a header row)"))
            continue
        gaps = [i + 1 for i, h in enumerate(header) if h == ""]
        if gaps:
            problems.append(Problem(_where(book, name, 1), f"column {gaps[0]} has no header"))
            continue
        body, rows = [], []
        for r, (row, raw) in enumerate(zip(grid[1:], formulas[1:], strict=False), 2):
            cells = [_text(v).strip() for v in (row or ())][: len(header)]
            cells += [""] * (len(header) - len(cells))
            extra = [v for v in (row or ())[len(header):] if v not in (None, "")]
            if extra:
                problems.append(Problem(_where(book, name, r), "a cell right of the last header (a column without a name)"))
            for j, (v, f) in enumerate(zip(row or (), raw or (), strict=False)):
                if j < len(header) and v is None and isinstance(f, str) and f.startswith("="):
                    problems.append(Problem(_where(book, name, r), "a formula without a computed value: open and save "
                                            "the workbook in Excel (or type the value)", column=header[j]))
            if any(cells):
                body.append(cells)
                rows.append(r)
        tables[name] = pd.DataFrame(body, columns=header, dtype=str) if body else pd.DataFrame(columns=header, dtype=str)
        rows_of[name] = rows
    return yaml_text, tables, rows_of, problems


@contextmanager
def workbook_folder(path: Path) -> Iterator[tuple[Path, dict[str, list[int]], list[Problem]]]:
    """The workbook as a temporary folder of instance.yaml and CSVs, with each table row's sheet row and
    the problems of reading it."""
    yaml_text, tables, rows_of, problems = read_workbook(path)
    with tempfile.TemporaryDirectory(prefix="edwc-xlsx-") as tmp:
        folder = Path(tmp)
        if yaml_text:
            (folder / "instance.yaml").write_text(yaml_text, encoding="utf-8")
        for name, df in tables.items():
            df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        yield folder, rows_of, problems


def relocate(problems: list[Problem], book: str, rows_of: dict[str, list[int]]) -> list[Problem]:
    """Problems found in the temporary folder, located in the workbook: sheet, row and column."""
    out = []
    for p in problems:
        stem = p.file[:-4] if p.file.endswith(".csv") else p.file
        if stem in rows_of:
            rows = rows_of[stem]
            row = rows[p.line - 2] if p.line is not None and 0 <= p.line - 2 < len(rows) else None
            out.append(Problem(_where(book, stem, row), p.message, column=p.column))
        elif p.file == "instance.yaml":
            out.append(Problem(_where(book, YAML_SHEET, p.line), p.message, column=p.column))
        else:
            out.append(p)
    return out


def workbook_files(path: Path) -> dict[str, bytes]:
    """instance.yaml and the CSVs of an instance workbook, as `edwc xlsx-to-instance` writes them
    (validate it first: edwc.network.reach.load_valid_workbook)."""
    with workbook_folder(Path(path)) as (folder, _, _):
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
