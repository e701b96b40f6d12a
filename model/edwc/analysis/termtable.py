"""Text tables that fit the terminal: columns dropped in a stated order, then the rest wrapped
into blocks that repeat the key columns, and long text cells cut with '…'.

Widths are counted in terminal cells (a Chinese character takes two), so 亿元/yr lines up.
"""

from __future__ import annotations

import shutil
import unicodedata
from typing import Any

import pandas as pd

GAP = 2  # spaces between columns


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (COLUMNS when set, else the terminal's, else ``default``)."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def cells(text: Any) -> int:
    """Terminal cells ``text`` takes (wide and full-width characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def cut(text: Any, width: int) -> str:
    """``text`` cut to ``width`` cells with a trailing '…' when longer."""
    s = str(text)
    if cells(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        c = cells(ch)
        if used + c > width - 1:
            break
        out.append(ch)
        used += c
    return "".join(out) + "…"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Prose wrapped to ``width`` cells at spaces (or anywhere inside a run longer than a line,
    as Chinese text has no spaces); continuation lines start with ``indent``."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if cells(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = indent + word
        while cells(line) > width:
            head = cut(line, width + 1)[:-1]  # the longest prefix that fits
            lines.append(head)
            line = indent + line[len(head):]
    lines.append(line)
    return lines


def _col_width(df: pd.DataFrame, col: Any) -> int:
    return max([cells(col), *(cells(v) for v in df[col])])


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * max(width - cells(text), 0)
    return text + fill if left else fill + text


def render(df: pd.DataFrame, left: tuple[Any, ...] = ()) -> list[str]:
    """Plain aligned text: numbers right-aligned, columns in ``left`` left-aligned."""
    widths = {c: _col_width(df, c) for c in df.columns}
    head = (" " * GAP).join(_pad(str(c), widths[c], c in left) for c in df.columns)
    body = [(" " * GAP).join(_pad(str(v), widths[c], c in left) for c, v in zip(df.columns, row, strict=True))
            for row in df.itertuples(index=False)]
    return [head.rstrip(), *(b.rstrip() for b in body)]


def fit(df: pd.DataFrame, width: int, keys: list[Any], drop_first: list[Any] | None = None,
        shrink: dict[Any, int] | None = None, left: tuple[Any, ...] = (),
        groups: list[list[Any]] | None = None) -> list[str]:
    """``df`` as text lines no wider than ``width``.

    In order: drop the columns in ``drop_first`` (in that order) while too wide; cut the text
    columns in ``shrink`` (column → least cells) to share what is left; then wrap the remaining
    value columns into blocks, each repeating the ``keys`` columns and keeping each of
    ``groups`` (e.g. all values, all differences) in one block where it fits."""
    df = df.astype(str)

    def total(frame: pd.DataFrame) -> int:
        return sum(_col_width(frame, c) for c in frame.columns) + GAP * (len(frame.columns) - 1)

    for c in drop_first or []:
        if total(df) <= width:
            break
        if c in df.columns:
            df = df.drop(columns=c)
    if shrink and total(df) > width:
        fixed = total(df.drop(columns=list(shrink))) + GAP * len(shrink)
        room = max(width - fixed, sum(shrink.values()))
        for c, least in shrink.items():
            share = max(least, room // len(shrink))
            df[c] = [cut(v, share) for v in df[c]]
    if total(df) <= width:
        return render(df, left)
    values = [c for c in df.columns if c not in keys]
    grouped = [[c for c in g if c in values] for g in (groups or [])]
    grouped = [g for g in grouped if g] + [[c] for c in values if not any(c in g for g in grouped)]
    key_w = total(df[keys]) if keys else 0
    blocks: list[list[Any]] = [[]]
    used = key_w
    for g in grouped:
        gw = sum(_col_width(df, c) + GAP for c in g)
        if blocks[-1] and used + gw > width:
            blocks.append([])
            used = key_w
        for c in g:  # a group wider than a block is split
            w = _col_width(df, c) + GAP
            if blocks[-1] and used + w > width:
                blocks.append([])
                used = key_w
            blocks[-1].append(c)
            used += w
    lines: list[str] = []
    for i, block in enumerate(blocks):
        if i:
            lines.append("")
        lines += render(df[[*keys, *block]], left)
    return lines
