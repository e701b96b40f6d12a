"""The check's report: tolerances, violations found, rows counted, and its terminal rendering."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RTOL = 1e-6
ATOL = 1e-6
INT_TOL = 1e-6
MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class Violation:
    family: str  # the constraint family, named as in docs/model.md (demand_balance, site_power, ...)
    rows: str  # the rows involved, e.g. "site=west-1, class=general, period=2025"
    detail: str  # what was found against what was required
    excess: float  # by how much (in the family's unit) beyond the tolerance


@dataclass
class CheckReport:
    folder: Path
    checked: dict[str, int] = field(default_factory=dict)  # family -> rows checked
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_family(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return out

    def summary_line(self) -> str:
        rows = sum(self.checked.values())
        tol = f"tolerance {RTOL:g} relative + {ATOL:g} x scale"
        if self.ok:
            return f"all {rows:,} rows of {len(self.checked)} families hold ({tol})"
        bad = self.by_family()
        return (f"{len(self.violations):,} of {rows:,} rows violated in {len(bad)} "
                f"famil{'y' if len(bad) == 1 else 'ies'}: {', '.join(bad)} ({tol})")

    def render(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        lines = [f"check of {self.folder}:"]
        bad = self.by_family()
        for fam, n in self.checked.items():
            vs = bad.get(fam, [])
            mark = "FAIL" if vs else "ok  "
            lines.append(f"  {mark} {fam:<22} {n:>7,} rows" + (f", {len(vs):,} violated" if vs else ""))
            for v in vs[:max_rows]:
                lines.append(f"         - {v.rows}: {v.detail}")
            if len(vs) > max_rows:
                lines.append(f"         ... and {len(vs) - max_rows:,} more")
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(("OK: " if self.ok else "FAILED: ") + self.summary_line())
        return "\n".join(lines)


class Rows:
    """Records rows checked and violations found for one report."""

    def __init__(self, report: CheckReport):
        self.report = report

    def count(self, family: str, n: int = 1) -> None:
        self.report.checked[family] = self.report.checked.get(family, 0) + n

    def fail(self, family: str, rows: str, detail: str, excess: float = math.nan) -> None:
        self.report.violations.append(Violation(family, rows, detail, excess))

    def leq(self, family: str, rows: str, lhs: float, rhs: float, scale: float, what: str) -> bool:
        """Check lhs <= rhs within tolerance; `what` names the two sides, e.g. 'served {lhs} <= {rhs}'."""
        self.count(family)
        slack = RTOL * max(abs(lhs), abs(rhs)) + ATOL * max(scale, 1.0)
        if not (lhs - rhs <= slack):  # also catches NaN
            self.fail(family, rows, what.format(lhs=fmt(lhs), rhs=fmt(rhs)) + f" (off by {fmt(lhs - rhs)})", lhs - rhs)
            return False
        return True

    def eq(self, family: str, rows: str, lhs: float, rhs: float, scale: float, what: str) -> bool:
        self.count(family)
        slack = RTOL * max(abs(lhs), abs(rhs)) + ATOL * max(scale, 1.0)
        if not (abs(lhs - rhs) <= slack):
            self.fail(family, rows, what.format(lhs=fmt(lhs), rhs=fmt(rhs)) + f" (off by {fmt(lhs - rhs)})", abs(lhs - rhs))
            return False
        return True

    def integer(self, family: str, rows: str, x: float, what: str) -> bool:
        self.count(family)
        if not (abs(x - round(x)) <= INT_TOL * max(1.0, abs(x))):
            self.fail(family, rows, f"{what} = {fmt(x)} is not a whole number", abs(x - round(x)))
            return False
        return True


def fmt(x: float) -> str:
    return f"{x:.10g}"


def row_key(**kw: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in kw.items())
