"""Words of the charts that compare plans (edwc compare, edwc sweep), in Chinese and English.

The maps' own words (disclaimer, inset label, scale) stay in edwc.maps.i18n; these are the
titles, axis labels and legend entries of the comparison charts and the KPI chart of a sweep.
"""

from __future__ import annotations

from edwc.maps.i18n_pages import REPORT_WORDS

CHART_WORDS = {
    "zh": {
        "costs_title": "年化成本构成（亿元/年）",
        "costs_axis": "亿元/年",
        "costs_title_pv": "成本构成（亿元，各期现值之和）",
        "costs_axis_pv": "亿元（现值）",
        "unmet_title": "未满足需求的价值（单列：未服务需求的价值，不是支出）",
        "unmet_axis": "亿元（未满足价值）",
        "unmet_bar": "{pflops} PFLOPS 未满足",
        "unmet_stack": "未满足需求的价值（非支出）",
        "unmet_flag": "⚠ 未满足 {pflops} PFLOPS\n价值 +{v}",
        "unmet_small": "未满足 {pflops} PFLOPS",
        "no_unmet": "所有方案均满足全部需求",
        "capacity_title": "各枢纽装机，{period} 年（PFLOPS）",
        "diff_title": "各站点装机变化：相对基准 {base}（{period} 年，PFLOPS）",
        "diff_sub": ("实心 = 比基准多，空心圆环 = 比基准少；圆面积 ∝ 变化量（同一类别各行同一比例）；"
                     "小灰点 = 未变站点；底色 = 东/西部枢纽所在省"),
        "diff_panel": "{result} − {base} · {cls}：{total}（西部 {west}，东部 {east}）",
        "more": "多于基准", "less": "少于基准", "same": "未变",
        "kpis_title": "{n} 个方案的关键指标",
        "shares_title": "关键占比",
        "west_share_new": "西部占新建", "intelligent_share": "智能算力占装机",
        "west_share_served": "西部承接", "unmet_share": "未满足需求",
        "failed": "失败", "no_plan": "无方案",
    },
    "en": {
        "costs_title": "Annual cost by part (100 M CNY/yr)",
        "costs_axis": "100 M CNY/yr",
        "costs_title_pv": "Cost by part (100 M CNY, present value over the periods)",
        "costs_axis_pv": "100 M CNY (present value)",
        "unmet_title": "Value of unmet demand (apart: service left unserved, not money spent)",
        "unmet_axis": "100 M CNY (unmet value)",
        "unmet_bar": "{pflops} PFLOPS unmet",
        "unmet_stack": "value of unmet demand (not money spent)",
        "unmet_flag": "⚠ {pflops} PFLOPS unmet\nworth +{v}",
        "unmet_small": "{pflops} PFLOPS unmet",
        "no_unmet": "Every plan serves all demand",
        "capacity_title": "Installed capacity by hub, {period} (PFLOPS)",
        "diff_title": "Installed capacity change per site against the baseline {base} ({period}, PFLOPS)",
        "diff_sub": ("solid = more than the baseline, ring = less; circle area ∝ change (one scale per "
                     "class, all rows); small grey dots = unchanged sites; shading = provinces of east/west hubs"),
        "diff_panel": "{result} − {base} · {cls}: {total} (west {west}, east {east})",
        "more": "more than baseline", "less": "less than baseline", "same": "unchanged",
        "kpis_title": "Key numbers of {n} cases",
        "shares_title": "Key shares",
        "west_share_new": "west share of new", "intelligent_share": "intelligent share of installed",
        "west_share_served": "west share of served", "unmet_share": "unmet demand",
        "failed": "failed", "no_plan": "no plan",
    },
}


def chart_words(lang: str) -> dict[str, str]:
    if lang not in CHART_WORDS:
        raise ValueError(f"lang must be one of {sorted(CHART_WORDS)}, got {lang!r}")
    return CHART_WORDS[lang]


def part_name(part: str, lang: str) -> str:
    """A cost part's name (campus, capacity, …) in ``lang``: the report page's words."""
    return str(REPORT_WORDS[lang]["parts"].get(part, part))


def signed(v: float, digits: int = 0) -> str:
    """+1,200 / −350 (a real minus sign) / 0."""
    if abs(v) < 0.5 * 10 ** -digits:
        return "0"
    return f"{'+' if v > 0 else '−'}{abs(v):,.{digits}f}"
