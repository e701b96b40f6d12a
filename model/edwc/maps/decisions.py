"""Maps of the decision analytics, drawn from the CSV files in a result folder:

- marginal_cost.png: provinces shaded by the marginal cost of compute, one panel per workload
  (marginal_compute.csv, written by `edwc price`);
- corridors.png: region → site flows coloured by the ledger's verdict, move bits or move watts
  (corridors.csv);
- firm.png: sites built in every near-optimal alternative, in some, or in none (`edwc alternatives`);
- draws.png: how often each site is opened across the drawn cases (`edwc sweep --draws`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D

from edwc.maps import colours as C
from edwc.maps.base import province_of
from edwc.maps.decision_panels import colourbar as bar
from edwc.maps.decision_panels import figure, save, shade, xy
from edwc.maps.place import Placer

IDS = {"region": str, "site": str, "hub": str}
# Move bits: the west's green (work travels to it); move watts: the east's brown (serve it at home).
VERDICT_COLOURS = {"move bits": C.SIDE["west"], "move watts": C.SIDE["east"], "local": "#9e9e9e",
                   "no own-side alternative": "#7b3294"}
MATERIAL = 0.01  # a spread of the marginal cost (max - min over the median) below this is no material difference
# firm / sized / choice in greys and white: no hue that means a class or a side on the plan map
STATUS_COLOURS = {"firm": "#3a3a3a", "sized": "#9a9a9a", "choice": "#ffffff", "never": "#e0e0e0"}


def _instance_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "instance" / f"{name}.csv", dtype=IDS)


def _k(v: float, _: int = 0) -> str:
    return f"{v / 1000:,.4g}k" if abs(v) >= 1000 else f"{v:,.4g}"


def render_marginal_map(folder: Path) -> list[Path]:
    """marginal_cost.png (at the plan), marginal_cost_long_run.png (building for it) and corridors.png."""
    folder = Path(folder)
    out = []
    if (folder / "marginal_compute.csv").is_file():
        out.append(marginal_cost_map(folder, "marginal_cost_cny_per_pflops_year", "marginal_cost.png",
                                     "at the plan, its integer decisions fixed",
                                     "Red: no spare capacity in reach at this plan, the next PFLOPS goes unmet (at its "
                                     "value of lost service). Duals of the LP with the plan's integer decisions fixed."))
        out.append(marginal_cost_map(folder, "long_run_cny_per_pflops_year", "marginal_cost_long_run.png",
                                     "building for it at the cheapest site in reach",
                                     "Long-run unit costs (capacity, energy, bandwidth, trunk upgrades) at the cheapest "
                                     "site in latency reach that can build the class; grey: none can."))
    if (folder / "corridors.csv").is_file():
        out.append(corridor_map(folder))
    return out


def marginal_cost_map(folder: Path, column: str, name: str, what: str, note: str) -> Path:
    mc = pd.read_csv(folder / "marginal_compute.csv", dtype=IDS)
    mc = mc[mc["period"] == mc["period"].max()].assign(province=lambda d: d["region"].map(province_of))
    workloads = list(dict.fromkeys(mc["workload"]))
    fig, axes = figure(len(workloads), min(3, len(workloads)),
                       f"Marginal cost of compute, {int(mc['period'].max())}: {what} (CNY per PFLOPS-year)", note)
    for ax, w in zip(axes, workloads, strict=True):
        g = mc[mc["workload"] == w]
        flag = column == "marginal_cost_cny_per_pflops_year"
        unmet = g.groupby("province")["next_pflops_unmet"].any() if flag else None
        ok = g[~g["next_pflops_unmet"]] if flag else g.dropna(subset=[column])
        weight = ok["demand_pflops"].where(ok["demand_pflops"] > 0, 1.0)
        val = (ok[column] * weight).groupby(ok["province"]).sum() / weight.groupby(ok["province"]).sum()
        lo, hi = (float(val.min()), float(val.max())) if len(val) else (0.0, 1.0)
        mid = float(val.median()) if len(val) else 0.0
        spread = (hi - lo) / abs(mid) if mid else 0.0
        title = f"{w} ({g['class'].iloc[0]})"
        if not len(val):
            shade(ax, special=unmet)
            ax.set_title(f"{title}: no value (no site in reach can build it, or no spare capacity)", fontsize=8.5)
            continue
        if spread < MATERIAL:  # a sub-threshold spread is never stretched over a colour ramp
            shade(ax, val.clip(mid, mid), "Greys", Normalize(mid - 1.0, mid + 4.0), special=unmet)  # one light grey
            ax.set_title(f"{title}\n{mid / 1e6:,.2f} M everywhere served: no material difference "
                         f"(spread {spread:.2%} < {MATERIAL:.0%})", fontsize=8.5)
            continue
        norm = Normalize(lo, hi)
        shade(ax, val, "viridis", norm, special=unmet)
        ax.set_title(f"{title}: spread {spread:.1%} around {mid / 1e6:,.2f} M", fontsize=9)
        bar(fig, ax, "viridis", norm, "CNY / PFLOPS-yr", fmt=_k)
    return save(fig, folder / name)


def corridor_map(folder: Path) -> Path:
    cor = pd.read_csv(folder / "corridors.csv", dtype=IDS)
    regions, sites = _instance_table(folder, "regions"), _instance_table(folder, "sites")
    rx, ry = xy(regions["lon"], regions["lat"])
    sx, sy = xy(sites["lon"], sites["lat"])
    rxy = dict(zip(regions["region"], zip(rx, ry, strict=True), strict=True))
    sxy = dict(zip(sites["site"], zip(sx, sy, strict=True), strict=True))
    fig, (ax,) = figure(1, 1, "Move bits or move watts: each region → site flow against its nearest own-side site",
                        "Line width ∝ IT MW served; green: cheaper to send the work (bits), brown: cheaper to serve it on "
                        "the region's own side (watts), grey: served locally. Long-run unit costs.", panel_in=(11, 8.8))
    shade(ax)
    cor = cor.assign(kind=[_kind(v) for v in cor["verdict"]]).sort_values("it_mw")
    top = float(cor["it_mw"].max()) if len(cor) else 1.0
    segs = [[rxy[r], sxy[s]] for r, s in zip(cor["region"], cor["site"], strict=True)]
    widths = 0.4 + 5.0 * np.sqrt(cor["it_mw"].to_numpy() / top)
    ax.add_collection(LineCollection(segs, colors=[VERDICT_COLOURS[k] for k in cor["kind"]], linewidths=widths,
                                     alpha=0.65, zorder=4, capstyle="round"))
    ax.scatter(sx, sy, s=14, c="#333333", zorder=5, marker="s")
    ax.scatter(rx, ry, s=8, c="#1f77b4", zorder=5)
    shown = [k for k in VERDICT_COLOURS if k in set(cor["kind"])]
    ax.legend(handles=[Line2D([], [], color=VERDICT_COLOURS[k], lw=3, label=k) for k in shown]
              + [Line2D([], [], marker="s", ls="", color="#333333", label="site"),
                 Line2D([], [], marker="o", ls="", color="#1f77b4", label="region")],
              loc="upper left", fontsize=8, title=f"widest line: {top:,.0f} IT MW", title_fontsize=8)
    return save(fig, folder / "corridors.png")


def _kind(verdict: str) -> str:
    for k in ("move bits", "move watts", "local"):
        if k in verdict:
            return k
    return "no own-side alternative"


def site_status_map(folder: Path, status: pd.DataFrame, sites: pd.DataFrame, title: str, note: str,
                    name: str, column: str = "status", cmap: str | None = None) -> Path:
    """Sites as circles coloured by a status (firm / choice / never) or a value in [0, 1] (cmap)."""
    fig, (ax,) = figure(1, 1, title, note, panel_in=(11, 8.8))
    shade(ax)
    s = sites.merge(status, on="site", how="inner")
    if "size" in s:
        s = s.sort_values("size", ascending=False)  # small circles on top of big ones
    x, y = xy(s["lon"], s["lat"])
    size = 20 + 300 * np.sqrt(s["size"].to_numpy() / max(1e-9, float(s["size"].max()))) if "size" in s else 60
    if cmap is None:
        colours = [STATUS_COLOURS.get(v, "#000000") for v in s[column]]
        ax.scatter(x, y, s=size, c=colours, edgecolors="#333333", linewidths=0.8, zorder=5)
        if "least" in s:  # the least built in any plan: a dark core (area on the same scale)
            core = 300 * np.sqrt(s["least"].to_numpy() / max(1e-9, float(s["size"].max())))
            ax.scatter(x, y, s=np.where(s["least"] > 0, core, 0.0), c="#111111", linewidths=0, zorder=6)
        ax.legend(handles=[Line2D([], [], marker="o", ls="", mfc=c, mec="#333333", ms=8, label=k)
                           for k, c in STATUS_COLOURS.items() if k in set(s[column])], loc="upper left", fontsize=8)
    else:
        norm = Normalize(0, 1)
        ax.scatter(x, y, s=size, c=s[column], cmap=cmap, norm=norm, edgecolors="#333333", linewidths=0.6, zorder=5)
        bar(fig, ax, cmap, norm, column.replace("_", " "), fmt=lambda v, _: f"{v:.0%}")
    fig.tight_layout(rect=(0, 0.045, 1, 0.95))  # final layout first: the placer measures in display pixels
    placer = Placer(ax)
    radii = np.sqrt(np.broadcast_to(np.asarray(size, float), (len(s),)) / np.pi)  # scatter sizes are areas in pt²
    for xi, yi, r in zip(x, y, radii, strict=True):
        placer.reserve_data(xi, yi, r)
    if ax.get_legend() is not None:
        placer.reserve_artist(ax.get_legend())
    for label, xi, yi, r in zip(s["name_en"], x, y, radii, strict=True):  # biggest first (s is sorted)
        placer.place(str(label), xi, yi, gap_pt=r, fontsize=6.5, color="#202020",
                     path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])
    return save(fig, folder / name, layout=False)
