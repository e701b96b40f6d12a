"""plan.xlsx: the result tables for a spreadsheet user. A first sheet says what each sheet
holds; then one sheet per table with names beside ids, units in the headers, number formats a
planner expects (thousands separators, percentages), frozen headers and filters. Chinese
headers by default; plan.en.xlsx in English. Columns the writer does not know are kept with
their own name."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from edwc.analysis import workbook_sheets as S
from edwc.maps.i18n import suffix
from edwc.results.digest import Digest, read_digest

# column -> (zh header, en header, number format)
COLUMNS = {
    "region": ("区域代码", "region id", "@"), "region_name": ("区域", "region", "@"),
    "site": ("站点代码", "site id", "@"), "site_name": ("站点", "site", "@"),
    "hub": ("枢纽代码", "hub id", "@"), "hub_name": ("枢纽", "hub", "@"),
    "side": ("东/西", "side", "@"), "class": ("算力类别", "class", "@"),
    "workload": ("负载类型", "workload", "@"), "period": ("年份", "period", "0"),
    "trunk": ("干线代码", "trunk id", "@"), "trunk_name": ("干线", "trunk", "@"),
    "from": ("起点代码", "from id", "@"), "to": ("终点代码", "to id", "@"),
    "existing_pflops": ("既有 (PFLOPS)", "existing (PFLOPS)", "#,##0.0"),
    "built_pflops": ("新建 (PFLOPS)", "built (PFLOPS)", "#,##0.0"),
    "installed_pflops": ("装机 (PFLOPS)", "installed (PFLOPS)", "#,##0.0"),
    "served_pflops": ("服务 (PFLOPS)", "served (PFLOPS)", "#,##0.0"),
    "pflops": ("算力 (PFLOPS)", "PFLOPS", "#,##0.0"),
    "utilisation": ("利用率", "utilisation", "0.0%"),
    "open": ("开放 (0/1)", "open (0/1)", "0"), "newly_opened": ("新开 (0/1)", "newly opened (0/1)", "0"),
    "it_mw": ("IT 功率 (MW)", "IT power (MW)", "#,##0.0"),
    "facility_mw": ("设施功率 (MW)", "facility power (MW)", "#,##0.0"),
    "energy_mwh": ("年用电 (MWh)", "energy (MWh/yr)", "#,##0"),
    "emissions_t": ("年排放，位置法 (tCO₂)", "emissions, location-based (tCO₂/yr)", "#,##0"),
    "rtt_ms": ("往返时延 (ms)", "RTT (ms)", "0.0"),
    "length_km": ("长度 (km)", "length (km)", "#,##0"),
    "load_gbps": ("负载 (Gbps)", "load (Gbps)", "#,##0"),
    "capacity_gbps": ("容量 (Gbps)", "capacity (Gbps)", "#,##0"),
    "wavelengths_added": ("新增波长 (个)", "wavelengths added (count)", "0"),
    "kpi": ("指标代码", "KPI id", "@"), "value": ("数值", "value", "#,##0.00"),
    "unit": ("单位", "unit", "@"),
    "kpi_name": ("指标", "KPI", "@"),
    "served_new_pflops": ("新建部分服务 (PFLOPS)", "served by new capacity (PFLOPS)", "#,##0.0"),
    "it_mw_new": ("新建 IT 功率 (MW)", "new IT power (MW)", "#,##0.0"),
    "blocks": ("训练整块 (块, 每块 block_pflops)", "training blocks (count, block_pflops each)", "#,##0.0"),
    "shell_mw": ("机楼容量 (MW IT)", "shells (MW of IT)", "#,##0.0"),
    "shell_mw_new": ("新建机楼容量 (MW IT)", "new shells (MW of IT)", "#,##0.0"),
    "noload_mwh": ("空置机楼空载电量 (MWh)", "empty-shell no-load (MWh)", "#,##0"),
    "energy_new_mwh": ("新建部分年用电 (MWh)", "energy of new capacity (MWh/yr)", "#,##0"),
    "it_energy_mwh": ("IT 年用电 (MWh)", "IT energy (MWh/yr)", "#,##0"),
    "green_mwh": ("绿电合计 (MWh/年)", "green power, all kinds (MWh/yr)", "#,##0"),
    "grid_mwh": ("电网购电 (MWh/年)", "grid power (MWh/yr)", "#,##0"),
    "curtailed_mwh": ("消纳弃风弃光 (MWh/年)", "curtailed renewables used (MWh/yr)", "#,##0"),
    "direct_mwh": ("绿电直连供电 (MWh/年)", "direct supply used (MWh/yr)", "#,##0"),
    "trade_mwh": ("绿电交易 (MWh/年)", "traded green power (MWh/yr)", "#,##0"),
    "certificate_mwh": ("绿证 (MWh/年)", "green certificates (MWh/yr)", "#,##0"),
    "green_matched_mwh": ("逐时匹配绿电 (MWh/年)", "hour-matched green power (MWh/yr)", "#,##0"),
    "spilled_mwh": ("直连弃电 (MWh/年)", "direct supply spilled (MWh/yr)", "#,##0"),
    "peak_grid_mw": ("电网最大负荷 (MW)", "peak grid draw (MW)", "#,##0.0"),
    "direct_solar_mw": ("直连光伏 (MW)", "direct PV (MW)", "#,##0.0"),
    "direct_wind_mw": ("直连风电 (MW)", "direct wind (MW)", "#,##0.0"),
    "battery_mwh": ("储能 (MWh)", "storage (MWh)", "#,##0.0"),
    "emissions_market_t": ("年排放，市场法 (tCO₂)", "emissions, market-based (tCO₂/yr)", "#,##0"),
    "day": ("典型日", "typical day", "0"), "step": ("时段", "step", "0"), "hours": ("时长 (h)", "length (h)", "0.0"),
    "weight_h": ("代表小时数 (h/年)", "hours of the year (h)", "#,##0.0"),
    "load_mw": ("负荷 (MW)", "load (MW)", "#,##0.0"), "grid_mw": ("电网 (MW)", "grid (MW)", "#,##0.0"),
    "curtailed_mw": ("弃风弃光 (MW)", "curtailed used (MW)", "#,##0.0"),
    "direct_available_mw": ("直连可发 (MW)", "direct available (MW)", "#,##0.0"),
    "spill_mw": ("直连弃电 (MW)", "direct spilled (MW)", "#,##0.0"),
    "charge_mw": ("充电 (MW)", "charge (MW)", "#,##0.0"), "discharge_mw": ("放电 (MW)", "discharge (MW)", "#,##0.0"),
    "soc_mwh": ("储能电量 (MWh)", "state of charge (MWh)", "#,##0.0"),
    "curtailed_pool_mw": ("全省弃电 (MW)", "province's curtailment (MW)", "#,##0.0"),
    "cf_solar": ("光伏出力系数", "PV output (p.u.)", "0.000"), "cf_onwind": ("风电出力系数", "wind output (p.u.)", "0.000"),
    "price_cny_per_kwh": ("电价 (元/kWh)", "power price (CNY/kWh)", "0.000"),
    "co2_t_per_mwh": ("电网排放因子 (tCO₂/MWh)", "grid emission factor (tCO₂/MWh)", "0.000"),
    "network_km": ("网络距离 (km)", "network distance (km)", "#,##0"),
    "part": ("成本构成", "cost part", "@"),
    "cost_yi": ("年化成本 (亿元/年)", "annual cost (亿元/yr)", "#,##0.0"),
    "pv_yi": ("现值 (亿元，折现至首期)", "present value (亿元, at the first period)", "#,##0.0"),
    "cost_share": ("占比", "share", "0.0%"),
    "existing": ("既有合计 (PFLOPS)", "existing, all classes (PFLOPS)", "#,##0"),
    "built": ("新建合计 (PFLOPS)", "built, all classes (PFLOPS)", "#,##0"),
    "installed": ("装机合计 (PFLOPS)", "installed, all classes (PFLOPS)", "#,##0"),
    "intelligent_share": ("智能算力占比", "intelligent share", "0.0%"),
    "new_total": ("该期新建合计 (PFLOPS)", "new in the period (PFLOPS)", "#,##0"),
    "new_east": ("该期新建：东部枢纽 (PFLOPS)", "new in the period: eastern hubs (PFLOPS)", "#,##0"),
    "new_west": ("该期新建：西部枢纽 (PFLOPS)", "new in the period: western hubs (PFLOPS)", "#,##0"),
    "new_outside": ("该期新建：枢纽外 (PFLOPS)", "new in the period: outside the hubs (PFLOPS)", "#,##0"),
    "west_share_new": ("西部占该期新建", "west share of the period's new", "0.0%"),
    "unmet_pflops": ("未满足需求 (PFLOPS)", "unmet demand (PFLOPS)", "#,##0.0"),
    "yearly_cost_yi": ("年度成本 (亿元/年)", "yearly cost (亿元/yr)", "#,##0.0"),
    "unmet_value_yi": ("未满足需求价值 (亿元/年，不计入成本)", "value of unmet demand (亿元/yr, not a cost)", "#,##0.0"),
    "weight_years": ("折现权重 (年)", "discount weight (years)", "0.00"),
    "policy_name": ("政策", "policy", "@"), "policy": ("政策代码", "policy id", "@"),
    "sense": ("方向", "sense", "@"), "target": ("目标", "target", "#,##0.00##"),
    "achieved": ("实现", "achieved", "#,##0.00##"), "met": ("是否达标", "met", "@"),
    "price_yi": ("政策代价 (亿元/年)", "price (亿元/yr)", "#,##0.0"),
    "max_facility_mw": ("设施功率上限 (MW)", "facility power limit (MW)", "#,##0.0"),
    "of_limit": ("占上限", "of the limit", "0.0%"),
    "value_cny_per_mw_year": ("影子价值 (元/年 每 MW)", "shadow value (CNY/yr per MW)", "#,##0"),
}
PATTERNS = {  # column key prefix -> (zh header, en header, format); the rest of the key is put in
    "yearly_": ("{} 年年度成本 (亿元/年)", "yearly cost in {} (亿元/yr)", "#,##0.0"),
    "new_": ("该期新建：{} (PFLOPS)", "new in the period: {} (PFLOPS)", "#,##0"),
    "newhub_": ("该期新建：{} (PFLOPS)", "new in the period: {} (PFLOPS)", "#,##0"),
    "existing_": ("既有：{} (PFLOPS)", "existing: {} (PFLOPS)", "#,##0"),
    "built_": ("新建：{} (PFLOPS)", "built: {} (PFLOPS)", "#,##0"),
    "installed_": ("装机：{} (PFLOPS)", "installed: {} (PFLOPS)", "#,##0"),
}


def column_meta(key: str, lang: str) -> tuple[str, str]:
    """(header, number format) of a column: its COLUMNS entry, a PATTERNS prefix, or the key itself."""
    i = 0 if lang == "zh" else 1
    if key in COLUMNS:
        return COLUMNS[key][i], COLUMNS[key][2]
    for prefix, meta in PATTERNS.items():
        if key.startswith(prefix):
            rest = key[len(prefix):]
            from edwc.maps.i18n import cls_label

            return meta[i].format(cls_label(rest, lang)), meta[2]
    return key, "General"
# The planner's sheets first: (builder, zh sheet, en sheet, zh description, en description); a builder
# takes (digest, lang) and returns a table or None (the sheet is left out). More sheets (e.g. the
# power side's) are added to this list.
PLANNER_SHEETS: list[tuple[Callable[[Digest, str], pd.DataFrame | None], str, str, str, str]] = [
    (S.cost_sheet, "成本", "cost", "成本构成（单期为年化成本，多期为现值与各期年度成本，亿元）；未满足需求价值单列，不计入成本",
     "cost parts (annual for one period; present value and each period's yearly cost for several; 亿元 = 100 M CNY); "
     "the value of unmet demand on its own row, not a cost"),
    (S.hubs_sheet, "枢纽", "hubs", "各枢纽（及枢纽外）最后一期的既有、新建、装机", "existing, built and installed by hub (and outside the hubs), last period"),
    (S.periods_sheet, "分期", "periods", "各期新建（按类别、东西部、枢纽）、用电、排放、年度成本",
     "each period's new build (by class, side and hub), energy, emissions and yearly cost"),
    (S.scorecard_sheet, "政策记分卡", "policy scorecard", "每项政策的目标、实现、是否达标与代价（运行 edwc price 后）",
     "each policy's target, achievement, whether it is met and its price (after edwc price)"),
    (S.limits_sheet, "电力满载站点", "sites at power limit", "最后一期达到电力上限（≥ 99%）的站点与影子价值（运行 edwc price 后）",
     "sites at ≥ 99 % of their power limit in the last period, with shadow values (after edwc price)"),
    (S.kpi_sheet, "指标", "KPIs", "各年份要点指标（名称、代码、单位；金额为亿元）", "headline indicators per period (name, id, unit; money in 亿元)"),
]
SHEETS = {  # result table -> (zh sheet, en sheet, zh description, en description)
    "capacity": ("装机", "capacity", "站点 × 算力类别 × 年份：既有、新建、装机、服务、利用率",
                 "site × class × period: existing, built, installed, served, utilisation"),
    "sites": ("站点", "sites", "站点 × 年份：开放、IT 与设施功率、用电、各类供电与绿电、直连装机、两种口径排放",
              "site × period: open, IT and facility power, energy, supply and green power by kind, direct builds, "
              "emissions on both bases"),
    "power": ("逐时电力", "power by hour", "站点 × 年份 × 典型日时段：负荷与各类供电、储能（权重为代表小时数）",
              "site × period × typical-day slice: load, each supply and storage (weight: hours of the year)"),
    "serve": ("服务流向", "serve", "区域 → 站点 × 负载类型 × 年份的服务算力与往返时延",
              "region → site × workload × period: served PFLOPS and RTT"),
    "unmet": ("未满足", "unmet", "区域 × 负载类型 × 年份的未满足需求",
              "region × workload × period: unmet demand"),
    "trunks": ("干线", "trunks", "干线 × 年份：容量、负载、利用率、新增波长",
               "trunk × period: capacity, load, utilisation, wavelengths added"),
}


def named(table: str, df: pd.DataFrame, d: Digest, lang: str) -> pd.DataFrame:
    """Insert a name column right after each id column."""
    df = df.drop(columns=[c for c in df.columns if c.endswith(("_name_zh", "_name_en"))])
    for key, kind in (("region", "regions"), ("site", "sites"), ("hub", "hubs")):
        if key in df:
            pos = list(df.columns).index(key) + 1
            df.insert(pos, f"{key}_name", d.names.of(kind, df[key].astype(str), lang).where(
                df[key].notna(), "").to_numpy())
    if table == "capacity" and "site" in df and "hub" not in df:  # hub and side beside the site, for pivots
        by_site = d.sites.set_index("site")
        after = "site_name" if "site_name" in df else "site"
        df.insert(list(df.columns).index(after) + 1, "hub", df["site"].map(by_site["hub"]))
        df.insert(list(df.columns).index("hub") + 1, "side", df["site"].map(by_site["side"]))
    for key, kind in (("hub", "hubs"),):
        if key in df and f"{key}_name" not in df:
            df.insert(list(df.columns).index(key) + 1, f"{key}_name", d.names.of(kind, df[key].astype(str), lang).where(
                df[key].notna(), "").to_numpy())
    if table == "trunks" and {"from", "to"} <= set(df.columns):
        df.insert(list(df.columns).index("trunk") + 1, "trunk_name",
                  d.names.trunk_label(df["from"], df["to"], lang).to_numpy())
    if "side" in df and "site" in df:  # the digest's side: sites outside the hubs are neither east nor west
        df["side"] = df["site"].map(d.sites.set_index("site")["side"]).fillna(df["side"])
    if "side" in df:
        from edwc.maps.i18n import words

        df["side"] = df["side"].map(lambda s: words(lang).get(s, s))
    if "class" in df:
        from edwc.maps.i18n import cls_label

        df["class"] = df["class"].map(lambda c: cls_label(c, lang))
    return df


def write_sheet(wb, title: str, df: pd.DataFrame, lang: str) -> None:  # noqa: ANN001
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    heads = [column_meta(c, lang)[0] for c in df.columns]
    ws.append(heads)
    for row in df.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
    for cells in ws.iter_rows():
        for cell in cells:
            if cell.data_type == "f":  # text beginning with '=' stays text, never a formula (issue 13)
                cell.data_type = "s"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF3F8")
    for j, c in enumerate(df.columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        fmt = column_meta(c, lang)[1]
        if fmt != "@":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        width = max([len(str(heads[j - 1])) * (2 if lang == "zh" else 1.1)]
                    + [len(str(v)) * (2 if lang == "zh" and isinstance(v, str) else 1.1)
                       for v in df.iloc[:200, j - 1]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, width + 2), 42)
    if {"unit", "value"} <= set(df.columns):  # long KPI table: fractions as percentages
        col = list(df.columns).index("value") + 1
        for r, unit in enumerate(df["unit"], start=2):
            if unit == "fraction":
                ws.cell(row=r, column=col).number_format = "0.0%"
    names = [j for j, c in enumerate(df.columns, start=1) if str(c).endswith("_name") or c == "part"]
    ws.freeze_panes = f"{get_column_letter(max(names, default=0) + 1)}2"  # names stay in view
    ws.auto_filter.ref = ws.dimensions
    print_setup(ws)


def print_setup(ws) -> None:  # noqa: ANN001
    """A4 landscape, one page wide, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def write_workbook(result_dir: Path, lang: str = "zh", digest: Digest | None = None) -> Path:
    """Write plan[.LANG].xlsx into ``result_dir`` (atomically); return its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from edwc.maps.base import write_atomically

    d = digest or read_digest(Path(result_dir))
    i = 0 if lang == "zh" else 1

    def fill(path: Path) -> None:
        wb = Workbook()
        about = wb.active
        about.title = "说明" if lang == "zh" else "about"
        about.append(["工作表" if lang == "zh" else "sheet", "内容" if lang == "zh" else "what it holds",
                      "行数" if lang == "zh" else "rows"])
        for cell in about[1]:
            cell.font = Font(bold=True)
        for build, *names in PLANNER_SHEETS:
            sheet = build(d, lang)
            if sheet is None or sheet.empty:
                continue
            about.append([names[i], names[2 + i], len(sheet)])
            write_sheet(wb, names[i], sheet, lang)
        for table, meta in SHEETS.items():
            df = d.tables.get(table)
            if df is None or df.empty:
                continue
            about.append([meta[i], meta[2 + i], len(df)])
            write_sheet(wb, meta[i], named(table, df, d, lang), lang)
        about.append([])
        s = d.summary
        about.append(["edwc " + str(s.get("versions", {}).get("edwc", "")),
                      f"{s.get('instance', '')} {s.get('scenario') or ''} · {s.get('status', '')}"
                      + (f" · {'MIP 间隙' if i == 0 else 'MIP gap'} {float(s['mip_gap']):.2%}"
                         if s.get("mip_gap") is not None else "")
                      + f" · {s.get('created', '')}"])
        about.column_dimensions["A"].width = 16
        about.column_dimensions["B"].width = 70
        about.freeze_panes = "A2"
        print_setup(about)
        buf = io.BytesIO()  # zipped in memory: a full disk fails the one write below, not a half-open ZipFile
        wb.save(buf)        # whose finaliser then prints "Exception ignored" (finding N-diskfull-report-tb)
        path.write_bytes(buf.getvalue())

    return write_atomically(Path(result_dir) / f"plan{suffix(lang)}.xlsx", fill)
