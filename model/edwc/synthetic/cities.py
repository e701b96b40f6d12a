"""Generate synthetic city-level instances for scale and speed work.

Geography is real up to the 367 prefecture-city points of geodata/cities.csv; beyond that (e.g. 1,000
regions) each further region is a SYNTHETIC point drawn within ~60 km of a random city, named
"<city> synthetic point k". Everything else is SYNTHETIC too: demand weights are seeded random draws
scaled to a national total, site attributes are drawn in ranges around the china-2025 figures. Use
these instances to measure the tool, never as data.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import yaml
from scipy.sparse.csgraph import minimum_spanning_tree

from edwc.network.routes import great_circle_km

ROOT = Path(__file__).resolve().parents[3]  # the repository: geodata/ sits beside model/
CITIES = ROOT / "geodata" / "cities.csv"
WEST_PROVINCES = {"150000", "520000", "620000", "640000"}  # the four western supply-hub provinces
NATIONAL_PFLOPS = 300_000  # the 2025 target (> 300 EFLOPS), scaled by the share of cities kept

CLASSES = pd.DataFrame(
    [("general", "FP32", 60.0, 5.0e6, 500.0), ("intelligent", "FP16", 1.3, 6.0e6, 1000.0), ("super", "FP64", 40.0, 8.0e6, 200.0)],
    columns=["class", "precision", "kw_per_pflops", "capex_cny_per_pflops", "module_pflops"],
)
WORKLOADS = pd.DataFrame(
    [("ai-inference", "intelligent", 20.0, 0.05, 0.15), ("ai-training", "intelligent", None, 0.02, 0.20),
     ("general-realtime", "general", 10.0, 0.2, 0.25), ("general-batch", "general", None, 0.1, 0.37),
     ("hpc", "super", None, 0.05, 0.03)],
    columns=["workload", "class", "max_rtt_ms", "gbps_per_pflops", "share"],
)


def _synthetic_points(cities: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """n SYNTHETIC region points, each within ~60 km of a random prefecture city (same province).

    Their ids are free 6-digit codes under the city's (city 110100 -> 110101, 110102, ...), never an
    adcode of geodata/cities.csv.
    """
    base = cities.iloc[rng.integers(0, len(cities), n)].reset_index(drop=True)
    used = set(cities["adcode"])
    codes = []
    for a in base["adcode"]:
        code = next((c for c in (f"{a[:4]}{k:02d}" for k in range(1, 100)) if c not in used), None)
        if code is None:
            raise ValueError(f"{n} synthetic points are too many for {len(cities)} cities (at most 99 each)")
        used.add(code)
        codes.append(code)
    k = base.groupby("adcode").cumcount() + 1
    return pd.DataFrame({
        "adcode": codes,
        "name_zh": base["name_zh"] + "合成点" + k.astype(str),
        "name_en": base["name_en"] + " synthetic point " + k.astype(str),
        "province": base["province"],
        "kind": "synthetic",
        "lon": base["lon"] + rng.uniform(-0.6, 0.6, n),
        "lat": base["lat"] + rng.uniform(-0.45, 0.45, n),
    })


def _pick_sites(cities: pd.DataFrame, n_sites: int, rng: np.random.Generator) -> pd.DataFrame:
    """One site in each province's first city while they last, then random further cities."""
    first = cities.groupby("province", sort=True).head(1)
    rest = cities.drop(first.index)
    extra = rest.sample(n=max(0, n_sites - len(first)), random_state=int(rng.integers(1 << 31)))
    chosen = pd.concat([first, extra]).head(n_sites)
    west = chosen["province"].isin(WEST_PROVINCES)
    n = len(chosen)
    return pd.DataFrame({
        "site": [f"s{a}" for a in chosen["adcode"]],
        "name_zh": chosen["name_zh"].to_numpy() + "数据中心",
        "name_en": chosen["name_en"].to_numpy() + " DC",
        "hub": np.where(west, "west", "east"),
        "side": np.where(west, "west", "east"),
        "region": chosen["adcode"].to_numpy(),
        "lon": chosen["lon"].round(4).to_numpy(),
        "lat": chosen["lat"].round(4).to_numpy(),
        "kind": "cluster",
        "candidate": np.where(np.arange(n) % 3 == 2, "true", "false"),
        "campus_capex_cny": np.where(np.arange(n) % 3 == 2, (rng.uniform(2, 6, n) * 1e9).round(-6), ""),
        "pue": np.where(west, rng.uniform(1.15, 1.25, n), rng.uniform(1.25, 1.45, n)).round(3),
        "power_price_cny_per_kwh": np.where(west, rng.uniform(0.3, 0.4, n), rng.uniform(0.55, 0.75, n)).round(3),
        "grid_co2_t_per_mwh": rng.uniform(0.2, 0.8, n).round(4),
        "max_facility_mw": (rng.uniform(300, 1500, n)).round(0),
    })


def _trunks(regions: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """A minimum spanning tree over the cities plus each city's 2 nearest neighbours, and access trunks."""
    xy = regions[["lon", "lat"]].to_numpy()
    ids = regions["region"].to_numpy()
    n = len(ids)
    d = great_circle_km(xy[:, None, 0], xy[:, None, 1], xy[None, :, 0], xy[None, :, 1])
    g = nx.Graph()
    for i in range(n):
        for j in np.argsort(d[i])[1:3]:
            g.add_edge(i, int(j), weight=float(d[i, j]))
    mst = minimum_spanning_tree(np.triu(d + 1e-6, 1)).tocoo()  # +1e-6 km: a zero distance is still an edge
    g.add_edges_from(zip(mst.row.tolist(), mst.col.tolist(), strict=True))
    rows: list[tuple[object, ...]] = [(f"t{ids[i]}-{ids[j]}", ids[i], ids[j], "", 4000.0, 400.0, 2.0e7, 20) for i, j in sorted(tuple(sorted(e)) for e in g.edges)]
    rows += [(f"a-{s}", r, s, 20.0, 20000.0, 400.0, 1.0e6, 20) for s, r in zip(sites["site"], sites["region"], strict=True)]
    return pd.DataFrame(rows, columns=["trunk", "from", "to", "length_km", "capacity_gbps", "module_gbps", "module_capex_cny", "max_modules"])


# The power side of china-2025 (instances/china-2025/instance.yaml, its figures' facts ids there), for
# synthetic instances with typical days: curtailed power, certificates and 650号 direct supply.
POWER = {"certificate_cny_per_mwh": 5.22, "curtailed_cny_per_kwh": 0.2,
         "direct": {"pv_capex_cny_per_kw": 3500, "wind_capex_cny_per_kw": 3900, "charges_cny_per_kwh": 0.05}}
FLEXIBLE = {"ai-training": 0.1, "general-batch": 0.1, "hpc": 0.1}  # movable within the day, as china-2025


def generate_city_instance(out: Path, n_regions: int = 340, n_sites: int = 60, seed: int = 0,
                           typical_days: int | None = None, segments: int | None = 6) -> Path:
    """Write a synthetic instance with n_regions prefecture cities and n_sites sites to out/.

    typical_days=D adds the power side as china-2025 has it (POWER; direct supply up to 500 MW at western
    sites and 200 MW at every fifth eastern one; 10 % of training, batch and HPC work movable within the
    day) on D typical days of `segments` steps (None: 24 hours). Without it the instance is annual and has
    no hourly element, so typical days would not change its model."""
    rng = np.random.default_rng(seed)
    cities = pd.read_csv(CITIES, dtype={"adcode": str, "province": str})
    cities = cities.sort_values("adcode").reset_index(drop=True)
    if n_regions > len(cities):
        cities = pd.concat([cities, _synthetic_points(cities, n_regions - len(cities), rng)], ignore_index=True)
    if n_regions < len(cities):
        cities = cities.sample(n=n_regions, random_state=seed).sort_values("adcode").reset_index(drop=True)
    regions = pd.DataFrame({"region": cities["adcode"], "name_zh": cities["name_zh"], "name_en": cities["name_en"],
                            "lon": cities["lon"].round(4), "lat": cities["lat"].round(4)})
    sites = _pick_sites(cities, min(n_sites, len(cities)), rng)
    weight = rng.lognormal(0, 1, len(regions))
    total = NATIONAL_PFLOPS * len(regions) / 340
    demand = pd.DataFrame([(r, w.workload, 2025, round(total * wt / weight.sum() * w.share, 3))
                           for r, wt in zip(regions["region"], weight, strict=True) for w in WORKLOADS.itertuples()],
                          columns=["region", "workload", "period", "pflops"])
    cand = dict(zip(sites["site"], sites["candidate"] == "true", strict=True))
    sc = pd.DataFrame([(s, c, 0.0 if cand[s] else round(float(rng.uniform(0, 0.6)) * total / len(sites) * (0.3 if c == "super" else 1), 1),
                        int(rng.integers(5, 40)))
                       for s in sites["site"] for c in CLASSES["class"]],
                      columns=["site", "class", "existing_pflops", "max_modules"])
    kw = CLASSES.set_index("class")["kw_per_pflops"]
    it_mw = (sc["existing_pflops"] * sc["class"].map(kw)).groupby(sc["site"]).sum() / 1000
    sites["max_facility_mw"] = np.maximum(sites["max_facility_mw"], (it_mw.reindex(sites["site"]).to_numpy() * 1.6).round(0) + 100)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg: dict[str, object] = {
        "name": f"cities-{len(regions)}x{len(sites)}", "description": "SYNTHETIC city-level instance for scale tests (not data)",
        "periods": [2025], "finance": {"unmet_penalty_cny_per_pflops_year": 2.0e8},
        "network": {"route_factor": 1.5, "hop_delay_ms": 0.1, "access_rtt_ms": 1.0},
        "policy": {"west_share_new_min": None, "pue_max": {"east": 1.5, "west": 1.3}},
        "solver": {"time_limit_s": 300, "mip_gap": 0.01}}
    workloads = WORKLOADS.drop(columns="share")
    if typical_days:
        cfg["power"] = POWER
        cfg["time"] = {"mode": "typical_days", "days": typical_days, "segments": segments}
        east = np.cumsum(sites["side"].to_numpy() == "east")
        sites["direct_mw_max"] = np.where(sites["side"] == "west", 500.0, np.where(east % 5 == 1, 200.0, 0.0))
        workloads = workloads.assign(flexible_share=workloads["workload"].map(FLEXIBLE).fillna(0.0), flex_window_h=24.0)
    (out / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    hubs = pd.DataFrame([("east", "东部", "East", "east"), ("west", "西部", "West", "west")], columns=["hub", "name_zh", "name_en", "side"])
    tables = {"regions": regions, "hubs": hubs, "sites": sites, "site_classes": sc, "classes": CLASSES,
              "workloads": workloads, "demand": demand, "trunks": _trunks(regions, sites)}
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    _move_unreachable_demand(out)
    return out


def _move_unreachable_demand(out: Path) -> None:
    """Latency-limited demand that no site can reach is moved to the batch workload of its class."""
    from edwc.input.instance import load_instance
    from edwc.network.reach import load_valid_instance
    from edwc.network.routes import allowed_pairs

    inst = load_instance(out)
    ok = allowed_pairs(inst)[["region", "workload"]].drop_duplicates().assign(ok=True)
    dem = pd.read_csv(out / "demand.csv", dtype={"region": str})
    m = dem.merge(ok, on=["region", "workload"], how="left")
    fallback = {"ai-inference": "ai-training", "general-realtime": "general-batch"}
    bad = m["ok"].isna() & m["workload"].isin(list(fallback))
    if not bad.any():
        return
    moved = dem[bad].assign(workload=lambda d: d["workload"].map(fallback))
    dem = pd.concat([dem[~bad], moved]).groupby(["region", "workload", "period"], as_index=False)["pflops"].sum()
    dem.to_csv(out / "demand.csv", index=False, lineterminator="\n")
    load_valid_instance(out)  # must now be valid
