"""Text a spreadsheet would run as a formula, neutralised in every CSV edwc writes.

A cell that begins with '=', '+', '-', '@', a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`): opening a result could run
it. Such text cells get a leading apostrophe, which every spreadsheet shows as plain text. Numbers,
including negative ones, are left as they are. Instance inputs refuse such text outright (so ids in
the result tables never need it); this guards the text edwc makes itself: labels, case names, messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from edwc.input.schema import formula_like


def neutral(text: Any) -> Any:
    """One cell: a leading apostrophe for text a spreadsheet would run; everything else unchanged."""
    return "'" + text if isinstance(text, str) and formula_like(text) else text


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as formulas."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutral)
    out.columns = [neutral(c) for c in out.columns]
    return out


def to_csv_text(df: pd.DataFrame, float_format: str = "%.10g") -> str:
    return neutralise(df).to_csv(index=False, lineterminator="\n", float_format=float_format)


def write_csv(df: pd.DataFrame, path: Path, float_format: str = "%.10g") -> None:
    """The one way edwc writes a CSV it made: UTF-8, '\\n', numbers to 10 significant digits, no formulas."""
    Path(path).write_text(to_csv_text(df, float_format), encoding="utf-8")
