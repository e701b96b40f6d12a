"""A result folder digested for planners: what the map, the report page and the workbook say.

Everything is read from the written files (summary.json, the result CSVs and the result's own
``instance/`` folder), never from the model, so a result can be drawn and reported long after
its solve. Columns beyond those of docs/formats.md are carried along; columns that may be
missing are read with defaults. Numbers are for the plan's last period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from edwc.results.names import Names, read_names

IDS = {c: str for c in ("region", "site", "hub", "trunk", "from", "to", "class", "workload")}
RESULT_TABLES = ("capacity", "sites", "serve", "unmet", "trunks", "power", "kpis")
OUTSIDE = "outside"  # the side of a site outside the hub nodes (the data may say east or west)
CONGESTED_AT = 0.95  # trunk utilisation at or above which a trunk is called congested
TOP_FLOWS = 15  # arrows per class panel
CITY_SCALE_REGIONS = 60  # above this many regions, flows start from provinces


def province_of(adcode: str) -> str:
    return str(adcode)[:2] + "0000"


@dataclass
class Digest:
    folder: Path
    summary: dict[str, Any]
    names: Names
    period: int
    classes: list[str]
    workloads: pd.DataFrame  # workload, class, max_rtt_ms, ...
    tables: dict[str, pd.DataFrame]  # every result table, every period
    sites: pd.DataFrame  # one row per site (last period), PFLOPS by class
    hubs: pd.DataFrame  # one row per hub, PFLOPS by class, centroid
    trunks: pd.DataFrame  # last period, with congested flag
    regions: pd.DataFrame  # region, lon, lat, province
    kpis: dict[str, float]
    policy: dict[str, Any] = field(default_factory=dict)
    _flows: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False, compare=False)
    _limits: Any = field(default=None, repr=False, compare=False)  # results.limits.limits_of's cache

    @property
    def multi_period(self) -> bool:
        return len(self.summary.get("period_weights") or {}) > 1

    def yearly_costs(self) -> pd.DataFrame:
        """Yearly cost parts per period (CNY/yr; rows: periods; 'unmet_value' apart), from summary.json."""
        y = self.summary.get("yearly_cny") or {}
        df = pd.DataFrame(y).T if y else pd.DataFrame()
        if df.empty:
            return df
        df.index = df.index.astype(int)
        return df.sort_index().astype(float)

    # ------------------------------------------------------------------ headline numbers
    @property
    def costs(self) -> dict[str, float]:
        return {k: float(v or 0.0) for k, v in self.summary.get("cost_parts_cny", {}).items()}

    @property
    def cost_without_unmet(self) -> float:
        return sum(v for k, v in self.costs.items() if k != "unmet")

    def total(self, what: str, cls: str | None = None, side: str | None = None) -> float:
        """Sum of existing/built/installed/served PFLOPS over sites (one class, one side)."""
        s = self.sites if side is None else self.sites[self.sites["side"] == side]
        cols = [f"{what}_{c}" for c in ([cls] if cls else self.classes)]
        return float(s.reindex(columns=cols).fillna(0.0).to_numpy().sum())

    def share(self, num: float, den: float) -> float:
        return num / den if den else float("nan")

    def headline(self) -> dict[str, float]:
        k = self.kpis
        installed, built = self.total("installed"), self.total("built")
        demand = k.get("demand_pflops", float("nan"))
        unmet = k.get("unmet_pflops", self.tables["unmet"]["pflops"].sum())
        return {
            "installed_pflops": installed,
            "built_pflops": built,
            "west_share_new": self.share(self.total("built", side="west"), built),
            "west_share_installed": self.share(self.total("installed", side="west"), installed),
            "intelligent_share": self.share(self.total("installed", "intelligent"), installed)
            if "intelligent" in self.classes else float("nan"),
            "cost_cny": self.cost_without_unmet,
            # the value of lost service is reported apart from costs (summary unmet_value_cny);
            # results of format version 1 carried it as the cost part "unmet"
            "unmet_penalty_cny": float(self.summary.get("unmet_value_cny", self.costs.get("unmet", 0.0)) or 0.0),
            "demand_pflops": demand,
            "unmet_pflops": unmet,
            "unmet_share": self.share(unmet, demand),
            "congested": float(self.trunks["congested"].sum()),
            "energy_mwh": k.get("energy_mwh", float("nan")),
            "emissions_t": k.get("emissions_t", float("nan")),
            "sites_opened": k.get("sites_opened", float("nan")),
            "mip_gap": float(self.summary.get("mip_gap") or 0.0),
        }

    # ------------------------------------------------------------------ flows
    def class_flows(self, cls: str, top: int = TOP_FLOWS) -> tuple[pd.DataFrame, dict[str, float]]:
        """The largest origin → destination flows of one class, ranked by PFLOPS.

        Origin: the region (its province in city-scale instances); destination: the site's hub,
        or the site when it has none. Work served inside its own province is local and never
        an arrow. Returns the arrows (origin, dest, pflops, x0, y0, x1, y1 in lon/lat) and the
        shares of the class's served work that the arrows carry and that stays local. Computed
        once per digest (the map and the page both draw them); callers must not modify them.
        """
        if (cls, top) not in self._flows:
            self._flows[(cls, top)] = self._class_flows(cls, top)
        return self._flows[(cls, top)]

    def _class_flows(self, cls: str, top: int) -> tuple[pd.DataFrame, dict[str, float]]:
        serve = self.serve_last()
        serve = serve[serve["class"] == cls]
        total = float(serve["pflops"].sum())
        if serve.empty or total <= 0:
            return pd.DataFrame(columns=["origin", "dest", "pflops", "x0", "y0", "x1", "y1"]), {
                "total": 0.0, "shown": 0.0, "local": 0.0}
        site = self.sites.set_index("site")
        s = serve.assign(site_province=serve["site"].map(site["region"]).map(province_of),
                         province=serve["region"].map(province_of))
        local = s["site_province"] == s["province"]
        by_province = len(self.regions) > CITY_SCALE_REGIONS
        s = s[~local].assign(origin=lambda d: d["province"] if by_province else d["region"],
                             dest=lambda d: d["site"].map(site["hub"]).fillna(d["site"]))
        g = s.groupby(["origin", "dest"], as_index=False)["pflops"].sum()
        g = g.sort_values("pflops", ascending=False).head(top).reset_index(drop=True)
        origins = self.origin_points(by_province)
        dests = pd.concat([self.hubs.set_index("hub")[["lon", "lat"]],
                           site[["lon", "lat"]]])
        dests = dests[~dests.index.duplicated()]
        g[["x0", "y0"]] = origins.reindex(g["origin"]).to_numpy()
        g[["x1", "y1"]] = dests.reindex(g["dest"]).to_numpy()
        return g, {"total": total, "shown": float(g["pflops"].sum()) / total,
                   "local": float(serve.loc[local[local].index, "pflops"].sum()) / total
                   if local.any() else 0.0}

    def origin_points(self, by_province: bool) -> pd.DataFrame:
        r = self.regions.set_index("region")[["lon", "lat"]]
        if not by_province:
            return r
        return self.regions.groupby("province")[["lon", "lat"]].mean()

    def serve_last(self) -> pd.DataFrame:
        s = self.tables["serve"]
        s = s[s["period"] == self.period]
        cls = self.workloads.set_index("workload")["class"]
        return s.assign(**{"class": s["workload"].map(cls)})


# ---------------------------------------------------------------------- reading


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in RESULT_TABLES:
        path = folder / f"{name}.csv"
        out[name] = pd.read_csv(path, dtype=IDS) if path.exists() else pd.DataFrame()
    return out


def _instance_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / "instance" / f"{name}.csv"
    return pd.read_csv(path, dtype=IDS) if path.exists() else pd.DataFrame()


def wide_by_class(cap: pd.DataFrame, classes: list[str], index: pd.Index) -> pd.DataFrame:
    cols = {}
    for what in ("existing", "built", "installed", "served"):
        col = f"{what}_pflops"
        if col not in cap:
            continue
        p = cap.pivot_table(index="site", columns="class", values=col, aggfunc="sum")
        for c in classes:
            cols[f"{what}_{c}"] = p.get(c, pd.Series(dtype=float)).reindex(index).fillna(0.0)
    return pd.DataFrame(cols, index=index)


def site_table(inst_sites: pd.DataFrame, tables: dict[str, pd.DataFrame], period: int,
               classes: list[str]) -> pd.DataFrame:
    cap = tables["capacity"]
    cap = cap[cap["period"] == period] if len(cap) else cap
    keep = [c for c in ("site", "hub", "side", "region", "kind", "candidate", "lon", "lat", "pue", "pue_new",
                        "max_facility_mw")
            if c in inst_sites]
    sites = inst_sites[keep].copy()
    sites["hub"] = sites.get("hub", pd.Series(np.nan, index=sites.index)).replace("", np.nan)
    if "side" in sites:  # a site outside the hub nodes is neither east nor west: its own neutral class
        sites["side"] = sites["side"].where(sites["hub"].notna(), OUTSIDE)
    if "pue" in sites:  # a new build's PUE: pue_new where given, else the site's (docs/model.md, vintages)
        sites["pue_new"] = sites.get("pue_new", pd.Series(np.nan, index=sites.index)).fillna(sites["pue"])
    wide = wide_by_class(cap, classes, pd.Index(sites["site"]))
    sites = sites.join(wide, on="site")
    st = tables["sites"]
    if len(st):
        st = st[st["period"] == period].set_index("site")
        for col in ("open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "emissions_t"):
            if col in st:
                sites[col] = sites["site"].map(st[col]).fillna(0.0)
    return sites.reset_index(drop=True)


def hub_table(sites: pd.DataFrame, hubs: pd.DataFrame, classes: list[str]) -> pd.DataFrame:
    """PFLOPS by hub; sites without a hub are one row with hub '' and side OUTSIDE."""
    num = [c for c in sites.columns if c.split("_")[0] in ("existing", "built", "installed",
                                                          "served")]
    s = sites.assign(hub=sites["hub"].fillna(""))
    g = s.groupby("hub")[num].sum()
    xy = s[s["hub"] != ""].groupby("hub")[["lon", "lat"]].mean()
    out = hubs.set_index("hub")[["side"]] if len(hubs) else pd.DataFrame(columns=["side"])
    out = out.join(g, how="outer").join(xy)
    if "" in out.index:
        out.loc["", "side"] = OUTSIDE
    out = out.fillna({c: 0.0 for c in num})
    inst = out[[f"installed_{c}" for c in classes]].sum(axis=1)
    out["installed"] = inst
    out["built"] = out[[f"built_{c}" for c in classes]].sum(axis=1)
    out["existing"] = out[[f"existing_{c}" for c in classes]].sum(axis=1)
    out["intelligent_share"] = (out["installed_intelligent"] / inst.where(inst > 0)
                                if "intelligent" in classes else np.nan)
    order = {"east": 0, "west": 1, OUTSIDE: 2}
    out = out.reset_index().rename(columns={"index": "hub"})
    out["_o"] = out["side"].map(order).fillna(2)
    return out.sort_values(["_o", "installed"], ascending=[True, False]).drop(columns="_o"
                                                                           ).reset_index(drop=True)


def trunk_table(tables: dict[str, pd.DataFrame], inst_trunks: pd.DataFrame, period: int
                ) -> pd.DataFrame:
    tr = tables["trunks"]
    if tr.empty:
        return pd.DataFrame(columns=["trunk", "from", "to", "utilisation", "congested"])
    tr = tr.sort_values(["trunk", "period"])
    tr = tr.assign(upgraded=tr.groupby("trunk")["wavelengths_added"].cumsum() > 0)
    tr = tr[tr["period"] == period].copy()
    if "from" not in tr and len(inst_trunks):
        tr = tr.merge(inst_trunks[["trunk", "from", "to"]], on="trunk", how="left")
    tr["congested"] = tr["utilisation"].fillna(0) >= CONGESTED_AT
    return tr.reset_index(drop=True)


def read_digest(folder: Path) -> Digest:
    """Digest the result folder ``folder`` (written by ``edwc solve``)."""
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tables = read_tables(folder)
    classes_t = _instance_table(folder, "classes")
    classes = list(classes_t["class"]) if len(classes_t) else sorted(
        set(tables["capacity"].get("class", [])))
    workloads = _instance_table(folder, "workloads")
    periods = sorted(set(tables["capacity"].get("period", [])))
    period = int(periods[-1]) if periods else 0
    regions = _instance_table(folder, "regions")
    regions["province"] = regions["region"].map(province_of)
    sites = site_table(_instance_table(folder, "sites"), tables, period, classes)
    kp = tables["kpis"]
    kpis = ({} if kp.empty else
            kp[kp["period"] == period].set_index("kpi")["value"].astype(float).to_dict())
    cfg_path = folder / "instance" / "instance.yaml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) if cfg_path.exists() else {}
    return Digest(
        folder=folder, summary=summary, names=read_names(folder / "instance"), period=period,
        classes=classes, workloads=workloads, tables=tables, sites=sites,
        hubs=hub_table(sites, _instance_table(folder, "hubs"), classes),
        trunks=trunk_table(tables, _instance_table(folder, "trunks"), period),
        regions=regions, kpis=kpis, policy=dict((cfg or {}).get("policy") or {}),
    )
