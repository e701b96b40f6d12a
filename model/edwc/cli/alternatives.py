"""`edwc alternatives RESULT --slack 0.05 [--n N]`: near-optimal plans, and what is firm in them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edwc.cli.common import FiniteFloat, handle_errors, readable_result, sigterm_as_interrupt
from edwc.cli.guard import guarded
from edwc.solve.cores import share_cores


@click.command(name="alternatives")
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--slack", type=FiniteFloat(0, 1), default=0.05, show_default=True,
              help="How much dearer than the optimum an alternative may be (0.05 = 5 %).")
@click.option("--n", "n", type=click.IntRange(min=1), default=6, show_default=True,
              help="Number of alternatives: most/least in the west, then most/least per hub.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder [RESULT/alternatives].")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes [CPUs].")
@click.option("--scheduler", metavar="ADDRESS", help="Solve on a Dask cluster, e.g. tcp://10.0.0.5:8786.")
@click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds per alternative.")
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads per alternative (parallel search) [the cores the workers leave].")
@click.option("--warm", is_flag=True, help="Start each alternative from the optimum's plan (off by default: measured 0.56x on china-2025 before the power side, 1.4-7.9x after on one alternative; docs/performance.md).")
@click.option("--mip-gap", type=FiniteFloat(0, 1), help="Relative MIP gap of each alternative.")
@click.option("--no-map", is_flag=True, help="Skip firm.png.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the charts (English ones are *.en.png beside the Chinese ones).")
@guarded
@handle_errors
def alternatives_command(result: Path, slack: float, n: int, out: Path | None, workers: int | None,
                         scheduler: str | None, time_limit: float | None, threads: int | None, warm: bool,
                         mip_gap: float | None, no_map: bool, lang: str) -> None:
    """Find near-optimal plans that differ most in where capacity goes, and say what is firm.

    \b
    Each alternative costs at most (1 + slack) x the optimum of RESULT and builds the most or the
    least IT MW in the west or in one hub. Sites built in every plan are firm; built in some, a
    choice. Writes plans.csv, firm.csv, hubs.csv, firm.png and a result folder per alternative.

    \b
    Example:
      edwc alternatives results/china-2025 --slack 0.05 --n 6
    """
    from edwc.workflow.alternatives import alternatives, render_alternatives

    sigterm_as_interrupt()
    readable_result(result, full_check=True)
    workers, threads = share_cores(n, workers, threads)
    rep = alternatives(result, slack=slack, n=n, out=out, workers=workers, scheduler=scheduler,
                       time_limit=time_limit, mip_gap=mip_gap, maps=not no_map, log=lambda s: click.echo(s, err=True),
                       lang=lang, warm=warm, threads=threads)
    from edwc.results.names import read_names

    click.echo(render_alternatives(rep, read_names(result / "instance")))
    if rep.failed:
        sys.exit(1)
