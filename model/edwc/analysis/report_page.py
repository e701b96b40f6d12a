"""report.html: one self-contained page per result (works offline, nothing is fetched):
headline numbers, the policy scorecard, capacity by hub (east and west grouped, existing and
new), cost parts with the value of unmet demand apart, the maps, and the main tables with names.
Chinese by default; report.en.html in English. Every name is escaped."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from edwc.analysis.report_power import power_chars, power_heading, power_section
from edwc.analysis.report_sections import (
    blocks_section,
    e,
    fmt_goal,
    has_blocks,
    has_levers,
    levers_section,
    limits_section,
    num,
    period_section,
    table,
)
from edwc.maps import colours as C
from edwc.maps.fonts_cache import font_face_css
from edwc.maps.i18n import cls_label, ef, pct, suffix
from edwc.maps.i18n_pages import REPORT_WORDS, page_chars
from edwc.maps.mapdata import headline_lines, page_title
from edwc.results.digest import CONGESTED_AT, Digest, read_digest
from edwc.results.limits import limits_of
from edwc.results.periods import yearly_cost
from edwc.results.scorecard import score

YI = 1e8
W = REPORT_WORDS
UNMET_FLAG = 0.001  # a plan leaving more than this share of demand unserved is flagged (as sweep does)


def kpi_cards(d: Digest, lang: str) -> str:
    w, h = W[lang], d.headline()
    twh, mt = h["energy_mwh"] / 1e6, h["emissions_t"] / 1e6
    flagged = h["unmet_share"] > UNMET_FLAG  # as sweep flags a case: its lower cost is partly service not given
    cards = [
        (w["installed"], f"{ef(h['installed_pflops'])} EFLOPS"),
        (w["built"], f"{ef(h['built_pflops'])} EFLOPS"),
        (w["west_new"], pct(h["west_share_new"])),
        (w["intel"], pct(h["intelligent_share"])),
        *cost_cards(d, lang),
        (w["unmet_year"].format(t=d.period) if d.multi_period else w["unmet"],
         ("⚠ " if flagged else "") + f"{pct(h['unmet_share'], 1)} · {num(h['unmet_pflops'])} PFLOPS"),
        (w["congested"].format(at=pct(CONGESTED_AT)), f"{int(h['congested'])}"),
        (w["energy_year"].format(t=d.period) if d.multi_period else w["energy"], f"{num(twh, 1)} TWh"),
        (w["emissions_year"].format(t=d.period) if d.multi_period else w["emissions"], f"{num(mt, 1)} Mt CO₂"),
        (w["gap"], f"{d.summary.get('status', '')} · gap {pct(h['mip_gap'], 2)}"),
    ]
    occ, built = d.kpis.get("rack_occupancy_national"), d.kpis.get("standard_racks_built")
    if occ is not None and built is not None and occ == occ:  # shells apart from IT: 上架率 as the statistic counts it
        racks = f"{built / 1e4:,.0f}" if lang == "zh" else f"{built / 1e6:,.2f}"
        cards.insert(4, ((w["occupancy_year"] if d.multi_period else w["occupancy"]).format(t=d.period, m=racks),
                         f"{pct(occ, 1)} · {pct(d.kpis.get('utilisation_national', float('nan')), 0)}"))
    return '<div class="cards">' + "".join(
        f'<div class="card{" warn" if v.startswith("⚠") else ""}"><div class="k">{e(k)}</div><div class="v">{e(v)}</div></div>'
        for k, v in cards) + "</div>"


def first_period(d: Digest) -> int:
    return min(int(t) for t in d.summary.get("period_weights") or {str(d.period): 1})


def cost_cards(d: Digest, lang: str) -> list[tuple[str, str]]:
    """One card for a one-period plan's annual cost; two, labelled, for a multi-period plan."""
    w, cost = W[lang], d.headline()["cost_cny"]
    if not d.multi_period:
        return [(w["cost"], f"{cost / YI:,.0f} 亿元/年" if lang == "zh" else f"{cost / YI:,.0f} 亿元/yr")]
    return [(w["cost_year"].format(t=d.period), f"{yearly_cost(d) / YI:,.0f}"),
            (w["cost_pv"].format(first=first_period(d), last=d.period), f"{cost / YI:,.0f}")]


def scorecard(d: Digest, lang: str) -> str:
    w = W[lang]
    rows = []
    for r in score(d):
        name = w["policies"].get(r["policy"], r["policy"])
        if r["part"]:
            name += f" ({w['outside'] if r['part'] == 'outside_hubs' else w.get(r['part'], r['part'])})"
        sense = {">=": "≥ ", "<=": "≤ "}.get(r["sense"], "")
        met = ('<span class="ok">✔ ' + e(w["yes"]) + "</span>" if r["met"] is True else
               '<span class="bad">✘ ' + e(w["no"]) + "</span>" if r["met"] is False else e(w["na"]))
        price = "–" if r["price_cny"] is None else num(float(r["price_cny"]) / YI, 1)
        rows.append([e(name), e(sense) + fmt_goal(r["target"], r["policy"]),
                     fmt_goal(r["achieved"], r["policy"]), met, price])
    if not rows:
        return f"<p>{e(w['none'])}</p>"
    return table([e(w[k]) for k in ("policy", "target", "achieved", "met", "price")], rows)


def hub_section(d: Digest, lang: str) -> str:
    w = W[lang]
    hubs = d.hubs
    top = float(hubs["installed"].max()) or 1.0
    rows = []
    for h in hubs.itertuples(index=False):
        r = h._asdict()
        name = d.names.of("hubs", [h.hub], lang).iloc[0] if h.hub else w["other"]
        bar = "".join(
            f'<span style="width:{100 * r[f"{what}_{c}"] / top:.2f}%;background:'
            f'{C.class_colour(c, d.classes, pale=what == "existing")}"></span>'
            for c in d.classes for what in ("existing", "built"))
        rows.append([f'<span style="color:{C.SIDE.get(h.side, C.INK)}">{e(name)}</span>',
                     e(w.get(h.side, "–") if h.side else "–"),
                     *[f"{num(r[f'existing_{c}'])} + <b>{num(r[f'built_{c}'])}</b>" for c in d.classes],
                     num(h.installed), pct(h.intelligent_share), f'<div class="bar">{bar}</div>'])
    head = [w["hub"], w["side"], *[f"{cls_label(c, lang)}<br><small>{w['existing']} + {w['new']}</small>"
                                   for c in d.classes], w["total"], w["intel_share"], ""]
    key = " ".join(f'<span class="sw" style="background:{C.class_colour(c, d.classes, pale=True)}">'
                   f'</span><span class="sw" style="background:{C.class_colour(c, d.classes)}"></span>'
                   f"{e(cls_label(c, lang))}" for c in d.classes)
    return table([e(x) if "<" not in x else x for x in head], rows, "hubs") + \
        f'<p class="small">{key} ({e(w["existing"])} / {e(w["new"])})</p>'


def cost_section(d: Digest, lang: str) -> str:
    w = W[lang]
    costs = d.costs
    real = {k: v for k, v in costs.items() if k != "unmet"}
    total = sum(real.values()) or 1.0
    yearly = d.yearly_costs() if d.multi_period else pd.DataFrame()
    periods = list(yearly.index)
    rows = [[e(w["parts"].get(k, k)), num(v / YI, 1), pct(v / total, 1),
             *[num(float(yearly.at[t, k]) / YI if k in yearly else float("nan"), 1) for t in periods],
             f'<div class="bar"><span style="width:{100 * v / total:.2f}%;background:'
             f'{C.COST.get(k, C.INK_SOFT)}"></span></div>'] for k, v in real.items()]
    rows.append([f"<b>{e(w['total'])}</b>", f"<b>{num(total / YI, 1)}</b>", "100%",
                 *[f"<b>{num(yearly_cost(d, t) / YI, 1)}</b>" for t in periods], ""])
    h = d.headline()
    penalty, short = h["unmet_penalty_cny"], h["unmet_pflops"]
    unmet_by_year = yearly["unmet_value"] if "unmet_value" in yearly else pd.Series(0.0, index=yearly.index)
    if penalty > 0 or short > 0.5:  # the value of unmet demand, apart from the costs and marked so
        rows.append([f'<i class="bad">{e(w["unmet_value_row"])}</i>', f'<i class="bad">{num(penalty / YI, 1)}</i>', "",
                     *[f'<i class="bad">{num(float(unmet_by_year.get(t, 0.0)) / YI, 1)}</i>' for t in periods], ""])
    if d.multi_period and (penalty > 0 or short > 0.5):
        u = d.tables["unmet"]
        note = w["penalty_pv"].format(t=d.period, p=num(short), all=num(float(u["pflops"].sum()) if len(u) else 0.0),
                                      first=first_period(d), v=num(penalty / YI, 1),
                                      y=num(float(unmet_by_year.get(d.period, 0.0)) / YI, 1))
    else:
        note = (w["penalty"].format(v=num(penalty / YI, 1), p=num(short))
                if penalty > 0 or short > 0.5 else w["no_penalty"])
    cls = "penalty" if penalty > 0 or short > 0.5 else "small"
    head = [e(w["part"]), e(w["pv"] if periods else w["value"]), e(w["share"]),
            *[e(w["yearly"].format(t=t)) for t in periods], ""]
    return table(head, rows, "costs") + \
        f'<p class="{cls}">{e(note)}</p>'


def map_section(d: Digest, lang: str) -> str:
    w, sfx = W[lang], suffix(lang)
    png = d.folder / f"map{sfx}.png"
    parts = []
    if png.exists():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        parts.append(f'<img src="data:image/png;base64,{data}" alt="map{sfx}.png">')
    else:
        parts.append(f"<p>{e(w['no_map'].format(f=png.name))}</p>")
    parts.append(f'<p class="small">{e(w["open_map"].format(f=f"map{sfx}.html"))}</p>')
    return "".join(parts)


def site_section(d: Digest, lang: str) -> str:
    w = W[lang]
    s = d.sites.copy()
    s["total"] = s[[f"installed_{c}" for c in d.classes]].sum(axis=1)
    s = s.sort_values(["side", "total"], ascending=[True, False])
    rows = []
    at_limit = limits_of(d).site_ids
    for r in s.to_dict("records"):
        served = sum(r.get(f"served_{c}", 0.0) for c in d.classes)
        power = f"{num(r.get('facility_mw', float('nan')))} / {num(r.get('max_facility_mw', float('nan')))}"
        rows.append([e(d.names.of("sites", [r["site"]], lang).iloc[0]),
                     e(d.names.of("hubs", [r["hub"]], lang).iloc[0]) if r["hub"] == r["hub"] else "–",
                     e(w.get(r["side"], r["side"])),
                     *[f"{num(r[f'installed_{c}'])}" + (f" <b>(+{num(r[f'built_{c}'])})</b>"
                                                         if r[f"built_{c}"] > 0 else "")
                       for c in d.classes], pct(served / r["total"] if r["total"] else float("nan")),
                     f'<b class="bad">{power}</b>' if r["site"] in at_limit else power])
    head = [e(w["site"]), e(w["hub"]), e(w["side"]),
            *[e(cls_label(c, lang)) for c in d.classes], e(w["util"]), e(w["power_col"])]
    return table(head, rows, "sites")


def trunk_section(d: Digest, lang: str) -> str:
    w = W[lang]
    t = d.trunks[d.trunks["congested"]]
    if t.empty:
        return f"<p>{e(w['none'])}</p>"
    labels = d.names.trunk_label(t["from"], t["to"], lang)
    rows = [[e(lbl), num(r["capacity_gbps"]), num(r["load_gbps"]), pct(r["utilisation"]),
             num(r["length_km"])] for lbl, r in zip(labels, t.to_dict("records"), strict=True)]
    return table([e(w[k]) for k in ("trunk", "capacity", "load", "util", "length")], rows)


def unmet_section(d: Digest, lang: str) -> str:
    w = W[lang]
    u = d.tables["unmet"]
    u = u[(u["period"] == d.period) & (u["pflops"] > 0.05)] if len(u) else u
    if u.empty:
        return f"<p>{e(w['none'])}</p>"
    u = u.sort_values("pflops", ascending=False)
    rows = [[e(d.names.of("regions", [r["region"]], lang).iloc[0]), e(r["workload"]),
             num(r["pflops"], 1)] for r in u.to_dict("records")]
    return table([e(w["region"]), e(w["workload"]), "PFLOPS"], rows)


CSS = """
body{margin:0 auto;max-width:1280px;padding:16px 22px;color:#222;font-size:14px;line-height:1.45}
h1{font-size:24px;font-weight:normal;margin:0 0 4px}h2{font-size:18px;font-weight:normal;
border-bottom:1px solid #ddd;padding-bottom:3px;margin:26px 0 10px}
.lead{margin:2px 0;font-size:15px}.sub{color:#555;margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:8px}
.card{border:1px solid #e1e1e1;border-radius:4px;padding:8px 10px;background:#fafafa}
.card .k{color:#666;font-size:12px}.card .v{font-size:19px}
.card.warn{border-color:#b71c1c;background:#fdf0f0}.card.warn .v{color:#b71c1c}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right;vertical-align:middle}
th{background:#f4f4f4;font-weight:normal;color:#444}
td:first-child,th:first-child{text-align:left}
.bar{display:flex;width:260px;height:12px;background:#f4f4f4}.bar span{display:block;height:100%}
.sw{display:inline-block;width:12px;height:10px;margin:0 1px 0 8px;vertical-align:middle}
.ok{color:#2b7a55}.bad{color:#b71c1c}.small{color:#666;font-size:12px}
.penalty{color:#b71c1c;border-left:3px solid #b71c1c;padding-left:8px}
img{max-width:100%;border:1px solid #ddd}
h3{font-size:15px;font-weight:normal;margin:14px 0 4px}
summary{font-size:15px;margin:12px 0 4px;cursor:pointer}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}
footer{color:#777;font-size:12px;margin-top:30px}
"""


def cost_heading(d: Digest, lang: str) -> str:
    w = W[lang]
    return w["costs_pv"].format(first=first_period(d), last=d.period) if d.multi_period else w["costs"]


def trunks_and_unmet(d: Digest, lang: str) -> str:
    w = W[lang]
    return (f"<div class='cols'><div><h2>{e(w['trunks'])}</h2>{trunk_section(d, lang)}</div>"
            f"<div><h2>{e(w['unmet_t'])}</h2>{unmet_section(d, lang)}</div></div>")


# The page's sections in order: (id, heading key or a function of (digest, lang) giving the
# heading, None for none; the body; whether it applies). Later sections (e.g. the power side's)
# are added to this list.
Section = tuple[str, "str | Callable[[Digest, str], str] | None", "Callable[[Digest, str], str]",
                "Callable[[Digest], bool]"]
ALWAYS = lambda d: True  # noqa: E731
SECTIONS: list[Section] = [
    ("kpis", "kpis", kpi_cards, ALWAYS),
    ("limits", "limits", limits_section, ALWAYS),
    ("levers", "levers", levers_section, has_levers),
    ("blocks", "blocks", blocks_section, has_blocks),
    ("scorecard", "scorecard", scorecard, ALWAYS),
    ("periods", "periods", period_section, lambda d: d.multi_period),
    ("hubs", "hubs", hub_section, ALWAYS),
    ("costs", cost_heading, cost_section, ALWAYS),
    ("power", power_heading, power_section, lambda d: "grid_mwh" in d.tables["sites"]),
    ("maps", "maps", map_section, ALWAYS),
    ("trunks", None, trunks_and_unmet, ALWAYS),
    ("sites", "sites", site_section, ALWAYS),
]


def section_html(d: Digest, lang: str, section: Section) -> str:
    key, heading, body, applies = section
    if not applies(d):
        return ""
    head = "" if heading is None else heading(d, lang) if callable(heading) else W[lang][heading]
    return f'<section id="{key}">' + (f"<h2>{e(head)}</h2>" if head else "") + body(d, lang) + "</section>"


def page(d: Digest, lang: str) -> str:
    w = W[lang]
    title = page_title(d, lang)
    lines = headline_lines(d, lang)
    body = (f"<h1>{e(title)}</h1>" + "".join(f"<p class='{'lead' if i == 0 else 'sub'}'>{e(x)}</p>"
                                             for i, x in enumerate(lines))
            + "".join(section_html(d, lang, s) for s in SECTIONS)
            + f"<footer>{e(w['files'].format(s=suffix(lang)))}</footer>")
    chars = page_chars(d, lang) + power_chars(lang)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{font_face_css(chars)}{CSS}</style></head>"
            f"<body>{body}</body></html>\n")


def report_name(lang: str) -> str:
    return f"report{suffix(lang)}.html"


def write_report(result_dir: Path, lang: str = "zh", digest: Digest | None = None) -> Path:
    """Write report[.LANG].html into ``result_dir`` (atomically); return its path."""
    from edwc.maps.base import write_atomically

    d = digest or read_digest(Path(result_dir))
    out = Path(result_dir) / report_name(lang)
    def fill(p: Path) -> None:
        p.write_text(page(d, lang), encoding="utf-8")

    return write_atomically(out, fill)
