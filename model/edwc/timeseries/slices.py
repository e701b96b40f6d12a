"""The hours of one year as the model sees them: typical days cut into steps, each with its weight.

A slice (d, k) is step k of typical day d. It lasts `hours[(d, k)]` hours (1 for hourly days, more for
segments) and day d stands for `day_weight[d]` calendar days, so the slice stands for

    weight_h[(d, k)] = day_weight[d] · hours[(d, k)]   hours of the year,   Σ_{d,k} weight_h = 8760.

A quantity x in MW held in slice (d, k) is x · weight_h[(d, k)] MWh a year. The one-slice annual mode is
one day of one 24-hour step standing for 365 days, with every profile at its annual mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOURS_PER_YEAR = 8760.0
TECHS = ("solar", "onwind", "offwind")  # profile columns: per-unit output of 1 MW installed


Slice = tuple[int, int]  # (typical day, step within the day)


@dataclass(frozen=True)
class TimeSlices:
    """Typical days and their steps, with each province's renewable profiles in every slice.

    cf[(tech, province)][slice]: available output per MW installed (p.u., before curtailment), on the
    province's profile; absent where the province has no such resource (e.g. offwind inland).
    curtailed_mw[province][slice]: the province's renewable output curtailed in that slice in the base
    year (MW), the energy a new load there could absorb.
    """

    slices: list[Slice]  # chronological within each day, days in order
    hours: dict[Slice, float]  # duration of each step, h
    day_weight: dict[int, float]  # calendar days each typical day stands for; Σ = 365
    start_hour: dict[Slice, float]  # clock hour (0-24, Beijing time) at which each step starts
    cf: dict[tuple[str, str], dict[Slice, float]] = field(default_factory=dict)
    curtailed_mw: dict[str, dict[Slice, float]] = field(default_factory=dict)
    method: dict[str, object] = field(default_factory=dict)  # what was chosen (days, segments, library, source)
    province_of: dict[str, str] = field(default_factory=dict)  # instance region -> province whose profile it uses

    @property
    def days(self) -> list[int]:
        return sorted(self.day_weight)

    def weight_h(self, sl: Slice) -> float:
        """Hours of the year that slice sl stands for."""
        return self.day_weight[sl[0]] * self.hours[sl]

    def of_day(self, d: int) -> list[Slice]:
        return [sl for sl in self.slices if sl[0] == d]

    def annual_mean(self, series: dict[Slice, float]) -> float:
        """Σ_sl weight_h[sl] · x[sl] / 8760: the hourly mean a slice series stands for."""
        return sum(self.weight_h(sl) * v for sl, v in series.items()) / HOURS_PER_YEAR


def annual(cf_mean: dict[tuple[str, str], float] | None = None,
           curtailed_mwh: dict[str, float] | None = None) -> TimeSlices:
    """The one-slice annual mode: one 24-hour step standing for the year, profiles at their annual means."""
    sl: Slice = (0, 0)
    return TimeSlices(
        slices=[sl], hours={sl: 24.0}, day_weight={0: 365.0}, start_hour={sl: 0.0},
        cf={k: {sl: v} for k, v in (cf_mean or {}).items()},
        curtailed_mw={p: {sl: v / HOURS_PER_YEAR} for p, v in (curtailed_mwh or {}).items()},
        method={"mode": "annual", "days": 1, "segments": 1},
    )
