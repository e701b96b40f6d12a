"""Writing a comparison folder atomically: tables, compare.md and charts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from edwc.analysis.compare.charts import plot_capacity, plot_costs, plot_diff_map
from edwc.analysis.compare.comparison import Comparison
from edwc.analysis.compare.text import render_markdown
from edwc.errors import ResultExistsError
from edwc.results.tables import write_atomically


def default_out(labels: list[str]) -> Path:
    """results/compare-<labels joined by _>, shortened with a hash when very long."""
    name = "_".join(labels)
    if len(name) > 80:
        name = name[:60] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return Path("results") / f"compare-{name}"


def write_comparison(comp: Comparison, out: Path) -> list[Path]:
    """Write tables, Markdown and charts into `out`, atomically; an earlier comparison there is replaced.

    A folder that exists and is not a comparison (no compare.csv) is never replaced.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "compare.csv").is_file():
        raise ResultExistsError(f"{out} exists and is not an edwc comparison; choose another --out")
    names = ["compare.csv", "capacity.csv", "moved.csv", "compare.md", "capacity.png", "costs.png", "diff_map.png"]

    def fill(tmp: Path) -> None:
        csv: dict[str, Any] = {"index": False, "lineterminator": "\n", "float_format": "%.10g"}
        comp.summary.to_csv(tmp / "compare.csv", **csv)
        comp.capacity.to_csv(tmp / "capacity.csv", **csv)
        comp.moved.to_csv(tmp / "moved.csv", **csv)
        (tmp / "compare.md").write_text(render_markdown(comp), encoding="utf-8")
        plot_capacity(comp, tmp / "capacity.png")
        plot_costs(comp, tmp / "costs.png")
        plot_diff_map(comp, tmp / "diff_map.png")

    write_atomically(out, fill, force=True)
    return [out / n for n in names]
