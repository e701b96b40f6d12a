"""The plan map's small panels: one per class (sites sized in that class's PFLOPS, existing
pale and new solid, with the main inter-province flows as arrows) and the bar chart of
installed capacity by hub, east and west grouped."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from edwc.maps import colours as C
from edwc.maps.draw import THIN_HALO, draw_basemap, setup
from edwc.maps.geo import basemap, project_xy
from edwc.maps.i18n import cls_label, ef, pct, words
from edwc.maps.mapdata import MapData, site_sizes
from edwc.maps.place import Placer
from edwc.results.digest import Digest

PANEL_SITE_PT = (1.5, 13.0)
ARROW_PT = (0.6, 5.5)
LABELLED_SITES = 4


def draw_class_panel(ax: Axes, m: MapData, cls: str) -> None:
    w, d = words(m.lang), m.d
    bounds = basemap().main_bounds
    setup(ax, bounds)
    draw_basemap(ax, [C.LAND if k else C.NO_DATA for k in basemap().mainland], bounds,
                 outline_lw=0.5, coarse=True)
    hue, pale = C.class_colour(cls, d.classes), C.class_colour(cls, d.classes, pale=True)
    flows, share = d.class_flows(cls)
    if len(flows):
        top = float(flows["pflops"].max())
        x0, y0 = project_xy(flows["x0"], flows["y0"])
        x1, y1 = project_xy(flows["x1"], flows["y1"])
        # the ends are pulled in by 2 pt and 3 pt here rather than by matplotlib's shrinkA/B,
        # which clips every arrow's Bézier path at each draw (a tenth of the map's time)
        per_pt = (bounds[2] - bounds[0]) / (ax.get_window_extent().width * 72 / ax.figure.dpi)
        dx, dy = x1 - x0, y1 - y0
        length = np.hypot(dx, dy)
        ux, uy = dx / np.where(length > 0, length, 1.0), dy / np.where(length > 0, length, 1.0)
        lo, hi = ARROW_PT
        for i in np.argsort(flows["pflops"].to_numpy()):
            lw = lo + (hi - lo) * float(flows["pflops"].iloc[i]) / top
            a, b = min(2 * per_pt, length[i] / 4), min(3 * per_pt, length[i] / 4)
            ax.add_artist(FancyArrowPatch(  # add_artist: no data-limit update per arrow
                (x0[i] + a * ux[i], y0[i] + a * uy[i]), (x1[i] - b * ux[i], y1[i] - b * uy[i]),
                connectionstyle="arc3,rad=0.18",
                arrowstyle=f"-|>,head_length={2 + lw * 0.9:.1f},head_width={1.2 + lw * 0.6:.1f}",
                lw=lw, color=hue, alpha=0.6, zorder=5, shrinkA=0, shrinkB=0))
    s = m.sites
    inst, built = s[f"installed_{cls}"].to_numpy(), s[f"built_{cls}"].to_numpy()
    top_site = float(inst.max()) if len(inst) and inst.max() > 0 else 1.0
    r_inst = np.where(inst > 0, site_sizes(inst, PANEL_SITE_PT, top_site), 0)
    r_new = np.where(built > 0, site_sizes(built, PANEL_SITE_PT, top_site), 0)
    keep = inst > 0
    ax.scatter(s["x"][keep], s["y"][keep], s=(2 * r_inst[keep]) ** 2, c=pale,
               edgecolors=C.mix(hue, "#ffffff", 0.3), linewidths=0.5, zorder=4)
    new = built > 0
    ax.scatter(s["x"][new], s["y"][new], s=(2 * r_new[new]) ** 2, c=hue, edgecolors="white",
               linewidths=0.4, zorder=4.5)
    placer = Placer(ax)
    for x, y, r in zip(s["x"][keep], s["y"][keep], r_inst[keep], strict=True):
        placer.reserve_data(x, y, r)
    key = size_key(ax, top_site, hue, pale, m.lang)
    placer.reserve_artist(key)
    for i in np.argsort(-built)[:LABELLED_SITES]:
        if built[i] <= 0:
            break
        placer.place(f"{s['label'].iloc[i]} +{built[i]:,.0f}", s["x"].iloc[i],
                     s["y"].iloc[i], gap_pt=r_inst[i], fontsize=6.8, color=C.mix(hue, "#000000", 0.35),
                     path_effects=THIN_HALO, zorder=8)
    west_new = d.share(d.total("built", cls, "west"), d.total("built", cls))
    ax.set_title(w["panel"].format(cls=cls_label(cls, m.lang), installed=ef(d.total("installed", cls)),
                                   built=ef(d.total("built", cls)), west_new=pct(west_new)),
                 fontsize=9, loc="left", color=C.mix(hue, "#000000", 0.3), pad=13)
    sub = (w["panel_flows"].format(n=len(flows), shown=pct(share["shown"]),
                                   local=pct(share["local"]),
                                   top=f"{flows['pflops'].max():,.0f}") if len(flows)
           else w["panel_noflows"])
    ax.text(0.0, 1.012, sub, transform=ax.transAxes, fontsize=6.6, color=C.INK_SOFT,
            ha="left", va="bottom")
    ax.text(0.99, 0.015, w["scs_note"], transform=ax.transAxes, fontsize=6, color=C.INK_FAINT,
            ha="right", va="bottom")


def size_key(ax: Axes, top: float, hue: str, pale: str, lang: str):  # noqa: ANN201
    """Reference circles at the panel's scale, plus what pale and solid mean."""
    w = words(lang)
    nice = nice_value(top)
    handles = [Line2D([], [], marker="o", ls="", mfc=pale, mec=C.mix(hue, "#ffffff", 0.3),
                      ms=2 * float(site_sizes(np.array([v]), PANEL_SITE_PT, top)[0]),
                      label=w["size_key"].format(v=f"{v:,.0f}" if v >= 1 else f"{v:g}"))
               for v in (nice, nice / 4)]
    handles += [Line2D([], [], marker="o", ls="", mfc=pale, mec="none", ms=6, label=w["existing"]),
                Line2D([], [], marker="o", ls="", mfc=hue, mec="none", ms=6, label=w["new"])]
    legend = ax.legend(handles=handles, loc="lower left", fontsize=6.2, framealpha=0.9,
                       labelspacing=0.9, borderpad=0.6, handletextpad=1.0, edgecolor="#dddddd")
    legend.set_zorder(10)
    return legend


def nice_value(top: float) -> float:
    """The largest 1-2-5 number not above ``top``."""
    if top <= 0:
        return 1.0
    exp = 10 ** np.floor(np.log10(top))
    for f in (5, 2, 1):
        if f * exp <= top:
            return float(f * exp)
    return float(exp)


def draw_hub_bars(ax: Axes, d: Digest, lang: str) -> None:
    """Horizontal bars: per hub, each class's existing (pale) then new (solid), in EFLOPS."""
    w = words(lang)
    hubs = d.hubs
    labels = [d.names.of("hubs", [h], lang, short=True).iloc[0] if h else w["other_sites"]
              for h in hubs["hub"]]
    y = np.arange(len(hubs))[::-1].astype(float)
    sides = hubs["side"].tolist()
    # a gap between the east, west and no-hub groups
    for i in range(1, len(sides)):
        if sides[i] != sides[i - 1]:
            y[i:] -= 0.6
    left = np.zeros(len(hubs))
    for c in d.classes:
        for what, colour in (("existing", C.class_colour(c, d.classes, pale=True)),
                             ("built", C.class_colour(c, d.classes))):
            v = hubs[f"{what}_{c}"].to_numpy() / 1000
            ax.barh(y, v, left=left, color=colour, height=0.72, edgecolor="white", lw=0.4)
            left += v
    for yy, total, built in zip(y, left, hubs["built"].to_numpy() / 1000, strict=True):
        ax.text(total + left.max() * 0.01, yy, f"{total:,.1f}  (+{built:,.1f})", va="center",
                fontsize=7.5, color=C.INK_SOFT)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8.5)
    for tick, side in zip(ax.get_yticklabels(), sides, strict=True):
        tick.set_color(C.SIDE.get(side, C.INK_SOFT))
    ax.set_xlim(0, left.max() * 1.28 if left.max() > 0 else 1)
    ax.set_xlabel("EFLOPS", fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.set_title(w["bars"], fontsize=9.5, loc="left")
    for side in ("east", "west"):
        ys = y[np.array(sides) == side]
        if len(ys):
            ax.text(1.0, ys.mean(), w[side], transform=ax.get_yaxis_transform(), rotation=90,
                    ha="right", va="center", fontsize=9, color=C.SIDE[side])
    handles = []
    for c in d.classes:
        handles.append(Line2D([], [], lw=7, color=C.class_colour(c, d.classes),
                              label=cls_label(c, lang)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.07), ncol=len(handles),
              fontsize=7.5, frameon=False)
