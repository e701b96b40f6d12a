"""Site maps of the decision analytics: firm.png (`edwc alternatives`: sites built in every
near-optimal plan, sized, a choice) and uncertainty_map.png (`edwc sweep --draws`: how often each
site is built at). Circles sized by IT MW with a size key, sites named in the map's language
(labels placed clear of each other, the legend and the inset), the South China Sea inset, scale
bar and disclaimer as on map.png. Files in English are named *.en.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from edwc.maps.decision_panels import classes, colourbar, figure, save, shade, xy
from edwc.maps.draw import THIN_HALO
from edwc.maps.i18n import pct, suffix
from edwc.maps.i18n_decisions import decision_words
from edwc.maps.panels import nice_value
from edwc.maps.place import Placer
from edwc.results.names import read_names

# firm / sized / choice in greys and white: no hue that means a class or a side on the plan map
STATUS_COLOURS = {"firm": "#111111", "sized": "#9a9a9a", "choice": "#ffffff", "never": "#e0e0e0"}
AREA_PT2 = 420.0  # scatter area (pt²) of the largest circle: area ∝ the value
LABELLED = 12  # the largest sites are always named; the others where a label fits


def _area(v: np.ndarray | float, top: float) -> np.ndarray:
    return 12 + AREA_PT2 * np.asarray(v, float) / max(1e-9, top)


def firm_map(out: Path, firm: pd.DataFrame, instance_dir: Path, slack: float, plans: int, firm_range: float,
             unmet: tuple[float, float, float] | None = None, lang: str = "zh",
             stopped: list[str] | None = None) -> Path:
    """firm[.en].png: ``firm`` has site, status, built_mw_max, built_mw_min; ``unmet`` the optimum's
    unserved PFLOPS and the alternatives' least and most; ``stopped`` the alternatives whose solve ended
    before its optimum (a time limit): named in the subtitle, as they need not be as far as they could go."""
    w = decision_words(lang)
    status = firm[firm["status"] != "never"][["site", "status", "built_mw_max", "built_mw_min"]].rename(
        columns={"built_mw_max": "size", "built_mw_min": "least"})
    note = w["firm_note"]
    if unmet is not None:
        best, lo, hi = unmet
        span = f"{lo:,.0f}" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f}"
        note += " " + w["firm_unmet"].format(best=f"{best:,.0f}", span=span) \
            + (w["firm_unmet_more"] if hi > best + 100 else ("。" if lang == "zh" else "."))
    title = w["firm_title"].format(plans=plans, slack=pct(slack))
    sub = w["firm_sub"].format(range=pct(firm_range))
    if stopped:
        sub += w["firm_stopped"].format(n=len(stopped), names=", ".join(stopped))
    return site_status_map(out, status, instance_dir, title, note, f"firm{suffix(lang)}.png", lang, sub=sub)


def uncertainty_map(out: Path, sites: pd.DataFrame, instance_dir: Path, cases: int, lang: str = "zh") -> Path:
    """uncertainty_map[.en].png: sites by the share of the drawn cases that build there (five
    classes of grey, dark = every case, as firm.png's dark = firm), sized by the mean IT MW built."""
    w = decision_words(lang)
    shown = sites[sites["builds_share"] > 0][["site", "builds_share", "built_mw_mean"]].rename(
        columns={"built_mw_mean": "size"})
    return site_status_map(out, shown, instance_dir, w["unc_map_title"].format(cases=cases), w["unc_map_note"],
                           f"uncertainty_map{suffix(lang)}.png", lang, column="builds_share")


def site_status_map(folder: Path, status: pd.DataFrame, instance_dir: Path, title: str, note: str, name: str,
                    lang: str = "zh", column: str = "status", sub: str = "") -> Path:
    """Sites as circles coloured by a status (firm / sized / choice, with the least as a dark core)
    or by a share in [0, 1] in five classes (column other than ``status``)."""
    w = decision_words(lang)
    sites = pd.read_csv(instance_dir / "sites.csv", dtype={"site": str, "region": str, "hub": str})
    names = read_names(instance_dir)
    fig, (ax,) = figure(1, 1, title, note, lang, panel_in=(11, 8.8), sub=sub)
    inset = shade(ax, lang=lang, inset_width=0.16)
    s = sites[["site", "lon", "lat"]].merge(status, on="site", how="inner").sort_values("size", ascending=False)
    x, y = xy(s["lon"], s["lat"])
    top = max(1e-9, float(s["size"].max())) if len(s) else 1.0
    size = _area(s["size"].to_numpy(), top)
    if column == "status":
        colours = [STATUS_COLOURS.get(v, "#000000") for v in s[column]]
        ax.scatter(x, y, s=size, c=colours, edgecolors="#333333", linewidths=0.8, zorder=5)
        core = _area(s["least"].to_numpy(), top)  # the least built in any plan: a dark core on the same scale
        ax.scatter(x, y, s=np.where(s["least"] > 0, core, 0.0), c="#111111", linewidths=0, zorder=6)
        kinds = [Line2D([], [], marker="o", ls="", mfc=c, mec="#333333", ms=8, label=w[k])
                 for k, c in STATUS_COLOURS.items() if k in set(s[column])]
    else:
        ramp, norm, breaks = classes(0.0, 1.0, 5, "Greys")
        ax.scatter(x, y, s=size, c=s[column], cmap=ramp, norm=norm, edgecolors="#333333", linewidths=0.6, zorder=5)
        colourbar(fig, ax, ramp, norm, w["builds_share"], fmt=lambda v, _: f"{v:.0%}", ticks=breaks)
        kinds = []
    nice = nice_value(top)
    keys = [Line2D([], [], marker="o", ls="", mfc="white", mec="#333333",
                   ms=float(np.sqrt(_area(v, top))), label=w["size_key"].format(v=f"{v:,.0f}" if v >= 10 else f"{v:g}"))
            for v in (nice, nice / 4)]
    legend = ax.legend(handles=kinds + keys, loc="upper left", fontsize=8, framealpha=0.92, edgecolor="#cccccc",
                       labelspacing=1.1, borderpad=0.8)
    legend.set_zorder(10)
    fig.tight_layout(rect=(0, 0.045, 1, 0.93))  # final layout first: the placer measures in display pixels
    placer = Placer(ax)
    radii = np.sqrt(size / np.pi)  # scatter sizes are areas in pt²
    for xi, yi, r in zip(x, y, radii, strict=True):
        placer.reserve_data(xi, yi, r)
    placer.reserve_artist(legend)
    placer.reserve_artist(inset)
    labels = names.of("sites", s["site"], lang, short=True)
    for i, (label, xi, yi, r) in enumerate(zip(labels, x, y, radii, strict=True)):  # biggest first
        placer.place(str(label), xi, yi, gap_pt=r, fontsize=7, color="#202020", path_effects=THIN_HALO, zorder=8,
                     optional=i >= LABELLED)
    return save(fig, folder / name, layout=False)
