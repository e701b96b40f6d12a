"""Hourly renewable profiles per province: the shipped set, or the instance's own file (docs/profiles.md).

A profile set is 8,760 hourly rows (hour 0 = 1 January 00:00 Beijing time, a non-leap year) by columns
`<kind>:<province>`: kind `solar`, `onwind`, `offwind` is available output per MW installed (p.u.,
before curtailment), kind `curtailed` the province's baseline curtailed output (MW); a planner's file may
add `price` (CNY/kWh) and `co2` (t/MWh), a power model's hourly prices and grid factors for the province. Province ids are
6-digit adcodes ("110000"). A planner's file (`time.profiles`, docs/formats.md) replaces the shipped
columns it gives; every other column stays shipped, and `source` says which is which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from edwc.errors import InputError, Problem
from edwc.timeseries.slices import TECHS

HOURS = 8760
KINDS = (*TECHS, "curtailed", "price", "co2")  # price, co2: a power model's hourly results read back (docs/formats.md)
LIMITS = {"curtailed": (np.inf, "a finite MW >= 0"), "price": (5.0, "a price in [0, 5] CNY/kWh"),
          "co2": (2.0, "a grid factor in [0, 2] t/MWh")}
SHIPPED_YEAR = "2024"  # the statistics the shipped profiles are calibrated to
COLUMN = re.compile(r"^(?P<kind>[a-z]+):(?P<province>\d{6})$")
BEIJING = "Asia/Shanghai"


@dataclass(frozen=True)
class Profiles:
    """8,760 hourly rows × `<kind>:<province>` columns, with where they came from."""

    data: pd.DataFrame
    source: str  # "shipped" or "<file> (solar, onwind); shipped (the rest)"
    year: str  # statistics year of the shipped set; "own" where every column is the planner's

    def provinces(self) -> list[str]:
        return sorted({c.split(":")[1] for c in self.data.columns})

    def get(self, kind: str, province: str) -> pd.Series | None:
        col = f"{kind}:{province}"
        return self.data[col] if col in self.data.columns else None


def _data_file(name: str) -> Path:
    return Path(str(resources.files("edwc.timeseries").joinpath("data", name)))


@cache
def _shipped_frame() -> pd.DataFrame:
    df = pd.read_csv(_data_file("profiles.csv.gz"), index_col=0)
    df.index = pd.RangeIndex(HOURS, name="hour")
    return df.astype(float)


def shipped() -> Profiles:
    """The profiles built by scripts/build_profiles.py (calibrated to 2024 statistics)."""
    return Profiles(_shipped_frame(), "shipped", SHIPPED_YEAR)


@cache
def basis() -> pd.DataFrame:
    """Per province: the point, capacities and utilisation rates the shipped profiles were built from."""
    return pd.read_csv(_data_file("basis.csv"), dtype={"province": str}).set_index("province")


def load_profiles(path: Path | None = None) -> Profiles:
    """The shipped profiles, with the columns of the planner's file (CSV or netCDF) in place of theirs."""
    base = shipped()
    if path is None:
        return base
    own = read_netcdf(path) if ".nc" in path.name else read_csv(path)
    data = base.data.copy()
    for c in own.columns:
        data[c] = own[c].to_numpy(dtype=float)
    kinds = sorted({c.split(":")[0] for c in own.columns}, key=KINDS.index)
    every = set(own.columns) >= set(base.data.columns)
    source = f"{path.name} ({', '.join(kinds)})" + ("" if every else "; shipped (the rest)")
    return Profiles(data, source, "own" if every else SHIPPED_YEAR)


# ---- the planner's CSV -------------------------------------------------------------------------------


def read_csv(path: Path) -> pd.DataFrame:
    """A wide CSV: first column an hour index 0-8759 or timestamps, then `<kind>:<province>` columns."""
    f = str(path)
    if not path.is_file():
        raise InputError([Problem(f, "profile file not found (time.profiles names a file in the instance folder)")], f)
    try:
        raw = pd.read_csv(path, index_col=0)
    except (ValueError, OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(f, f"not a readable CSV ({e})")], f) from e
    problems = _column_problems(f, [str(c) for c in raw.columns])
    if problems:
        raise InputError(problems, f)
    order = _hour_positions(f, raw.index)
    values = raw.apply(pd.to_numeric, errors="coerce")
    for c in raw.columns:
        bad = values[c].isna().to_numpy()
        if bad.any():
            line = int(np.argmax(bad)) + 2  # the header is line 1
            problems.append(Problem(f, f"expected a number, got {raw[c].iloc[line - 2]!r}", line=line, column=str(c)))
    if problems:
        raise InputError(problems, f)
    df = values.iloc[order]
    df.index = pd.RangeIndex(HOURS, name="hour")
    _check_values(f, df)
    return df


def _column_problems(f: str, cols: list[str]) -> list[Problem]:
    problems = []
    for c in cols:
        m = COLUMN.match(c)
        if not m or m["kind"] not in KINDS:
            problems.append(Problem(f, f"expected <kind>:<province adcode> with kind one of {', '.join(KINDS)} "
                                       "(e.g. solar:620000)", column=c))
    if not cols:
        problems.append(Problem(f, "no profile columns (expected e.g. hour,solar:620000,onwind:620000)"))
    return problems


def _hour_positions(f: str, index: pd.Index) -> np.ndarray:
    """Row order that puts hour 0 (1 Jan 00:00 Beijing time) first; 29 February is dropped."""
    if pd.api.types.is_integer_dtype(index):
        pos = index.to_numpy()
        if len(pos) != HOURS or sorted(pos.tolist()) != list(range(HOURS)):
            raise InputError([Problem(f, f"expected hours 0-{HOURS - 1}, each once, in the first column "
                                         f"(got {len(pos)} rows from {pos.min() if len(pos) else '-'} "
                                         f"to {pos.max() if len(pos) else '-'})")], f)
        return np.argsort(pos)
    try:
        ts = pd.DatetimeIndex(pd.to_datetime(index.astype(str)))
    except (ValueError, TypeError) as e:
        raise InputError([Problem(f, "the first column must be an hour index 0-8759 or timestamps "
                                     f"(e.g. 2024-01-01 00:00) ({e})")], f) from e
    return _positions_of(f, ts)


def _positions_of(f: str, ts: pd.DatetimeIndex, naive_tz: str = BEIJING) -> np.ndarray:
    """Rows of a year of hourly timestamps in hour-of-year order; naive times are in `naive_tz`."""
    ts = (ts.tz_localize(naive_tz) if ts.tz is None else ts).tz_convert(BEIJING)
    keep = ~((ts.month == 2) & (ts.day == 29))
    ts_kept = ts[keep]
    leap_shift = np.where(ts_kept.is_leap_year & (ts_kept.month > 2), 1, 0)
    pos = (ts_kept.dayofyear.to_numpy() - 1 - leap_shift) * 24 + ts_kept.hour.to_numpy()
    if len(pos) != HOURS or len(set(pos.tolist())) != HOURS:
        raise InputError([Problem(f, f"expected one year of hourly timestamps (8,760 hours, or 8,784 with "
                                     f"29 February, which is dropped); got {len(ts)} rows covering "
                                     f"{len(set(pos.tolist()))} distinct hours of the year")], f)
    rows = np.flatnonzero(keep)
    return rows[np.argsort(pos)]


def _check_values(f: str, df: pd.DataFrame) -> None:
    problems = []
    for c in df.columns:
        v = df[c].to_numpy()
        kind = c.split(":")[0]
        hi, want = LIMITS.get(kind, (1.0, "a per-unit output in [0, 1]"))
        bad = (v < 0) | (v > hi) | ~np.isfinite(v)
        if bad.any():
            i = int(np.argmax(bad))
            problems.append(Problem(f, f"hour {i}: {v[i]:g} is not {want}", column=c))
    if problems:
        raise InputError(problems, f)


# ---- PyPSA-China / atlite netCDF ---------------------------------------------------------------------

NC_KINDS = (*TECHS, "price", "co2")  # what a netCDF file may carry; the kind ends its name (profile_solar.nc)
PYPSA_PRICE = "buses_t_marginal_price"  # a solved PyPSA network's hourly prices per bus, currency/MWh


def netcdf_files(path: Path) -> dict[str, Path]:
    """kind -> file: `profile_{tech}.nc` names one file per kind (solar, onwind, offwind, price, co2); otherwise the
    kind ends the file name; a solved PyPSA network (any name) gives its buses' marginal prices."""
    if "{tech}" in path.name:
        found = {t: path.with_name(path.name.replace("{tech}", t)) for t in NC_KINDS}
        return {t: p for t, p in found.items() if p.is_file()}
    stem = path.name.split(".nc")[0]
    kind = next((t for t in NC_KINDS if stem == t or stem.endswith("_" + t)), None)
    if kind is None and _variables(path) and PYPSA_PRICE in _variables(path):
        kind = "price"
    if kind is None:
        raise InputError([Problem(str(path), f"cannot tell what the file holds: name it <anything>_<kind>.nc "
                                             f"with kind one of {', '.join(NC_KINDS)}, give a pattern "
                                             "such as profile_{tech}.nc, or a solved PyPSA network "
                                             f"(with {PYPSA_PRICE})")], str(path))
    return {kind: path}


def _variables(path: Path) -> set[str]:
    """The data variables of a readable netCDF file; empty when it cannot be read (the reader then says why)."""
    try:
        import xarray as xr

        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return set(map(str, ds.data_vars))
    except (ImportError, OSError, ValueError):
        return set()


def read_netcdf(path: Path) -> pd.DataFrame:
    """Variable `profile(time, bus)` per kind (PyPSA-China, atlite; price in CNY/kWh, co2 in t/MWh), or a solved
    PyPSA network's `buses_t_marginal_price(snapshots, buses_t_marginal_price_i)` in CNY/MWh (read as CNY/kWh);
    time in UTC, buses adcodes or province names."""
    f = str(path)
    try:
        import xarray as xr
    except ImportError as e:
        raise InputError([Problem(f, "reading netCDF profiles needs xarray and h5netcdf: "
                                     "pip install 'edwc[netcdf]' (or give a CSV, docs/formats.md)")], f) from e
    files = netcdf_files(path)
    if not files:
        raise InputError([Problem(f, f"no file matches (looked for {', '.join(path.name.replace('{tech}', t) for t in NC_KINDS)})")], f)
    cols: dict[str, np.ndarray] = {}
    for kind, p in files.items():
        try:
            with xr.open_dataset(p, engine="h5netcdf") as ds:
                da, scale = _profile_array(p, ds, kind)
        except (OSError, ValueError) as e:
            raise InputError([Problem(str(p), f"not a readable netCDF file ({e})")], str(p)) from e
        order = _positions_of(str(p), pd.DatetimeIndex(da["time"].to_numpy()), naive_tz="UTC")
        values = da.to_numpy()[order] * scale
        network = scale != 1.0  # a whole PyPSA network: its other buses (heat, H2, ...) are not provinces
        names = [str(b) for b in da["bus"].to_numpy()]
        taken = 0
        for j, bus in enumerate(names):
            if network and not _is_province_bus(bus):
                continue
            cols[f"{kind}:{_province_of_bus(str(p), bus)}"] = values[:, j]
            taken += 1
        if network and not taken:
            raise InputError([Problem(str(p), f"none of the network's {len(names)} buses is a province "
                                              f"(e.g. {', '.join(names[:3])})")], str(p))
    df = pd.DataFrame(cols, index=pd.RangeIndex(HOURS, name="hour"))
    _check_values(f, df)
    return df


def _profile_array(p: Path, ds, kind: str):  # noqa: ANN001, ANN202 (xarray objects)
    """(time × bus array, factor to edwc's unit): `profile(time, bus)`, or a PyPSA network's marginal prices."""
    if "profile" in ds.data_vars and set(ds["profile"].dims) == {"time", "bus"}:
        return ds["profile"].transpose("time", "bus").load(), 1.0
    dims = ("snapshots", f"{PYPSA_PRICE}_i")
    if kind == "price" and PYPSA_PRICE in ds.data_vars and set(ds[PYPSA_PRICE].dims) == set(dims):
        da = ds[PYPSA_PRICE].transpose(*dims).load().rename({"snapshots": "time", dims[1]: "bus"})
        return da, 1 / 1000  # CNY/MWh -> CNY/kWh
    raise InputError([Problem(str(p), "expected a variable profile(time, bus)"
                                      + (f" or {PYPSA_PRICE}{dims}" if kind == "price" else "")
                                      + f" (found: {', '.join(f'{k}{ds[k].dims}' for k in ds.data_vars) or 'none'})")],
                     str(p))


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _is_province_bus(bus: str) -> bool:
    try:
        _province_of_bus("", bus)
    except InputError:
        return False
    return True


def _province_of_bus(f: str, bus: str) -> str:
    """A bus named by adcode ("620000") or English name ("Gansu", "InnerMongolia"; a trailing carrier such as
    " AC" is dropped)."""
    if re.fullmatch(r"\d{6}", bus):
        return bus
    bus = re.sub(r"\s+AC$", "", bus)
    names = {_key(n): p for p, n in basis()["name_en"].items()}
    if _key(bus) in names:
        return names[_key(bus)]
    raise InputError([Problem(f, f"bus {bus!r} is neither a 6-digit province adcode nor a province name "
                                 "(e.g. Gansu, Inner Mongolia)")], f)
