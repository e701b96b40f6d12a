"""`edwc price RESULT`: what each policy costs, the marginal values of the plan and its corridor ledger."""

from __future__ import annotations

from pathlib import Path

import click

from edwc.cli.common import handle_errors, readable_result, resolve_options, sigterm_as_interrupt
from edwc.cli.guard import guarded
from edwc.solve.cores import machine_cores, share_cores


@click.command(name="price")
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@resolve_options
@click.option("--no-resolve", is_flag=True, help="Skip the re-solves without each policy (no full costs).")
@click.option("--no-map", is_flag=True, help="Skip marginal_cost.png and corridors.png.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the charts (English ones are *.en.png beside the Chinese ones).")
@guarded
@handle_errors
def price_command(result: Path, workers: int | None, scheduler: str | None, time_limit: float | None,
                  threads: int | None, cold: bool, no_resolve: bool, no_map: bool, lang: str) -> None:
    """Price a plan: policy price tags, marginal values and the corridor ledger.

    \b
    Fixes the plan's integer decisions and solves the LP left over: its duals give each policy's
    shadow price, the marginal cost of compute per region and workload, the value of one more MW
    per site and Gbps per trunk. Each policy is then switched off in turn and the instance
    re-solved in parallel (RESULT/policy-resolves/): its full cost is the difference.
    Writes policy_costs.csv, policy_duals.csv, marginal_compute.csv, marginal_sites.csv,
    marginal_trunks.csv, corridor_flows.csv, corridors.csv, marginal_cost.png, corridors.png.

    \b
    Example:
      edwc price results/china-2025
      edwc price results/china-2025 --no-resolve      # duals and ledger only (seconds)
    """
    from edwc.decisions.summary import render_prices
    from edwc.workflow.price import price_result

    sigterm_as_interrupt()
    readable_result(result, full_check=True)
    workers, threads = share_cores(machine_cores(), workers, threads)
    rep = price_result(result, workers=workers, scheduler=scheduler, time_limit=time_limit,
                       resolve=not no_resolve, maps=not no_map, log=lambda s: click.echo(s, err=True), lang=lang,
                       warm=not cold, threads=threads)
    click.echo(render_prices(result))
    times = ", ".join(f"{k} {v:.1f} s" for k, v in rep.seconds.items())
    click.echo(f"written to {result}: {', '.join(p.name for p in rep.files)} ({times})")
