"""The digest of a result in map coordinates and one language, and the sizes and headline
words every map and page shares (static map, class panels, interactive page, report)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from edwc.maps import colours as C
from edwc.maps.geo import basemap, project_xy
from edwc.maps.i18n import ef, pct, words
from edwc.results.digest import CONGESTED_AT, Digest, province_of
from edwc.results.limits import limits_of

SITE_PT = (2.0, 11.0)  # main panel site radius range, points
TRUNK_PT = (0.5, 3.6)  # trunk width range, points
YI = 1e8  # 亿元


def is_instance(d: Digest) -> bool:
    return d.summary.get("kind") == "instance"


def page_title(d: Digest, lang: str) -> str:
    w = words(lang)
    if is_instance(d):
        return w["title_instance"].format(name=title_name(d))
    if d.multi_period:
        periods = sorted(int(t) for t in d.summary["period_weights"])
        return w["title_last"].format(name=title_name(d), period=d.period, first=periods[0], n=len(periods))
    return w["title"].format(name=title_name(d), period=d.period)


def cost_words(d: Digest, lang: str) -> str:
    """The cost of the plan, labelled: the annual cost of a one-period plan; for a multi-period
    plan the yearly cost of the period shown and the present value over all periods."""
    from edwc.results.periods import yearly_cost

    w, h = words(lang), d.headline()
    if not d.multi_period:
        return w["cost_one"].format(cost=f"{h['cost_cny'] / YI:,.0f}", cost_bn=f"{h['cost_cny'] / 1e9:,.1f}")
    first = min(int(t) for t in d.summary["period_weights"])
    yearly = yearly_cost(d)
    return w["cost_many"].format(period=d.period, first=first, yearly=f"{yearly / YI:,.0f}",
                                 yearly_bn=f"{yearly / 1e9:,.1f}", pv=f"{h['cost_cny'] / YI:,.0f}",
                                 pv_bn=f"{h['cost_cny'] / 1e9:,.1f}")


def schedule_words(d: Digest, lang: str) -> str:
    """A multi-period plan's build schedule and yearly costs in one line ('' for one period)."""
    from edwc.results.periods import period_table

    if not d.multi_period:
        return ""
    p = period_table(d)
    unit = YI if lang == "zh" else 1e9
    steps = " → ".join(f"{int(r.period)} +{ef(r.new_total)} ({pct(r.west_share_new)})" for r in p.itertuples())
    costs = " · ".join(f"{int(r.period)} {r.yearly_cost_cny / unit:,.0f}" if lang == "zh" else
                       f"{int(r.period)} {r.yearly_cost_cny / unit:,.1f}" for r in p.itertuples()
                       if "yearly_cost_cny" in p)
    return words(lang)["schedule"].format(steps=steps, costs=costs)


def title_name(d: Digest) -> str:
    s = d.summary
    return str(s.get("instance", "")) + (f" / {s['scenario']}" if s.get("scenario") else "")


def headline_lines(d: Digest, lang: str) -> list[str]:
    w, h = words(lang), d.headline()
    if is_instance(d):
        return [w["instance_line"].format(
            regions=len(d.regions), sites=len(d.sites), trunks=len(d.trunks),
            installed=ef(h["installed_pflops"]), period=d.period,
            demand=ef(h["demand_pflops"])), w["instance_line2"]]
    penalty = w["penalty"].format(v=f"{h['unmet_penalty_cny'] / YI:,.0f}",
                                  v_bn=f"{h['unmet_penalty_cny'] / 1e9:,.1f}") if h[
        "unmet_penalty_cny"] > 0.5 * YI else ""
    n_limited = len(limits_of(d).sites)
    lines = [
        w["headline"].format(installed=ef(h["installed_pflops"]), built=ef(h["built_pflops"]),
                             west_new=pct(h["west_share_new"]), intel=pct(h["intelligent_share"]),
                             cost=cost_words(d, lang), penalty=penalty),
        w["headline2"].format(unmet=pct(h["unmet_share"], 1),
                              unmet_pflops=f"{h['unmet_pflops']:,.0f}",
                              congested=int(h["congested"]), at=pct(CONGESTED_AT),
                              limited=w["limited"].format(n=n_limited) if n_limited else "",
                              gap=pct(h["mip_gap"], 2)),
    ]
    schedule = schedule_words(d, lang)
    return lines + ([schedule] if schedule else [])


class MapData:
    """The digest in map coordinates and in one language."""

    def __init__(self, d: Digest, lang: str) -> None:
        self.d, self.lang = d, lang
        names = d.names
        s = d.sites.copy()
        s["x"], s["y"] = project_xy(s["lon"], s["lat"])
        s["label"] = names.of("sites", s["site"], lang, short=True).to_numpy()
        s["province"] = s["region"].map(province_of)
        self.sites = s
        h = d.hubs[d.hubs["hub"] != ""].dropna(subset=["lon", "lat"]).copy()
        h["x"], h["y"] = project_xy(h["lon"], h["lat"])
        h["label"] = names.of("hubs", h["hub"], lang, short=True).to_numpy()
        self.hubs = h
        nodes = pd.concat([d.regions.set_index("region")[["lon", "lat"]],
                           d.sites.set_index("site")[["lon", "lat"]]])
        nodes = nodes[~nodes.index.duplicated()]
        t = d.trunks.copy()
        ok = t["from"].isin(nodes.index) & t["to"].isin(nodes.index)
        t = t[ok].reset_index(drop=True)
        t["x0"], t["y0"] = project_xy(nodes.loc[t["from"], "lon"], nodes.loc[t["from"], "lat"])
        t["x1"], t["y1"] = project_xy(nodes.loc[t["to"], "lon"], nodes.loc[t["to"], "lat"])
        site_ids = set(s["site"])
        t["access_site"] = np.where(t["to"].isin(site_ids), t["to"],
                                    np.where(t["from"].isin(site_ids), t["from"], ""))
        t["label"] = names.trunk_label(t["from"], t["to"], lang).to_numpy()
        self.trunks = t
        self.hub_provinces = s.dropna(subset=["hub"]).groupby("province")["side"].first()

    def fills(self, shade: str) -> list[str]:
        """One fill per basemap province: hub provinces tinted by side, others plain land;
        Taiwan, Hong Kong and Macao (no data in the instances) in the no-data grey."""
        bm = basemap()
        if shade in ("demand", "west_share"):
            values = self.province_values(shade)
            top = float(values.max()) if len(values) and values.max() > 0 else 1.0
            ramp = C.SHADE_RAMP if shade == "demand" else C.SIDE_RAMP
            return [C.ramp(ramp, values[a] / (1.0 if shade == "west_share" else top))
                    if a in values.index and values[a] == values[a] else
                    (C.LAND if m else C.NO_DATA) for a, m in zip(bm.adcode, bm.mainland,
                                                                  strict=True)]
        return [C.SIDE_TINT[self.hub_provinces[a]] if a in self.hub_provinces.index
                and self.hub_provinces[a] in C.SIDE_TINT else (C.LAND if m else C.NO_DATA)
                for a, m in zip(bm.adcode, bm.mainland, strict=True)]

    def province_values(self, shade: str) -> pd.Series:
        serve = self.d.serve_last()
        prov = serve["region"].map(province_of)
        if shade == "west_share":
            side = self.d.sites.set_index("site")["side"]
            west = serve["pflops"].where(serve["site"].map(side) == "west", 0.0)
            tot = serve["pflops"].groupby(prov).sum()
            return west.groupby(prov).sum() / tot.where(tot > 0)
        unmet = self.d.tables["unmet"]
        unmet = unmet[unmet["period"] == self.d.period]
        return (serve["pflops"].groupby(prov).sum()
                .add(unmet["pflops"].groupby(unmet["region"].map(province_of)).sum(),
                     fill_value=0.0))


def trunk_widths(cap: pd.Series) -> np.ndarray:
    lo, hi = TRUNK_PT
    top = float(cap.max()) if len(cap) and cap.max() > 0 else 1.0
    return lo + (hi - lo) * np.sqrt(cap.fillna(0).to_numpy() / top)


def site_sizes(values: np.ndarray, lo_hi: tuple[float, float] = SITE_PT,
               top: float | None = None) -> np.ndarray:
    """Radius in points, area ∝ value."""
    lo, hi = lo_hi
    top = top or (float(values.max()) if len(values) and values.max() > 0 else 1.0)
    return lo + (hi - lo) * np.sqrt(np.clip(values, 0, None) / top)
