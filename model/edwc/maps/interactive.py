"""The interactive map: one self-contained bokeh page (resources inline, no network).

Every name from the instance reaches the page only as data (canvas text or a tooltip field
with bokeh's default HTML escaping); no ``{safe}`` formatter is used.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from bokeh.core.properties import value as fixed
from bokeh.embed import file_html
from bokeh.models import ColumnDataSource, HoverTool, Range1d
from bokeh.models.annotations import Legend, LegendItem, Title
from bokeh.models.renderers import GlyphRenderer
from bokeh.plotting import figure
from bokeh.resources import INLINE
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex

from edwc.maps.base import FONT_FILE, class_colour, text, workload_colours
from edwc.maps.flows import flow_arcs, widths
from edwc.maps.scene import Scene, line_coords
from edwc.maps.static import SITE_RADIUS_M, UTIL_CMAP, shade_cmap, site_mw, site_radius

WIDTH_PX, HEIGHT_PX = 1250, 900
FONT = "EDWC Sans"
TEXT_FONT = f"'{FONT}', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"


def render_html(scene: Scene, path: Path) -> None:
    p = make_figure(scene)
    html = file_html(p, INLINE, title=scene.title)
    html = html.replace("</head>", font_face(page_text(scene)) + "</head>", 1)
    path.write_text(html, encoding="utf-8")


def legend_item(label: str, renderer: GlyphRenderer[Any]) -> LegendItem:
    """One legend entry for one renderer (bokeh's generic renderer types are invariant)."""
    return LegendItem(label=label, renderers=[renderer])


def make_figure(scene: Scene) -> figure:
    t = text(scene.lang)
    minx, miny, maxx, maxy = scene.bounds
    p = figure(width=WIDTH_PX, height=HEIGHT_PX, match_aspect=True, x_range=Range1d(start=minx, end=maxx),
               y_range=Range1d(start=miny, end=maxy), tools="pan,wheel_zoom,box_zoom,reset,save",
               active_scroll="wheel_zoom", title=scene.title, background_fill_color="#e8f1f8")
    p.axis.visible = False
    p.grid.visible = False
    assert isinstance(p.title, Title)  # figure(title=str) makes a Title
    p.title.text_font = TEXT_FONT
    p.title.text_font_size = "16px"
    items: list[LegendItem] = []
    add_base(p, scene)
    items += add_provinces(p, scene)
    items += add_trunks(p, scene)
    items += add_reach(p, scene)
    items += add_flows(p, scene)
    items += add_sites(p, scene)
    items += add_hubs(p, scene)
    legend = Legend(items=items, click_policy="hide", location="top_left",
                    label_text_font=TEXT_FONT, label_text_font_size="11px",
                    title=t["regions"] if not scene.solved else scene.shade_label,
                    title_text_font=TEXT_FONT, background_fill_alpha=0.85)
    p.add_layout(legend, "right")
    p.add_layout(Title(text=t["note"], text_font=TEXT_FONT, text_font_size="11px",
                       text_font_style="normal", text_color="#555555"), "below")
    return p


# --------------------------------------------------------------------------- layers


def polygon_coords(geoms) -> tuple[list, list]:  # noqa: ANN001
    """Geometries as bokeh multi_polygons xs/ys: [polygon][part][ring][vertex]."""
    xs, ys = [], []
    for g in geoms:
        parts = getattr(g, "geoms", [g])
        px = [[np.asarray(r.coords)[:, 0].tolist() for r in (p.exterior, *p.interiors)]
              for p in parts]
        py = [[np.asarray(r.coords)[:, 1].tolist() for r in (p.exterior, *p.interiors)]
              for p in parts]
        xs.append(px)
        ys.append(py)
    return xs, ys


def add_base(p: figure, scene: Scene) -> None:
    xs, ys = polygon_coords(scene.neighbours.geometry)
    p.multi_polygons(xs=xs, ys=ys, fill_color="#f2f2ee", line_color="#c8c8c8", line_width=0.5)
    dash = [np.asarray(g.coords) for g in shapely.get_parts(scene.ten_dash.geometry.to_numpy())]
    p.multi_line(xs=[d[:, 0].tolist() for d in dash], ys=[d[:, 1].tolist() for d in dash], line_color="#707070",
                 line_width=1.2)


def shade_colours(scene: Scene) -> list[str]:
    cmap_name, norm = shade_cmap(scene)
    cmap = colormaps[cmap_name]
    return ["#dddddd" if pd.isna(v) else to_hex(cmap(norm(v)))
            for v in scene.provinces["value"]]


def add_provinces(p: figure, scene: Scene) -> list[LegendItem]:
    prov = scene.provinces
    xs, ys = polygon_coords(prov.geometry)
    value = [("–" if pd.isna(v) else f"{v:,.3g}") for v in prov["value"]]
    src = ColumnDataSource(dict(xs=xs, ys=ys, fill=shade_colours(scene), name=prov["label"],
                                adcode=prov["adcode"], value=value))
    r = p.multi_polygons(xs="xs", ys="ys", fill_color="fill", line_color="white",
                         line_width=0.8, source=src)
    p.add_tools(HoverTool(renderers=[r], tooltips=[("", "@name (@adcode)"),
                                                   (scene.shade_label, "@value")]))
    labels = ColumnDataSource(dict(x=prov["label_x"], y=prov["label_y"], text=prov["label"]))
    p.text(x="x", y="y", text="text", source=labels, text_font=fixed(TEXT_FONT),
           text_font_size="10px", text_color="#505050", text_align="center", text_baseline="middle")
    return [legend_item(text(scene.lang)["provinces"], r)]


def add_trunks(p: figure, scene: Scene) -> list[LegendItem]:
    tr = scene.trunks
    if tr.empty:
        return []
    t = text(scene.lang)
    coords = line_coords(tr.geometry)
    data = dict(xs=[c[:, 0] for c in coords], ys=[c[:, 1] for c in coords],
                trunk=tr["trunk"], a=tr["from"], b=tr["to"],
                km=tr["length_km"].map(lambda v: f"{v:,.0f}"))
    tips = [("trunk", "@trunk (@a – @b)"), ("length", "@km km")]
    if scene.solved:
        norm = Normalize(0, 1)
        util = tr["utilisation"].fillna(0).to_numpy()
        data |= dict(colour=[to_hex(c) for c in UTIL_CMAP(norm(util))],
                     load=[f"{a:,.0f} / {b:,.0f}" for a, b in zip(tr["load_gbps"],
                                                                  tr["capacity_gbps"],
                                                                  strict=True)],
                     util=[f"{u:.0%}" for u in util],
                     added=tr["wavelengths_added"].astype(int),
                     width=np.where(tr["upgraded"], 4.0, 2.2))
        tips += [("load / capacity", "@load Gbps"), ("utilisation", "@util"),
                 ("wavelengths added", "@added")]
    else:
        data |= dict(colour=["#6b6b6b"] * len(tr), width=[1.5] * len(tr))
    r = p.multi_line(xs="xs", ys="ys", line_color="colour", line_width="width",
                     source=ColumnDataSource(data))
    p.add_tools(HoverTool(renderers=[r], tooltips=tips, line_policy="interp"))
    return [legend_item(t["trunks"], r)]


def add_reach(p: figure, scene: Scene) -> list[LegendItem]:
    items = []
    t = text(scene.lang)
    names = scene.regions.set_index("region")["label"]
    site_names = scene.sites.set_index("site")["label"]
    for i, (w, g) in enumerate(scene.reach.groupby("workload", sort=False)):
        coords = line_coords(g.geometry)
        src = ColumnDataSource(dict(
            xs=[c[:, 0] for c in coords], ys=[c[:, 1] for c in coords],
            region=g["region"].map(names), site=g["site"].map(site_names),
            rtt=g["rtt_ms"].map(lambda v: f"{v:.1f}")))
        r = p.multi_line(xs="xs", ys="ys", source=src, line_alpha=0.35, line_width=1.2,
                         line_color=workload_colours(scene.workloads)[w], visible=i == 0)
        p.add_tools(HoverTool(renderers=[r], tooltips=[("", "@region – @site"),
                                                       ("RTT", "@rtt ms")]))
        label = t["reach"].format(limit=float(g["max_rtt_ms"].iloc[0]), workload=w)
        items.append(legend_item(label, r))
    return items


def add_flows(p: figure, scene: Scene) -> list[LegendItem]:
    f = scene.flows
    if f.empty:
        return []
    origin_names = origin_labels(scene)
    site_names = scene.sites.set_index("site")["label"]
    colours = workload_colours(scene.workloads)
    items = []
    for w in scene.workloads:
        g = f[f["workload"] == w]
        if g.empty:
            continue
        arcs = flow_arcs(g, scene.workloads)
        src = ColumnDataSource(dict(
            xs=[a[:, 0] for a in arcs], ys=[a[:, 1] for a in arcs], width=widths(g["rel"]),
            origin=g["origin"].map(origin_names).fillna(g["origin"]),
            site=g["site"].map(site_names), pflops=g["pflops"].map(lambda v: f"{v:,.1f}"),
            rtt=g["rtt_ms"].map(lambda v: f"{v:.1f}")))
        r = p.multi_line(xs="xs", ys="ys", line_width="width", line_color=colours[w],
                         line_alpha=0.65, source=src)
        p.add_tools(HoverTool(renderers=[r], line_policy="interp", tooltips=[
            ("", "@origin → @site"), ("workload", w), ("PFLOPS", "@pflops"),
            ("RTT", "@rtt ms")]))
        items.append(legend_item(w, r))
    return items


def origin_labels(scene: Scene) -> pd.Series:
    regions = scene.regions.set_index("region")["label"]
    provinces = scene.provinces.set_index("adcode")["label"]
    return pd.concat([provinces, regions[~regions.index.isin(provinces.index)]])


def site_tooltip_fields(scene: Scene) -> dict[str, list[str]]:
    s = scene.sites
    fields = {"name": s["label"].tolist(), "site": s["site"].tolist(),
              "pue": s["pue"].map(lambda v: f"{v:.2f}").tolist()}
    for c in scene.classes:
        if scene.solved:
            inst, util = s[f"installed_pflops_{c}"], s[f"utilisation_{c}"]
            fields[f"cap_{c}"] = [f"{a:,.1f} PFLOPS" + ("" if pd.isna(u) else f", {u:.0%}")
                                  for a, u in zip(inst, util, strict=True)]
        else:
            fields[f"cap_{c}"] = s[f"existing_pflops_{c}"].map(lambda v: f"{v:,.1f} PFLOPS")
    if scene.solved:
        fields["mw"] = s["installed_it_mw"].map(lambda v: f"{v:,.1f}").tolist()
        fields["util"] = s["utilisation"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
    return fields


def site_tooltips(scene: Scene) -> list[tuple[str, str]]:
    t = text(scene.lang)
    tips = [("", "@name (@site)")]
    tips += [(t.get(c, c), f"@cap_{c}") for c in scene.classes]
    if scene.solved:
        tips += [("IT MW", "@mw"), ("utilisation", "@util")]
    return tips + [("PUE", "@pue")]


def add_sites(p: figure, scene: Scene) -> list[LegendItem]:
    s = scene.sites
    if s.empty:
        return []
    t = text(scene.lang)
    fields = site_tooltip_fields(scene)
    if scene.solved:
        r = add_pies(p, scene, fields)
    else:
        src = ColumnDataSource(dict(x=s["x"], y=s["y"], **fields))
        r = p.scatter(x="x", y="y", size=11, marker="square", fill_color="#333333",
                      line_color="white", source=src)
    p.add_tools(HoverTool(renderers=[r], tooltips=site_tooltips(scene)))
    labels = ColumnDataSource(dict(x=s["x"], y=s["y"], text=s["label"]))
    p.text(x="x", y="y", text="text", source=labels, x_offset=10, y_offset=8,
           text_font=fixed(TEXT_FONT), text_font_size="10px", text_color="#202020")
    return [legend_item(t["site"], r)]


def add_pies(p: figure, scene: Scene, fields: dict[str, list[str]]):  # noqa: ANN201
    mw = site_mw(scene)
    radius, _ = site_radius(mw.sum(axis=1).to_numpy())
    rows: dict[str, list] = {k: [] for k in ("x", "y", "r", "a0", "a1", "colour", *fields)}
    for i, (x, y) in enumerate(zip(scene.sites["x"], scene.sites["y"], strict=True)):
        total, start = float(mw.iloc[i].sum()), np.pi / 2
        for c in scene.classes:
            sweep = 2 * np.pi * (float(mw.iloc[i][c]) / total if total > 0 else 1 / len(
                scene.classes))
            colour = class_colour(c, scene.classes) if total > 0 else "#ffffff"
            for k, v in (("x", x), ("y", y), ("r", radius[i]), ("a0", start),
                         ("a1", start + sweep), ("colour", colour)):
                rows[k].append(v)
            for k, v in fields.items():
                rows[k].append(v[i])
            start += sweep
    return p.wedge(x="x", y="y", radius="r", radius_units="data", start_angle="a0",
                   end_angle="a1", fill_color="colour", line_color="white", line_width=0.8,
                   source=ColumnDataSource(rows))


def add_hubs(p: figure, scene: Scene) -> list[LegendItem]:
    h = scene.hubs
    if h.empty:
        return []
    src = ColumnDataSource(dict(x=h["x"], y=h["y"] + SITE_RADIUS_M[1] * 0.6, text=h["label"]))
    r = p.text(x="x", y="y", text="text", source=src, text_font=fixed(TEXT_FONT),
               text_font_size="14px", text_color="#8b0000", text_align="center",
               text_baseline="bottom")
    return [legend_item(text(scene.lang)["hubs"], r)]


# --------------------------------------------------------------------------- font


def page_text(scene: Scene) -> str:
    t = text(scene.lang)
    parts = [scene.title, scene.shade_label, *t.values(), *scene.provinces["label"],
             *scene.sites["label"], *scene.hubs["label"], *scene.regions["label"],
             *scene.workloads]
    return "".join(sorted(set("".join(map(str, parts)))))


def font_face(chars: str) -> str:
    """An @font-face with the shipped font cut down to the page's characters (data URI)."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = None
    options.hinting = False
    font = subset.load_font(str(FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars + "0123456789.,:;()%–→ -/+×·PFLOPSMWGbpsmsITRU")
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<style>@font-face {{ font-family: "{FONT}"; '
            f'src: url(data:font/otf;base64,{data}) format("opentype"); }}\n'
            f'body {{ font-family: {TEXT_FONT}; }}</style>\n'
            '<script>document.fonts && document.fonts.load(\'12px "' + FONT + '"\')'
            '.then(() => window.dispatchEvent(new Event("resize")));</script>\n')
