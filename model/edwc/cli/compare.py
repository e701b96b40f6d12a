"""`edwc compare RESULT RESULT…`: results of one instance side by side against the first."""

from __future__ import annotations

from pathlib import Path

import click

from edwc.cli.common import damaged_as_error, handle_errors, readable_result


@click.command(name="compare")
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for compare.csv/.md and charts [results/compare-<names>].")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of compare.md and the charts; English files are compare.en.md, costs.en.png, … "
                   "beside the Chinese ones.")
@click.option("--quiet", "-q", is_flag=True, help="Write the files only; print just their folder.")
@click.option("--details", is_flag=True, help="After what changed, print the full tables too (they are in compare.md).")
def compare_command(results: tuple[Path, ...], out: Path | None, lang: str, quiet: bool, details: bool) -> None:
    """Compare results of one instance against the first (the baseline).

    Prints what changed, on one screen (cost with the value of unmet demand beside it, new
    build, the hubs that moved most); with --details also KPIs and cost parts side by side with the difference to the baseline, capacity by
    hub and class, and which regions' workloads moved (tables fit the terminal's width); writes
    compare.csv, capacity.csv, moved.csv, compare.md, capacity.png, costs.png (unmet penalty
    apart) and diff_map.png (change per site and class on the national map).

    \b
    Example:
      edwc compare results/china-2025 results/china-2025-high-ai results/china-2025-carbon-price
      edwc compare results/china-2025 results/china-2025-high-ai --lang en
    """
    from edwc.analysis.compare import (
        compare_results,
        default_out,
        render_terminal,
        write_comparison,
    )

    @handle_errors
    def run() -> None:
        for r in results:
            readable_result(r)
        comp = damaged_as_error("one of the results", lambda: compare_results(list(results)))
        folder = out or default_out(comp.labels)
        damaged_as_error("one of the results", lambda: write_comparison(comp, folder, lang,
                                                                         log=lambda s: click.echo(s, err=True)))
        if not quiet:
            click.echo(render_terminal(comp, lang=lang, details=details))
        click.echo(f"wrote compare.csv, capacity.csv, moved.csv and the charts in {folder}")

    run()
