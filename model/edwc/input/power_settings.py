"""instance.yaml's power and time blocks (docs/formats.md): how sites are supplied and how time inside a
period is represented (edwc.formulation.power, edwc.timeseries)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from edwc.input.strict import _Strict


class DirectSupply(_Strict):
    """绿电直连 / 源网荷储 at a site (发改能源〔2025〕650号): PV, wind and batteries built as investments,
    up to each site's direct_mw_max (sites.csv). Every default is an ESTIMATE whose basis is in seeds/facts.csv."""

    pv_capex_cny_per_kw: float = Field(3500, ge=0, le=1e5, description="PV capex, CNY per kW AC")
    wind_capex_cny_per_kw: float = Field(4500, ge=0, le=1e5, description="onshore wind capex, CNY per kW")
    battery_capex_cny_per_kwh: float = Field(1000, ge=0, le=1e5, description="battery capex per kWh of storage")
    battery_hours: float = Field(4, gt=0, le=24, description="storage hours: battery MW = MWh / battery_hours")
    battery_efficiency: float = Field(0.85, gt=0, le=1, description="round-trip efficiency")
    om_share: float = Field(0.02, ge=0, le=1, description="yearly O&M as a share of capex")
    lifetime_years: float = Field(25, gt=0, le=100, description="PV and wind life (capex annuity)")
    battery_lifetime_years: float = Field(15, gt=0, le=100, description="battery life (capex annuity)")
    charges_cny_per_kwh: float = Field(0.0, ge=0, le=5, description="T&D, system and policy charges on direct MWh used")
    rules: bool = Field(True, description="the 650号 ratios: self-use and share of the site's load")
    self_use_min: float = Field(0.6, ge=0, le=1, description="MWh used on site / the project's available MWh")
    load_share_min: float = Field(0.3, ge=0, le=1, description="direct MWh used / the site's MWh, where the site has direct supply")
    load_share_min_2030: float = Field(0.35, ge=0, le=1, description="the same from 2030 on")


class Power(_Strict):
    """The power side (edwc.formulation.power): supply options at every site, hour by hour, and how
    emissions and green power are counted."""

    certificate_cny_per_mwh: float | None = Field(None, ge=0, le=1e4,
                                                  description="绿证 (GEC) price; None: certificates not offered")
    curtailed_cny_per_kwh: float | None = Field(None, ge=0, le=5,
                                                description="delivered price of the province's curtailed renewables; None: not offered")
    residual_co2_t_per_mwh: float = Field(0.6096, ge=0, le=2,
                                          description="market-based factor of grid MWh not covered by certificates or contracts")
    emissions_basis: Literal["location", "market"] = Field(
        "location", description="the emissions the carbon price and carbon cap act on")
    direct: DirectSupply = Field(default_factory=DirectSupply)
    flexible_across_sites: bool = Field(
        False, description="movable work of a workload with no latency limit may also run at its other sites in other "
                           "hours (each site keeps its year's work); False: it moves only in time, at its own site")


class Time(_Strict):
    """Time inside a period (edwc.timeseries): one annual slice, or typical days of hours or segments."""

    mode: Literal["annual", "typical_days"] = Field("annual", description="annual: one slice a year; typical_days: tsam days")
    days: int = Field(12, ge=1, le=365, description="typical days chosen from the profile year (mode typical_days)")
    segments: int | None = Field(None, ge=1, le=24, description="steps per typical day (None: 24 hourly steps)")
    profiles: str | None = Field(None, description="hourly profiles in the instance folder (CSV or netCDF); None: shipped")
