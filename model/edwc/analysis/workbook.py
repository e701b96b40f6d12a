"""plan.xlsx: the result tables for a spreadsheet user. A first sheet says what each sheet
holds; then one sheet per table with names beside ids, units in the headers, number formats a
planner expects (thousands separators, percentages), frozen headers and filters. Chinese
headers by default; plan.en.xlsx in English. Columns the writer does not know are kept with
their own name."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

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
    "emissions_t": ("年排放 (tCO₂)", "emissions (tCO₂/yr)", "#,##0"),
    "rtt_ms": ("往返时延 (ms)", "RTT (ms)", "0.0"),
    "length_km": ("长度 (km)", "length (km)", "#,##0"),
    "load_gbps": ("负载 (Gbps)", "load (Gbps)", "#,##0"),
    "capacity_gbps": ("容量 (Gbps)", "capacity (Gbps)", "#,##0"),
    "wavelengths_added": ("新增波长 (个)", "wavelengths added (count)", "0"),
    "kpi": ("指标代码", "KPI id", "@"), "value": ("数值", "value", "#,##0.00"),
    "unit": ("单位", "unit", "@"),
}
SHEETS = {  # table -> (zh sheet, en sheet, zh description, en description)
    "kpis": ("指标", "KPIs", "各年份要点指标（单位见列）", "headline indicators per period (unit column)"),
    "capacity": ("装机", "capacity", "站点 × 算力类别 × 年份：既有、新建、装机、服务、利用率",
                 "site × class × period: existing, built, installed, served, utilisation"),
    "sites": ("站点", "sites", "站点 × 年份：开放、IT 与设施功率、用电、排放",
              "site × period: open, IT and facility power, energy, emissions"),
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
    if table == "trunks" and {"from", "to"} <= set(df.columns):
        df.insert(list(df.columns).index("trunk") + 1, "trunk_name",
                  d.names.trunk_label(df["from"], df["to"], lang).to_numpy())
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
    i = 0 if lang == "zh" else 1
    heads = [COLUMNS.get(c, (c, c, "General"))[i] for c in df.columns]
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
        fmt = COLUMNS.get(c, ("", "", "General"))[2]
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
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


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
                      f" · {s.get('created', '')}"])
        about.column_dimensions["A"].width = 16
        about.column_dimensions["B"].width = 70
        about.freeze_panes = "A2"
        buf = io.BytesIO()  # zipped in memory: a full disk fails the one write below, not a half-open ZipFile
        wb.save(buf)        # whose finaliser then prints "Exception ignored" (finding N-diskfull-report-tb)
        path.write_bytes(buf.getvalue())

    return write_atomically(Path(result_dir) / f"plan{suffix(lang)}.xlsx", fill)
