"""What a valid instance looks like: instance.yaml as pydantic models, the CSV tables as column specs.

Units are in the names; every model forbids unknown keys so a typo is an error, never a no-op.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
)
from pydantic_core import ErrorDetails

from edwc.errors import Problem
from edwc.input.power_settings import Power, Time
from edwc.input.strict import _Strict

Side = Literal["east", "west"]


class Finance(_Strict):
    discount_rate: float = Field(0.06, ge=0, le=1, description="annual discount rate: annuities and discounting to the base year")
    campus_lifetime_years: float = Field(20, ge=0.1, le=100, description="life of buildings, campus works and trunk upgrades (facility capex annuity)")
    equipment_lifetime_years: float = Field(5, ge=0.1, le=100, description="IT life where classes.csv gives no lifetime_years")
    load_factor: float = Field(0.7, gt=0, le=1, description="mean IT draw / nameplate of fully used capacity")
    idle_share: float = Field(0.0, ge=0, le=1, description="draw of idle installed IT / draw of fully used IT")
    unmet_penalty_cny_per_pflops_year: float = Field(5.0e7, ge=0, le=1e12,
                                                     description="value of lost service where workloads.csv gives none")
    green_premium_cny_per_kwh: float = Field(0.0, ge=0, le=5,
                                             description="绿电交易: premium of traded green power above the grid price")
    hours_per_year: float = Field(8760, gt=0, le=8784)


class Network(_Strict):
    fibre_us_per_km: float = Field(4.9, gt=0, le=100, description="one-way propagation delay")
    route_factor: float = Field(1.5, ge=1, le=10, description="fibre km / great-circle km when length_km is empty")
    hop_delay_ms: float = Field(0.2, ge=0, le=1e3, description="round-trip equipment delay per trunk traversed")
    access_rtt_ms: float = Field(1.0, ge=0, le=1e3, description="metro access round trip added to every pair")
    k_paths: int = Field(1, ge=1, le=1, description="paths per pair (only 1 is supported so far)")
    bandwidth_cny_per_gbps_km_year: float = Field(0.0, ge=0, le=1e6, description="price of carrying traffic beyond its region's own access")


class Capacity(_Strict):
    """IT (servers, PFLOPS) fills shells (the facility: MW of IT it can hold, standard racks); see docs/model.md "Shells"."""

    utilisation_max: float = Field(0.85, gt=0, le=1, description="server utilisation: served <= utilisation_max x installed")
    existing_retires: bool = Field(False, description="existing IT retires linearly over its IT life, existing shells over "
                                   "campus_lifetime_years, from the first period")
    stock_year: int | None = Field(None, ge=1900, le=2200,
                                   description="year of the existing stock (None: one year before the first period)")
    build_growth_per_year: float = Field(0.0, ge=0, le=5, description="a site with a build rate may also add this share of "
                                         "its shells of the period before a year (shell_rate: rate + growth x shells)")
    build_ahead_years: float = Field(0.0, ge=0, le=20, description="shell lead time: a site's shells hold its IT plus "
                                     "what it adds in this many years at its fill rate of the period")
    shell_capex_cny_per_kw: float = Field(0.0, ge=0, le=1e6, description="capex of a shell per kW of IT it holds")
    shell_noload_kw_per_kw: float = Field(0.0, ge=0, le=1, description="facility draw of an empty shell per kW of IT it could hold")


class PueMax(_Strict):
    """Ceilings on the new-design PUE of a site: hub sites by side, sites outside the hubs apart."""

    east: float | None = Field(None, ge=1, le=3)
    west: float | None = Field(None, ge=1, le=3)
    outside_hubs: float | None = Field(None, ge=1, le=3)


class Policy(_Strict):
    hub_share_new_min: float | None = Field(None, ge=0, le=1, description="new PFLOPS in the hub nodes / all new")
    west_share_new_min: float | None = Field(None, ge=0, le=1, description="new PFLOPS at west sites / all new")
    intelligent_share_min: float | None = Field(None, ge=0, le=1)
    pue_max: PueMax = Field(default_factory=PueMax)
    national_utilisation_min: float | None = Field(None, ge=0, le=1, description="上架率: IT MW / shell MW, national")
    cluster_utilisation_min: float | None = Field(None, ge=0, le=1, description="上架率 of the cluster sites together")
    west_utilisation_min: float | None = Field(None, ge=0, le=1, description="上架率 of each western site")
    carbon_price_cny_per_t: float = Field(0.0, ge=0, le=1e5)
    carbon_cap_t: float | None = Field(None, ge=0, le=1e11)
    green_share_min: float | None = Field(None, ge=0, le=1, description="green MWh (all kinds) / all MWh, national")
    green_share_from: int | None = Field(None, ge=2000, le=2100,
                                         description="first period green_share_min applies in (None: every period)")
    green_share_new_hub_min: float | None = Field(None, ge=0, le=1,
                                                  description="contracted green MWh / MWh of new builds, each hub site")
    max_site_share: float | None = Field(None, gt=0, le=1)


class Solver(_Strict):
    time_limit_s: float = Field(600, gt=0, le=1e7)
    mip_gap: float = Field(1e-3, ge=0, le=1)
    threads: int = Field(1, ge=1, le=100_000)  # more than the machine has: its cores, with a note
    seed: int = Field(0, ge=0, le=2**31 - 1)
    # lazy: the trunk network's rows enter as plans overload trunks (edwc.solve.lazy); full: all built up front
    network: Literal["full", "lazy"] = "lazy"


EXPLORE_OBJECTIVE = r"^(cost|min:emissions|min:rtt|(min|max):built_mw:(west|east|hub=\S+|site=\S+))$"


class Explore(_Strict):
    """Extra bounds and another objective for `edwc pareto` and `edwc alternatives`; all off by default.

    Sums run over every period, like the objective: emissions in tCO2 (Σ of annual emissions),
    cost in CNY/yr (Σ of annual costs), the mean RTT in ms weighted by served PFLOPS.
    """

    emissions_t_max: float | None = Field(None, ge=0, le=1e12, description="Σ_t annual emissions <= this (tCO2)")
    rtt_mean_ms_max: float | None = Field(None, ge=0, le=1e4, description="served-PFLOPS-weighted mean RTT <= this (ms)")
    cost_max_cny: float | None = Field(None, ge=0, le=1e15, description="Σ_t annual cost <= this (CNY/yr)")
    unmet_pflops_max: float | None = Field(None, ge=0, le=1e9, description="Σ unmet PFLOPS over rows and periods <= this")
    objective: str = Field("cost", pattern=EXPLORE_OBJECTIVE,
                           description="cost | min:emissions | min:rtt | min|max:built_mw:<west|east|hub=ID|site=ID>")


# ---- scenario blocks: their structure is checked before anything is applied -------------------


def _finite_number(v: Any) -> Any:
    """A YAML number (not true/false, not text); finiteness is checked by the float type itself."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"expected a number, got {type(v).__name__}")
    return v


def _cell_value(v: Any) -> Any:
    """One table cell as YAML gives it: text, a finite number, true/false, or empty (null)."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError("expected a finite number (not .nan or .inf)")
        return v
    raise ValueError(f"expected one value (text, a number, true/false or null), got a {type(v).__name__}")


def _selector(v: Any) -> Any:
    """A `where` value: one cell value or a non-empty list of them."""
    if isinstance(v, list):
        if not v:
            raise ValueError("expected a value or a non-empty list of values")
        return [_cell_value(x) for x in v]
    return _cell_value(v)


def _finite_tree(v: Any) -> Any:
    """A `set` value (any YAML): refuse NaN and infinities anywhere inside it."""
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError("expected finite numbers (not .nan or .inf)")
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return v


Number = Annotated[float, BeforeValidator(_finite_number)]
Cell = Annotated[Any, AfterValidator(_cell_value)]
Where = dict[str, Annotated[Any, AfterValidator(_selector)]]


class ScaleOp(_Strict):
    table: str
    where: Where = Field(min_length=1)
    column: str
    factor: Number = Field(ge=0)


class ReplaceOp(_Strict):
    table: str
    where: Where = Field(min_length=1)
    values: dict[str, Cell] = Field(min_length=1)


class AddOp(_Strict):
    table: str
    rows: list[dict[str, Cell]] = Field(min_length=1)


class RemoveOp(_Strict):
    table: str
    where: Where = Field(min_length=1)


OPERATIONS: dict[str, type[_Strict]] = {"scale": ScaleOp, "replace": ReplaceOp, "add": AddOp, "remove": RemoveOp}


class Scenario(_Strict):
    description: str
    set: dict[str, Annotated[Any, AfterValidator(_finite_tree)]] = Field(default_factory=dict)
    scale: list[ScaleOp] = Field(default_factory=list)
    replace: list[ReplaceOp] = Field(default_factory=list)
    add: list[AddOp] = Field(default_factory=list)
    remove: list[RemoveOp] = Field(default_factory=list)


def problem_of(err: ErrorDetails, file: str, origin: str | None = None, skip: int = 0) -> Problem:
    """One pydantic error as a located Problem; `skip` drops leading parts of its location."""
    parts = err["loc"][skip:]
    is_key = bool(parts) and parts[-1] == "[key]"  # pydantic's mark for a mapping key (not its value)
    parts = parts[:-1] if is_key else parts
    loc = "".join(f"[{x}]" if isinstance(x, int) else (f".{x}" if i else str(x)) for i, x in enumerate(parts))
    if err["type"] == "extra_forbidden":
        msg = "unknown setting" if origin is None else "unknown key"
    else:
        msg = ("the key: " if is_key else "") + err["msg"].removeprefix("Value error, ")
    got = "" if err["type"] in ("missing", "extra_forbidden") else f" (got {_short(err.get('input'))})"
    return Problem(origin or file, f"{msg}{got}", column=loc or None)


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the programme's planning horizon, with room on both sides


class InstanceConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    periods: list[int] = Field(min_length=1)
    finance: Finance = Field(default_factory=Finance)
    network: Network = Field(default_factory=Network)
    capacity: Capacity = Field(default_factory=Capacity)
    policy: Policy = Field(default_factory=Policy)
    power: Power = Field(default_factory=Power)
    time: Time = Field(default_factory=Time)
    solver: Solver = Field(default_factory=Solver)
    explore: Explore = Field(default_factory=Explore)
    scenarios: dict[str, Scenario] = Field(default_factory=dict)

    @field_validator("periods")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        bad = [t for t in v if not FIRST_YEAR <= t <= LAST_YEAR]
        if bad:  # finding N-periods-negative: a year, not any integer
            raise ValueError(f"periods are calendar years from {FIRST_YEAR} to {LAST_YEAR}, got {bad[0]}")
        if any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("periods must be strictly ascending years")
        return v


# ---- CSV tables -------------------------------------------------------------------------------

_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def formula_like(text: str) -> bool:
    """True for text a spreadsheet would run as a formula: it starts with =, +, -, @, a tab or a
    carriage return and is not a plain number, nor a lone "-" (the unit of a ratio, shown as text by every
    spreadsheet). Refused in instance text cells; neutralised in outputs."""
    return bool(_FORMULA_START.match(text)) and not _NUMBER.match(text.strip()) and text.strip() != "-"


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
        Column("green_trade_mwh_max", "float", min=0, max=1e12, required=False, optional_cell=True),  # 绿电交易 MWh/yr; empty: no cap
        # 能评 rules (formulation/quotas.py): a site may add shells in a period only at this 上架率 or above; empty: none
        Column("min_rack_occupancy_new_shells", "float", min=0, max=1, required=False, optional_cell=True),
        # yearly quota of new data-centre energy (MWh/yr at design load) and the offset each new MWh needs; empty: none
        Column("dc_energy_quota_mwh", "float", min=0, max=1e12, required=False, optional_cell=True),
        Column("dc_energy_offset_ratio", "float", min=0, max=100, required=False, optional_cell=True),  # empty: 1
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
        Column("campus_capex_cny", "float", min=0, max=1e12, optional_cell=True),
        Column("pue", "float", min=1.0, max=3.0),  # of the existing stock
        Column("pue_new", "float", min=1.0, max=3.0, required=False, optional_cell=True),  # of a new build; empty: pue
        Column("power_price_cny_per_kwh", "float", min=0, max=5),
        Column("grid_co2_t_per_mwh", "float", min=0, max=2),
        Column("max_facility_mw", "float", min=0, max=1e5),
        Column("max_facility_mw_start", "float", min=0, max=1e5, required=False, optional_cell=True),  # first period; empty: max_facility_mw
        Column("direct_mw_max", "float", min=0, max=1e5, required=False, optional_cell=True),  # PV + wind MW; empty: 0
        Column("existing_shell_mw", "float", min=0, max=1e5, required=False, optional_cell=True),  # IT MW; empty: existing IT
        Column("shell_phase_mw", "float", min=0, max=1e4, required=False, optional_cell=True),  # IT MW; empty or 0: any size
        Column("build_mw_per_year", "float", min=0, max=1e5, required=False, optional_cell=True),  # new shell IT MW/yr; empty: no limit
    ),
    "site_classes": (
        Column("site"),
        Column("class"),
        Column("existing_pflops", "float", min=0, max=1e7),
        Column("max_modules", "int", min=0, max=1e6),
    ),
    "classes": (
        Column("class"),
        Column("precision", choices=("FP64", "FP32", "FP16", "BF16", "FP8", "INT8")),
        Column("kw_per_pflops", "float", min=0, max=1e5),  # IT kW per PFLOPS of a new build
        Column("capex_cny_per_pflops", "float", min=0, max=1e11),  # IT capex of a new build
        Column("module_pflops", "float", min=1e-9, max=1e6),
        Column("kw_per_pflops_existing", "float", min=0, max=1e5, required=False, optional_cell=True),  # empty: kw_per_pflops
        Column("facility_capex_cny_per_kw", "float", min=0, max=1e6, required=False, optional_cell=True),  # empty: 0
        Column("lifetime_years", "float", min=0.1, max=100, required=False, optional_cell=True),  # IT life; empty: finance
        # relative change a year of a new build's kW per PFLOPS (a vintage built in t draws kw · (1 + x)^(t − t0)); empty: 0
        Column("kw_change_per_year", "float", min=-0.9, max=1.0, required=False, optional_cell=True),
    ),
    "workloads": (
        Column("workload"),
        Column("class"),
        Column("max_rtt_ms", "float", min=0, max=1e4, optional_cell=True),
        Column("gbps_per_pflops", "float", min=0, max=1e5),
        Column("description", required=False, optional_cell=True),
        Column("unmet_cny_per_pflops_year", "float", min=0, max=1e12, required=False, optional_cell=True),  # empty: finance
        Column("flexible_share", "float", min=0, max=1, required=False, optional_cell=True),  # movable in the day; empty: 0
        Column("flex_window_h", "float", min=1, max=24, required=False, optional_cell=True),  # how far it moves; empty: 24
        # a national pool served in single-site blocks: at a site 0 or >= this many PFLOPS; empty: any pieces
        Column("block_pflops", "float", min=1e-6, max=1e7, required=False, optional_cell=True),
    ),
    "demand": (
        Column("region", "adcode"),
        Column("workload"),
        Column("period", "int", min=1900, max=2200),
        Column("pflops", "float", min=0, max=1e7),
    ),
    "trunks": (
        Column("trunk"),
        Column("from"),
        Column("to"),
        Column("length_km", "float", min=0, max=4e4, optional_cell=True),
        Column("capacity_gbps", "float", min=0, max=1e8),
        Column("module_gbps", "float", min=0, max=1e6),
        Column("module_capex_cny", "float", min=0, max=1e11),
        Column("max_modules", "int", min=0, max=1e5),
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
