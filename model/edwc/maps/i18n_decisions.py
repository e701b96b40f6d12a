"""Words of the decision-analytics charts (edwc price, pareto, alternatives, sweep --draws), in
Chinese and English, and the workloads' names. The maps' shared words (disclaimer, inset label,
scale) stay in edwc.maps.i18n."""

from __future__ import annotations

from edwc.results.names import class_name

WORKLOAD_NAMES = {
    "zh": {"ai-inference": "AI 推理", "ai-training": "AI 训练", "general-realtime": "通用实时",
           "general-batch": "通用批处理", "hpc": "超算", "realtime": "实时", "batch": "批处理"},
    "en": {"ai-inference": "AI inference", "ai-training": "AI training", "general-realtime": "general real-time",
           "general-batch": "general batch", "hpc": "HPC", "realtime": "real-time", "batch": "batch"},
}

DECISION_WORDS = {
    "zh": {
        "mc_title": "算力边际成本，{period} 年：{what}（元 / PFLOPS·年）",
        "mc_short": "按现方案（整数决策固定）",
        "mc_long": "为其新建（可达范围内最便宜的站点）",
        "mc_note_short": ("红色：现方案在可达范围内无余量，新增 1 PFLOPS 将未满足（按未满足需求价值计）。"
                          "固定现方案整数决策后线性规划的对偶值。"),
        "mc_note_long": "长期单位成本（设备、电费、带宽、干线扩容），取时延可达且可建该类的最便宜站点；灰色：无站点可建。",
        "mc_none": "{title}：无数值（可达站点均不能建设，或无余量）",
        "mc_flat": "{title}\n已服务省份均约 {mid} 百万元：无实质差别（差异 {spread} < {material}）",
        "mc_spread": "{title}：全国差异 {spread}，中位数 {mid} 百万元",
        "mc_bar": "元 / PFLOPS·年（5 档）",
        "mc_unmet": "新增 1 PFLOPS 未满足",
        "mc_none_key": "无数值",
        "cor_title": "搬数据还是搬电力：各区域→站点流向与其本侧最近站点之比较",
        "cor_head": "搬数据 {bits} 条（{bits_mw} MW）· 就地 {local} 条（{local_mw} MW）· 搬电力 {watts} 条（{watts_mw} MW）· 无实质差别 {same} 条",
        "cor_note": ("线宽 ∝ 所服务 IT 功率（MW）。绿：把工作送往别处更省（搬数据）；棕：在区域本侧服务更省（搬电力）；"
                     "浅灰：本地服务；中灰：两者相差 < {material}（无实质差别）。长期单位成本。标注：IT 功率最大的 {n} 条。"),
        "move bits": "搬数据（送往别处更省）", "move watts": "搬电力（本侧服务更省）", "local": "本地服务",
        "same": "无实质差别（< {material}）", "no own-side alternative": "本侧无可替代站点",
        "site": "站点", "region": "需求区域", "width_key": "{mw} MW",
        "cor_widest": "线宽：IT 功率（最粗 {mw} MW）",
        "firm_title": "哪些站点是确定的：成本不超过最优 {slack} 的 {plans} 个方案",
        "firm_sub": "确定 = 每个方案都建设，且最少与最多之差 ≤ 最多的 {range}",
        "firm_stopped": "；{n} 个备选方案在求得最优前停止（{names}）：未必已到最远",
        "firm_note": "外圈面积 ∝ 任一方案在该站点建设的最多 IT MW，内部深色核心 ∝ 最少。未建设的站点不画出。",
        "firm_unmet": "最优方案未满足 {best} PFLOPS，备选方案 {span} PFLOPS",
        "firm_unmet_more": "：其成本余量部分用于少服务需求。",
        "firm": "确定（每个方案都建，规模相近）", "sized": "每个方案都建，规模不定", "choice": "可选（部分方案建）",
        "never": "从不建设",
        "size_key": "{v} MW",
        "unc_map_title": "{cases} 个抽样情景中各站点被建设的频率",
        "unc_map_note": "颜色：建设该站点的情景占比（5 档）；圆面积 ∝ 平均新建 IT MW。从不建设的站点不画出。",
        "builds_share": "建设该站点的情景占比",
        "unc_title": "{name}：{cases} 个抽样情景中各枢纽新建 IT MW",
        "unc_sub_dots": "每点一个情景；横线 = 中位数",
        "unc_unmet": "{n} 个情景留有未满足需求（> {at}，红圈；其新建较少不等于更好）：{cases}",
        "unc_sub_notes": "各枢纽名下：各情景中最少–最多；满载站点 = 在每个情景都达到电力上限（≥ {at}）的站点数，其规模无法随情景变化",
        "unc_sub_box": "箱 = 四分位，须 = 第 10–90 百分位，三角 = 均值",
        "unc_axis": "新建 IT MW（各期合计）",
        "unc_spread": "{lo}–{hi}",
        "unc_at_limit": "满载站点 {n}",
        "other_sites": "（枢纽外）",
        "front_title": "{name}：成本与{axis}的权衡（ε 约束法）",
        "front_sub": "前沿最多比最低成本高 +{rise}（纵轴至少跨 {span}）；线上标注：每减少一单位的成本",
        "front_axis_emissions": "排放，各期合计（Mt CO₂）",
        "front_axis_latency": "已服务工作的平均往返时延（ms）",
        "front_emissions": "排放", "front_latency": "时延",
        "front_cost": "成本与未满足服务价值（{unit}）",
        "front_pct": "高于最低成本 %",
        "front_line": "前沿（ε 约束），求解至最优",
        "front_stopped": "提前停止（时间限制）：成本与最优之差在其 MIP 间隙内",
        "front_gap": "（间隙 {gap}）",
        "front_dropped": "被支配或重复（舍去）",
        "front_base": "基准方案（成本最低）",
        "front_unmet": "⚠ 未满足 > {pf} PFLOPS（价值计入成本）",
        "per_t": "元/tCO₂", "per_ms": "{unit}/ms",
    },
    "en": {
        "mc_title": "Marginal cost of compute, {period}: {what} (CNY per PFLOPS-year)",
        "mc_short": "at the plan, its integer decisions fixed",
        "mc_long": "building for it at the cheapest site in reach",
        "mc_note_short": ("Red: no spare capacity in reach at this plan, the next PFLOPS goes unmet (at its value of "
                          "lost service). Duals of the LP with the plan's integer decisions fixed."),
        "mc_note_long": ("Long-run unit costs (capacity, energy, bandwidth, trunk upgrades) at the cheapest site in "
                         "latency reach that can build the class; grey: none can."),
        "mc_none": "{title}: no value (no site in reach can build it, or no spare capacity)",
        "mc_flat": "{title}\n{mid} M everywhere served: no material difference (spread {spread} < {material})",
        "mc_spread": "{title}: spread {spread} around {mid} M",
        "mc_bar": "CNY / PFLOPS-yr (5 classes)",
        "mc_unmet": "next PFLOPS unmet",
        "mc_none_key": "no value",
        "cor_title": "Move bits or move watts: each region → site flow against its nearest own-side site",
        "cor_head": ("move bits {bits} ({bits_mw} MW) · local {local} ({local_mw} MW) · move watts {watts} "
                     "({watts_mw} MW) · no material difference {same}"),
        "cor_note": ("Line width ∝ IT MW served. Green: cheaper to send the work (bits); brown: cheaper to serve it on "
                     "the region's own side (watts); light grey: served locally; mid grey: the two differ by less than "
                     "{material} (no material difference). Long-run unit costs. Labelled: the {n} largest by IT MW."),
        "move bits": "move bits (cheaper to send)", "move watts": "move watts (cheaper at home)", "local": "served locally",
        "same": "no material difference (< {material})", "no own-side alternative": "no own-side alternative",
        "site": "site", "region": "demand region", "width_key": "{mw} MW",
        "cor_widest": "line width: IT MW (widest {mw} MW)",
        "firm_title": "What is firm: sites in all {plans} plans within {slack} of the least cost",
        "firm_sub": "firm = built in every plan with a range ≤ {range} of its most",
        "firm_stopped": "; {n} alternative(s) stopped before their optimum ({names}): they may not go as far as they could",
        "firm_note": ("Outer circle area ∝ the most IT MW built there in any plan, inner dark core ∝ the least. "
                      "Sites never built are not drawn."),
        "firm_unmet": "The optimum leaves {best} PFLOPS unserved, the alternatives {span}",
        "firm_unmet_more": ": part of their slack is spent on not serving demand.",
        "firm": "firm (every plan, similar size)", "sized": "every plan, size varies", "choice": "a choice (some plans)",
        "never": "never built",
        "size_key": "{v} MW",
        "unc_map_title": "How often each site is built at, over {cases} drawn cases",
        "unc_map_note": ("Colour: share of the cases that build there (5 classes); circle area ∝ mean IT MW built. "
                         "Sites never built at are not drawn."),
        "builds_share": "share of cases that build there",
        "unc_title": "{name}: IT MW built per hub over {cases} drawn cases",
        "unc_sub_dots": "one dot per case; bar = median",
        "unc_unmet": "{n} case(s) leave demand unmet (> {at}, ringed red; building less there is not better): {cases}",
        "unc_sub_notes": ("under each hub: least–most over the cases; at power limit = its sites at ≥ {at} of their "
                          "power limit in every case (they cannot grow whatever is drawn)"),
        "unc_sub_box": "box: quartiles, whiskers: 10th–90th percentile, triangle: mean",
        "unc_axis": "IT MW built (all periods)",
        "unc_spread": "{lo}–{hi}",
        "unc_at_limit": "{n} at power limit",
        "other_sites": "(outside hubs)",
        "front_title": "{name}: cost against {axis} (ε-constraint)",
        "front_sub": ("the front costs up to +{rise} over the least cost (axis spans at least {span}); "
                      "labels on the line: cost per unit given up"),
        "front_axis_emissions": "emissions, Σ over periods (MtCO₂)",
        "front_axis_latency": "mean round trip of served work (ms)",
        "front_emissions": "emissions", "front_latency": "latency",
        "front_cost": "cost and value of unmet service, {unit}",
        "front_pct": "% over the least cost",
        "front_line": "front (ε-constraint), solved to optimality",
        "front_stopped": "stopped early (time limit): its cost within its MIP gap of the optimum",
        "front_gap": " (gap {gap})",
        "front_dropped": "dominated or a repeat (dropped)",
        "front_base": "base plan (least cost)",
        "front_unmet": "⚠ leaves > {pf} PFLOPS unserved (value in the cost)",
        "per_t": "CNY/tCO₂", "per_ms": "{unit} per ms",
    },
}


def decision_words(lang: str) -> dict[str, str]:
    if lang not in DECISION_WORDS:
        raise ValueError(f"lang must be one of {sorted(DECISION_WORDS)}, got {lang!r}")
    return DECISION_WORDS[lang]


def workload_label(workload: str, cls: str, lang: str) -> str:
    """AI 训练（智能算力） / AI training (intelligent); an unknown workload keeps its id."""
    name = WORKLOAD_NAMES[lang].get(workload, workload)
    return f"{name}（{class_name(cls, lang)}）" if lang == "zh" else f"{name} ({class_name(cls, lang)})"


def money_unit(unit: str, lang: str) -> str:
    """The money unit of a chart in ``lang``: 亿元/yr → 亿元/年 (zh) or 100 M CNY/yr (en)."""
    if lang == "zh":
        return unit.replace("/yr", "/年")
    return unit.replace("亿元", "100 M CNY")
