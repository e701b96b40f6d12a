"""The power side of a solved plan: each site's supply by kind and both emission bases (sites.csv columns), and
the slice-by-slice balance of every hourly site (power.csv). Column meanings and units: docs/formats.md."""

from __future__ import annotations

import pandas as pd
import pyomo.core as pyo

from edwc.formulation.data import ModelData
from edwc.formulation.power import direct_available, load_mw
from edwc.formulation.power_data import DIRECT_TECHS

POWER_COLUMNS = ("grid_mwh", "curtailed_mwh", "direct_mwh", "trade_mwh", "certificate_mwh", "green_mwh",
                 "green_matched_mwh", "spilled_mwh", "peak_grid_mw", "direct_solar_mw", "direct_wind_mw",
                 "battery_mwh", "emissions_t", "emissions_market_t")


def _v(x) -> float:
    v = pyo.value(x, exception=False)
    return 0.0 if v is None else max(0.0, float(v))


def power_rows(m: pyo.ConcreteModel, d: ModelData, energy: dict[tuple[str, int], float]
               ) -> tuple[dict[tuple[str, int], dict[str, float]], pd.DataFrame]:
    """Per (site, period) the POWER_COLUMNS; and power.csv: one row per hourly site, period and slice.

    green_matched_mwh counts green power delivered in the same slice, up to that slice's load (hourly matching,
    as 24/7 carbon-free accounting counts it): Σ_k W · min(load, curtailed + direct delivered). Certificates and
    traded green power are yearly claims with no hour: they count toward green_mwh, not here. energy: each
    (site, period)'s MWh as the sites table writes it (a site without slices draws exactly that from the grid)."""
    pd_ = d.power
    W, ts = pd_.W, pd_.ts
    hs, curt, direct = set(m.hourly_sites), set(m.curtailed_sites), set(m.direct_sites)
    has_gec = hasattr(m, "gec_mwh")
    per: dict[tuple[str, int], dict[str, float]] = {}
    rows = []
    for s in d.sites:
        for t in d.periods:
            # the yearly figures are sums of the written slice values (solver noise clipped alike), so the table
            # adds up exactly as `edwc check` re-adds it
            grid_mwh = energy.get((s, t), 0.0)
            emissions = grid_mwh * d.site[s]["grid_co2_t_per_mwh"]
            curt_mwh = direct_mwh = matched = spilled = 0.0
            peak = grid_mwh / pd_.hours_per_year
            if s in hs:
                grid_mwh = emissions = peak = 0.0
                for k in ts.slices:
                    load = _v(load_mw(m, d, pd_, s, t, k))
                    grid = _v(m.grid_mw[s, t, k])
                    c = _v(m.curtailed_mw[s, t, k]) if s in curt else 0.0
                    avail = sp = ch = dis = soc = 0.0
                    if s in direct:
                        avail = _v(direct_available(m, d, pd_, s, t, k))
                        sp, ch, dis = _v(m.spill_mw[s, t, k]), _v(m.charge_mw[s, t, k]), _v(m.discharge_mw[s, t, k])
                        soc = _v(m.soc_mwh[s, t, k])
                    price = pd_.grid_price.get(s, {}).get(k, d.site[s]["power_price_cny_per_kwh"])
                    co2 = pd_.grid_co2.get(s, {}).get(k, d.site[s]["grid_co2_t_per_mwh"])
                    grid_mwh += W[k] * grid
                    emissions += W[k] * co2 * grid
                    curt_mwh += W[k] * c
                    direct_mwh += W[k] * (avail - sp - ch + dis)
                    matched += W[k] * min(load, c + max(0.0, avail - sp - ch + dis))
                    spilled += W[k] * sp
                    peak = max(peak, grid)
                    pool = pd_.curtailed_mw.get(pd_.province[s], {}).get(k, 0.0)
                    cfs = [pd_.cf.get((g, s), {}).get(k, 0.0) for g in DIRECT_TECHS]
                    rows.append((s, t, k[0], k[1], ts.hours[k], W[k], load, grid, c, avail, sp, ch, dis, soc, pool, *cfs,
                                 price, co2))
            trade = min(_v(m.green_mwh[s, t]), grid_mwh)
            gec = min(_v(m.gec_mwh[s, t]), grid_mwh - trade) if has_gec else 0.0
            cap = {g: sum(_v(m.direct_build[s, g, tt]) for tt in d.periods if tt <= t) if (s, g) in m.direct_techs
                   else 0.0 for g in DIRECT_TECHS}
            per[(s, t)] = {
                "grid_mwh": grid_mwh,
                "curtailed_mwh": curt_mwh,
                "direct_mwh": direct_mwh,
                "trade_mwh": trade,
                "certificate_mwh": gec,
                "green_mwh": curt_mwh + direct_mwh + trade + gec,
                "green_matched_mwh": matched,
                "spilled_mwh": spilled,
                "peak_grid_mw": peak,
                "direct_solar_mw": cap["solar"],
                "direct_wind_mw": cap["onwind"],
                "battery_mwh": sum(_v(m.battery_build[s, tt]) for tt in d.periods if tt <= t) if s in direct else 0.0,
                "emissions_t": emissions,
                "emissions_market_t": pd_.residual_co2 * (grid_mwh - trade - gec),
            }
    power = pd.DataFrame(rows, columns=["site", "period", "day", "step", "hours", "weight_h", "load_mw", "grid_mw",
                                        "curtailed_mw", "direct_available_mw", "spill_mw", "charge_mw", "discharge_mw",
                                        "soc_mwh", "curtailed_pool_mw", "cf_solar", "cf_onwind", "price_cny_per_kwh",
                                        "co2_t_per_mwh"])
    return per, power
