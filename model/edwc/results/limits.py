"""What limits a plan: the limits the plan runs into, read from the written result.

- sites at their power limit: facility MW of the last period at or above AT_LIMIT of the site's
  ``max_facility_mw`` (the site_power rows of docs/model.md);
- sites and classes at their module limit: built PFLOPS at or above AT_LIMIT of
  ``max_modules`` x ``module_pflops`` (module_limit rows);
- full trunks: utilisation at or above CONGESTED_AT, and whether any upgrade is left;
- policies that bind: met with no room (achieved within POLICY_TIGHT of the target), with the
  price ``edwc price`` found where it ran;
- shadow values (CNY/yr per MW or per Gbps) where ``edwc price`` wrote marginal_sites.csv and
  marginal_trunks.csv;
- energy rules (能评) that bind (docs/model.md "Limits from what exists and energy quotas"): sites of a region with a
  上架率 floor for new shells that sit below it (frozen: no new shells) or build at it (within POLICY_TIGHT), and
  regions whose new data-centre energy (times its offset ratio) uses AT_LIMIT of their yearly quota.

The report page, the terminal summary and the maps all read this one digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from edwc.results.digest import Digest

AT_LIMIT = 0.99  # a site (or class) at or above this share of its limit is "at its limit"
POLICY_TIGHT = 0.005  # a met policy within this share of its target (relative) has no room: it binds


@dataclass
class Limits:
    sites: pd.DataFrame  # site, hub, side, facility_mw, max_facility_mw, share, value_cny_per_mw_year
    modules: pd.DataFrame  # site, class, built_pflops, max_pflops, share
    trunks: pd.DataFrame  # trunk, from, to, utilisation, capacity_gbps, upgrades_left, value_cny_per_gbps_year
    policies: list[dict[str, Any]] = field(default_factory=list)  # scorecard rows that bind
    quotas: pd.DataFrame = field(default_factory=pd.DataFrame)  # rule, where, period, value, limit, status
    priced: bool = False  # edwc price has run: shadow values are known

    @property
    def site_ids(self) -> set[str]:
        return set(self.sites["site"])

    def empty(self) -> bool:
        return self.sites.empty and self.modules.empty and self.trunks.empty and not self.policies and self.quotas.empty


def _instance(d: Digest, name: str) -> pd.DataFrame:
    path = d.folder / "instance" / f"{name}.csv"
    return pd.read_csv(path, dtype={"site": str, "class": str, "trunk": str, "from": str, "to": str}) \
        if path.is_file() else pd.DataFrame()


def _marginal(d: Digest, name: str, key: str, value: str) -> pd.Series:
    """The largest shadow value per key in the last period, from a file of `edwc price` (empty if none)."""
    path = d.folder / f"{name}.csv"
    if not path.is_file():
        return pd.Series(dtype=float)
    df = pd.read_csv(path, dtype={key: str})
    if "period" in df:
        df = df[df["period"] == df["period"].max()]
    return df.groupby(key)[value].max() if value in df else pd.Series(dtype=float)


def site_power(d: Digest) -> pd.DataFrame:
    inst = _instance(d, "sites")
    cols = ["site", "hub", "side", "facility_mw", "max_facility_mw", "share", "value_cny_per_mw_year"]
    if inst.empty or "max_facility_mw" not in inst or "facility_mw" not in d.sites:
        return pd.DataFrame(columns=cols)
    cap = d.sites["site"].map(inst.set_index("site")["max_facility_mw"]).astype(float)
    s = d.sites.assign(max_facility_mw=cap, share=d.sites["facility_mw"] / cap.where(cap > 0))
    s = s[s["share"] >= AT_LIMIT].copy()
    s["value_cny_per_mw_year"] = s["site"].map(_marginal(d, "marginal_sites", "site", "value_cny_per_mw_year"))
    return s.sort_values("max_facility_mw", ascending=False)[cols].reset_index(drop=True)


def module_limits(d: Digest) -> pd.DataFrame:
    sc, cl = _instance(d, "site_classes"), _instance(d, "classes")
    cols = ["site", "class", "built_pflops", "max_pflops", "share"]
    cap = d.tables["capacity"]
    if sc.empty or cl.empty or cap.empty:
        return pd.DataFrame(columns=cols)
    sc = sc[sc["max_modules"] > 0].merge(cl[["class", "module_pflops"]], on="class")
    sc["max_pflops"] = sc["max_modules"] * sc["module_pflops"]
    last = cap[cap["period"] == d.period][["site", "class", "built_pflops"]]
    m = sc.merge(last, on=["site", "class"], how="left").fillna({"built_pflops": 0.0})
    m["share"] = m["built_pflops"] / m["max_pflops"]
    return m[m["share"] >= AT_LIMIT][cols].sort_values("built_pflops", ascending=False).reset_index(drop=True)


def full_trunks(d: Digest) -> pd.DataFrame:
    cols = ["trunk", "from", "to", "utilisation", "capacity_gbps", "upgrades_left", "value_cny_per_gbps_year"]
    t = d.trunks[d.trunks["congested"]].copy() if "congested" in d.trunks else pd.DataFrame()
    if t.empty:
        return pd.DataFrame(columns=cols)
    inst = _instance(d, "trunks")
    allowed = t["trunk"].map(inst.set_index("trunk")["max_modules"]) if "max_modules" in inst else np.nan
    tr = d.tables["trunks"]
    used = tr[tr["period"] <= d.period].groupby("trunk")["wavelengths_added"].sum()
    t["upgrades_left"] = (allowed - t["trunk"].map(used).fillna(0)).clip(lower=0)
    t["value_cny_per_gbps_year"] = t["trunk"].map(_marginal(d, "marginal_trunks", "trunk", "value_cny_per_gbps_year"))
    return t.sort_values("utilisation", ascending=False)[cols].reset_index(drop=True)


def binding_policies(d: Digest) -> list[dict[str, Any]]:
    """Scorecard rows with no room: met at the target (or not met), with their price where known."""
    from edwc.results.scorecard import score

    out = []
    for r in score(d):
        t, a = r["target"], r["achieved"]
        if not isinstance(t, float) or not isinstance(a, float) or a != a:
            continue
        tight = abs(a - t) <= POLICY_TIGHT * max(abs(t), 1e-9)
        if tight or r["met"] is False or (r["price_cny"] or 0) > 0:
            out.append(r)
    return out


QUOTA_COLUMNS = ["rule", "where", "period", "value", "limit", "status"]


def binding_quotas(d: Digest) -> pd.DataFrame:
    """The energy rules that bind, every period: occupancy_freeze rows (value: the site's 上架率, limit: the region's
    floor; status 'frozen' below it, 'at the floor' building at it) and energy_quota rows (value: new data-centre
    energy at design load x offset ratio, MWh/yr; limit: the quota)."""
    import yaml

    from edwc.formulation.data import windows
    from edwc.formulation.quotas import region_column

    regions, inst = _instance(d, "regions"), _instance(d, "sites")
    floor = region_column(regions, "min_rack_occupancy_new_shells")
    quota, ratio = region_column(regions, "dc_energy_quota_mwh"), region_column(regions, "dc_energy_offset_ratio")
    st = d.tables.get("sites", pd.DataFrame())
    if (not floor and not quota) or inst.empty or st.empty or "shell_mw_new" not in st:
        return pd.DataFrame(columns=QUOTA_COLUMNS)
    region = dict(zip(inst["site"], inst["region"].astype(str), strict=True))
    sc = _instance(d, "site_classes")
    builds = set(sc.loc[sc["max_modules"] > 0, "site"]) if "max_modules" in sc else set(inst["site"])
    st = st[st["site"].isin(builds)].sort_values(["site", "period"]).assign(region=lambda x: x["site"].map(region))
    st["added"] = st["shell_mw_new"] - st.groupby("site")["shell_mw_new"].shift(fill_value=0.0)
    rows = []
    for r in st[st["region"].isin(floor)].itertuples():
        o, occ = floor[r.region], (r.it_mw / r.shell_mw if r.shell_mw > 0 else float("nan"))
        if occ == occ and occ < o:
            rows.append(["occupancy_freeze", r.site, int(r.period), occ, o, "frozen"])
        elif occ == occ and r.added > 0 and occ <= o * (1 + POLICY_TIGHT):
            rows.append(["occupancy_freeze", r.site, int(r.period), occ, o, "at the floor"])
    if quota:
        cfg_path = d.folder / "instance" / "instance.yaml"
        cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) if cfg_path.is_file() else {}
        hours = float(((cfg or {}).get("finance") or {}).get("hours_per_year", 8760))
        periods = sorted(int(t) for t in st["period"].unique())
        win = windows(periods, ((cfg or {}).get("capacity") or {}).get("stock_year"))
        pue_new = pd.to_numeric(inst.set_index("site").get("pue_new", inst.set_index("site")["pue"]), errors="coerce")
        pue_new = pue_new.fillna(pd.to_numeric(inst.set_index("site")["pue"], errors="coerce"))
        st["new_mwh"] = hours * st["site"].map(pue_new) * st["added"]
        for (reg, t), e in st[st["region"].isin(quota)].groupby(["region", "period"])["new_mwh"].sum().items():
            used = ratio.get(reg, 1.0) * e / win[int(t)]
            if used >= AT_LIMIT * quota[reg]:
                rows.append(["energy_quota", reg, int(t), used, quota[reg], "at the quota"])
    return pd.DataFrame(rows, columns=QUOTA_COLUMNS)


def plan_limits(d: Digest) -> Limits:
    """Every limit the plan of ``d`` runs into, in its last period (energy rules: every period)."""
    priced = (d.folder / "marginal_sites.csv").is_file()
    return Limits(sites=site_power(d), modules=module_limits(d), trunks=full_trunks(d),
                  policies=binding_policies(d), priced=priced, quotas=binding_quotas(d))


def limits_of(d: Digest) -> Limits:
    """plan_limits of ``d``, computed once per digest (the map, the page and the workbook all ask)."""
    if d._limits is None:
        d._limits = plan_limits(d)
    return d._limits
