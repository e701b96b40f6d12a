"""`edwc compare RESULT RESULT…`: results of one instance side by side, against the first (the baseline).

What is compared: status, objective and its cost parts and every KPI (with the difference to
the baseline, absolute and relative); installed capacity by hub and class in the last period;
what moved (regions whose workloads are served at other sites, or left unmet, than in the
baseline). Written as compare.csv, capacity.csv, moved.csv and compare.md, and drawn as
capacity.png (capacity by hub per result), costs.png (the cost parts, the value of unmet demand apart)
and diff_map.png (installed capacity change per site and class against the baseline, on the
national map); in English as compare.en.md, capacity.en.png, … beside the Chinese files.

Results of different instances, or written by another result-format version, are refused.
"""

from __future__ import annotations

from pathlib import Path

from edwc.analysis.compare.charts import comparison_costs, plot_capacity, plot_costs
from edwc.analysis.compare.comparison import Comparison
from edwc.analysis.compare.diffmap import plot_diff_map
from edwc.analysis.compare.load import load_results, result_labels
from edwc.analysis.compare.tables import (
    capacity_table,
    moved_table,
    region_names,
    site_change_table,
    summary_table,
)
from edwc.analysis.compare.text import (
    display_capacity,
    display_moved,
    display_summary,
    markdown_table,
    render_markdown,
    render_terminal,
)
from edwc.analysis.compare.write import default_out, drawn_names, write_comparison
from edwc.errors import InputError, Problem

__all__ = [
    "Comparison", "capacity_table", "comparison_costs", "compare_results", "default_out", "display_capacity", "drawn_names", "display_moved",
    "display_summary", "load_results", "markdown_table", "moved_table", "plot_capacity", "plot_costs",
    "plot_diff_map", "region_names", "render_markdown", "render_terminal", "result_labels", "site_change_table",
    "summary_table", "write_comparison",
]


def compare_results(folders: list[str | Path]) -> Comparison:
    """Read and compare result folders (the first is the baseline). Raises InputError when refused."""
    paths = [Path(f) for f in folders]
    if len(paths) < 2:
        raise InputError([Problem("edwc compare", "give at least two result folders (the first is the baseline)")], "edwc compare")
    results = load_results(paths)
    labels = result_labels(paths)
    return Comparison(labels=labels, folders=paths, results=results, summary=summary_table(results, labels),
                      capacity=capacity_table(results, labels), moved=moved_table(results, labels, region_names(results, paths)),
                      site_change=site_change_table(results, labels, paths))
