"""`edwc sweep INSTANCE`: many variants of an instance, solved in parallel and indexed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edwc.cli.common import FiniteFloat, handle_errors, sigterm_as_interrupt
from edwc.solve.cores import share_cores


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
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads per case (parallel search) [the cores the workers leave].")
@click.option("--cold", is_flag=True, help="Solve every case from scratch, not from the plans of the cases solved before it.")
@click.option("--maps", is_flag=True, help="Also draw the maps of every case (slower).")
@click.option("--no-check", is_flag=True, help="Skip the independent check of each plan.")
@click.option("--force", is_flag=True, help="Solve every case again, even when unchanged.")
@click.option("--dry-run", is_flag=True, help="List the cases and stop.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the charts (kpis.png, uncertainty.png, uncertainty_map.png; English: *.en.png beside them).")
@click.option("--draws", "draws_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Draw the cases from uncertain estimates in this YAML file (docs/decisions.md) instead of --vary.")
@click.option("--n", "n_draws", type=click.IntRange(min=1, max=10_000), default=20, show_default=True,
              help="Cases to draw with --draws (at most 10,000).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the draws [the file's seed, else 0].")
def sweep_command(instance: Path, varies: tuple[str, ...], scenarios: tuple[str, ...], all_scenarios: bool,
                  out: Path | None, workers: int | None, scheduler: str | None, time_limit: float | None,
                  mip_gap: float | None, threads: int | None, cold: bool, maps: bool, no_check: bool, force: bool,
                  dry_run: bool, lang: str,
                  draws_file: Path | None, n_draws: int, seed: int | None) -> None:
    """Solve many variants of an instance in parallel and index their KPIs.

    Prints one line per finished case (status, annual cost with the unmet penalty apart, time)
    above a progress bar; writes index.csv, index.md and kpis.png (the KPIs across cases).

    \b
    Example:
      edwc sweep instances/tiny --vary policy.carbon_price_cny_per_t=0,200 --vary finance.load_factor=0.5,1
      edwc sweep instances/china-2025 --all-scenarios --time-limit 300 --workers 4
      edwc sweep instances/china-2025 --all-scenarios --scheduler tcp://10.0.0.5:8786
      edwc sweep instances/china-2025 --draws instances/china-2025-draws.yaml --n 20 --seed 1
    """
    from edwc.errors import InputError, Problem
    from edwc.workflow.sweep import (
        BASE,
        Outcome,
        SolveOptions,
        Task,
        build_cases,
        case_line,
        parse_vary,
        prepare_sweep,
        render_report,
        resolve_scenarios,
        sweep_instance,
    )

    def run() -> None:
        if draws_file is not None:
            run_draws()
            return
        cases = build_cases(parse_vary(varies), resolve_scenarios(instance, scenarios, all_scenarios))
        if not varies and not scenarios and not all_scenarios:
            raise InputError([Problem("edwc sweep", "nothing to sweep: give --vary KEY=V1,V2, --scenario NAME or --all-scenarios")], "edwc sweep")
        folder = out or Path("results") / f"{_instance_name(instance)}-sweep"
        if dry_run:
            for c in cases:
                click.echo(f"{folder / c.name}  scenario={c.scenario or BASE} set={c.sets}")
            return
        prepare_sweep(instance, cases, folder, scheduler)  # refusals come before the progress bar
        n_workers, n_threads = share_cores(len(cases), workers, threads)
        if scheduler and workers:
            click.echo("note: --workers is ignored with --scheduler (the cluster has its own workers)", err=True)
        from edwc.analysis.termtable import terminal_width

        width = terminal_width()
        finished = [0]
        with click.progressbar(length=len(cases), label=f"{len(cases)} cases", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            def tick(task: Task, outcome: Outcome) -> None:
                finished[0] += 1
                if sys.stderr.isatty():  # the case's line goes above the bar, which is redrawn below it
                    click.echo("\r\033[K", nl=False, err=True)
                click.echo(case_line(task.case.name, outcome, folder / task.case.name, finished[0], len(cases), width))
                bar.update(1)

            rep = sweep_instance(instance, cases, out=folder, workers=n_workers, scheduler=scheduler,
                                 options=SolveOptions(time_limit, mip_gap, maps, not no_check, n_threads), force=force,
                                 on_done=tick, lang=lang, prepared=True, warm=not cold, chain=True)
        click.echo("")
        click.echo(render_report(rep, width))
        if len(rep.failed):
            sys.exit(1)

    def run_draws() -> None:
        from edwc.decisions.draws import draw_cases, read_draws
        from edwc.workflow.draws import render_draws, sweep_draws

        assert draws_file is not None
        if varies or scenarios or all_scenarios:
            raise InputError([Problem("edwc sweep", "--draws draws the cases itself: leave out --vary, --scenario "
                                      "and --all-scenarios")], "edwc sweep")
        folder = out or Path("results") / f"{_instance_name(instance)}-draws"
        if dry_run:
            estimates, file_seed = read_draws(draws_file)
            _, table = draw_cases(estimates, n_draws, seed if seed is not None else (file_seed or 0))
            click.echo(table.to_string(index=False))
            return
        n_workers, n_threads = share_cores(n_draws, workers, threads)
        with click.progressbar(length=n_draws, label=f"{n_draws} drawn cases", file=sys.stderr,
                               item_show_func=lambda s: s or "", show_pos=True) as bar:
            def tick(task: Task, outcome: Outcome) -> None:
                bar.update(1, f"{task.case.name}: {outcome.status}")

            rep = sweep_draws(instance, draws_file, n_draws, out=folder, seed=seed, workers=n_workers,
                              scheduler=scheduler, options=SolveOptions(time_limit, mip_gap, maps, not no_check, n_threads),
                              force=force, on_done=tick, log=lambda s: click.echo(s, err=True), lang=lang,
                              warm=not cold)
        click.echo(render_report(rep.sweep))
        click.echo(render_draws(rep))
        if len(rep.sweep.failed):
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
    """The instance folder's name (not instance.yaml's `name:`, which an edited copy keeps)."""
    return Path(instance).resolve().name
