"""The shipped geography: valid layers, CRS set, mainland provinces complete, small."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
GEODATA = REPO / "geodata"
BASE = GEODATA / "china.gpkg"
FONT = REPO / "model" / "edwc" / "maps" / "fonts" / "NotoSansSC-GB2312.otf"
LAYERS = {"provinces", "cities", "outline", "ten_dash_line", "neighbours"}


def layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(BASE, layer=name)


def test_layers_present_with_crs() -> None:
    names = {name for name, _ in pyogrio.list_layers(BASE)}
    assert LAYERS <= names
    for name in LAYERS:
        gdf = layer(name)
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert len(gdf) > 0 and gdf.geometry.is_valid.all(), name
        assert not gdf.geometry.is_empty.any(), name


def test_31_mainland_provinces() -> None:
    prov = layer("provinces")
    mainland = prov[prov["mainland"]]
    assert len(mainland) == 31
    assert mainland["adcode"].str.fullmatch(r"\d{4}00").all()
    assert mainland["adcode"].is_unique
    assert {"name_zh", "name_en", "label_lon", "label_lat"} <= set(prov.columns)
    assert prov["name_en"].notna().all() and prov["name_zh"].notna().all()
    assert set(prov["adcode"]) >= {"710000", "810000", "820000"}  # drawn, not mainland


def test_provinces_form_a_valid_coverage_inside_china() -> None:
    prov = layer("provinces")
    assert shapely.coverage_is_valid(prov.geometry.to_numpy())
    minx, miny, maxx, maxy = prov.total_bounds
    assert 73 < minx < 74.5 and 134 < maxx < 135.5 and 3 < miny < 4.5 and 53 < maxy < 54  # Hainan reaches 3.8° N
    labels = gpd.points_from_xy(prov["label_lon"], prov["label_lat"])
    assert all(g.contains(p) for g, p in zip(prov.geometry, labels, strict=True))


def test_wgs84_not_gcj02() -> None:
    """Tiananmen's flagpole is at 116.3912 E, 39.9055 N in WGS84 (GCJ-02 adds ~600 m)."""
    beijing = layer("cities").set_index("adcode").loc["110100"]
    assert abs(beijing["lon"] - 116.39) < 0.02 and abs(beijing["lat"] - 39.90) < 0.02
    prov = layer("provinces").set_index("adcode")
    assert prov.loc["110000"].geometry.contains(shapely.Point(116.3912, 39.9055))


def test_cities_csv_matches_layer() -> None:
    csv = pd.read_csv(GEODATA / "cities.csv", dtype={"adcode": str, "province": str})
    assert list(csv.columns) == ["adcode", "name_zh", "name_en", "province", "kind", "lon", "lat"]
    assert 330 <= len(csv) <= 380 and csv["adcode"].is_unique
    assert csv[["name_zh", "name_en", "province"]].notna().all().all()
    prov = layer("provinces").set_index("adcode")
    inside = [prov.loc[p].geometry.buffer(0.05).contains(shapely.Point(x, y))
              for p, x, y in zip(csv["province"], csv["lon"], csv["lat"], strict=True)]
    assert sum(inside) >= len(csv) - 2


def test_ten_dash_line_in_south_china_sea() -> None:
    line = layer("ten_dash_line")
    minx, miny, maxx, maxy = line.total_bounds
    assert 105 < minx and maxx < 125 and 2 < miny and maxy < 26


@pytest.mark.parametrize("path,limit_mb", [(BASE, 2.0), (FONT, 3.5),
                                           (GEODATA / "cities.csv", 0.1)])
def test_sizes(path: Path, limit_mb: float) -> None:
    assert path.exists(), path
    assert path.stat().st_size < limit_mb * 1e6


def test_package_sees_the_layers() -> None:
    packaged = REPO / "model" / "edwc" / "maps" / "data" / "china.gpkg"
    assert packaged.resolve() == BASE.resolve() or packaged.read_bytes() == BASE.read_bytes()
