"""`edwc levers RESULT`: how the plan's west share and cost respond to the estimates that decide its siting."""

from __future__ import annotations

from pathlib import Path

import click

from edwc.cli.common import handle_errors, readable_result, resolve_options, sigterm_as_interrupt
from edwc.cli.guard import guarded
from edwc.solve.cores import machine_cores, share_cores


@click.command(name="levers")
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@resolve_options
@guarded
@handle_errors
def levers_command(result: Path, workers: int | None, scheduler: str | None, time_limit: float | None,
                   threads: int | None, cold: bool) -> None:
    """Show which estimates decide the plan: west share and cost as each lever moves.

    \b
    Re-solves the result's instance with one estimate moved down and then up (RESULT/lever-resolves/):
    the trunk bandwidth price (x0.5, x2), western and eastern power prices (x0.8, x1.2), western site power
    limits (half the room above their shells, x2), shell build rates (x0.5, x2) and the years shells lead IT
    (-1, +1). A lever is left out when the instance lacks its input. Writes levers.csv and levers.md into
    RESULT; its report shows them ("What decides the west share").

    \b
    Example:
      edwc levers results/china-2025 --time-limit 300
    """
    from edwc.workflow.levers import levers_markdown, levers_result

    sigterm_as_interrupt()
    readable_result(result, full_check=True)
    workers, threads = share_cores(machine_cores(), workers, threads)
    rep = levers_result(result, workers=workers, scheduler=scheduler, time_limit=time_limit,
                        log=lambda s: click.echo(s, err=True), warm=not cold, threads=threads)
    click.echo(levers_markdown(rep.table))
    click.echo(f"written to {result}: {', '.join(p.name for p in rep.files)} ({rep.seconds:.1f} s)")
