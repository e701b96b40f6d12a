"""Words of the two pages (the interactive map and the report) and the characters their
font must cover.

The font cut for a page covers every word either page can show in its language plus every
name of the instance, not just the characters on one page: so map.html and report.html share
one cut, and every re-solve of an instance finds it in the cache (fonts_cache)."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from edwc.maps.i18n import WORDS
from edwc.results.names import CLASS_NAMES

if TYPE_CHECKING:
    from edwc.results.digest import Digest

PAGE_WORDS = {
    "zh": {"all": "全部", "filter": "算力类别", "reset": "复原视图", "click": "点击站点查看其服务流向；再次点击或点空白处复原",
           "installed": "装机", "new": "新建", "served": "服务", "util": "利用率", "pue": "PUE",
           "hub": "枢纽", "side": "东/西", "capacity": "容量", "load": "负载", "length": "长度",
           "added": "新增波长", "flow": "流量", "rtt": "往返时延", "trunk_util": "干线利用率",
           "sites_size": "圆面积 ∝ 所选类别装机 PFLOPS", "none": "无"},
    "en": {"all": "all", "filter": "class", "reset": "reset view", "click": "click a site to see the flows it serves; click again or on the background to reset",
           "installed": "installed", "new": "new", "served": "served", "util": "utilisation", "pue": "PUE",
           "hub": "hub", "side": "side", "capacity": "capacity", "load": "load", "length": "length",
           "added": "wavelengths added", "flow": "flow", "rtt": "RTT", "trunk_util": "trunk utilisation",
           "sites_size": "circle area ∝ installed PFLOPS of the chosen class", "none": "none"},
}

REPORT_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "kpis": "要点", "installed": "装机", "built": "新建", "west_new": "西部占新建",
        "intel": "智能算力占装机", "cost": "年化成本（不含未满足惩罚）", "unmet": "未满足需求",
        "congested": "满载干线（≥ {at}）", "energy": "年用电", "emissions": "年排放",
        "gap": "求解状态", "scorecard": "政策记分卡", "policy": "政策", "target": "目标",
        "achieved": "实现", "met": "是否达标", "price": "政策代价（亿元/年）", "yes": "达标",
        "no": "未达标", "na": "未测算", "hubs": "各枢纽装机（PFLOPS）", "hub": "枢纽",
        "side": "东/西", "existing": "既有", "new": "新建", "total": "合计",
        "intel_share": "智能占比", "costs": "年化成本构成（亿元/年）", "part": "构成",
        "value": "数值", "share": "占比",
        "penalty": "未满足需求惩罚 {v} 亿元/年：模型为 {p} PFLOPS 未满足需求计的惩罚，不是实际支出，单列于此。",
        "no_penalty": "全部需求得到满足，无未满足惩罚。",
        "maps": "地图", "open_map": "交互地图：同目录下 {f}（离线可用）", "no_map": "本结果尚无 {f}。",
        "sites": "站点（PFLOPS）", "site": "站点", "util": "利用率", "trunks": "满载干线",
        "trunk": "干线", "capacity": "容量（Gbps）", "load": "负载（Gbps）", "length": "长度（km）",
        "unmet_t": "未满足需求（PFLOPS）", "region": "区域", "workload": "负载类型",
        "none": "无", "other": "（枢纽外）", "east": "东部", "west": "西部",
        "files": "文件：表格见 plan{s}.xlsx 与各 CSV；地图 map{s}.png / map{s}.html。",
        "parts": {"campus": "园区", "capacity": "算力设备", "energy": "电费", "trunks": "干线扩容",
                  "carbon": "碳价", "unmet": "未满足惩罚"},
        "policies": {"west_share_new_min": "西部占新增算力", "hub_share_new_min": "枢纽占新增算力",
                     "intelligent_share_min": "智能算力占比", "pue_max": "新建 PUE 上限",
                     "pue_max_new": "新建 PUE 上限", "west_utilisation_min": "西部上架率/利用率",
                     "carbon_cap_t": "碳排放上限（t）", "renewable_share_min": "绿电占比",
                     "green_share_min": "绿电占比", "max_site_share": "单站点承接上限"},
    },
    "en": {
        "kpis": "Key numbers", "installed": "installed", "built": "new", "west_new": "west share of new",
        "intel": "intelligent share of installed", "cost": "annual cost (without unmet penalty)",
        "unmet": "unmet demand", "congested": "full trunks (≥ {at})", "energy": "energy per year",
        "emissions": "emissions per year", "gap": "solver status", "scorecard": "Policy scorecard",
        "policy": "policy", "target": "target", "achieved": "achieved", "met": "met",
        "price": "price (亿元/yr)", "yes": "met", "no": "not met", "na": "not measured",
        "hubs": "Installed capacity by hub (PFLOPS)", "hub": "hub", "side": "side",
        "existing": "existing", "new": "new", "total": "total", "intel_share": "intelligent share",
        "costs": "Annual cost parts (亿元/yr)", "part": "part", "value": "value", "share": "share",
        "penalty": "Unmet-demand penalty {v} 亿元/yr: the model's price on {p} PFLOPS of unmet demand, not money spent; shown apart.",
        "no_penalty": "All demand is served: no unmet-demand penalty.",
        "maps": "Maps", "open_map": "Interactive map: {f} in the same folder (works offline)",
        "no_map": "This result has no {f} yet.", "sites": "Sites (PFLOPS)", "site": "site",
        "util": "utilisation", "trunks": "Full trunks", "trunk": "trunk",
        "capacity": "capacity (Gbps)", "load": "load (Gbps)", "length": "length (km)",
        "unmet_t": "Unmet demand (PFLOPS)", "region": "region", "workload": "workload",
        "none": "none", "other": "(outside hubs)", "east": "east", "west": "west",
        "files": "Files: tables in plan{s}.xlsx and the CSVs; maps in map{s}.png / map{s}.html.",
        "parts": {"campus": "campus", "capacity": "capacity", "energy": "energy",
                  "trunks": "trunk upgrades", "carbon": "carbon", "unmet": "unmet penalty"},
        "policies": {"west_share_new_min": "west share of new compute",
                     "hub_share_new_min": "hub share of new compute",
                     "intelligent_share_min": "intelligent share", "pue_max": "PUE ceiling (new builds)",
                     "pue_max_new": "PUE ceiling (new builds)",
                     "west_utilisation_min": "utilisation at western sites",
                     "carbon_cap_t": "carbon cap (t)", "renewable_share_min": "green power share",
                     "green_share_min": "green power share", "max_site_share": "max share per site"},
    },
}


def _strings(x: Any) -> list[str]:
    if isinstance(x, dict):
        return [s for v in x.values() for s in _strings(v)]
    return [str(x)]


def page_chars(d: Digest, lang: str) -> str:
    """Every character the pages of ``d`` in ``lang`` can show."""
    parts = _strings(WORDS[lang]) + _strings(PAGE_WORDS[lang]) + _strings(REPORT_WORDS[lang])
    parts += _strings(CLASS_NAMES[lang])
    for table in (d.names.regions, d.names.sites, d.names.hubs):
        parts += [str(v) for col in table.columns for v in table[col]]
    parts += [str(d.summary.get("instance", "")), str(d.summary.get("scenario") or "")]
    return "".join(sorted(set("".join(parts) + string.printable + "亿元万吨℃–—→·×≥≤✔✘₂")))
