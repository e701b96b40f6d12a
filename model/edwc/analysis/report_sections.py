"""Sections of report.html beyond the headline ones: the periods of a multi-period plan and
"what limits this plan". Each is a function (Digest, lang) -> HTML, listed in report_page.SECTIONS."""

from __future__ import annotations

import html

from edwc.formulation.blocks import block_sizes
from edwc.maps.i18n import cls_label, pct
from edwc.maps.i18n_pages import REPORT_WORDS as W
from edwc.results.digest import Digest
from edwc.results.limits import AT_LIMIT, limits_of
from edwc.results.periods import new_by_hub, period_table

YI = 1e8
LEVER_MATERIAL_PP = 0.5  # a west share that moves less than this (percentage points) is no material difference


def e(x: object) -> str:
    return html.escape(str(x))


def num(v: float, digits: int = 0) -> str:
    return "–" if v != v else f"{v:,.{digits}f}"


def table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An HTML table; cells are already escaped."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def fmt_goal(v: object, key: str) -> str:
    """A policy target or achievement: shares as percentages, other numbers with separators."""
    if isinstance(v, float) and ("share" in key or "utilisation" in key) and v <= 1.0:
        return pct(v, 1)
    if isinstance(v, float):
        return num(v, 2) if v < 10 else num(v)
    return e(v)


def period_section(d: Digest, lang: str) -> str:
    """Every period of a multi-period plan: new build by class and side, energy, emissions, cost."""
    w = W[lang]
    p = period_table(d)
    head = [w["period"], *[f"{cls_label(c, lang)}<br><small>{e(w['new'])}</small>" for c in d.classes],
            w["new_total"], w["west_share"], w["energy_twh"], w["emissions_mt"], w["yearly_cost"],
            w["unmet_pf"], w["unmet_value"], w["weight"]]
    rows = []
    for r in p.to_dict("records"):
        rows.append([str(int(r["period"])), *[num(r[f"new_{c}"]) for c in d.classes], f"<b>{num(r['new_total'])}</b>",
                     pct(r["west_share_new"]), num(r.get("energy_mwh", float("nan")) / 1e6, 1),
                     num(r.get("emissions_t", float("nan")) / 1e6, 1),
                     num(r.get("yearly_cost_cny", float("nan")) / YI, 0),
                     num(r.get("unmet_pflops", float("nan"))),
                     num(r.get("unmet_value_cny", float("nan")) / YI, 1), num(r["weight_years"], 2)])
    hubs = new_by_hub(d)
    hub_rows = [[e(d.names.of("hubs", [h], lang).iloc[0]) if h else e(w["other"]),
                 *[num(v) for v in hubs.loc[h]], f"<b>{num(hubs.loc[h].sum())}</b>"] for h in hubs.index]
    return (f'<p class="small">{e(w["periods_note"].format(t=d.period))}</p>'
            + table([h if "<" in h else e(h) for h in head], rows, "periods")
            + f"<h3>{e(w['new_by_hub'])}</h3>"
            + table([e(w["hub"]), *[str(c) for c in hubs.columns], e(w["total"])], hub_rows, "periods"))


def limits_section(d: Digest, lang: str) -> str:
    """The limits the plan runs into: site power, module counts, trunks, policies."""
    w = W[lang]
    lim = limits_of(d)
    parts = [f'<p class="small">{e(w["limits_note"].format(at=pct(AT_LIMIT)))}'
             + ("" if lim.priced else " " + e(w["not_priced"])) + "</p>"]
    if lim.empty():
        return parts[0] + f"<p>{e(w['limits_none'])}</p>"
    site = lambda s: e(d.names.of("sites", [s], lang).iloc[0])  # noqa: E731
    short = d.names.of("sites", lim.sites["site"], lang, short=True).tolist()
    parts.append("<p class='lead'>" + e(w["lim_summary"].format(
        n=len(lim.sites), names=("、" if lang == "zh" else ", ").join(short[:12]) + ("…" if len(short) > 12 else ""),
        m=len(lim.modules), t=len(lim.trunks), p=len(lim.policies))) + "</p>")
    hub = lambda h: e(d.names.of("hubs", [h], lang).iloc[0]) if h == h and h else e(w["other"])  # noqa: E731
    if len(lim.sites):
        rows = [[site(r["site"]), hub(r["hub"]), num(r["facility_mw"]), num(r["max_facility_mw"]), pct(r["share"], 1),
                 num(r["value_cny_per_mw_year"] / 1e4, 1)] for r in lim.sites.to_dict("records")]
        parts.append(f"<details open><summary>{e(w['lim_power'].format(n=len(rows)))}</summary>" + table(
            [e(w[k]) for k in ("site", "hub", "facility_mw", "max_mw", "of_limit", "value_mw")], rows, "limits") + "</details>")
    if len(lim.modules):
        rows = [[site(r["site"]), e(cls_label(r["class"], lang)), num(r["built_pflops"]), num(r["max_pflops"]),
                 pct(r["share"], 1)] for r in lim.modules.to_dict("records")]
        parts.append(f"<details><summary>{e(w['lim_modules'].format(n=len(rows)))}</summary>" + table(
            [e(w[k]) for k in ("site", "class", "built_pf", "max_pflops", "of_limit")], rows, "limits") + "</details>")
    if len(lim.trunks):
        labels = d.names.trunk_label(lim.trunks["from"], lim.trunks["to"], lang)
        rows = [[e(lbl), num(r["capacity_gbps"]), pct(r["utilisation"]), num(r["upgrades_left"]),
                 num(r["value_cny_per_gbps_year"])] for lbl, r in zip(labels, lim.trunks.to_dict("records"), strict=True)]
        parts.append(f"<details><summary>{e(w['lim_trunks'].format(n=len(rows)))}</summary>" + table(
            [e(w[k]) for k in ("trunk", "capacity", "util", "upgrades_left", "value_gbps")], rows, "limits") + "</details>")
    if lim.policies:
        rows = []
        for r in lim.policies:
            name = w["policies"].get(r["policy"], r["policy"])
            if r["part"]:
                name += f" ({w['outside'] if r['part'] == 'outside_hubs' else w.get(r['part'], r['part'])})"
            rows.append([e(name), fmt_goal(r["target"], r["policy"]), fmt_goal(r["achieved"], r["policy"]),
                         "–" if r["price_cny"] is None else num(float(r["price_cny"]) / YI, 1)])
        parts.append(f"<details open><summary>{e(w['lim_policies'].format(n=len(rows)))}</summary>" + table(
            [e(w[k]) for k in ("policy", "target", "achieved", "price")], rows, "limits") + "</details>")
    return "".join(parts)


def has_levers(d: Digest) -> bool:
    return (d.folder / "levers.csv").is_file()


def levers_section(d: Digest, lang: str) -> str:
    """How the west share of new compute and the cost respond to each lever (levers.csv of `edwc levers`)."""
    import pandas as pd

    w = W[lang]
    df = pd.read_csv(d.folder / "levers.csv", keep_default_na=False, na_values=[""])
    gap = d.summary.get("mip_gap")
    parts = [f'<p class="small">{e(w["levers_note"].format(gap="–" if gap is None else pct(float(gap), 2)))}</p>']
    moved = df[df["lever"] != "base"].groupby("lever")["west_share_change_pp"].agg(["min", "max"])
    spread = moved["max"].clip(lower=0) - moved["min"].clip(upper=0)
    if len(moved) and float(spread.max()) < LEVER_MATERIAL_PP:
        parts.append("<p class='lead'>" + e(w["lever_none"].format(pp=f"{LEVER_MATERIAL_PP:g}")) + "</p>")
    elif len(moved):
        top = spread.idxmax()
        parts.append("<p class='lead'>" + e(w["lever_most"].format(
            name=w["lever_names"].get(top, top), lo=float(moved.loc[top, "min"]), hi=float(moved.loc[top, "max"]))) + "</p>")
    rows = []
    base_unmet = float(df.loc[df["lever"] == "base", "unmet_pflops"].iloc[0]) if (df["lever"] == "base").any() else 0.0
    flagged = False
    for r in df.to_dict("records"):
        base = r["lever"] == "base"
        more_unmet = float(r["unmet_pflops"]) > base_unmet + max(1.0, 0.001 * abs(base_unmet))
        flagged |= more_unmet
        name = w["base_row"] if base else w["lever_names"].get(r["lever"], r["lever"])
        change = "" if base else w["lever_changes"].get(f"{r['lever']}-{r['setting']}", r.get("change") or "")
        dw, dc = float(r["west_share_change_pp"]), float(r["cost_change_pct"])
        rows.append([f"<b>{e(name)}</b>" if base else e(name), e(change), pct(float(r["west_share_new"]), 1),
                     "" if base else f"{dw:+.1f}", pct(float(r["hub_share_new"]), 1), num(float(r["cost_cny"]) / YI, 1),
                     "" if base else f"{dc:+.2f}%" + (" *" if more_unmet else ""),
                     f"<b>{num(float(r['unmet_pflops']))}</b>" if more_unmet else num(float(r["unmet_pflops"])),
                     e(r["status"])])
    note = f'<p class="small">* {e(w["lever_unmet"])}</p>' if flagged else ""
    return "".join(parts) + note + table([e(w[k]) for k in ("lever", "lever_change", "west_new", "west_pp", "hub_new", "cost_yi",
                                                      "cost_pct", "unmet_pf", "status")], rows, "levers")


def has_blocks(d: Digest) -> bool:
    cap = d.tables.get("capacity")
    return bool(block_sizes(d.workloads)) and cap is not None and "blocks" in cap.columns


def blocks_section(d: Digest, lang: str) -> str:
    """Where the single-site training blocks sit in the last period (capacity.csv `blocks`), with the block size
    and the warning that which sites host them is an integer choice inside the MIP gap (docs/model.md)."""
    w = W[lang]
    cap = d.tables["capacity"]
    last = cap[(cap["period"] == d.period) & (cap["blocks"] > 1e-9)].sort_values("blocks", ascending=False)
    sizes = block_sizes(d.workloads)
    size = "; ".join(f"{num(v, 1)} PFLOPS" for v in sizes.values())
    site_names = d.names.of("sites", last["site"].tolist(), lang).tolist()
    hub_of = d.sites.set_index("site")["hub"]
    hub_ids = [hub_of.get(s) for s in last["site"]]
    hubs = [d.names.of("hubs", [h], lang).iloc[0] if isinstance(h, str) and h else w["outside"] for h in hub_ids]
    # one block workload in the shipped instances; with several, PFLOPS use the smallest block (a lower bound)
    rows = [[e(n), e(h), num(float(b), 1), num(float(b) * min(sizes.values()))]
            for n, h, b in zip(site_names, hubs, last["blocks"], strict=True)]
    gap = d.summary.get("mip_gap")
    lead = w["blocks_lead"].format(n=len(rows), blocks=float(last["blocks"].sum()), size=size)
    note = w["blocks_note"].format(gap="–" if gap is None else pct(float(gap), 2))
    return (f"<p class='lead'>{e(lead)}</p><p class='small'>{e(note)}</p>"
            + table([e(w[k]) for k in ("site", "hub", "blocks_n", "blocks_pf")], rows, "limits"))
