"""Writing a comparison folder atomically: tables, compare.md and charts.

The tables (compare.csv, capacity.csv, moved.csv) hold ids and numbers only and are the same in
every language; the text and the charts carry the language in their names as the maps do
(compare.md, costs.png … in Chinese; compare.en.md, costs.en.png … in English). Drawing one
language keeps the other language's files when they describe the same comparison (the tables
are unchanged), so `edwc compare … --lang en` never overwrites the Chinese charts.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from edwc.analysis.compare.charts import plot_capacity, plot_costs
from edwc.analysis.compare.comparison import Comparison, drawn_names
from edwc.analysis.compare.diffmap import plot_diff_map
from edwc.analysis.compare.text import render_markdown
from edwc.maps import LANGS
from edwc.results.folders import write_atomically
from edwc.results.spreadsheet import write_csv

TABLES = ("compare.csv", "capacity.csv", "moved.csv")


def default_out(labels: list[str]) -> Path:
    """results/compare-<labels joined by _>, shortened with a hash when very long."""
    name = "_".join(labels)
    if len(name) > 80:
        name = name[:60] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return Path("results") / f"compare-{name}"


def write_comparison(comp: Comparison, out: Path, lang: str = "zh", log: Callable[[str], None] | None = None) -> list[Path]:
    """Write tables, Markdown and charts into `out`, atomically; an earlier comparison there is replaced
    (its files in other languages are kept when its tables are the same as the new ones); one of
    other results, or with files added, is kept in `<out>.kept/` (`log` says where).

    A folder that exists and is not an edwc comparison (by its marker) is never replaced.
    """
    from edwc.results.digest import read_digest

    out = Path(out)
    md, capacity, costs, diff = drawn_names(lang)

    def fill(tmp: Path) -> None:
        write_csv(comp.summary, tmp / "compare.csv")  # text a spreadsheet would run is neutralised
        write_csv(comp.capacity, tmp / "capacity.csv")
        write_csv(comp.moved, tmp / "moved.csv")
        (tmp / md).write_text(render_markdown(comp, lang), encoding="utf-8")
        digest = read_digest(comp.folders[0])
        plot_capacity(comp, tmp / capacity, lang, digest)
        plot_costs(comp, tmp / costs, lang)
        plot_diff_map(comp, tmp / diff, lang, digest)
        _keep_other_languages(out, tmp, lang)

    write_atomically(out, fill, force=True, kind="compare", log=log)
    return [out / n for n in (*TABLES, md, capacity, costs, diff)]


def _keep_other_languages(old: Path, new: Path, lang: str) -> None:
    """Copy the other languages' drawn files of the earlier comparison in ``old`` into ``new``
    when its tables are byte-identical to the new ones (same results, same numbers)."""
    same = old.is_dir() and all((old / t).is_file() and (old / t).read_bytes() == (new / t).read_bytes()
                                for t in TABLES)
    if not same:
        return
    for other in LANGS:
        if other == lang:
            continue
        for name in drawn_names(other):
            if (old / name).is_file():
                shutil.copy2(old / name, new / name)
