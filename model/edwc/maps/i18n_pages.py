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
           "sites_size": "圆面积 ∝ 所选类别装机 PFLOPS", "none": "无",
           "power": "设施功率 / 上限", "at_limit": "电力满载",
           "direct": "绿电直连", "direct_key": "绿电直连：光伏 + 风电（星形大小 ∝ MW）", "storage": "储能", "pv": "光伏", "wind": "风电"},
    "en": {"all": "all", "filter": "class", "reset": "reset view", "click": "click a site to see the flows it serves; click again or on the background to reset",
           "installed": "installed", "new": "new", "served": "served", "util": "utilisation", "pue": "PUE",
           "hub": "hub", "side": "side", "capacity": "capacity", "load": "load", "length": "length",
           "added": "wavelengths added", "flow": "flow", "rtt": "RTT", "trunk_util": "trunk utilisation",
           "sites_size": "circle area ∝ installed PFLOPS of the chosen class", "none": "none",
           "power": "facility power / limit", "at_limit": "at its power limit",
           "direct": "green direct supply", "direct_key": "green direct supply: PV + wind (star size ∝ MW)",
           "storage": "storage", "pv": "PV", "wind": "wind"},
}

REPORT_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "kpis": "要点", "installed": "装机", "built": "新建", "west_new": "西部占新建",
        "intel": "智能算力占装机", "cost": "年化成本（未满足需求单列）", "unmet": "未满足需求",
        "congested": "满载干线（≥ {at}）", "energy": "年用电", "emissions": "年排放",
        "gap": "求解状态", "scorecard": "政策记分卡", "policy": "政策", "target": "目标",
        "achieved": "实现", "met": "是否达标", "price": "政策代价（亿元/年）", "yes": "达标",
        "no": "未达标", "na": "未测算", "hubs": "各枢纽装机（PFLOPS）", "hub": "枢纽",
        "side": "东/西", "existing": "既有", "new": "新建", "total": "合计",
        "intel_share": "智能占比", "costs": "年化成本构成（亿元/年）", "part": "构成",
        "value": "数值", "share": "占比",
        "penalty": "未满足需求 {p} PFLOPS，其服务价值损失 {v} 亿元/年（按各负载服务成本的倍数计）：不是实际支出，不计入成本，单列于此。",
        "no_penalty": "全部需求得到满足。",
        "penalty_pv": "{t} 年未满足需求 {p} PFLOPS（各期合计 {all} PFLOPS）；其服务价值损失：{first}–{t} 现值 {v} 亿元（折现至 {first} 年），{t} 年 {y} 亿元/年（按各负载服务成本的倍数计）：不是实际支出，不计入成本，单列于此。",
        "unmet_year": "{t} 年未满足需求", "unmet_pf": "未满足（PFLOPS）",
        "energy_year": "{t} 年用电", "emissions_year": "{t} 年排放",
        "occupancy": "上架率（已用/建成 {m} 万架）· 服务器利用率", "occupancy_year": "{t} 年上架率（已用/建成 {m} 万架）· 服务器利用率",
        "maps": "地图", "open_map": "交互地图：同目录下 {f}（离线可用）", "no_map": "本结果尚无 {f}。",
        "sites": "站点（PFLOPS）", "site": "站点", "util": "利用率", "trunks": "满载干线",
        "trunk": "干线", "capacity": "容量（Gbps）", "load": "负载（Gbps）", "length": "长度（km）",
        "unmet_t": "未满足需求（PFLOPS）", "region": "区域", "workload": "负载类型",
        "none": "无", "other": "（枢纽外）", "east": "东部", "west": "西部", "outside": "枢纽外",
        "files": "文件：表格见 plan{s}.xlsx 与各 CSV；地图 map{s}.png / map{s}.html。",
        "cost_pv": "现值 {first}–{last}（亿元，折现至 {first} 年）", "cost_year": "{t} 年年度成本（亿元/年）",
        "costs_pv": "成本构成：{first}–{last} 现值（亿元，折现至 {first} 年）与各期年度成本（亿元/年）",
        "pv": "现值（亿元）", "yearly": "{t} 年（亿元/年）",
        "periods": "分期：各期新建、用电、排放与年度成本",
        "periods_note": "图与表中的装机、站点与干线为最后一期（{t} 年）；本表为各期。新建为该期新增，西部占比为该期新建中西部之比。",
        "period": "年份", "new_total": "新建合计", "west_share": "西部占该期新建",
        "energy_twh": "用电（TWh）", "emissions_mt": "排放（Mt CO₂）", "yearly_cost": "年度成本（亿元/年）",
        "unmet_value": "未满足价值（亿元/年）", "weight": "折现权重（年）",
        "new_by_hub": "各枢纽分期新建（PFLOPS）", "unmet_value_row": "未满足需求价值（不计入成本）",
        "levers": "什么决定西部占比：方案所依赖的估计",
        "blocks": "AI 训练整块：训练放在哪里",
        "blocks_lead": "训练分 {blocks:,.1f} 块放在 {n} 个站点（每块 {size}：一个万卡级训练任务；一个站点的训练为 0 或至少一整块）。",
        "blocks_note": "哪些站点承载整块，是求解器在 MIP 间隙（{gap}）内作出的整数选择：换一个求解种子，整块可能放在别处而成本几乎不变（docs/model.md）。训练总量、枢纽与西部占比和成本是稳定的；要看其他近优布局，运行 edwc alternatives。",
        "blocks_n": "整块数", "blocks_pf": "训练 (PFLOPS)",
        "levers_note": "每个杠杆把一个估计调低、调高后重解（edwc levers）；变化以本方案为基准。优化间隙 {gap} 以内的差异不具实质意义。",
        "lever": "杠杆", "lever_change": "调整", "west_pp": "变化（百分点）",
        "hub_new": "枢纽占新建", "cost_yi": "成本（亿元）", "cost_pct": "成本变化",
        "status": "求解状态", "base_row": "本方案",
        "lever_names": {"bandwidth": "干线带宽价格", "west_power": "西部电价", "east_power": "东部电价",
                        "west_limits": "西部站点电力上限", "build_rate": "机房建设速度", "lead_time": "机房超前建设年限"},
        "lever_changes": {"west_limits-low": "上限余量减半", "lead_time-low": "−1 年", "lead_time-high": "+1 年"},
        "lever_most": "西部占比最敏感的杠杆：{name}（{lo:+.1f} 至 {hi:+.1f} 个百分点）。",
        "lever_unmet": "该设定下未满足的需求多于本方案：成本较低是因为部分算力需求没有满足（未满足需求的价值不计入成本）。",
        "lever_none": "没有杠杆使西部占比变化达 {pp} 个百分点：无实质差异。",
        "limits": "本方案受哪些限制", "limits_note": "达到上限 = ≥ {at} 的上限；影子价值来自 edwc price（每多 1 单位上限，年成本可降低的数额）。",
        "limits_none": "没有站点、干线或政策处于上限：方案由成本决定。",
        "lim_power": "电力满载站点（{n} 个）", "lim_modules": "模块数满额（{n} 个站点 × 类别）",
        "lim_trunks": "满载干线（{n} 条）", "lim_policies": "起约束作用的政策（{n} 项）",
        "lim_summary": "{n} 个站点电力满载（{names}）；{m} 个站点 × 类别模块数满额；{t} 条干线满载；{p} 项政策起约束作用。",
        "facility_mw": "设施功率（MW）", "max_mw": "上限（MW）", "of_limit": "占上限",
        "value_mw": "影子价值（万元/年 每 MW）", "value_gbps": "影子价值（元/年 每 Gbps）",
        "built_pf": "已建（PFLOPS）", "max_pflops": "上限（PFLOPS）", "upgrades_left": "剩余可扩容波长",
        "not_priced": "尚未运行 edwc price：影子价值未知。", "class": "类别",
        "power_col": "电力（MW / 上限）",
        "parts": {"campus": "园区", "capacity": "算力设备", "it_capex": "IT 设备（年化）",
                  "facility_capex": "机房设施（年化）", "energy": "电费（电网与消纳弃电）", "green_power": "绿电交易溢价与绿证",
                  "direct_supply": "绿电直连（年化）",
                  "network": "网络带宽", "trunks": "干线扩容", "carbon": "碳价", "unmet": "未满足惩罚"},
        "policies": {"west_share_new_min": "西部占新增算力", "hub_share_new_min": "枢纽占新增算力",
                     "intelligent_share_min": "智能算力占比", "pue_max": "新建 PUE 上限",
                     "pue_max_new": "新建 PUE 上限", "west_utilisation_min": "西部上架率/利用率",
                     "carbon_cap_t": "碳排放上限（t）", "renewable_share_min": "绿电占比",
                     "green_share_min": "绿电占比", "max_site_share": "单站点承接上限",
                     "national_utilisation_min": "全国上架率", "cluster_utilisation_min": "集群上架率",
                     "green_share_new_hub_min": "枢纽新建数据中心绿电占比"},
    },
    "en": {
        "kpis": "Key numbers", "installed": "installed", "built": "new", "west_new": "west share of new",
        "intel": "intelligent share of installed", "cost": "annual cost (unmet demand apart)",
        "unmet": "unmet demand", "congested": "full trunks (≥ {at})", "energy": "energy per year",
        "emissions": "emissions per year", "gap": "solver status", "scorecard": "Policy scorecard",
        "policy": "policy", "target": "target", "achieved": "achieved", "met": "met",
        "price": "price (亿元/yr)", "yes": "met", "no": "not met", "na": "not measured",
        "hubs": "Installed capacity by hub (PFLOPS)", "hub": "hub", "side": "side",
        "existing": "existing", "new": "new", "total": "total", "intel_share": "intelligent share",
        "costs": "Annual cost parts (亿元/yr)", "part": "part", "value": "value", "share": "share",
        "penalty": "Unmet demand {p} PFLOPS: value of lost service {v} 亿元/yr (a multiple of each workload's cost to serve); not money spent, not in the costs, shown apart.",
        "no_penalty": "All demand is served.",
        "penalty_pv": "Unmet demand in {t}: {p} PFLOPS ({all} PFLOPS over all periods); value of lost service: present value {first}–{t} {v} 亿元 (at {first}), {y} 亿元/yr in {t} (a multiple of each workload's cost to serve); not money spent, not in the costs, shown apart.",
        "unmet_year": "unmet demand in {t}", "unmet_pf": "unmet (PFLOPS)",
        "energy_year": "energy in {t}", "emissions_year": "emissions in {t}",
        "occupancy": "上架率 (occupied / {m} M built racks) · server use", "occupancy_year": "上架率 in {t} (occupied / {m} M built racks) · server use",
        "maps": "Maps", "open_map": "Interactive map: {f} in the same folder (works offline)",
        "no_map": "This result has no {f} yet.", "sites": "Sites (PFLOPS)", "site": "site",
        "util": "utilisation", "trunks": "Full trunks", "trunk": "trunk",
        "capacity": "capacity (Gbps)", "load": "load (Gbps)", "length": "length (km)",
        "unmet_t": "Unmet demand (PFLOPS)", "region": "region", "workload": "workload",
        "none": "none", "other": "(outside hubs)", "east": "east", "west": "west",
        "outside": "outside the hubs",
        "files": "Files: tables in plan{s}.xlsx and the CSVs; maps in map{s}.png / map{s}.html.",
        "cost_pv": "present value {first}–{last} (亿元, at {first})", "cost_year": "yearly cost in {t} (亿元/yr)",
        "costs_pv": "Cost parts: present value {first}–{last} (亿元 = 100 M CNY, at {first}) and each period's yearly cost (亿元/yr)",
        "pv": "present value (亿元)", "yearly": "{t} (亿元/yr)",
        "periods": "Periods: new build, energy, emissions and yearly cost",
        "periods_note": "Capacity, sites and trunks in the maps and tables are for the last period ({t}); this table gives every period. New = added in that period; west share = west share of that period's new build.",
        "period": "period", "new_total": "new, all classes", "west_share": "west share of the period's new",
        "energy_twh": "energy (TWh)", "emissions_mt": "emissions (Mt CO₂)", "yearly_cost": "yearly cost (亿元/yr)",
        "unmet_value": "unmet value (亿元/yr)", "weight": "discount weight (years)",
        "new_by_hub": "New build by hub and period (PFLOPS)", "unmet_value_row": "value of unmet demand (not a cost)",
        "levers": "What decides the west share: the estimates this plan depends on",
        "blocks": "AI training in single-site blocks: where training sits",
        "blocks_lead": "Training sits in {blocks:,.1f} blocks at {n} sites (a block is {size}: one 10,000-card-class job; a site trains 0 or at least one whole block).",
        "blocks_note": "Which sites host the blocks is an integer choice the solver makes inside the MIP gap ({gap}): with another solver seed the blocks may sit elsewhere at almost the same cost (docs/model.md). The total of training, the hub and west shares and the cost are stable; edwc alternatives shows other near-optimal layouts.",
        "blocks_n": "blocks", "blocks_pf": "training (PFLOPS)",
        "levers_note": "Each lever moves one estimate down and up and the instance is re-solved (edwc levers); changes are against this plan. Differences within the MIP gap ({gap}) are not material.",
        "lever": "lever", "lever_change": "change", "west_pp": "change (pp)",
        "hub_new": "hub share of new", "cost_yi": "cost (亿元)", "cost_pct": "cost change",
        "status": "solve status", "base_row": "this plan",
        "lever_names": {"bandwidth": "trunk bandwidth price", "west_power": "western power price",
                        "east_power": "eastern power price", "west_limits": "western site power limits",
                        "build_rate": "shell build rates", "lead_time": "years shells lead IT"},
        "lever_changes": {"west_limits-low": "half the room", "lead_time-low": "−1 y", "lead_time-high": "+1 y"},
        "lever_most": "The west share responds most to the {name} ({lo:+.1f} to {hi:+.1f} pp).",
        "lever_unmet": "leaves more demand unmet than this plan: its cost is lower because work is not done (the value of unmet demand is not in the cost).",
        "lever_none": "No lever moves the west share by {pp} pp or more: no material difference.",
        "limits": "What limits this plan", "limits_note": "at a limit = at ≥ {at} of it; shadow values from edwc price (what one more unit of the limit would save a year).",
        "limits_none": "No site, trunk or policy is at its limit: cost alone shapes the plan.",
        "lim_power": "Sites at their power limit ({n})", "lim_modules": "Module limits reached ({n} site × class)",
        "lim_trunks": "Full trunks ({n})", "lim_policies": "Policies that bind ({n})",
        "lim_summary": "{n} sites at their power limit ({names}); {m} site × class module limits reached; {t} full trunks; {p} policies bind.",
        "facility_mw": "facility power (MW)", "max_mw": "limit (MW)", "of_limit": "of limit",
        "value_mw": "shadow value (10k CNY/yr per MW)", "value_gbps": "shadow value (CNY/yr per Gbps)",
        "built_pf": "built (PFLOPS)", "max_pflops": "limit (PFLOPS)", "upgrades_left": "wavelengths left to add",
        "not_priced": "edwc price has not run: shadow values unknown.", "class": "class",
        "power_col": "power (MW / limit)",
        "parts": {"campus": "campus", "capacity": "capacity", "it_capex": "IT capex (annuity)",
                  "facility_capex": "facility capex (annuity)", "energy": "energy (grid and curtailed power)",
                  "green_power": "green power premium and certificates", "direct_supply": "direct supply (annuity)",
                  "network": "network bandwidth",
                  "trunks": "trunk upgrades", "carbon": "carbon", "unmet": "unmet penalty"},
        "policies": {"west_share_new_min": "west share of new compute",
                     "hub_share_new_min": "hub share of new compute",
                     "intelligent_share_min": "intelligent share", "pue_max": "PUE ceiling (new builds)",
                     "pue_max_new": "PUE ceiling (new builds)",
                     "west_utilisation_min": "utilisation at western sites",
                     "carbon_cap_t": "carbon cap (t)", "renewable_share_min": "green power share",
                     "green_share_min": "green power share", "max_site_share": "max share per site",
                     "national_utilisation_min": "national utilisation (上架率)",
                     "cluster_utilisation_min": "cluster utilisation (上架率)",
                     "green_share_new_hub_min": "green power, new hub data centres"},
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
