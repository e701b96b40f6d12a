"""`edwc pareto INSTANCE --against emissions|latency [--points N]`: the cost–emissions or cost–latency front."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edwc.cli.common import FiniteFloat, handle_errors, sigterm_as_interrupt
from edwc.cli.guard import guarded
from edwc.solve.cores import share_cores


@click.command(name="pareto")
@click.argument("instance", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--against", type=click.Choice(["emissions", "latency"]), default="emissions", show_default=True,
              help="What to trade cost against: Σ emissions over periods, or the mean round trip of served work.")
@click.option("--points", type=click.IntRange(min=2), default=6, show_default=True,
              help="Points on the front, both ends included.")
@click.option("--scenario", help="Apply a named scenario of instance.yaml.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder [results/<instance>-pareto-<against>].")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes [CPUs].")
@click.option("--scheduler", metavar="ADDRESS", help="Solve the points on a Dask cluster, e.g. tcp://10.0.0.5:8786.")
@click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds per point.")
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads per point (parallel search) [the cores the workers leave].")
@click.option("--cold", is_flag=True, help="Solve each point from scratch, not from the base and far-end plans.")
@click.option("--mip-gap", type=FiniteFloat(0, 1), help="Relative MIP gap of each point.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the charts (English ones are *.en.png beside the Chinese ones).")
@guarded
@handle_errors
def pareto_command(instance: Path, against: str, points: int, scenario: str | None, out: Path | None,
                   workers: int | None, scheduler: str | None, time_limit: float | None, threads: int | None, cold: bool,
                   mip_gap: float | None, lang: str) -> None:
    """Trace the cost–emissions (or cost–latency) front by the ε-constraint method.

    \b
    The base plan (least cost) and the far end (least emissions, or least mean RTT, serving as
    much work as the base) bound the front; the points between are least-cost plans under an
    ε bound, solved in parallel, each a result folder. Dominated points are dropped.
    Writes points.csv, front.csv and front.png.

    \b
    Example:
      edwc pareto instances/china-2025 --against emissions --points 6
      edwc pareto instances/tiny --against latency --points 4 --out /tmp/tiny-front
    """
    from edwc.workflow.pareto import pareto, render_front

    sigterm_as_interrupt()
    n_workers, n_threads = share_cores(points, workers, threads)
    folder = out or Path("results") / f"{instance.resolve().name}{'-' + scenario if scenario else ''}-pareto-{against}"
    rep = pareto(instance, against, points=points, out=folder, scenario=scenario,
                 workers=n_workers, scheduler=scheduler, time_limit=time_limit,
                 mip_gap=mip_gap, log=lambda s: click.echo(s, err=True), lang=lang, warm=not cold,
                 threads=n_threads)
    click.echo(render_front(rep, against))
    if rep.failed:
        sys.exit(1)
