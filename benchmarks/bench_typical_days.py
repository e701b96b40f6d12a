"""Accuracy and run time of typical days on the shipped profiles (all 31 provinces, 104 columns).

    .venv/bin/python benchmarks/bench_typical_days.py      # the table in docs/profiles.md

RMSE figures are tsam's, on min-max normalised columns (0-1), root mean square over the columns of a kind.
"""

from __future__ import annotations

from edwc.input.schema import Time
from edwc.timeseries.profiles import shipped
from edwc.timeseries.typical import typical_days

CASES = [(1, None), (6, None), (12, None), (12, 6), (24, None)]


def main() -> None:
    frame = shipped().data
    print("| days × steps | rows | RMSE solar / onwind / offwind / curtailed | duration-curve RMSE solar / onwind / offwind / curtailed | run time |")
    print("|---|---|---|---|---|")
    for days, seg in CASES:
        m = typical_days(frame, Time(mode="typical_days", days=days, segments=seg)).method
        r, d = m["rmse_by_kind"], m["rmse_duration_by_kind"]
        assert isinstance(r, dict) and isinstance(d, dict)
        kinds = ("solar", "onwind", "offwind", "curtailed")
        print(f"| {days} × {seg or 24} | {days * (seg or 24)} | {' / '.join(f'{r[k]:.3f}' for k in kinds)} | "
              f"{' / '.join(f'{d[k]:.3f}' for k in kinds)} | {m['seconds']:.1f} s |")


if __name__ == "__main__":
    main()
