"""The power side in report.html: supply, green power by kind and both emission bases by hub, and a typical day
at the hub with the most green supply of its own (load against each supply, from power.csv)."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

from edwc.maps.i18n import pct
from edwc.results.digest import Digest

HEADING = {"zh": "电力：供电、绿电与排放（算电协同）", "en": "Power: supply, green power and emissions"}
WORDS = {
    "zh": {"hub": "枢纽", "energy": "用电 (TWh)", "grid": "电网 (TWh)", "curtailed": "弃风弃光 (TWh)",
           "direct": "直连 (TWh)", "trade": "绿电交易 (TWh)", "certificate": "绿证 (TWh)", "green": "绿电占比",
           "matched": "逐时匹配", "pv": "直连光伏 (MW)", "wind": "直连风电 (MW)", "storage": "储能 (MWh)",
           "peak": "电网最大负荷 (MW)", "loc": "排放·位置法 (Mt)", "mkt": "排放·市场法 (Mt)",
           "outside": "枢纽外", "total": "合计",
           "chart": "{hub}：典型日 {day}（代表 {n:.0f} 天），{t} 年", "load": "负荷", "hour": "时刻（北京时间）",
           "mw": "MW", "discharge": "储能放电", "none": "本方案没有逐时供电数据（年度模式，或无可逐时变化的供电选项）。",
           "note": "位置法 = 电网购电 × 省级电网排放因子（弃电与直连为零）；市场法 = 未被绿证与绿电交易覆盖的电网电量 × 剩余混合因子。"
                   "绿电占比按 669 号文口径计（含绿证）；逐时匹配只计同一时段送达、且不超过该时段负荷的弃电与直连绿电（绿证与绿电交易是年度凭证，不计入）。"},
    "en": {"hub": "hub", "energy": "energy (TWh)", "grid": "grid (TWh)", "curtailed": "curtailed (TWh)",
           "direct": "direct (TWh)", "trade": "traded green (TWh)", "certificate": "certificates (TWh)",
           "green": "green share", "matched": "hour-matched", "pv": "direct PV (MW)", "wind": "direct wind (MW)",
           "storage": "storage (MWh)", "peak": "peak grid (MW)", "loc": "emissions, location (Mt)",
           "mkt": "emissions, market (Mt)", "outside": "outside the hubs", "total": "total",
           "chart": "{hub}: typical day {day} (stands for {n:.0f} days), {t}", "load": "load",
           "hour": "hour (Beijing time)", "mw": "MW", "discharge": "storage discharge",
           "none": "This plan has no slice-by-slice supply (annual mode, or no supply option that varies by the hour).",
           "note": "Location-based = grid MWh × provincial grid factor (curtailed and direct power at zero); market-based = "
                   "grid MWh not covered by certificates or traded green power × the residual-mix factor. The green share "
                   "counts as the consumption-weight notice does (certificates included); hour-matched counts only curtailed "
                   "and direct power delivered in a slice, up to that slice's load (certificates and traded green power "
                   "are yearly claims and do not count)."},
}
SUPPLY_COLOURS = {"grid": "#9aa0a6", "curtailed": "#4e9a57", "direct": "#e0a526", "discharge": "#6f5aa8"}


def hub_power(d: Digest, lang: str) -> pd.DataFrame:
    """Per hub (and outside the hubs), the last period: energy, supply by kind, shares, builds, both emission bases."""
    w = WORDS[lang]
    st = d.tables["sites"]
    st = st[st["period"] == d.period].copy()
    st["hub_label"] = st["hub"].map(lambda h: d.names.of("hubs", [h], lang).iloc[0] if isinstance(h, str) and h
                                    else w["outside"])
    cols = ["energy_mwh", "grid_mwh", "curtailed_mwh", "direct_mwh", "trade_mwh", "certificate_mwh", "green_mwh",
            "green_matched_mwh", "direct_solar_mw", "direct_wind_mw", "battery_mwh", "peak_grid_mw", "emissions_t",
            "emissions_market_t"]
    g = st.groupby("hub_label")[cols].sum()
    g.loc[w["total"]] = g.sum()
    return g


def power_section(d: Digest, lang: str) -> str:
    w = WORDS[lang]
    g = hub_power(d, lang)
    head = [w[k] for k in ("hub", "energy", "grid", "curtailed", "direct", "trade", "certificate", "green", "matched",
                           "pv", "wind", "storage", "peak", "loc", "mkt")]
    rows = []
    for hub, r in g.iterrows():
        e = r["energy_mwh"]
        rows.append([html.escape(str(hub)), *(f"{r[c] / 1e6:,.1f}" for c in ("energy_mwh", "grid_mwh", "curtailed_mwh",
                                                                          "direct_mwh", "trade_mwh", "certificate_mwh")),
                     pct(r["green_mwh"] / e if e else float("nan")), pct(r["green_matched_mwh"] / e if e else float("nan")),
                     *(f"{r[c]:,.0f}" for c in ("direct_solar_mw", "direct_wind_mw", "battery_mwh", "peak_grid_mw")),
                     f"{r['emissions_t'] / 1e6:,.1f}", f"{r['emissions_market_t'] / 1e6:,.1f}"])
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    out = f'<table class="power"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
    out += f'<p class="small">{html.escape(w["note"])}</p>'
    png = day_chart(d, lang)
    if png is None:
        return out + f'<p class="small">{html.escape(w["none"])}</p>'
    data = base64.b64encode(png).decode("ascii")
    return out + f'<img src="data:image/png;base64,{data}" alt="typical day">'


def day_chart(d: Digest, lang: str) -> bytes | None:
    """A typical day at the hub whose sites cover the largest share of their load with curtailed and direct power
    (sites outside the hubs only when no hub takes any): stacked supply against load."""
    pw = d.tables.get("power")
    if pw is None or pw.empty:
        return None
    pw = pw[pw["period"] == d.period]
    st = d.tables["sites"].set_index("site")
    hub_of = st["hub"].groupby(level=0).first()
    pw = pw.assign(hub=pw["site"].map(hub_of).fillna(""), direct=(pw["direct_available_mw"] - pw["spill_mw"]
                                                                   - pw["charge_mw"]).clip(lower=0))
    own = (pw["weight_h"] * (pw["curtailed_mw"] + pw["direct"])).groupby(pw["hub"]).sum()
    share = own / (pw["weight_h"] * pw["load_mw"]).groupby(pw["hub"]).sum()
    hubs = share[(share.index != "") & (own > 0)]
    if share.empty:
        return None
    hub = str(hubs.idxmax() if len(hubs) else own.idxmax())
    days = pw.groupby("day")["weight_h"].sum()
    day = int(days.idxmax())
    h = pw[(pw["hub"] == hub) & (pw["day"] == day)].groupby("step")[
        ["load_mw", "grid_mw", "curtailed_mw", "direct", "discharge_mw", "hours"]].agg(
        {"load_mw": "sum", "grid_mw": "sum", "curtailed_mw": "sum", "direct": "sum", "discharge_mw": "sum", "hours": "first"})
    if h.empty:
        return None
    import matplotlib

    from edwc.maps.static import figure, rc

    w = WORDS[lang]
    start = list(h["hours"].cumsum() - h["hours"]) + [24.0]  # the last step held to midnight
    h = pd.concat([h, h.iloc[[-1]]])
    label = d.names.of("hubs", [hub], lang).iloc[0] if hub else w["outside"]
    n_days = float(pw.loc[pw["day"] == day, "weight_h"].iloc[0] / pw.loc[pw["day"] == day, "hours"].iloc[0])
    with matplotlib.rc_context(rc(lang)):
        fig = figure((8.0, 3.4), 110)
        ax = fig.add_axes((0.08, 0.16, 0.7, 0.72))
        kinds = [("grid_mw", "grid"), ("curtailed_mw", "curtailed"), ("direct", "direct"), ("discharge_mw", "discharge")]
        ax.stackplot(start, *[h[c] for c, _ in kinds], step="post", colors=[SUPPLY_COLOURS[k] for _, k in kinds],
                     labels=[w[k].split(" (")[0] for _, k in kinds], alpha=0.9)
        ax.step(start, h["load_mw"], where="post", color="black", lw=1.4, label=w["load"])
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlabel(w["hour"])
        ax.set_ylabel(w["mw"])
        ax.set_title(w["chart"].format(hub=label, day=day + 1, n=n_days, t=d.period), loc="left", fontsize=9)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, facecolor="white")
    return buf.getvalue()


def power_heading(d: Digest, lang: str) -> str:  # noqa: ARG001
    return HEADING[lang]


def power_chars(lang: str) -> str:
    """Every character this section can show (the page embeds a subset of its font)."""
    return HEADING[lang] + "".join(WORDS[lang].values())
