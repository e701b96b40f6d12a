"""What a valid instance looks like: instance.yaml as pydantic models, the CSV tables as column specs.

Units are in the names; every model forbids unknown keys so a typo is an error, never a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Side = Literal["east", "west"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Finance(_Strict):
    discount_rate: float = Field(0.06, ge=0, le=1, description="annual discount rate: annuities and discounting to the base year")
    campus_lifetime_years: float = Field(20, gt=0, description="life of buildings, campus works and trunk upgrades (facility capex annuity)")
    equipment_lifetime_years: float = Field(5, gt=0, description="IT life where classes.csv gives no lifetime_years")
    load_factor: float = Field(0.7, gt=0, le=1, description="mean IT draw / nameplate of fully used capacity")
    idle_share: float = Field(0.0, ge=0, le=1, description="draw of idle installed IT / draw of fully used IT")
    unmet_penalty_cny_per_pflops_year: float = Field(5.0e7, ge=0,
                                                     description="value of lost service where workloads.csv gives none")
    green_premium_cny_per_kwh: float = Field(0.0, ge=0, description="price of contracted green power above the grid price")
    hours_per_year: float = Field(8760, gt=0)


class Network(_Strict):
    fibre_us_per_km: float = Field(4.9, gt=0, description="one-way propagation delay")
    route_factor: float = Field(1.5, ge=1, description="fibre km / great-circle km when length_km is empty")
    hop_delay_ms: float = Field(0.2, ge=0, description="round-trip equipment delay per trunk traversed")
    access_rtt_ms: float = Field(1.0, ge=0, description="metro access round trip added to every pair")
    k_paths: int = Field(1, ge=1, le=1, description="paths per pair (only 1 is supported so far)")
    bandwidth_cny_per_gbps_km_year: float = Field(0.0, ge=0, description="price of carrying traffic beyond its region's own access")


class Capacity(_Strict):
    utilisation_max: float = Field(0.85, gt=0, le=1, description="served <= utilisation_max x installed")
    existing_retires: bool = Field(False, description="existing stock retires linearly over its IT life from the first period")


class PueMax(_Strict):
    """Ceilings on the new-design PUE of a site: hub sites by side, sites outside the hubs apart."""

    east: float | None = Field(None, ge=1)
    west: float | None = Field(None, ge=1)
    outside_hubs: float | None = Field(None, ge=1)


class Policy(_Strict):
    hub_share_new_min: float | None = Field(None, ge=0, le=1, description="new PFLOPS in the hub nodes / all new")
    west_share_new_min: float | None = Field(None, ge=0, le=1, description="new PFLOPS at west sites / all new")
    intelligent_share_min: float | None = Field(None, ge=0, le=1)
    pue_max: PueMax = Field(default_factory=PueMax)
    national_utilisation_min: float | None = Field(None, ge=0, le=1, description="上架率: served / installed, national")
    cluster_utilisation_min: float | None = Field(None, ge=0, le=1, description="上架率 of each cluster site")
    west_utilisation_min: float | None = Field(None, ge=0, le=1)
    carbon_price_cny_per_t: float = Field(0.0, ge=0)
    carbon_cap_t: float | None = Field(None, ge=0)
    green_share_min: float | None = Field(None, ge=0, le=1, description="contracted green MWh / all MWh, national")
    green_share_new_hub_min: float | None = Field(None, ge=0, le=1,
                                                  description="contracted green MWh / MWh of new builds, each hub site")
    max_site_share: float | None = Field(None, gt=0, le=1)


class Solver(_Strict):
    time_limit_s: float = Field(600, gt=0)
    mip_gap: float = Field(1e-3, ge=0, le=1)
    threads: int = Field(1, ge=1)
    seed: int = Field(0, ge=0)
    # lazy: the trunk network's rows enter as plans overload trunks (edwc.solve.lazy); full: all built up front
    network: Literal["full", "lazy"] = "lazy"


class Scenario(_Strict):
    description: str
    set: dict[str, object] = Field(default_factory=dict)
    scale: list[dict[str, object]] = Field(default_factory=list)
    replace: list[dict[str, object]] = Field(default_factory=list)
    add: list[dict[str, object]] = Field(default_factory=list)
    remove: list[dict[str, object]] = Field(default_factory=list)


class InstanceConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    periods: list[int] = Field(min_length=1)
    finance: Finance = Field(default_factory=Finance)
    network: Network = Field(default_factory=Network)
    capacity: Capacity = Field(default_factory=Capacity)
    policy: Policy = Field(default_factory=Policy)
    solver: Solver = Field(default_factory=Solver)
    scenarios: dict[str, Scenario] = Field(default_factory=dict)

    @field_validator("periods")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("periods must be strictly ascending years")
        return v


# ---- CSV tables -------------------------------------------------------------------------------

ColumnKind = Literal["str", "adcode", "float", "int", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "str"
    required: bool = True  # the column must exist and every cell must be filled
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    optional_cell: bool = False  # column required, but a cell may be empty


TABLES: dict[str, tuple[Column, ...]] = {
    "regions": (
        Column("region", "adcode"),
        Column("name_zh"),
        Column("name_en"),
        Column("lon", "float", min=70, max=140),
        Column("lat", "float", min=15, max=56),
    ),
    "hubs": (
        Column("hub"),
        Column("name_zh"),
        Column("name_en"),
        Column("side", choices=("east", "west")),
    ),
    "sites": (
        Column("site"),
        Column("name_zh"),
        Column("name_en"),
        Column("hub", optional_cell=True),
        Column("side", choices=("east", "west")),
        Column("region", "adcode"),
        Column("lon", "float", min=70, max=140),
        Column("lat", "float", min=15, max=56),
        Column("kind", choices=("cluster", "supercomputing", "metro")),
        Column("candidate", "bool"),
        Column("campus_capex_cny", "float", min=0, optional_cell=True),
        Column("pue", "float", min=1.0, max=3.0),  # of the existing stock
        Column("pue_new", "float", min=1.0, max=3.0, required=False, optional_cell=True),  # of a new build; empty: pue
        Column("power_price_cny_per_kwh", "float", min=0, max=5),
        Column("grid_co2_t_per_mwh", "float", min=0, max=2),
        Column("max_facility_mw", "float", min=0),
    ),
    "site_classes": (
        Column("site"),
        Column("class"),
        Column("existing_pflops", "float", min=0),
        Column("max_modules", "int", min=0),
    ),
    "classes": (
        Column("class"),
        Column("precision", choices=("FP64", "FP32", "FP16", "BF16", "FP8", "INT8")),
        Column("kw_per_pflops", "float", min=0),  # IT kW per PFLOPS of a new build
        Column("capex_cny_per_pflops", "float", min=0),  # IT capex of a new build
        Column("module_pflops", "float", min=1e-9),
        Column("kw_per_pflops_existing", "float", min=0, required=False, optional_cell=True),  # empty: kw_per_pflops
        Column("facility_capex_cny_per_kw", "float", min=0, required=False, optional_cell=True),  # empty: 0
        Column("lifetime_years", "float", min=1e-9, required=False, optional_cell=True),  # IT life; empty: finance
    ),
    "workloads": (
        Column("workload"),
        Column("class"),
        Column("max_rtt_ms", "float", min=0, optional_cell=True),
        Column("gbps_per_pflops", "float", min=0),
        Column("description", required=False, optional_cell=True),
        Column("unmet_cny_per_pflops_year", "float", min=0, required=False, optional_cell=True),  # empty: finance
    ),
    "demand": (
        Column("region", "adcode"),
        Column("workload"),
        Column("period", "int", min=1900, max=2200),
        Column("pflops", "float", min=0),
    ),
    "trunks": (
        Column("trunk"),
        Column("from"),
        Column("to"),
        Column("length_km", "float", min=0, optional_cell=True),
        Column("capacity_gbps", "float", min=0),
        Column("module_gbps", "float", min=0),
        Column("module_capex_cny", "float", min=0),
        Column("max_modules", "int", min=0),
    ),
}

# The key columns of each table: duplicates are an error, and overrides select rows by them.
KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("region",),
    "hubs": ("hub",),
    "sites": ("site",),
    "site_classes": ("site", "class"),
    "classes": ("class",),
    "workloads": ("workload",),
    "demand": ("region", "workload", "period"),
    "trunks": ("trunk",),
}
