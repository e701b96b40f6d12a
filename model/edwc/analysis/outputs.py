"""Every planner-facing file of a result in one call: the maps (map.png, map.html, plan.gpkg),
the report page (report.html, which embeds map.png) and the workbook (plan.xlsx). Files of a
language other than Chinese carry it in their names (map.en.png, report.en.html,
plan.en.xlsx). The result is digested once and shared by all of them."""

from __future__ import annotations

from pathlib import Path

MAP_FORMATS = ("png", "html", "gpkg")


def write_outputs(result_dir: Path, lang: str = "zh", shade: str = "hubs",
                  maps: tuple[str, ...] = MAP_FORMATS, report: bool = True,
                  workbook: bool = True) -> list[Path]:
    from edwc.analysis.report_page import write_report
    from edwc.analysis.workbook import write_workbook
    from edwc.maps import render_result
    from edwc.results.digest import read_digest

    result_dir = Path(result_dir)
    digest = read_digest(result_dir)
    paths = render_result(result_dir, lang=lang, shade=shade, formats=maps, digest=digest)
    if report:
        paths.append(write_report(result_dir, lang, digest))
    if workbook:
        paths.append(write_workbook(result_dir, lang, digest))
    return paths
