"""The comparison as text: display tables, the terminal rendering and compare.md."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from edwc.analysis.compare.comparison import TOL, YI, Comparison
from edwc.analysis.compare.tables import cost_gap


def _tie_note(comp: Comparison, lab: str, m: pd.DataFrame, lang: str = "en") -> str:
    if not len(m) or (m["kind"] != "tie").any():
        return ""
    rel, gap = cost_gap(comp.results[0], comp.results[comp.labels.index(lab)])
    if lang == "zh":
        return f"——全部为等价解：两方案成本相差 {rel:.3%}，在求解器 MIP 间隙 {gap:.3%} 之内，是成本相同的不同方案，而非输入变化的效果"
    return (f" — all ties: the costs differ by {rel:.3%}, within the solver's MIP gap {gap:.3%}, so these are "
            "equal-cost alternatives, not effects")


def _fmt_value(v: Any, unit: str, delta: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    sign = "+" if delta and v > 0 else ""
    if unit in ("CNY/yr", "CNY"):
        return "0.00" if abs(v) < 0.005 * YI else f"{sign}{v / YI:,.2f}"
    if unit == "fraction":
        return f"{sign}{v * 100:,.1f}%" if not delta else f"{sign}{v * 100:,.1f} pp"
    return f"{sign}{v:,.4g}" if abs(v) < 1000 else f"{sign}{v:,.0f}"


def display_summary(comp: Comparison) -> pd.DataFrame:
    """The summary with money in 亿元/yr, fractions in %, differences signed; text only."""
    df = comp.summary
    out = pd.DataFrame({"metric": [m if not p else f"{m} [{p}]" for m, p in zip(df["metric"], df["period"], strict=True)],
                        "unit": [{"CNY/yr": "亿元/yr", "CNY": "亿元", "fraction": "%"}.get(u, u) for u in df["unit"]]})
    for lab in comp.labels:
        out[lab] = [_fmt_value(v, u) for v, u in zip(df[lab], df["unit"], strict=True)]
    gap = (df["metric"] == "mip_gap").to_numpy()  # a gap of 0.05 % must not read 0.0 %
    for lab in comp.labels:
        out.loc[gap, lab] = [f"{float(v):.2%}" if pd.notna(v) else "" for v in df.loc[gap, lab]]
    for lab in comp.others:
        out[f"Δ {lab}"] = [_fmt_value(v, u, delta=True) for v, u in zip(df[f"Δ {lab}"], df["unit"], strict=True)]
        out.loc[gap, f"Δ {lab}"] = [f"{float(v) * 100:+.2f} pp" if pd.notna(v) else "" for v in df.loc[gap, f"Δ {lab}"]]
        # no relative change of a share (the Δ is in percentage points) nor against a baseline shown as zero
        out[f"Δ% {lab}"] = [("" if pd.isna(v) or u == "fraction" or b in ("0", "0.00") else f"{v:+.1%}")
                            for v, u, b in zip(df[f"Δ% {lab}"], df["unit"], out[comp.base], strict=True)]
    return out


SUMMARY_NAMES = {"status": {"zh": "求解状态", "en": "solve status"}, "mip_gap": {"zh": "MIP 间隙", "en": "MIP gap"},
                 "objective_cny": {"zh": "目标值（含未满足需求价值）", "en": "objective (with the value of unmet demand)"},
                 "total_cost_cny": {"zh": "总成本", "en": "total cost"},
                 "unmet_value_cny": {"zh": "未满足需求价值（不计入成本）", "en": "value of unmet demand (not a cost)"}}


def metric_name(code: str, lang: str) -> str:
    """A compared metric's name in words: the summary's own, the report's cost parts, else the KPI names of plan.xlsx."""
    from edwc.analysis.workbook_sheets import kpi_name
    from edwc.maps.i18n_pages import REPORT_WORDS

    base = code.split(" [", 1)[0]
    if base in SUMMARY_NAMES:
        return SUMMARY_NAMES[base][lang]
    if base.startswith("cost_") and base.endswith("_cny"):
        part = base.removeprefix("cost_").removesuffix("_cny")
        return str(REPORT_WORDS[lang]["parts"].get(part, part))
    return kpi_name(base, None, lang)


def named_summary(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The display summary with a name column beside each metric's code (compare.md)."""
    out = df.copy()
    out.insert(1, "名称" if lang == "zh" else "name", [metric_name(str(m), lang) for m in df["metric"]])
    return out


def display_capacity(comp: Comparison) -> pd.DataFrame:
    df = comp.capacity.copy()
    for col in df.columns[2:]:
        delta = str(col).startswith("Δ")
        df[col] = [_fmt_value(float(v), "PFLOPS", delta=delta) if not delta or abs(v) > TOL else "0" for v in df[col]]
    return df


def display_moved(comp: Comparison) -> pd.DataFrame:
    df = comp.moved.copy()
    df["moved_share"] = [f"{v:.0%}" for v in df["moved_share"]]
    df["moved_pflops"] = [_fmt_value(float(v), "PFLOPS") for v in df["moved_pflops"]]
    return df


def markdown_table(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency); cells are escaped for '|'."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


TEXT: dict[str, dict[str, Any]] = {
    "zh": {"title": "# 方案比较：实例 `{inst}` 的 {n} 个结果", "units": ("基准：`{base}`。金额单位亿元（1e8 元）：单期为年化成本，多期为现值；占比以 % 表示；"
                                                              "Δ = 结果 − 基准（pp = 百分点）。"),
           "head": "| 结果 | 目录 | 情景 | --set |", "kpis": "## 关键指标与成本构成",
           "capacity": "## 各枢纽、各类别装机（PFLOPS，末期）", "moved": "## 迁移（与基准相比在别处服务或未满足的区域负载）",
           "nothing": "无迁移。", "charts": ("各枢纽装机", "成本构成", "装机变化地图"),
           "terminal": "{inst}：{n} 个结果，基准 {base}（金额：亿元；Δ = 结果 − 基准）",
           "cap_t": "各枢纽、各类别装机（PFLOPS，末期）：", "moved_t": "{lab}：{n} 个区域负载与基准相比迁移",
           "more": "  … 另有 {n} 行见 moved.csv"},
    "en": {"title": "# Comparison of {n} results of instance `{inst}`", "units": ("Baseline: `{base}`. Money in 亿元 (1e8 CNY): a yearly cost for one period, a present value over several; "
                                                                          "fractions in %; Δ = result − baseline (pp = percentage points)."),
           "head": "| result | folder | scenario | --set |", "kpis": "## KPIs and cost parts",
           "capacity": "## Installed capacity by hub and class (PFLOPS, last period)",
           "moved": "## What moved (region workloads served elsewhere than in the baseline)",
           "nothing": "Nothing moved.", "charts": ("capacity by hub", "cost parts", "difference map"),
           "terminal": "{inst}: {n} results, baseline {base} (money in 亿元, Δ = result − baseline)",
           "cap_t": "installed capacity by hub and class (PFLOPS, last period):",
           "moved_t": "{lab}: {n} region workload(s) moved against the baseline", "more": "  … {n} more in moved.csv"},
}


def render_markdown(comp: Comparison, lang: str = "zh") -> str:
    from edwc.analysis.compare.comparison import drawn_names

    t = TEXT[lang]
    lines = [t["title"].format(n=len(comp.labels), inst=comp.results[0].summary["instance"]), "",
             t["units"].format(base=comp.base), ""]
    lines += [t["head"], "|---|---|---|---|"]
    for lab, f, r in zip(comp.labels, comp.folders, comp.results, strict=True):
        sets = ", ".join(f"{k}={v}" for k, v in (r.summary.get("sets") or {}).items())
        lines.append(f"| {lab} | `{f}` | {r.summary.get('scenario') or ''} | {sets} |")
    lines += ["", t["kpis"], "", markdown_table(named_summary(display_summary(comp), lang)), "",
              t["capacity"], "", markdown_table(display_capacity(comp)), "", t["moved"], ""]
    lines.append(markdown_table(display_moved(comp)) if len(comp.moved) else t["nothing"])
    for lab in comp.others:
        note = _tie_note(comp, lab, comp.moved[comp.moved["result"] == lab], lang)
        if note:
            lines += ["", f"{lab}: {note.removeprefix(' — ').removeprefix('——')}."]
    lines.append("")
    for alt, name in zip(t["charts"], drawn_names(lang)[1:], strict=True):
        lines += [f"![{alt}]({name})", ""]
    return "\n".join(lines)


def render_terminal(comp: Comparison, max_moved: int = 15, width: int | None = None, lang: str = "zh",
                    details: bool = False) -> str:
    """The comparison for a terminal of ``width`` columns (the terminal's own by default): first
    what changed, on one screen; with ``details`` the full tables after it: the relative
    differences are dropped first when the summary is too wide, then its columns wrap into blocks
    that repeat the metric; site lists are cut to fit; at most ``max_moved`` moved rows per result."""
    from edwc.analysis.compare.changed import what_changed
    from edwc.analysis.termtable import fit, terminal_width, wrap

    width = width or terminal_width()
    lead = [("  " if ln.startswith("  ") else "") + part for ln in what_changed(comp, lang, lambda lab, m: _tie_note(comp, lab, m, lang))
            for part in wrap(ln.strip(), width - 2, "    ")]
    if not details:
        return "\n".join(lead)
    t = TEXT[lang]
    summary = display_summary(comp)
    periods = {p for p in comp.summary["period"] if p != ""}
    if len(periods) == 1:  # one period: said once in the heading, not on every row
        summary["metric"] = [str(m).removesuffix(f" [{next(iter(periods))}]") for m in summary["metric"]]
    rel = [c for c in summary.columns if str(c).startswith("Δ% ")]
    head = t["terminal"].format(inst=comp.results[0].summary["instance"], n=len(comp.labels), base=comp.base)
    lines = [*lead, "", *wrap(head + (f" · {next(iter(periods))}" if len(periods) == 1 else ""), width, "  "), ""]
    lines += fit(summary, width, keys=["metric"], drop_first=rel[::-1], left=("metric", "unit"),
                 groups=[["unit", *comp.labels], [f"Δ {lab}" for lab in comp.others]])
    lines += ["", *wrap(t["cap_t"], width, "  ")]
    lines += fit(display_capacity(comp), width, keys=["hub", "class"], left=("hub", "class"))
    lines.append("")
    moved = display_moved(comp)
    for lab in comp.others:
        m = moved[moved["result"] == lab]
        lines += wrap(t["moved_t"].format(lab=lab, n=len(m)) + _tie_note(comp, lab, m, lang), width, "  ")
        if len(m):
            shown = m.drop(columns="result").head(max_moved)
            if shown["period"].nunique() == 1:
                shown = shown.drop(columns="period")
            lines += ["  " + ln for ln in fit(shown, width - 2, keys=["region", "workload"],
                                              shrink={"baseline_sites": 14, "sites": 14},
                                              left=("region", "workload", "name", "baseline_sites", "sites"))]
            if len(m) > max_moved:
                lines += wrap(t["more"].format(n=len(m) - max_moved), width, "    ")
    return "\n".join(lines)
