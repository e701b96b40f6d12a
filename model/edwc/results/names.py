"""Names for ids: regions, sites, hubs, trunks, classes and workloads in Chinese and English,
in full and short (for map labels). Read from a result's own ``instance/`` folder.

Short names come from the optional ``short_zh`` / ``short_en`` columns of sites.csv and
hubs.csv when an instance has them, else from the full names by the rules below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

LANGS = ("zh", "en")
CLASS_NAMES = {
    "zh": {"general": "通用算力", "intelligent": "智能算力", "super": "超算"},
    "en": {"general": "general", "intelligent": "intelligent", "super": "supercomputing"},
}
PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


def short_site(name: str, lang: str) -> str:
    """张家口数据中心集群 → 张家口; 国家超级计算天津中心 → 超算天津; 辽宁省数据中心区(沈阳) → 沈阳;
    Zhangjiakou cluster → Zhangjiakou; Liaoning provincial DC (Shenyang) → Shenyang."""
    name = str(name).strip()
    if lang == "zh":
        if m := re.fullmatch(r"国家超级计算(.+)中心", name):
            return "超算" + m[1]
        if m := re.fullmatch(r"(.+?)(航天|国际)?超算中心", name):
            return re.sub(r"[()（）]|国际", "", m[1]) + "超算"
        if m := re.search(r"[(（](.+?)[)）]$", name):
            return m[1]
        if m := re.fullmatch(r"(.{2,4}?)生态.*示范区.*", name):
            return m[1] + "示范区"
        short = re.sub(r"(数据中心集群|数据中心区|数据中心|算力集聚区|大数据产业园|集群)$", "", name)
        return re.sub(r"新片区$", "", short) or name
    if m := re.search(r"provincial DC \((.+?)\)$", name):
        return m[1]
    if m := re.fullmatch(r"(.+?) \(.+?\) (supercomputing centre|big-data park)", name):
        return m[1] + (" SC" if m[2].startswith("super") else "")
    if m := re.fullmatch(r"(.+?) (aerospace )?supercomputing centre", name):
        return m[1] + " SC"
    return re.sub(r" (metro DC area|compute cluster|cluster)$", "", name) or name


def short_hub(name: str, lang: str) -> str:
    """京津冀枢纽 → 京津冀; 粤港澳大湾区枢纽 → 粤港澳; Guangdong-Hong Kong-Macao Greater Bay Area
    → Greater Bay Area."""
    name = str(name).strip()
    if lang == "zh":
        return re.sub(r"(大湾区)?枢纽(节点)?$", "", name) or name
    if "Greater Bay Area" in name:
        return "Greater Bay Area"
    return name


def short_region(name: str, lang: str) -> str:
    name = str(name).strip()
    return (PROVINCE_SUFFIX.sub("", name) or name) if lang == "zh" else name


@dataclass
class Names:
    """id → name tables, each indexed by id with columns name_zh, name_en, short_zh, short_en."""

    regions: pd.DataFrame
    sites: pd.DataFrame
    hubs: pd.DataFrame
    workloads: pd.DataFrame  # name_zh/name_en = the id unless a description exists

    def of(self, kind: str, ids: pd.Series | list[str], lang: str, short: bool = False
           ) -> pd.Series:
        """Names of ``ids`` (regions, sites, hubs or nodes = regions and sites); the id when
        unknown."""
        col = f"{'short' if short else 'name'}_{lang}"
        table = (pd.concat([self.regions, self.sites]) if kind == "nodes" else getattr(self, kind))
        ids = pd.Series(ids, dtype=object)
        return ids.map(table[col]).fillna(ids).astype(str)

    def trunk_label(self, a: pd.Series, b: pd.Series, lang: str) -> pd.Series:
        """湖北–湖南 / Hubei–Hunan: short names of a trunk's two ends."""
        return (self.of("nodes", a, lang, short=True).reset_index(drop=True) + "–"
                + self.of("nodes", b, lang, short=True).reset_index(drop=True))


def class_name(c: str, lang: str) -> str:
    return CLASS_NAMES.get(lang, {}).get(c, c)


def _named(df: pd.DataFrame, key: str, shorten) -> pd.DataFrame:  # noqa: ANN001
    out = df[[key]].copy()
    for lang in LANGS:
        full = df.get(f"name_{lang}", df[key]).fillna(df[key]).astype(str)
        out[f"name_{lang}"] = full
        given = df.get(f"short_{lang}")
        derived = full.map(lambda n, lang=lang: shorten(n, lang))
        out[f"short_{lang}"] = derived if given is None else given.fillna(derived).astype(str)
    return out.set_index(key)


def read_names(instance_dir: Path) -> Names:
    """Names from an instance folder's regions.csv, sites.csv, hubs.csv, workloads.csv."""
    def read(name: str, key: str) -> pd.DataFrame:
        path = instance_dir / f"{name}.csv"
        if not path.exists():
            return pd.DataFrame(columns=[key, "name_zh", "name_en"])
        return pd.read_csv(path, dtype={key: str}, keep_default_na=False, na_values=[""])

    workloads = read("workloads", "workload")
    workloads = workloads.assign(name_zh=workloads["workload"], name_en=workloads["workload"])
    return Names(
        regions=_named(read("regions", "region"), "region", short_region),
        sites=_named(read("sites", "site"), "site", short_site),
        hubs=_named(read("hubs", "hub"), "hub", short_hub),
        workloads=_named(workloads, "workload", lambda n, lang: n),
    )
