"""Build the shipped hourly profiles model/edwc/timeseries/data/profiles.csv.gz (and basis.csv) offline.

    .venv/bin/python -m pip install -e ".[profiles]"      # pvlib, gsee-climate-data (both BSD-3)
    .venv/bin/python scripts/build_profiles.py            # same seed, same bytes

Every number comes from a row of seeds/facts.csv (read by id, `fact("...")`); docs/profiles.md gives the
method. Per province p and hour t of a non-leap profile year (hour 0 = 1 January 00:00 Beijing time):

  solar[p](t)   = min(1, α_s · pv_p(t)):  Ineichen clear sky at the province's point, each day scaled to a
                  daily GHI drawn from MERRA-2's PDF for that month and 3° cell (gsee-climate-data), Erbs
                  split, fixed tilt = latitude facing south; α_s makes Σ_p GW_p · util_p · mean(solar[p]) · 8760
                  / Σ_p GW_p = the national delivered hours (1,211 h, 2024).
  onwind[p](t)  = min(1, pc(v_p(t)) · M(month) · D_p(hour)):  v_p a log-normal wind speed with AR(1) hourly
                  persistence and spatially correlated innovations, pc a generic power curve, M the national
                  monthly shape (2024), D_p a diurnal shape; v̄_p makes the mean α_w · r_p, with r_p the
                  province's resource index and α_w fixed by the national delivered hours (2,127 h, 2024).
  offwind[p](t) = the same with the province's offshore hours (ESTIMATE), coastal provinces only.
  curtailed[p](t) = Σ_tech max(0, GW·1000·cf(t) − θ_tech):  output above a level θ the grid takes is curtailed;
                  θ is set so the curtailed energy is (1 − util) of the available energy (published rates).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "model" / "edwc" / "timeseries" / "data"
FACTS = {r["id"]: r for r in csv.DictReader((ROOT / "seeds" / "facts.csv").open(encoding="utf-8"))}
PROVINCES = pd.read_csv(ROOT / "seeds" / "provinces.csv", dtype={"region": str}).set_index("region")
SEED = 20240101
CALENDAR = 2023  # a non-leap calendar for the 8,760 hours; the statistics are of 2024
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
OFFSHORE = ("120000", "130000", "210000", "310000", "320000", "330000", "350000", "370000", "440000",
            "450000", "460000")


def fact(fid: str) -> float:
    return float(FACTS[fid]["value"])


def points() -> pd.DataFrame:
    """The point each province's profile is computed at: the capital, or the stated base (ESTIMATE rows)."""
    pts = PROVINCES[["name_en", "capital_lon", "capital_lat"]].rename(columns={"capital_lon": "lon", "capital_lat": "lat"})
    for p in pts.index:
        if f"ren_point_{p}_lon" in FACTS:
            pts.loc[p, ["lon", "lat"]] = fact(f"ren_point_{p}_lon"), fact(f"ren_point_{p}_lat")
    return pts


def correlated_normals(rng: np.random.Generator, n: int, lon: np.ndarray, lat: np.ndarray,
                       length_km: float, phi: float) -> np.ndarray:
    """n steps × provinces of N(0,1): AR(1) in time (coefficient phi), innovations correlated exp(−d/L) in space."""
    la, lo = np.radians(lat), np.radians(lon)
    cosd = np.sin(la)[:, None] * np.sin(la)[None, :] + np.cos(la)[:, None] * np.cos(la)[None, :] * np.cos(lo[:, None] - lo[None, :])
    d = 6371.0 * np.arccos(np.clip(cosd, -1, 1))
    chol = np.linalg.cholesky(np.exp(-d / length_km) + 1e-9 * np.eye(len(lon)))
    eps = rng.standard_normal((n, len(lon))) @ chol.T
    z = np.empty_like(eps)
    z[0] = eps[0]
    s = np.sqrt(1 - phi**2)
    for t in range(1, n):
        z[t] = phi * z[t - 1] + s * eps[t]
    return z


def hours() -> pd.DatetimeIndex:
    return pd.date_range(f"{CALENDAR}-01-01", periods=8760, freq="h", tz="Asia/Shanghai")


# ---- solar -----------------------------------------------------------------------------------------


def daily_ghi(lon: float, lat: float, u: np.ndarray) -> np.ndarray:
    """365 daily mean GHI (W/m²): day d's quantile u[d] of MERRA-2's PDF for its month at the nearest 3° land cell."""
    import gsee_climate_data

    g = gsee_climate_data.load()
    i, j = int(np.abs(g["lat"] - lat).argmin()), int(np.abs(g["lon"] - lon).argmin())
    month = np.repeat(np.arange(12), DAYS_IN_MONTH)
    out = np.empty(365)
    for m in range(12):
        xk, pk = g["xk"][i, j, m].astype(float), g["pk"][i, j, m].astype(float)
        cdf = np.cumsum(pk) / pk.sum()
        out[month == m] = np.interp(u[month == m], cdf, xk)
    return out


def pv_output(lon: float, lat: float, u: np.ndarray) -> np.ndarray:
    """Hourly AC output per unit of nameplate before calibration (fixed tilt = latitude, facing south)."""
    from pvlib import irradiance, location

    idx = hours()
    mid = idx + pd.Timedelta(minutes=30)  # an hour's mean irradiance ≈ its value at mid-hour
    loc = location.Location(lat, lon, tz="Asia/Shanghai", altitude=location.lookup_altitude(lat, lon))
    cs = loc.get_clearsky(mid, model="ineichen")
    sun = loc.get_solarposition(mid)
    cs_day = cs["ghi"].to_numpy().reshape(365, 24).mean(axis=1)
    k = np.minimum(fact("ren_pv_clearness_max"), daily_ghi(lon, lat, u) / np.maximum(cs_day, 1e-6))
    ghi = cs["ghi"].to_numpy() * np.repeat(k, 24)
    split = irradiance.erbs(ghi, sun["zenith"].to_numpy(), mid.dayofyear.to_numpy())
    poa = irradiance.get_total_irradiance(
        surface_tilt=abs(lat) * fact("ren_pv_tilt_per_lat"), surface_azimuth=180.0,
        solar_zenith=sun["apparent_zenith"].to_numpy(), solar_azimuth=sun["azimuth"].to_numpy(),
        dni=np.asarray(split["dni"]), ghi=ghi, dhi=np.asarray(split["dhi"]), albedo=fact("ren_pv_albedo"))
    p = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float)) / 1000.0 * fact("ren_pv_derate")
    return np.clip(p, 0.0, 1.0)


# ---- wind ------------------------------------------------------------------------------------------


def power_curve(v: np.ndarray) -> np.ndarray:
    """Generic turbine: 0 below cut-in, cubic to rated, 1 to cut-out."""
    vi, vr, vo = fact("ren_wind_cut_in"), fact("ren_wind_rated"), fact("ren_wind_cut_out")
    p = np.clip((v**3 - vi**3) / (vr**3 - vi**3), 0.0, 1.0)
    return np.where(v >= vo, 0.0, p)


def monthly_shape() -> np.ndarray:
    """M(month): multiplier of hourly output so each month holds its 2024 share of annual hours (mean 1)."""
    total = fact("ren_wind_hours_2024")
    janfeb, janmar, janapr = (fact(f"ren_wind_hours_{k}_2024") for k in ("janfeb", "janmar", "janapr"))
    share = np.empty(12)
    share[0:2] = janfeb / 2 / total
    share[2], share[3] = (janmar - janfeb) / total, (janapr - janmar) / total
    share[4:6] = fact("ren_wind_share_mayjun") / 100 / 2
    share[6:9] = fact("ren_wind_share_q3") / 100 / 3
    share[9:12] = fact("ren_wind_share_q4") / 100 / 3
    share /= share.sum()
    return share / (DAYS_IN_MONTH / 365)


def diurnal_shape(lon: float, lat: float, amplitude: float) -> np.ndarray:
    """D(hour of Beijing time): 1 + a·cos(2π(h_solar − peak)/24), h_solar the local solar hour."""
    h_solar = np.arange(24) + 0.5 + (lon - 120.0) / 15.0
    return 1 + amplitude * np.cos(2 * np.pi * (h_solar - fact("ren_wind_peak_hour")) / 24)


def wind_cf(z: np.ndarray, sigma: float, shape: np.ndarray, target: float) -> np.ndarray:
    """Hourly p.u. output with mean `target`: the mean speed v̄ found by bisection."""
    rel = np.exp(sigma * z - sigma**2 / 2)
    lo, hi = 1.0, 30.0
    for _ in range(60):
        v = (lo + hi) / 2
        cf = np.minimum(1.0, power_curve(v * rel) * shape)
        lo, hi = (v, hi) if cf.mean() < target else (lo, v)
    return cf


# ---- curtailment ----------------------------------------------------------------------------------


def curtailed(output_mw: np.ndarray, share: float) -> np.ndarray:
    """max(0, output − θ) with θ such that the curtailed energy is `share` of the output energy."""
    if share <= 0 or output_mw.max() <= 0:
        return np.zeros_like(output_mw)
    need = share * output_mw.sum()
    lo, hi = 0.0, float(output_mw.max())
    for _ in range(80):
        th = (lo + hi) / 2
        lo, hi = (lo, th) if np.maximum(0, output_mw - th).sum() < need else (th, hi)
    return np.maximum(0, output_mw - (lo + hi) / 2)


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    pts = points()
    ids = list(pts.index)
    lon, lat = pts["lon"].to_numpy(float), pts["lat"].to_numpy(float)
    basis = pts.copy()
    basis["solar_gw"] = [fact(f"ren_solar_gw_{p}") for p in ids]
    basis["solar_util"] = [fact(f"ren_solar_util_{p}") / 100 for p in ids]
    q1 = np.array([fact(f"ren_wind_gw_2020q1_{p}") for p in ids])
    basis["wind_gw"] = fact("ren_wind_gw_2024") * q1 / q1.sum()
    basis["wind_util"] = [fact(f"ren_wind_util_{p}") / 100 if f"ren_wind_util_{p}" in FACTS
                          else fact("ren_wind_util_2024") / 100 for p in ids]
    h_nat = fact("ren_wind_h_2020q1_national")
    basis["wind_index"] = [(fact(f"ren_wind_h_2020q1_{p}") / h_nat) ** fact("ren_wind_resource_exponent") for p in ids]

    # solar: daily clearness quantiles, persistent day to day and correlated in space
    zs = correlated_normals(rng, 365, lon, lat, fact("ren_solar_corr_km"), fact("ren_solar_day_ar1"))
    from scipy.stats import norm
    pv = np.column_stack([pv_output(lon[k], lat[k], norm.cdf(zs[:, k])) for k in range(len(ids))])
    w, util = basis["solar_gw"].to_numpy(), basis["solar_util"].to_numpy()
    target = fact("ren_solar_hours_2024") / 8760
    alpha = 1.0
    for _ in range(20):  # the clip at 1 makes the scale slightly non-linear
        solar = np.minimum(1.0, alpha * pv)
        alpha *= target / ((w * util * solar.mean(axis=0)).sum() / w.sum())

    # onshore wind
    zw = correlated_normals(rng, 8760, lon, lat, fact("ren_wind_corr_km"), fact("ren_wind_ar1_hourly"))
    month = np.repeat(np.repeat(np.arange(12), DAYS_IN_MONTH), 24)
    ww, wu, r = basis["wind_gw"].to_numpy(), basis["wind_util"].to_numpy(), basis["wind_index"].to_numpy()
    alpha_w = fact("ren_wind_hours_2024") / 8760 * ww.sum() / (ww * wu * r).sum()
    m_target = monthly_shape()
    m_factor = m_target.copy()
    for _ in range(6):  # the clip at 1 trims windy months: raise their factor until the national shares hold
        m_shape = m_factor[month]
        onwind = np.empty((8760, len(ids)))
        for k in range(len(ids)):
            amp = fact("ren_wind_diurnal_north") if lat[k] >= fact("ren_wind_diurnal_lat") else fact("ren_wind_diurnal_south")
            shape = m_shape * np.tile(diurnal_shape(lon[k], lat[k], amp), 365)
            onwind[:, k] = wind_cf(zw[:, k], fact("ren_wind_sigma"), shape, alpha_w * r[k])
        nat = onwind @ ww
        got = np.array([nat[month == m].mean() for m in range(12)]) / nat.mean()
        m_factor *= m_target / got
    offwind = {p: wind_cf(zw[:, ids.index(p)], fact("ren_offwind_sigma"), m_shape, fact(f"ren_offwind_h_{p}") / 8760)
               for p in OFFSHORE}
    basis["offwind_h"] = [fact(f"ren_offwind_h_{p}") if p in OFFSHORE else np.nan for p in ids]

    cols: dict[str, np.ndarray] = {}
    for k, p in enumerate(ids):
        cols[f"solar:{p}"] = np.round(solar[:, k], 3)
        cols[f"onwind:{p}"] = np.round(onwind[:, k], 3)
        if p in offwind:
            cols[f"offwind:{p}"] = np.round(offwind[p], 3)
    for p in ids:
        s_mw = basis.loc[p, "solar_gw"] * 1000 * cols[f"solar:{p}"]
        w_mw = basis.loc[p, "wind_gw"] * 1000 * cols[f"onwind:{p}"]
        c = curtailed(s_mw, 1 - basis.loc[p, "solar_util"]) + curtailed(w_mw, 1 - basis.loc[p, "wind_util"])
        cols[f"curtailed:{p}"] = np.round(c, 1)
    df = pd.DataFrame(cols)
    df.index.name = "hour"
    basis["solar_scale"] = alpha
    basis["wind_scale"] = alpha_w
    return df, basis


def write(df: pd.DataFrame, basis: pd.DataFrame) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(lineterminator="\n", float_format="%.4g")
    with (OUT / "profiles.csv.gz").open("wb") as f:  # mtime=0: the same profiles give the same bytes
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(text.encode())
    b = basis.reset_index().rename(columns={"index": "province", "region": "province"})
    buf = io.StringIO()
    b.to_csv(buf, index=False, lineterminator="\n", float_format="%.6g")
    (OUT / "basis.csv").write_text(buf.getvalue(), encoding="utf-8")


def report(df: pd.DataFrame, basis: pd.DataFrame) -> None:
    for tech, gw, util in (("solar", "solar_gw", "solar_util"), ("onwind", "wind_gw", "wind_util")):
        m = np.array([df[f"{tech}:{p}"].mean() for p in basis.index])
        w = basis[gw].to_numpy()
        print(f"{tech}: delivered national {8760 * (w * basis[util] * m).sum() / w.sum():.1f} h, "
              f"available {8760 * (w * m).sum() / w.sum():.1f} h")
    t = pd.DataFrame({"solar_h": [8760 * df[f"solar:{p}"].mean() for p in basis.index],
                      "onwind_h": [8760 * df[f"onwind:{p}"].mean() for p in basis.index]},
                     index=basis["name_en"])
    print(t.sort_values("solar_h", ascending=False).round(0).to_string())


if __name__ == "__main__":
    profiles, basis_table = build()
    write(profiles, basis_table)
    report(profiles, basis_table)
    print("wrote", OUT / "profiles.csv.gz", f"{(OUT / 'profiles.csv.gz').stat().st_size / 1e6:.2f} MB")
