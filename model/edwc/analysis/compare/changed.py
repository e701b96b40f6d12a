"""What changed, on one screen: for each result against the baseline, the cost with the value of
unmet demand beside it (a cheaper case that leaves demand unserved is flagged, never simply
cheaper), the largest cost-part changes, new build and its west share, the hubs that moved most
(by name), energy and emissions, and how many region workloads moved. The full tables are in
compare.md and the CSVs (or the terminal with --details)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from edwc.analysis.compare.comparison import YI, Comparison

UNMET_FLAG = 0.001  # a case leaving more than this share of demand unserved is flagged

WORDS: dict[str, dict[str, str]] = {
    "zh": {"head": "{inst}：与基准 {base} 相比有何变化（金额：亿元{per}；详表见 {md}，或加 --details）",
           "status": "求解 {status}，MIP 间隙 {gap}",
           "cost": "成本 {b} → {v}（{d}，{p}）；未满足需求 {ub} → {u} PFLOPS（价值 {vb} → {vv}，不计入成本）",
           "flag": "⚠ 留有 {share} 需求未满足：成本较低部分来自不服务，不能直接比较",
           "parts": "变化最大的成本项：{items}", "build": "新建 {b} → {v} PFLOPS；西部占新建 {wb} → {wv}",
           "hubs": "装机变化最大的枢纽：{items}", "energy": "用电 {b} → {v} TWh；排放 {eb} → {ev} Mt CO₂",
           "moved": "{n} 个区域负载的服务地点与基准不同", "per_one": "/年", "per_pv": "，多期为现值"},
    "en": {"head": "{inst}: what changed against the baseline {base} (money in 亿元{per}; full tables in {md}, or --details)",
           "status": "status {status}, MIP gap {gap}",
           "cost": "cost {b} → {v} ({d}, {p}); unmet demand {ub} → {u} PFLOPS (worth {vb} → {vv}, not a cost)",
           "flag": "⚠ leaves {share} of demand unserved: part of its lower cost is service not given; not comparable",
           "parts": "largest cost-part changes: {items}", "build": "new build {b} → {v} PFLOPS; west share of new {wb} → {wv}",
           "hubs": "hubs that changed most: {items}", "energy": "energy {b} → {v} TWh; emissions {eb} → {ev} Mt CO₂",
           "moved": "{n} region workload(s) served elsewhere than in the baseline", "per_one": "/yr",
           "per_pv": ", a present value over several periods"},
}


def _value(comp: Comparison, metric: str, lab: str, last: bool = True) -> float:
    s = comp.summary[comp.summary["metric"] == metric]
    if last and len(s) > 1:
        s = s[s["period"] == max(p for p in s["period"] if p != "")]
    if s.empty:
        return float("nan")
    v = pd.to_numeric(s[lab], errors="coerce").iloc[0]
    return float(v)


def _m(v: float, digits: int = 1) -> str:
    return "–" if v != v else f"{v / YI:,.{digits}f}"


def _pct(v: float) -> str:
    return "–" if v != v else f"{v:.1%}"


def _hub_name(comp: Comparison, hub: str, lang: str) -> str:
    from edwc.results.names import read_names

    folder = comp.folders[0] / "instance"
    if hub in ("(no hub)", "") or not folder.is_dir():
        return {"zh": "枢纽外", "en": "outside the hubs"}[lang] if hub in ("(no hub)", "") else hub
    return str(read_names(folder).of("hubs", [hub], lang, short=True).iloc[0])


def what_changed(comp: Comparison, lang: str = "zh",
                 note: Callable[[str, pd.DataFrame], str] = lambda lab, moved: "") -> list[str]:
    """The lines; ``note(label, moved rows)`` is added to the moved line (e.g. that the moves are ties)."""
    w = WORDS[lang]
    multi = len(comp.results[0].summary.get("period_weights") or {}) > 1
    from edwc.analysis.compare.comparison import drawn_names

    lines = [w["head"].format(inst=comp.results[0].summary["instance"], base=comp.base,
                              per=w["per_pv"] if multi else w["per_one"], md=drawn_names(lang)[0])]
    b = comp.base
    parts = [m for m in comp.summary["metric"] if str(m).startswith("cost_") and str(m).endswith("_cny")]
    for lab in comp.others:
        r = comp.results[comp.labels.index(lab)]
        gap = r.summary.get("mip_gap")
        lines.append(f"{lab}: " + w["status"].format(status=r.summary.get("status"),
                                                       gap="–" if gap is None else f"{gap:.2%}"))
        cb, cv = _value(comp, "total_cost_cny", b), _value(comp, "total_cost_cny", lab)
        ub, uv = _value(comp, "unmet_pflops", b), _value(comp, "unmet_pflops", lab)
        lines.append("  " + w["cost"].format(b=_m(cb), v=_m(cv), d=f"{(cv - cb) / YI:+,.1f}", p=f"{(cv - cb) / cb:+.1%}" if cb else "–",
                                             ub=f"{ub:,.0f}", u=f"{uv:,.0f}", vb=_m(_value(comp, "unmet_value_cny", b)),
                                             vv=_m(_value(comp, "unmet_value_cny", lab))))
        share = _value(comp, "unmet_share", lab)
        if share == share and share > UNMET_FLAG:
            lines.append("  " + w["flag"].format(share=_pct(share)))
        deltas: list[tuple[float, str]] = []
        for m in parts:
            d = _value(comp, m, lab) - _value(comp, m, b)
            if d == d and abs(d) >= 0.05 * YI:
                deltas.append((d, m.removeprefix("cost_").removesuffix("_cny")))
        if deltas:
            from edwc.maps.i18n_pages import REPORT_WORDS

            names = REPORT_WORDS[lang]["parts"]
            items = ", ".join(f"{names.get(k, k)} {d / YI:+,.1f}" for d, k in sorted(deltas, key=lambda x: -abs(x[0]))[:3])
            lines.append("  " + w["parts"].format(items=items))
        lines.append("  " + w["build"].format(b=f"{_value(comp, 'built_pflops', b):,.0f}", v=f"{_value(comp, 'built_pflops', lab):,.0f}",
                                              wb=_pct(_value(comp, "west_share_new", b)), wv=_pct(_value(comp, "west_share_new", lab))))
        cap = comp.capacity
        if f"Δ {lab}" in cap:
            by_hub = cap[cap["hub"] != "total"].groupby("hub")[f"Δ {lab}"].sum()
            top = by_hub[by_hub.abs() > 0.5].sort_values(key=lambda s: -s.abs()).head(4)
            if len(top):
                lines.append("  " + w["hubs"].format(items=", ".join(f"{_hub_name(comp, h, lang)} {v:+,.0f}" for h, v in top.items())))
        lines.append("  " + w["energy"].format(b=_n(_value(comp, "energy_mwh", b) / 1e6), v=_n(_value(comp, "energy_mwh", lab) / 1e6),
                                               eb=_n(_value(comp, "emissions_t", b) / 1e6), ev=_n(_value(comp, "emissions_t", lab) / 1e6)))
        moved = comp.moved[comp.moved["result"] == lab] if len(comp.moved) else comp.moved
        lines.append("  " + w["moved"].format(n=len(moved)) + note(lab, moved))
    return lines


def _n(v: Any) -> str:
    return "–" if v != v else f"{v:,.1f}"
