"""The timeseries stage: shipped hourly profiles against the published 2024 statistics, the readers of a
planner's own profiles (CSV, netCDF), and the reduction to typical days (docs/profiles.md)."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import INSTANCES, ROOT
from edwc.errors import InputError
from edwc.input.instance import load_instance
from edwc.timeseries.profiles import basis, load_profiles, read_csv, read_netcdf, shipped
from edwc.timeseries.slices import HOURS_PER_YEAR
from edwc.timeseries.typical import province_of, time_slices

FACTS = {r["id"]: float(r["value"]) for r in csv.DictReader((ROOT / "seeds" / "facts.csv").open(encoding="utf-8"))}
TARGETS = {r["id"]: r for r in csv.DictReader((ROOT / "seeds" / "calibration.csv").open(encoding="utf-8"))}
DAYS = np.repeat(np.arange(12), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
MONTH = np.repeat(DAYS, 24)


@pytest.fixture(scope="module")
def prof() -> pd.DataFrame:
    return shipped().data


@pytest.fixture(scope="module")
def b() -> pd.DataFrame:
    return basis()


def national_hours(prof: pd.DataFrame, b: pd.DataFrame, tech: str, gw: str, util: str | None) -> float:
    """Capacity-weighted national mean hours; delivered = available × the province's utilisation rate."""
    mean = np.array([prof[f"{tech}:{p}"].mean() for p in b.index])
    u = b[util].to_numpy() if util else 1.0
    return float(8760 * (b[gw] * u * mean).sum() / b[gw].sum())


def test_shape_and_columns(prof, b):
    assert prof.shape[0] == 8760 and len(b) == 31
    for p in b.index:
        assert {f"solar:{p}", f"onwind:{p}", f"curtailed:{p}"} <= set(prof.columns)
    off = sorted(c.split(":")[1] for c in prof.columns if c.startswith("offwind:"))
    assert len(off) == 11 and "620000" not in off and "350000" in off  # coastal only
    cf = prof[[c for c in prof.columns if not c.startswith("curtailed")]]
    assert cf.min().min() >= 0 and cf.max().max() <= 1 and prof.notna().all().all()


@pytest.mark.parametrize("tech,gw,util,target", [("solar", "solar_gw", "solar_util", "profile_solar_hours"),
                                                 ("onwind", "wind_gw", "wind_util", "profile_wind_hours")])
def test_national_delivered_hours(prof, b, tech, gw, util, target):
    """Capacity-weighted delivered hours = the published 2024 national hours (calibration.csv bounds, ±1 %)."""
    t = TARGETS[target]
    h = national_hours(prof, b, tech, gw, util)
    assert float(t["low"]) <= h <= float(t["high"]), f"{tech}: {h:.0f} h against {t['value']} h"
    assert float(t["value"]) == FACTS[t["source_fact"]]


def test_utilisation_is_the_published_rate(prof, b):
    """Per province, the curtailed energy is (1 − util) of the available energy, tech by tech."""
    for p in b.index:
        assert b.loc[p, "solar_util"] == pytest.approx(FACTS[f"ren_solar_util_{p}"] / 100)
        wind = FACTS.get(f"ren_wind_util_{p}", FACTS["ren_wind_util_2024"])
        assert b.loc[p, "wind_util"] == pytest.approx(wind / 100)
        avail_s = 1000 * b.loc[p, "solar_gw"] * prof[f"solar:{p}"].sum()
        avail_w = 1000 * b.loc[p, "wind_gw"] * prof[f"onwind:{p}"].sum()
        curtailed = prof[f"curtailed:{p}"].sum()
        expect = avail_s * (1 - b.loc[p, "solar_util"]) + avail_w * (1 - b.loc[p, "wind_util"])
        assert curtailed == pytest.approx(expect, rel=0.01, abs=50), p
        delivered = avail_s + avail_w - curtailed
        assert delivered / (avail_s + avail_w) == pytest.approx(1 - expect / (avail_s + avail_w), abs=1e-3)


def test_curtailment_sits_in_high_output_hours(prof, b):
    p = "540000"  # Tibet: 31 % of its solar curtailed in 2024
    out = 1000 * (b.loc[p, "solar_gw"] * prof[f"solar:{p}"] + b.loc[p, "wind_gw"] * prof[f"onwind:{p}"])
    c = prof[f"curtailed:{p}"]
    assert (c <= out + 1).all()
    assert c[out < out.quantile(0.5)].sum() < 0.01 * c.sum()


def test_solar_ranking(prof):
    """Sunny west above cloudy Sichuan basin and Guizhou (the clear-sky-only misranking the audit found)."""
    cf = {p: prof[f"solar:{p}"].mean() for p in ("630000", "540000", "150000", "510000", "500000", "520000", "640000")}
    assert min(cf["630000"], cf["540000"], cf["150000"]) > max(cf["510000"], cf["500000"], cf["520000"])
    assert cf["640000"] > 1.15 * cf["520000"]  # Ningxia well above Guizhou


def test_solar_zero_at_night_and_peaks_at_solar_noon(prof, b):
    for p in b.index:
        day = prof[f"solar:{p}"].to_numpy().reshape(365, 24).mean(axis=0)
        assert day[0:4].max() == 0 and day[22:].max() == 0
        noon = 12 - (b.loc[p, "lon"] - 120) / 15  # local solar noon in Beijing time
        peak = np.argmax(day) + 0.5
        assert abs(peak - noon) <= 1.0, (p, peak, noon)
    peak = {p: np.argmax(prof[f"solar:{p}"].to_numpy().reshape(365, 24).mean(axis=0)) for p in ("650000", "310000")}
    assert peak["650000"] >= peak["310000"] + 2  # Xinjiang ~2 h later than Shanghai


def test_wind_seasons(prof, b):
    """National wind output by season against RENEWABLES.md §5 (2024): Jan-Apr 37.1 %, Q3 20.4 %, Q4 28.6 %."""
    nat = sum(b.loc[p, "wind_gw"] * prof[f"onwind:{p}"].to_numpy() for p in b.index)
    share = np.array([nat[MONTH == m].sum() for m in range(12)]) / nat.sum()
    assert share[:4].sum() == pytest.approx(FACTS["ren_wind_hours_janapr_2024"] / FACTS["ren_wind_hours_2024"], abs=0.01)
    assert share[6:9].sum() == pytest.approx(FACTS["ren_wind_share_q3"] / 100, abs=0.01)
    assert share[9:].sum() == pytest.approx(FACTS["ren_wind_share_q4"] / 100, abs=0.01)


def test_northern_wind_blows_at_night(prof):
    day = prof["onwind:150000"].to_numpy().reshape(365, 24).mean(axis=0)
    assert day[0:6].mean() > day[11:17].mean()


# ---- readers --------------------------------------------------------------------------------------------


def small_frame(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"solar:620000": rng.uniform(0, 1, 8760).round(3),
                         "onwind:620000": rng.uniform(0, 1, 8760).round(3),
                         "curtailed:620000": rng.uniform(0, 50, 8760).round(1)})


def test_csv_round_trip_with_hour_index(tmp_path):
    df = small_frame(np.random.default_rng(1))
    df.index.name = "hour"
    df.to_csv(tmp_path / "p.csv")
    got = read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(got.to_numpy(), df.to_numpy())
    merged = load_profiles(tmp_path / "p.csv")
    assert merged.data["solar:620000"].tolist() == df["solar:620000"].tolist()
    assert merged.data["solar:110000"].equals(shipped().data["solar:110000"])  # the rest stays shipped
    assert "p.csv" in merged.source and "shipped" in merged.source


def test_csv_timestamps_leap_year_and_order(tmp_path):
    """A leap year of timestamps: 29 Feb is dropped; rows in any order are put in hour-of-year order."""
    idx = pd.date_range("2020-01-01", periods=8784, freq="h")
    v = np.arange(8784) % 24 / 24
    df = pd.DataFrame({"solar:620000": v}, index=idx).iloc[::-1]
    df.to_csv(tmp_path / "p.csv")
    got = read_csv(tmp_path / "p.csv")["solar:620000"].to_numpy()
    assert len(got) == 8760 and got[0] == 0 and got[13] == pytest.approx(13 / 24)


@pytest.mark.parametrize("mutate,expect", [
    (lambda df: df.rename(columns={"solar:620000": "sun:620000"}), "column 'sun:620000': expected <kind>:<province adcode>"),
    (lambda df: df.iloc[:100], "expected hours 0-8759"),
    (lambda df: df.assign(**{"solar:620000": df["solar:620000"] * 3}), "is not a per-unit output in [0, 1]"),
])
def test_bad_csv_is_reported_with_file_and_expectation(tmp_path, mutate, expect):
    mutate(small_frame(np.random.default_rng(2))).to_csv(tmp_path / "bad.csv")
    with pytest.raises(InputError) as e:
        read_csv(tmp_path / "bad.csv")
    assert "bad.csv" in str(e.value) and expect in str(e.value)
    assert e.value.problems


def test_csv_text_cell_names_line(tmp_path):
    df = small_frame(np.random.default_rng(3)).astype(object)
    df.iloc[41, 1] = "n/a"
    df.to_csv(tmp_path / "bad.csv")
    with pytest.raises(InputError, match=r"bad.csv, line 43, column 'onwind:620000': expected a number"):
        read_csv(tmp_path / "bad.csv")


def write_nc(path, buses, values, start="2020-01-01"):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    t = pd.date_range(start, periods=values.shape[0], freq="h")
    xr.Dataset({"profile": (("time", "bus"), values)}, coords={"time": t, "bus": buses}).to_netcdf(path, engine="h5netcdf")


def test_netcdf_pypsa_layout(tmp_path):
    """profile(time, bus) per tech, buses by name or adcode, UTC hours moved to Beijing time, 29 Feb dropped."""
    v = np.tile((np.arange(8784) % 24 / 24)[:, None], (1, 2))
    write_nc(tmp_path / "profile_solar.nc", ["Gansu", "InnerMongolia"], v)
    write_nc(tmp_path / "profile_onwind.nc", ["620000", "150000"], v * 0.5)
    got = read_netcdf(tmp_path / "profile_{tech}.nc")
    assert sorted(got.columns) == ["onwind:150000", "onwind:620000", "solar:150000", "solar:620000"]
    assert got["solar:620000"].iloc[0] == pytest.approx(16 / 24)  # 00:00 Beijing = 16:00 UTC the day before
    one = read_netcdf(tmp_path / "profile_solar.nc")
    assert list(one.columns) == ["solar:620000", "solar:150000"]


def test_netcdf_prices_and_factors_read_back(tmp_path):
    """A power model's hourly results come back as netCDF too: price and co2 as profile(time, bus) files, or a solved
    PyPSA network's buses_t_marginal_price (CNY/MWh, read as CNY/kWh; buses that are not provinces skipped)."""
    xr = pytest.importorskip("xarray")
    v = np.tile((np.arange(8784) % 24 / 24)[:, None], (1, 2))
    write_nc(tmp_path / "profile_price.nc", ["Gansu", "Beijing"], 0.3 + 0.2 * v)
    write_nc(tmp_path / "profile_co2.nc", ["Gansu", "Beijing"], 0.5 * v)
    got = read_netcdf(tmp_path / "profile_{tech}.nc")
    assert sorted(got.columns) == ["co2:110000", "co2:620000", "price:110000", "price:620000"]
    assert got["price:620000"].max() == pytest.approx(0.3 + 0.2 * 23 / 24)
    t = pd.date_range("2024-01-01", periods=8784, freq="h")
    buses = ["Gansu AC", "Beijing AC", "Gansu H2"]
    ds = xr.Dataset({"buses_t_marginal_price": (("snapshots", "buses_t_marginal_price_i"), 400 * np.ones((8784, 3)))},
                    coords={"snapshots": t, "buses_t_marginal_price_i": buses})
    ds.to_netcdf(tmp_path / "solved-network.nc", engine="h5netcdf")
    net = read_netcdf(tmp_path / "solved-network.nc")
    assert sorted(net.columns) == ["price:110000", "price:620000"] and net.to_numpy() == pytest.approx(0.4)
    # as an instance's own profile file: these columns replace the shipped ones, the rest stay shipped
    own = load_profiles(tmp_path / "solved-network.nc")
    assert "solved-network.nc (price)" in own.source


def test_bad_netcdf(tmp_path):
    write_nc(tmp_path / "profile_solar.nc", ["Atlantis"], np.zeros((8784, 1)))
    with pytest.raises(InputError, match="bus 'Atlantis' is neither"):
        read_netcdf(tmp_path / "profile_solar.nc")
    with pytest.raises(InputError, match="cannot tell what the file holds"):
        read_netcdf(tmp_path / "mystery.nc")
    (tmp_path / "broken_onwind.nc").write_bytes(b"not netcdf")
    with pytest.raises(InputError, match="broken_onwind.nc: not a readable netCDF"):
        read_netcdf(tmp_path / "broken_onwind.nc")


# ---- typical days -----------------------------------------------------------------------------------------


def instance_with(tmp_path, **time):
    dst = tmp_path / "tiny"
    shutil.copytree(INSTANCES / "tiny", dst)
    cfg = yaml.safe_load((dst / "instance.yaml").read_text(encoding="utf-8"))
    cfg["time"] = time
    (dst / "instance.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return load_instance(dst)


def hourly_means(provinces):
    d = shipped().data
    return {c: d[c].mean() for c in d.columns if c.split(":")[1] in provinces}


def test_annual_mode_is_the_hourly_mean(tmp_path):
    ts = time_slices(instance_with(tmp_path, mode="annual"))
    assert ts.slices == [(0, 0)] and ts.weight_h((0, 0)) == HOURS_PER_YEAR
    for c, m in hourly_means({"110000", "310000", "620000"}).items():
        kind, p = c.split(":")
        got = ts.curtailed_mw[p][(0, 0)] if kind == "curtailed" else ts.cf[(kind, p)][(0, 0)]
        assert got == pytest.approx(m, rel=1e-9)
    assert ts.province_of == {"110000": "110000", "310000": "310000", "620000": "620000"}
    assert ts.method["profile_source"] == "shipped" and ts.method["profile_year"] == "2024"


@pytest.mark.parametrize("days,segments", [(6, None), (12, 4)])
def test_typical_days_keep_weights_and_means(tmp_path, days, segments):
    ts = time_slices(instance_with(tmp_path, mode="typical_days", days=days, segments=segments))
    assert len(ts.days) == days and sum(ts.day_weight.values()) == 365
    assert sum(ts.weight_h(sl) for sl in ts.slices) == pytest.approx(8760)
    for d in ts.days:
        assert sum(ts.hours[sl] for sl in ts.of_day(d)) == 24
        starts = [ts.start_hour[sl] for sl in ts.of_day(d)]
        assert starts[0] == 0 and starts == sorted(starts)
    assert len(ts.of_day(ts.days[0])) == (segments or 24)
    for c, m in hourly_means({"110000", "310000", "620000"}).items():
        kind, p = c.split(":")
        series = ts.curtailed_mw[p] if kind == "curtailed" else ts.cf[(kind, p)]
        assert ts.annual_mean(series) == pytest.approx(m, rel=0.01, abs=1e-4), c
    assert ts.method["library"].startswith("tsam ") and ts.method["days"] == days
    assert 0 < ts.method["rmse"] < 1 and 0 < ts.method["rmse_duration"] < ts.method["rmse"]


def test_typical_days_are_deterministic(tmp_path):
    from edwc.timeseries import typical

    a = time_slices(instance_with(tmp_path / "a", mode="typical_days", days=4))
    typical._CACHE.clear()
    b = time_slices(instance_with(tmp_path / "b", mode="typical_days", days=4))
    assert a.cf == b.cf and a.day_weight == b.day_weight and a.curtailed_mw == b.curtailed_mw


def test_city_regions_use_their_province():
    known = {"620000", "110000"}
    assert province_of("620100", known) == "620000" and province_of("110000", known) == "110000"
    assert province_of("990100", known) is None


def test_own_profiles_named_in_instance(tmp_path):
    inst = instance_with(tmp_path, mode="annual", profiles="own.csv")
    pd.DataFrame({"solar:620000": np.full(8760, 0.25)}).rename_axis("hour").to_csv(inst.path / "own.csv")
    ts = time_slices(inst)
    assert ts.cf[("solar", "620000")][(0, 0)] == pytest.approx(0.25)
    assert ts.method["profile_source"].startswith("own.csv (solar)")
