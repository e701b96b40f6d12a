"""The interactive map: one self-contained HTML page (inline SVG, CSS, a small script and the
shipped font cut to the page's characters; nothing is fetched).

What it shows: provinces (hub provinces tinted east/west), trunks (width by capacity, grey by
utilisation, congested in the accent colour), sites (area by installed PFLOPS of the class
chosen in the filter), hub labels, the main inter-province flows of each class, and the South
China Sea inset. Hovering shows one tooltip (names, not ids; fields in the page's language);
clicking a site shows every flow it serves. Names reach the page only as escaped SVG text or as
JSON read with textContent, never as markup.
"""

from __future__ import annotations

import html
import json
import math
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely

from edwc.maps import colours as C
from edwc.maps.fonts_cache import font_face_css
from edwc.maps.geo import basemap, line_parts, polygon_rings
from edwc.maps.i18n import cls_label, ef, pct, words
from edwc.maps.i18n_pages import PAGE_WORDS, page_chars
from edwc.maps.mapdata import MapData, headline_lines, page_title, site_sizes, trunk_widths
from edwc.maps.page_labels import place_labels
from edwc.results.digest import Digest
from edwc.results.limits import AT_LIMIT, limits_of

KM = 1000.0
SIMPLIFY_M = 1500.0  # the page draws at ~4 km per pixel; coarser shapes load faster


def km(v: float) -> str:
    return f"{v / KM:.0f}"


def path_d(geom, tolerance: float = SIMPLIFY_M) -> str:  # noqa: ANN001
    """SVG path data in km with y pointing down."""
    out = []
    for ring in polygon_rings(shapely.simplify(geom, tolerance, preserve_topology=True)):
        pts = np.round(ring / KM).astype(int)
        out.append("M" + "L".join(f"{x} {-y}" for x, y in pts) + "Z")
    return "".join(out)


def viewbox(bounds: tuple[float, float, float, float]) -> str:
    minx, miny, maxx, maxy = bounds
    return f"{km(minx)} {km(-maxy)} {km(maxx - minx)} {km(maxy - miny)}"


@cache
def base_paths() -> tuple[list[str], list[str]]:
    """Path data of provinces, and of neighbours and outline + ten-dash line: made once and
    kept in the user cache (keyed by the shipped basemap file)."""
    from edwc.maps.base import BASEMAP
    from edwc.maps.fonts_cache import cache_dir, file_key, store

    cached = cache_dir("paths") / f"{file_key(BASEMAP.resolve(), str(SIMPLIFY_M))}.json"
    if cached.exists():
        provinces, fixed = json.loads(cached.read_text(encoding="utf-8"))
        return provinces, fixed
    bm = basemap()
    dash = "".join("M" + "L".join(f"{x} {-y}" for x, y in np.round(p / KM).astype(int))
                   for g in bm.ten_dash for p in line_parts(g))
    fixed = ["".join(f'<path d="{path_d(g)}" class="nb"/>' for g in bm.neighbours),
             "".join(f'<path d="{path_d(g, 800)}" class="ol"/>' for g in bm.outline)
             + f'<path d="{dash}" class="td"/>']
    provinces = [path_d(g) for g in bm.provinces]
    store(cached, json.dumps([provinces, fixed]).encode("utf-8"))
    return provinces, fixed


def base_layer(fills: list[str], names: list[str]) -> str:
    provinces, (neighbours, lines) = base_paths()
    parts = ['<g id="base">', neighbours]
    parts += [f'<path d="{d}" fill="{f}" class="pv"><title>{html.escape(n)}</title></path>'
              for d, f, n in zip(provinces, fills, names, strict=True)]
    parts += [lines, "</g>"]
    return "".join(parts)


def curve(x0: float, y0: float, x1: float, y1: float, bend: float = 0.18) -> str:
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    cx, cy = mx - (y1 - y0) * bend, my + (x1 - x0) * bend
    return f"M{km(x0)} {km(-y0)}Q{km(cx)} {km(-cy)} {km(x1)} {km(-y1)}"


def page_data(m: MapData) -> dict:
    """What the script needs: per-site numbers by class, flows into each site, tooltips."""
    from edwc.maps.geo import project_xy

    d, lang, w = m.d, m.lang, PAGE_WORDS[m.lang]
    s = m.sites
    col = f"name_{lang}"
    site_name, hub_name = d.names.sites[col].to_dict(), d.names.hubs[col].to_dict()
    region_name = d.names.regions[col].to_dict()
    sites = []
    limited = limits_of(d).site_ids
    direct = direct_supply(d)
    for r in s.to_dict("records"):
        by = {c: [round(r[f"installed_{c}"], 1), round(r[f"built_{c}"], 1),
                  round(r.get(f"served_{c}", 0.0), 1)] for c in d.classes}
        hub = r["hub"]
        sites.append({"id": r["site"], "name": site_name.get(r["site"], r["site"]),
                      "hub": hub_name.get(hub, hub) if hub == hub else w["none"],
                      "side": words(lang).get(r["side"], r["side"]), "pue": r.get("pue"), "by": by,
                      "mw": [round(float(r.get("facility_mw", 0.0)), 1), round(float(r.get("max_facility_mw", 0.0)), 1)]
                      if r.get("max_facility_mw") == r.get("max_facility_mw") and "max_facility_mw" in r else None,
                      "lim": r["site"] in limited, "dir": direct.get(r["site"])})
    serve = d.serve_last()
    region_xy = d.regions.set_index("region")[["lon", "lat"]]
    site_xy = s.set_index("site")[["x", "y"]]
    rx, ry = project_xy(region_xy.reindex(serve["region"])["lon"], region_xy.reindex(serve["region"])["lat"])
    flows = []
    xy = {k: (float(v["x"]), float(v["y"])) for k, v in site_xy.iterrows()}
    cls = serve["class"].tolist()
    for i, row in enumerate(serve.itertuples(index=False)):
        if row.site not in xy or rx[i] != rx[i]:
            continue
        x1, y1 = xy[row.site]
        flows.append({"s": row.site, "c": cls[i],
                      "o": region_name.get(row.region, row.region),
                      "w": row.workload, "p": round(row.pflops, 1), "rtt": round(row.rtt_ms, 1),
                      "d": curve(rx[i], ry[i], x1, y1, 0.12)})
    classes = {c: {"name": cls_label(c, lang), "hue": C.class_colour(c, d.classes),
                   "pale": C.class_colour(c, d.classes, pale=True)} for c in d.classes}
    return {"sites": sites, "flows": flows, "classes": classes, "words": w,
            "cls_words": {"installed": w["installed"], "new": w["new"]}}


def direct_supply(d: Digest) -> dict[str, list[float]]:
    """site -> [PV MW, wind MW, storage MWh] of green direct supply in service in the period the map shows (> 0.5 MW)."""
    st = d.tables.get("sites")
    if st is None or "direct_solar_mw" not in st:
        return {}
    st = st[st["period"] == d.period].groupby("site")[["direct_solar_mw", "direct_wind_mw", "battery_mwh"]].sum()
    return {str(k): [round(float(v), 1) for v in row] for k, row in st.iterrows()
            if row["direct_solar_mw"] + row["direct_wind_mw"] > 0.5}


def star(x: float, y: float, r: float) -> str:
    """An SVG path of a five-pointed star of outer radius r km at projected (x, y) metres."""
    pts = []
    for j in range(10):
        a = math.pi / 2 + j * math.pi / 5
        rr = r * (1 if j % 2 == 0 else 0.45)
        pts.append(f"{km(x + rr * 1000 * math.cos(a))} {km(-(y + rr * 1000 * math.sin(a)))}")
    return "M" + "L".join(pts) + "Z"


def svg_map(m: MapData, shade: str) -> str:
    bm = basemap()
    w = words(m.lang)
    names = list(bm.short_zh if m.lang == "zh" else bm.name_en)
    out = [f'<svg id="map" viewBox="{viewbox(bm.main_bounds)}" preserveAspectRatio="xMidYMid meet" '
           'xmlns="http://www.w3.org/2000/svg">', base_layer(m.fills(shade), names)]
    t = m.trunks
    widths = trunk_widths(t["capacity_gbps"])
    out.append('<g id="trunks">')
    for i, row in enumerate(t.itertuples(index=False)):
        colour = C.CONGESTED if row.congested else C.trunk_grey(row.utilisation)
        tip = [row.label, f"{row.capacity_gbps:,.0f} Gbps", f"{row.load_gbps:,.0f} Gbps",
               pct(row.utilisation), f"{row.length_km:,.0f} km", int(row.wavelengths_added)]
        out.append(f'<line x1="{km(row.x0)}" y1="{km(-row.y0)}" x2="{km(row.x1)}" y2="{km(-row.y1)}" '
                   f'stroke="{colour}" stroke-width="{widths[i] * 1.4 + (1 if row.congested else 0):.1f}" '
                   f'data-tip="{html.escape(json.dumps(tip, ensure_ascii=False))}" class="tr"/>')
    out.append('</g><g id="flows"></g><g id="arrows">')
    for c in m.d.classes:
        flows, _ = m.d.class_flows(c)
        if flows.empty:
            continue
        from edwc.maps.geo import project_xy

        x0, y0 = project_xy(flows["x0"], flows["y0"])
        x1, y1 = project_xy(flows["x1"], flows["y1"])
        top = float(flows["pflops"].max())
        for i in range(len(flows)):
            lw = 1.5 + 8 * float(flows["pflops"].iloc[i]) / top
            out.append(f'<path d="{curve(x0[i], y0[i], x1[i], y1[i])}" data-c="{c}" '
                       f'stroke="{C.class_colour(c, m.d.classes)}" stroke-width="{lw:.1f}" '
                       f'class="ar" marker-end="url(#head-{c})"/>')
    out.append("</g><defs>")
    for c in m.d.classes:
        out.append(f'<marker id="head-{c}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="70" '
                   f'markerHeight="70" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" '
                   f'fill="{C.class_colour(c, m.d.classes)}"/></marker>')
    out.append('</defs><g id="sites">')
    s = m.sites
    installed = s[[f"installed_{c}" for c in m.d.classes]].sum(axis=1).to_numpy()
    r = site_sizes(installed)
    limited = limits_of(m.d).site_ids
    for i, row in enumerate(s.itertuples(index=False)):
        out.append(f'<circle cx="{km(row.x)}" cy="{km(-row.y)}" r="{r[i] * 4.5:.1f}" data-s="{i}" '
                   f'fill="{C.SIDE.get(row.side, C.INK_SOFT)}" class="st{" lim" if row.site in limited else ""}"/>')
    direct = direct_supply(m.d)  # green direct supply built at the site: a sun-coloured star down and right of it (hub labels sit above)
    top = max([1.0, *(v[0] + v[1] for v in direct.values())])
    for i, row in enumerate(s.itertuples(index=False)):
        if row.site in direct:
            pv, wind = direct[row.site][:2]
            size = 25 + 35 * ((pv + wind) / top) ** 0.5
            out.append(f'<path d="{star(float(row.x) + 45e3, float(row.y) - 45e3, size)}" data-s="{i}" '
                       f'fill="{C.DIRECT}" class="dr"/>')
    out.append('</g><g id="labels">')
    hubs = m.hubs.sort_values("installed", ascending=False)
    texts = [f"{h.label} {ef(h.installed)} EF" for h in hubs.itertuples(index=False)]
    circles = [(float(x) / KM, -float(y) / KM, float(ri) * 4.5) for x, y, ri in zip(s["x"], s["y"], r, strict=True)]
    circles += [((float(row.x) + 45e3) / KM, -(float(row.y) - 45e3) / KM, 25 + 35 * (sum(direct[row.site][:2]) / top) ** 0.5)
                for row in s.itertuples(index=False) if row.site in direct]  # the stars of direct supply
    placed = place_labels([(t, float(h.x) / KM, -float(h.y) / KM, 0.0)
                           for t, h in zip(texts, hubs.itertuples(index=False), strict=True)], circles)
    for t, h, p in zip(texts, hubs.itertuples(index=False), placed, strict=True):
        out.append(f'<text x="{p.x:.0f}" y="{p.y:.0f}" fill="{C.SIDE.get(h.side, C.INK)}" '
                   f'style="text-anchor:{p.anchor}" class="hl">{html.escape(t)}</text>')
    out.append("</g></svg>")
    inset = (f'<svg id="inset" viewBox="{viewbox(bm.inset_bounds)}" xmlns="http://www.w3.org/2000/svg">'
             f'<use href="#base"/></svg><div id="inset-label">{html.escape(w["scs"])}</div>')
    return "".join(out) + inset


def legend_html(m: MapData) -> str:
    w, pw = words(m.lang), PAGE_WORDS[m.lang]
    util = "".join(f'<span style="background:{C.trunk_grey(u / 4)}"></span>' for u in range(5))
    items = [f'<div class="lg"><b>{html.escape(pw["trunk_util"])}</b><div class="ramp">{util}</div>'
             '<div class="ticks"><i>0%</i><i>50%</i><i>100%</i></div>'
             f'<div><span class="sw" style="background:{C.CONGESTED}"></span>'
             f'{html.escape(w["congested"].format(at=pct(0.95)))}</div></div>',
             '<div class="lg">' + "".join(
                 f'<div><span class="dot" style="background:{C.SIDE[k]}"></span>'
                 f'{html.escape(w["site_side"].format(side=w[k]))}</div>' for k in ("east", "west", "outside"))
             + "".join(f'<div><span class="sw" style="background:{C.SIDE_TINT[k]}"></span>'
                       f'{html.escape(w["hub_tint"].format(side=w[k]))}</div>' for k in ("east", "west"))
             + f'<div><span class="dot lim" style="background:{C.SIDE["east"]}"></span>'
             f'{html.escape(w["at_limit"].format(at=pct(AT_LIMIT)))}</div>'
             + (f'<div><span class="star" style="color:{C.DIRECT}">★</span>'
                f'{html.escape(pw["direct_key"])}</div>' if direct_supply(m.d) else "")
             + f'<div class="small">{html.escape(pw["sites_size"])}</div></div>']
    return "".join(items)


def render_page(d: Digest, path: Path, lang: str, shade: str = "hubs") -> None:
    path.write_text(page_html(d, lang, shade), encoding="utf-8")


def page_html(d: Digest, lang: str, shade: str = "hubs") -> str:
    m = MapData(d, lang)
    pw = PAGE_WORDS[lang]
    title = page_title(d, lang)
    lines = headline_lines(d, lang)
    buttons = [f'<label><input type="radio" name="cls" value="" checked> {html.escape(pw["all"])}</label>']
    buttons += [f'<label style="color:{C.class_colour(c, d.classes)}"><input type="radio" name="cls" '
                f'value="{html.escape(c)}"> {html.escape(cls_label(c, lang))}</label>' for c in d.classes]
    body = (f'<header><h1>{html.escape(title)}</h1><p>{html.escape(lines[0])}</p>'
            + "".join(f'<p class="sub">{html.escape(x)}</p>' for x in lines[1:]) + "</header>"
            f'<nav><span>{html.escape(pw["filter"])}:</span>{"".join(buttons)}'
            f'<button id="reset">{html.escape(pw["reset"])}</button>'
            f'<span class="hint">{html.escape(pw["click"])}</span></nav>'
            f'<main><div id="wrap">{svg_map(m, shade)}<div id="tip"></div></div>'
            f'<aside>{legend_html(m)}</aside></main>'
            f'<footer>{html.escape(words(lang)["note"])}</footer>')
    data = (json.dumps(page_data(m), ensure_ascii=False).replace("&", "\\u0026")
            .replace("<", "\\u003c").replace(">", "\\u003e"))  # no markup inside <script>
    chars = page_chars(d, lang)
    assets = resources.files("edwc.maps") / "assets"
    css = (assets / "page.css").read_text(encoding="utf-8")
    js = (assets / "page.js").read_text(encoding="utf-8")
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{font_face_css(chars)}{css}</style></head>"
            f'<body>{body}<script type="application/json" id="data">{data}</script>'
            f"<script>{js}</script></body></html>\n")
