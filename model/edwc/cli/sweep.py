"""`edwc sweep INSTANCE`: many variants of an instance, solved in parallel and indexed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from edwc.cli.common import FiniteFloat, handle_errors, sigterm_as_interrupt


@click.command(name="sweep")
@click.argument("instance", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--vary", "varies", multiple=True, metavar="KEY=V1,V2,…",
              help="Values of one setting (repeatable; the cases are the Cartesian product).")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME",
              help="A named scenario to include (repeatable; 'base' = the instance as it is).")
@click.option("--all-scenarios", is_flag=True, help="The base and every named scenario of instance.yaml.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the cases and index [results/<instance>-sweep].")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes [number of CPUs, at most one per case].")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on an existing Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (no answer within 15 s: exit 1).")
@click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds per case; the best plan found is kept.")
@click.option("--mip-gap", type=FiniteFloat(0, 1), help="Relative MIP gap to stop each case at.")
@click.option("--maps", is_flag=True, help="Also draw the maps of every case (slower).")
@click.option("--no-check", is_flag=True, help="Skip the independent check of each plan.")
@click.option("--force", is_flag=True, help="Solve every case again, even when unchanged.")
@click.option("--dry-run", is_flag=True, help="List the cases and stop.")
def sweep_command(instance: Path, varies: tuple[str, ...], scenarios: tuple[str, ...], all_scenarios: bool,
                  out: Path | None, workers: int | None, scheduler: str | None, time_limit: float | None,
                  mip_gap: float | None, maps: bool, no_check: bool, force: bool, dry_run: bool) -> None:
    """Solve many variants of an instance in parallel and index their KPIs.

    \b
    Example:
      edwc sweep instances/tiny --vary policy.carbon_price_cny_per_t=0,200 --vary finance.load_factor=0.5,1
      edwc sweep instances/china-2025 --all-scenarios --time-limit 300 --workers 4
      edwc sweep instances/china-2025 --all-scenarios --scheduler tcp://10.0.0.5:8786
    """
    from edwc.errors import InputError, Problem
    from edwc.workflow.sweep import (
        BASE,
        Outcome,
        SolveOptions,
        Task,
        build_cases,
        parse_vary,
        prepare_sweep,
        render_report,
        resolve_scenarios,
        sweep_instance,
    )

    def run() -> None:
        cases = build_cases(parse_vary(varies), resolve_scenarios(instance, scenarios, all_scenarios))
        if not varies and not scenarios and not all_scenarios:
            raise InputError([Problem("edwc sweep", "nothing to sweep: give --vary KEY=V1,V2, --scenario NAME or --all-scenarios")], "edwc sweep")
        folder = out or Path("results") / f"{_instance_name(instance)}-sweep"
        if dry_run:
            for c in cases:
                click.echo(f"{folder / c.name}  scenario={c.scenario or BASE} set={c.sets}")
            return
        prepare_sweep(instance, cases, folder, scheduler)  # refusals come before the progress bar
        n_workers = workers or min(len(cases), os.cpu_count() or 1)
        if scheduler and workers:
            click.echo("note: --workers is ignored with --scheduler (the cluster has its own workers)", err=True)
        with click.progressbar(length=len(cases), label=f"{len(cases)} cases", file=sys.stderr,
                               item_show_func=lambda s: s or "", show_pos=True) as bar:
            def tick(task: Task, outcome: Outcome) -> None:
                bar.update(1, f"{task.case.name}: {outcome.status}")

            rep = sweep_instance(instance, cases, out=folder, workers=n_workers, scheduler=scheduler,
                                 options=SolveOptions(time_limit, mip_gap, maps, not no_check), force=force, on_done=tick,
                                 prepared=True)
        click.echo(render_report(rep))
        if len(rep.failed):
            sys.exit(1)

    @handle_errors
    def run_interruptible() -> None:
        sigterm_as_interrupt()  # SIGTERM stops the sweep as Ctrl-C does: running workers are ended
        try:
            run()
        except KeyboardInterrupt:
            click.echo("\ninterrupted: finished cases are kept; run the same command again to do the rest", err=True)
            sys.exit(130)

    run_interruptible()

def _instance_name(instance: Path) -> str:
    from edwc.input.safe_yaml import YamlInputError, load_yaml

    try:
        cfg = load_yaml((instance / "instance.yaml").read_text(encoding="utf-8")) or {}
        return str(cfg.get("name") or instance.name)
    except (OSError, UnicodeDecodeError, YamlInputError, AttributeError):
        return Path(instance).resolve().name
