"""The shell families of docs/model.md ("Shells") re-checked from sites.csv and the instance: site_power on shells,
shell_fill, shell_ahead, shell_phase and shell_rate, and sites.csv's shell, facility and no-load columns."""

from __future__ import annotations

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, fmt, row_key


def windows(periods: list[int], stock_year: int | None) -> dict[int, float]:
    """Years over which period t adds IT: since the previous period, or since the stock year (one year when unnamed)."""
    prev = [stock_year if stock_year is not None else periods[0] - 1, *periods[:-1]]
    return {t: float(max(1, t - q)) for t, q in zip(periods, prev, strict=True)}


def _limit(site, s: str, t: int, periods: list[int]) -> float:  # noqa: ANN001  (a DataFrame by site)
    """The site's power limit in period t: max_facility_mw, or from max_facility_mw_start (first period) rising
    linearly with the years to max_facility_mw (last period)."""
    end = float(site.at[s, "max_facility_mw"])
    start = float(site.at[s, "max_facility_mw_start"]) if "max_facility_mw_start" in site else float("nan")
    if start != start or len(periods) < 2:
        return end
    return start + (end - start) * (t - periods[0]) / (periods[-1] - periods[0])


def check_shells(p: Plan, d: Derived, r: Rows) -> None:
    cap = p.cfg.capacity
    site = p.inst["sites"].set_index("site")
    sc = p.inst["site_classes"]
    can_build = set(sc.loc[sc["max_modules"] > 0, "site"])
    win = windows(d.periods, cap.stock_year)
    kw_ex = p.inst["classes"].set_index("class")["kw_per_pflops_existing"].astype(float)
    stock = (sc["existing_pflops"].astype(float) * sc["class"].map(kw_ex)).groupby(sc["site"]).sum().to_dict()
    st = p.res["sites"].set_index(["site", "period"])
    for s in site.index:
        pue, pue_new = float(site.at[s, "pue"]), float(site.at[s, "pue_new"])
        phase, rate = float(site.at[s, "shell_phase_mw"]), float(site.at[s, "build_mw_per_year"])
        before_new, before_it = 0.0, float(stock.get(s, 0.0))
        before_shell = d.shell_existing[(s, d.periods[0])]
        for t in d.periods:
            row = row_key(site=s, period=t)
            new, ex, it = d.shell_new.get((s, t), 0.0), d.shell_existing[(s, t)], d.it_kw.get((s, t), 0.0)
            added = new - before_new
            limit = _limit(site, s, t, d.periods)
            scale = max(1.0, limit)
            if s not in can_build and new > 1e-6:
                r.fail("shell_fill", row, f"{fmt(new)} MW of new shells at a site that cannot build")
            if s in can_build:
                r.leq("site_power", row, pue * ex + pue_new * new, limit, scale,
                      f"shells take PUE {pue:g} x {fmt(ex)} MW + PUE {pue_new:g} x {fmt(new)} MW = {{lhs}} MW > max_facility_mw {{rhs}}")
                r.leq("shell_fill", row, it / 1000, ex + new, scale, "IT {lhs} MW does not fit the shells' {rhs} MW")
                r.leq("shell_built", row, -added, 0.0, scale, "cumulative new shells fall by {lhs} MW")
                k = cap.build_ahead_years / win[t]
                if k > 0:
                    r.leq("shell_ahead", row, (it + k * (it - before_it)) / 1000, ex + new, scale,
                          f"shells {{rhs}} MW do not lead IT by {cap.build_ahead_years:g} years of its growth: need {{lhs}} MW")
                if phase > 0:
                    r.integer("shell_phase", row, added / phase, f"new shells / shell_phase_mw {phase:g}")
                if rate == rate:
                    g = cap.build_growth_per_year
                    r.leq("shell_rate", row, added, (rate + g * before_shell) * win[t], scale,
                          f"{{lhs}} MW of shells in {win[t]:g} years > (build_mw_per_year {rate:g} + {g:g} x shells before "
                          f"{fmt(before_shell)}) x years = {{rhs}}")
            if (s, t) in st.index:
                e = max(1.0, d.energy.get((s, t), 0.0))
                r.eq("sites_table", row, float(st.at[(s, t), "shell_mw"]), ex + new, scale, "shell_mw {lhs} but existing + new shells = {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "facility_mw"]), pue * ex + pue_new * new, scale,
                     "facility_mw {lhs} but the shells at their PUE take {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "noload_mwh"]), d.noload.get((s, t), 0.0), e,
                     "noload_mwh {lhs} but empty shell space draws {rhs}")
            before_new, before_it, before_shell = new, it, ex + new
