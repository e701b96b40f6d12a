"""The planner's sheets of plan.xlsx beyond the result tables: cost, hubs, periods, policy
scorecard, what limits the plan; and the names of the KPIs. Each builder takes (Digest, lang)
and returns a table whose columns are keys of workbook.COLUMNS (or a pattern column_meta
knows), or None when it does not apply; workbook.PLANNER_SHEETS lists them in order."""

from __future__ import annotations

import pandas as pd

from edwc.maps.i18n import cls_label, words
from edwc.maps.i18n_pages import REPORT_WORDS
from edwc.results.digest import Digest
from edwc.results.limits import limits_of
from edwc.results.periods import new_by_hub, period_table, yearly_cost

YI = 1e8

KPI_NAMES = {  # kpi (or prefix ending in _) -> (zh, en)
    "demand_pflops": ("需求", "demand"), "served_pflops": ("已服务", "served"),
    "unmet_pflops": ("未满足需求", "unmet demand"), "unmet_share": ("未满足占比", "unmet share"),
    "unmet_pflops_": ("未满足需求：", "unmet demand: "), "installed_pflops": ("装机", "installed"),
    "built_pflops": ("新建", "built"), "existing_in_service_pflops": ("既有在用", "existing in service"),
    "installed_pflops_": ("装机：", "installed: "), "built_pflops_": ("新建：", "built: "),
    "intelligent_share_installed": ("智能算力占装机", "intelligent share of installed"),
    "hub_share_new": ("枢纽占新建", "hub share of new"), "west_share_new": ("西部占新建", "west share of new"),
    "west_share_installed": ("西部占装机", "west share of installed"),
    "west_share_new_it_mw": ("西部占新建 IT 功率", "west share of new IT MW"),
    "west_share_served": ("西部承接服务占比", "west share of served work"),
    "east_demand_served_west_pflops": ("东部需求由西部服务", "eastern demand served in the west"),
    "standard_racks_installed": ("标准机架（装机）", "standard racks installed"),
    "standard_racks_new": ("标准机架（新建）", "standard racks new"),
    "standard_racks_built": ("标准机架（在用，含空置）", "standard racks built"),
    "standard_racks_built_new": ("标准机架（新建机房）", "standard racks built new"),
    "shell_mw": ("机房容量 (IT MW)", "shells (IT MW)"), "noload_mwh": ("空置机房空载电量", "empty-shell no-load energy"),
    "rack_occupancy_national": ("全国上架率", "national 上架率 (occupied / built racks)"),
    "rack_occupancy_east": ("东部上架率", "上架率 east"), "rack_occupancy_west": ("西部上架率", "上架率 west"),
    "rack_occupancy_hubs": ("枢纽上架率", "上架率 in the hubs"), "rack_occupancy_clusters": ("集群平均上架率", "上架率 of the clusters"),
    "rack_occupancy_hub_": ("枢纽上架率：", "上架率 hub: "), "rack_occupancy_cluster_": ("集群上架率：", "上架率 cluster: "),
    "utilisation_national": ("全国服务器利用率", "national server utilisation"), "utilisation_east": ("东部服务器利用率", "server utilisation east"),
    "utilisation_west": ("西部服务器利用率", "server utilisation west"), "utilisation_cluster_": ("集群服务器利用率：", "server utilisation cluster: "),
    "rtt_mean_ms_": ("平均往返时延：", "mean RTT: "), "rtt_p95_ms_": ("95% 往返时延：", "95th pct RTT: "),
    "served_within_metro_circle_share": ("1 ms 圈内服务占比", "served within the 1 ms circle"),
    "metro_circle_pairs_compliant_share": ("1 ms 圈达标对占比", "1 ms circle pairs compliant"),
    "served_within_cluster_circle_share": ("5 ms 圈内服务占比", "served within the 5 ms circle"),
    "cluster_circle_pairs_compliant_share": ("5 ms 圈达标对占比", "5 ms circle pairs compliant"),
    "served_within_hub_circle_share": ("20 ms 圈内服务占比", "served within the 20 ms circle"),
    "hub_circle_pairs_compliant_share": ("20 ms 圈达标对占比", "20 ms circle pairs compliant"),
    "energy_mwh": ("年用电", "energy"), "energy_mwh_": ("年用电：", "energy: "),
    "pue_energy_weighted": ("PUE（按电量加权）", "PUE (energy-weighted)"), "pue_new_builds": ("新建 PUE", "PUE of new builds"),
    "green_share_all": ("绿电占比", "green power share"), "green_share_new_hub": ("枢纽新建绿电占比", "green share, new hub builds"),
    "emissions_t": ("年排放（位置法）", "emissions (location-based)"),
    "emissions_market_t": ("年排放（市场法）", "emissions (market-based)"),
    "grid_mwh": ("电网购电", "grid power"), "curtailed_mwh": ("消纳弃风弃光", "curtailed renewables used"),
    "direct_mwh": ("绿电直连供电", "direct supply used"), "trade_mwh": ("绿电交易", "traded green power"),
    "certificate_mwh": ("绿证", "green certificates"),
    "green_share_curtailed": ("绿电占比：弃风弃光", "green share: curtailed"),
    "green_share_direct": ("绿电占比：直连", "green share: direct supply"),
    "green_share_trade": ("绿电占比：绿电交易", "green share: traded"),
    "green_share_certificate": ("绿电占比：绿证", "green share: certificates"),
    "green_matched_share": ("逐时匹配绿电占比", "hour-matched green share"),
    "peak_grid_mw": ("电网最大负荷（各站之和）", "peak grid draw (sum of sites)"),
    "direct_solar_mw": ("直连光伏", "direct PV"), "direct_wind_mw": ("直连风电", "direct wind"),
    "battery_mwh": ("储能", "storage"), "curtailment_absorbed_mwh": ("消纳弃电量", "curtailment absorbed"),
    "curtailment_absorbed_share": ("消纳弃电占所在省弃电", "curtailment absorbed, share of the provinces'"), "carbon_intensity_t_per_mwh": ("碳强度", "carbon intensity"),
    "carbon_per_pflops_year_t": ("每 PFLOPS·年排放", "emissions per PFLOPS-year"),
    "power_price_mean_cny_per_kwh": ("平均电价", "mean power price"), "facility_mw": ("设施功率", "facility power"),
    "new_facility_mw": ("新建设施功率", "new facility power"),
    "new_facility_mw_province_": ("新建设施功率：", "new facility power: "),
    "sites_opened": ("新开站点", "sites opened"), "wavelengths_added": ("新增波长", "wavelengths added"),
    "cost_per_pflops_year_": ("每 PFLOPS·年成本：", "cost per PFLOPS-year: "), "capex_cny": ("当期投资", "capex in the period"),
}
UNIT_NAMES = {"fraction": ("比例", "fraction"), "count": ("个", "count"), "racks": ("架", "racks"), "-": ("–", "–")}


def kpi_name(code: str, d: Digest | None, lang: str) -> str:
    """A KPI's name with the site, province, workload or class it is about (by id where no digest names them)."""
    i = 0 if lang == "zh" else 1
    if code in KPI_NAMES:
        return KPI_NAMES[code][i]
    for prefix in sorted((k for k in KPI_NAMES if k.endswith("_")), key=len, reverse=True):
        if code.startswith(prefix):
            rest = code[len(prefix):]
            if d is None:
                pass
            elif prefix == "utilisation_cluster_":
                rest = str(d.names.of("sites", [rest], lang).iloc[0])
            elif prefix == "new_facility_mw_province_":
                rest = str(d.names.of("regions", [rest], lang).iloc[0])
            elif rest in d.classes:
                rest = cls_label(rest, lang)
            return KPI_NAMES[prefix][i] + rest
    return code


def kpi_sheet(d: Digest, lang: str) -> pd.DataFrame | None:
    k = d.tables["kpis"]
    if k.empty:
        return None
    i = 0 if lang == "zh" else 1
    k = k.copy()
    money = k["unit"] == "CNY"  # money in 亿元, as everywhere else in the workbook
    k.loc[money, "value"] = k.loc[money, "value"] / YI
    k.loc[money, "unit"] = "亿元"
    k.insert(1, "kpi_name", [kpi_name(c, d, lang) for c in k["kpi"]])
    k["unit"] = k["unit"].map(lambda u: UNIT_NAMES.get(u, (u, u))[i])
    return k[["kpi_name", "kpi", "period", "value", "unit"]]


def cost_sheet(d: Digest, lang: str) -> pd.DataFrame:
    """Cost parts (present value or annual), each period's yearly cost, the total, and the value of
    unmet demand on its own row (not a cost)."""
    w = REPORT_WORDS[lang]
    real = {k: v for k, v in d.costs.items() if k != "unmet"}
    total = sum(real.values()) or 1.0
    y = d.yearly_costs() if d.multi_period else pd.DataFrame()
    rows = []
    for k, v in real.items():
        row = {"part": w["parts"].get(k, k), "cost_yi": v / YI, "cost_share": v / total}
        row.update({f"yearly_{t}": float(y.at[t, k]) / YI for t in y.index if k in y})
        rows.append(row)
    rows.append({"part": w["total"], "cost_yi": total / YI, "cost_share": 1.0,
                 **{f"yearly_{t}": yearly_cost(d, t) / YI for t in y.index}})
    lost = d.headline()["unmet_penalty_cny"]
    rows.append({"part": w["unmet_value_row"], "cost_yi": lost / YI, "cost_share": float("nan"),
                 **{f"yearly_{t}": float(y.at[t, "unmet_value"]) / YI for t in y.index if "unmet_value" in y}})
    df = pd.DataFrame(rows)
    return df.rename(columns={"cost_yi": "pv_yi"}) if d.multi_period else df


def hubs_sheet(d: Digest, lang: str) -> pd.DataFrame:
    h = d.hubs.copy()
    h.insert(1, "hub_name", [d.names.of("hubs", [x], lang).iloc[0] if x else REPORT_WORDS[lang]["other"] for x in h["hub"]])
    h["side"] = h["side"].map(lambda s: words(lang).get(s, s))
    cols = ["hub", "hub_name", "side", *[f"{what}_{c}" for c in d.classes for what in ("existing", "built", "installed")],
            "existing", "built", "installed", "intelligent_share"]
    return h[[c for c in cols if c in h]]


def periods_sheet(d: Digest, lang: str) -> pd.DataFrame | None:  # noqa: ARG001
    if not d.multi_period:
        return None
    p = period_table(d)
    for col in ("yearly_cost", "unmet_value"):
        if f"{col}_cny" in p:
            p[f"{col}_yi"] = p.pop(f"{col}_cny") / YI
    hubs = new_by_hub(d).T  # periods x hubs
    hubs.columns = [f"newhub_{d.names.of('hubs', [h], lang).iloc[0] if h else REPORT_WORDS[lang]['outside']}"
                    for h in hubs.columns]
    return p.join(hubs, on="period")


def scorecard_sheet(d: Digest, lang: str) -> pd.DataFrame:
    from edwc.results.scorecard import score

    w = REPORT_WORDS[lang]
    rows = score(d)
    if not rows:  # the sheet is there all the same, saying so
        return pd.DataFrame([{"policy_name": w["none"], "policy": "", "met": ""}])
    out = []
    for r in rows:
        name = w["policies"].get(r["policy"], r["policy"])
        if r["part"]:
            name += f" ({w['outside'] if r['part'] == 'outside_hubs' else w.get(r['part'], r['part'])})"
        out.append({"policy_name": name, "policy": r["policy"], "sense": r["sense"], "target": r["target"],
                    "achieved": r["achieved"], "met": {True: w["yes"], False: w["no"]}.get(r["met"], w["na"]),
                    "price_yi": None if r["price_cny"] is None else float(r["price_cny"]) / YI})
    return pd.DataFrame(out)


def limits_sheet(d: Digest, lang: str) -> pd.DataFrame | None:
    """Sites at their power limit (the limit that shapes most plans), with shadow values when priced."""
    lim = limits_of(d)
    if lim.sites.empty:
        return None
    s = lim.sites.copy()
    s.insert(1, "site_name", d.names.of("sites", s["site"], lang).to_numpy())
    s.insert(3, "hub_name", [d.names.of("hubs", [h], lang).iloc[0] if h == h and h else REPORT_WORDS[lang]["other"]
                             for h in s["hub"]])
    s["side"] = s["side"].map(lambda x: words(lang).get(x, x))
    return s.rename(columns={"share": "of_limit"})
