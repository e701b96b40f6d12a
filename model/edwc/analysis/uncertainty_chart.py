"""uncertainty[.en].png of `edwc sweep --draws`: IT MW built per hub over the drawn cases, hubs by
name grouped east | west | outside the hubs (in the side colours of map.png), one dot per case
when there are fewer than ten (a box of four values only pretends to be a distribution), a box
otherwise; under each hub the range and how many of its sites are at their power limit in every
case (the reason a hub does not move)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from edwc.maps import colours as C
from edwc.maps.i18n import pct
from edwc.maps.i18n_decisions import decision_words
from edwc.results.limits import AT_LIMIT
from edwc.results.names import read_names

DOTS_BELOW = 10  # fewer cases than this: a dot per case, not a box
SIDES = ("east", "west", "outside")


def hub_frame(plans: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """IT MW built per hub ('' = outside the hubs) and case."""
    return pd.DataFrame({n: p.assign(hub=p["hub"].fillna("")).groupby("hub")["built_mw"].sum()
                         for n, p in plans.items()}).fillna(0.0)


def sites_at_limit(folders: list[Path]) -> pd.Series:
    """Per hub ('' = none): how many of its sites draw ≥ AT_LIMIT of max_facility_mw in the last
    period of every case."""
    hits: pd.Series | None = None
    hub_of = pd.Series(dtype=str)
    for f in folders:
        st = pd.read_csv(f / "sites.csv", dtype={"site": str, "hub": str})
        st = st[st["period"] == st["period"].max()]
        inst = pd.read_csv(f / "instance" / "sites.csv", dtype={"site": str, "hub": str}).set_index("site")
        full = st.set_index("site")["facility_mw"] >= AT_LIMIT * st["site"].map(inst["max_facility_mw"]).to_numpy()
        hits = full if hits is None else (hits & full.reindex(hits.index, fill_value=False))
        hub_of = inst["hub"].fillna("")
    if hits is None:
        return pd.Series(dtype=int)
    return hits.groupby(hits.index.map(hub_of)).sum().astype(int)


def hub_order(plans: dict[str, pd.DataFrame], instance_dir: Path, lang: str) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """IT MW per hub and case, hubs grouped east | west | outside (largest median first within a side),
    each hub's side and its label in ``lang`` (the hub's short name, never its id)."""
    w = decision_words(lang)
    by_hub = hub_frame(plans)
    names = read_names(instance_dir)
    hubs = pd.read_csv(instance_dir / "hubs.csv", dtype={"hub": str}).set_index("hub")["side"]
    side = pd.Series([hubs.get(h, "outside") if h else "outside" for h in by_hub.index], index=by_hub.index)
    order = sorted(by_hub.index, key=lambda h: (SIDES.index(side[h]) if side[h] in SIDES else 3,
                                                -float(by_hub.loc[h].median())))
    labels = [textwrap.fill(names.of("hubs", [h], lang, short=True).iloc[0] if h else w["other_sites"], 13)
              for h in order]  # long English names on two lines, clear of their neighbours
    return by_hub.loc[order], side.loc[order], labels


UNMET_FLAG = 0.001  # a case leaving more than this share of demand unmet is flagged (as sweep and report flag it)


def unmet_shares(folders: list[Path]) -> dict[str, float]:
    """Each case's unmet share of demand (last period), from its kpis.csv."""
    out: dict[str, float] = {}
    for f in folders:
        k = pd.read_csv(f / "kpis.csv")
        k = k[(k["kpi"] == "unmet_share") & (k["period"] == k["period"].max())]
        out[f.name] = float(k["value"].iloc[0]) if len(k) else 0.0
    return out


def plot_hubs(plans: dict[str, pd.DataFrame], instance_dir: Path, path: Path, name: str, lang: str = "zh",
              at_limit: pd.Series | None = None, unmet: dict[str, float] | None = None) -> Path:
    import matplotlib

    from edwc.maps.base import write_atomically
    from edwc.maps.static import figure, rc

    w = decision_words(lang)
    flagged = {c: v for c, v in (unmet or {}).items() if v > UNMET_FLAG}
    by_hub, side, labels = hub_order(plans, instance_dir, lang)
    order = list(by_hub.index)
    n = by_hub.shape[1]
    x = np.arange(len(by_hub), dtype=float)
    for i in range(1, len(order)):  # a gap between the sides
        if side[order[i]] != side[order[i - 1]]:
            x[i:] += 0.6

    def draw(tmp: Path) -> None:
        with matplotlib.rc_context(rc(lang)):
            fig = figure((max(7.0, 0.95 * len(by_hub) + 2.5), 5.6), 150)
            ax = fig.add_axes((0.09, 0.2, 0.88, 0.6))
            colours = [C.SIDE.get(side[h], C.INK_SOFT) for h in by_hub.index]
            if n < DOTS_BELOW:
                rng = np.random.default_rng(0)
                for xi, h, c in zip(x, by_hub.index, colours, strict=True):
                    v = by_hub.loc[h].to_numpy()
                    short = [case in flagged for case in by_hub.columns]  # cases that leave demand unmet: ringed
                    ax.scatter(xi + rng.uniform(-0.12, 0.12, len(v)), v, s=26, color=c, alpha=0.8, zorder=3,
                               edgecolors=[C.UNMET if f else "white" for f in short],
                               linewidths=[1.4 if f else 0.5 for f in short])
                    ax.plot([xi - 0.28, xi + 0.28], [np.median(v)] * 2, color=c, lw=2, zorder=2)
                sub = w["unc_sub_dots"]
            else:
                box = ax.boxplot([by_hub.loc[h].to_numpy() for h in by_hub.index], positions=x, whis=(10, 90),
                                 showmeans=True, patch_artist=True, widths=0.55)
                for patch, c in zip(box["boxes"], colours, strict=True):
                    patch.set(facecolor=C.mix(c, "#ffffff", 0.7), edgecolor=c)
                for med in box["medians"]:
                    med.set(color=C.INK)
                sub = w["unc_sub_box"]
            ax.set_xticks(x, labels, fontsize=8.5)
            for tick, c in zip(ax.get_xticklabels(), colours, strict=True):
                tick.set_color(c)
            top = float(by_hub.to_numpy().max()) if by_hub.size else 1.0
            ax.set_ylim(0, top * 1.12 if top > 0 else 1)
            for xi, h in zip(x, by_hub.index, strict=True):
                lo, hi = float(by_hub.loc[h].min()), float(by_hub.loc[h].max())
                note = w["unc_spread"].format(lo=f"{lo:,.0f}", hi=f"{hi:,.0f}")
                k = int(at_limit.get(h, 0)) if at_limit is not None else 0
                if k:
                    note += "\n" + w["unc_at_limit"].format(n=k)
                ax.annotate(note, (xi, 0), xytext=(0, -38), textcoords="offset points", ha="center", va="top",
                            fontsize=6.8, color=C.AT_LIMIT if k else C.INK_SOFT, annotation_clip=False)
            ax.set_ylabel(w["unc_axis"], fontsize=8.5)
            ax.yaxis.set_major_formatter("{x:,.0f}")
            ax.grid(axis="y", alpha=0.3)
            for s in ("top", "right"):
                ax.spines[s].set_visible(False)
            fig.text(0.01, 0.985, w["unc_title"].format(name=name, cases=n), fontsize=12, va="top")
            fig.text(0.01, 0.935, sub + "\n" + w["unc_sub_notes"].format(at=pct(AT_LIMIT)), fontsize=8.5, va="top",
                     color=C.INK_SOFT, linespacing=1.5)
            if flagged:
                worst = sorted(flagged.items(), key=lambda kv: -kv[1])[:4]
                cases = ("，" if lang == "zh" else ", ").join(f"{c} {pct(v, 1)}" for c, v in worst)
                fig.text(0.01, 0.845, w["unc_unmet"].format(n=len(flagged), at=pct(UNMET_FLAG, 1), cases=cases),
                         fontsize=8.5, va="top", color=C.UNMET)
            fig.savefig(tmp, format="png", dpi=150, facecolor="white")

    return write_atomically(path, draw)
