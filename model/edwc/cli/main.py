"""The `edwc` command line. Library errors become one clear message and a conventional exit code:
0 ok, 1 failure (no plan, failed check), 2 bad usage or bad input, 130 interrupted."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import Any

import click

import edwc
from edwc.cli.common import (
    FiniteFloat,
    damaged_as_error,
    handle_errors,
    parse_sets,
    readable_result,
    sigterm_as_interrupt,
)
from edwc.cli.guard import guarded
from edwc.errors import InputError


class EdwcGroup(click.Group):
    """Ctrl-C anywhere in a command (its start-up included, before the command's own handler runs) ends with the
    interruption's message and exit code 130, not click's "Aborted!" and 1 (finding N-sweep-abort)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            from edwc.results.folders import interrupted_message

            click.echo(interrupted_message(), err=True)
            ctx.exit(130)


@click.group(cls=EdwcGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(edwc.__version__, prog_name="edwc")
def main() -> None:
    """edwc — plan China's East Data, West Computing (东数西算) compute network.

    \b
    Example:
      edwc solve instances/china-2025      # solve, write results/china-2025/ with maps
    """


def lp_path(path: Path | None) -> Path | None:
    """--write-lp FILE must end in .lp: the writer infers the format from it (finding N-write-lp-noext)."""
    if path is not None and path.suffix != ".lp":
        raise click.BadParameter(f"'{path}' does not end in .lp (an LP file is written)", param_hint="'--write-lp'")
    return path


def entry() -> None:
    """The `edwc` process: run the command, then leave at once. Tearing the interpreter down after a
    solve (freeing the modelling stack, pandas, matplotlib, HiGHS) took 0.5-0.9 s of a china-2025 run
    (measured); the exit handlers still run and the streams are flushed, only that teardown is skipped.
    Errors other than an exit (a bug) propagate as usual, with their traceback. What is written to the
    terminal shows control characters from input files as visible escapes (edwc.cli.terminal)."""
    from edwc.cli import guard
    from edwc.cli.terminal import install

    install()
    guard.ENABLED.append(True)  # commands that solve run in a worker process (edwc.cli.guard)
    try:
        main()
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:  # sys.exit("message")
            print(e.code, file=sys.stderr)
            code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


@main.command()
@click.argument("instance", type=click.Path(path_type=Path))
@click.option("--scenario", help="Apply a named scenario of instance.yaml.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. policy.carbon_price_cny_per_t=200.")
@handle_errors
def validate(instance: Path, scenario: str | None, sets: tuple[str, ...]) -> None:
    """Check an instance (a folder, or a workbook from instance-to-xlsx) without solving it: schema,
    tables, references, latency reach; every problem in one list. Rows that do nothing (a site no
    trunk joins or no demand reaches, a hub without sites, …) are warnings.

    \b
    Example:
      edwc validate instances/china-2025 --scenario high-ai
      edwc validate instances/mine.xlsx
    """
    from edwc.network.noops import instance_warnings
    from edwc.network.reach import load_valid_instance, load_valid_workbook
    from edwc.network.routes import allowed_pairs

    workbook = instance.suffix.lower() == ".xlsx" and instance.is_file()
    if not workbook and instance.exists() and not instance.is_dir():
        raise InputError([], f"{instance}: not an instance folder, nor an instance workbook (.xlsx)")
    load = load_valid_workbook if workbook else load_valid_instance
    inst = load(instance, scenario=scenario, sets=parse_sets(sets))
    a = allowed_pairs(inst)
    warnings = instance_warnings(inst)
    if workbook:
        from edwc.input.xlsx import relocate

        warnings = relocate(warnings, *inst.cache["workbook_rows"])
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(
        f"{inst.result_name}: valid — {len(inst.regions)} regions, {len(inst.sites)} sites, {len(inst.trunks)} trunks, "
        f"{len(inst.demand)} demand rows, {len(a):,} latency-feasible (region, site, workload) pairs"
        + (f"; {len(warnings)} warning{'s' if len(warnings) != 1 else ''} (above)" if warnings else "")
    )


@main.command()
@click.argument("instance", type=click.Path(file_okay=False, path_type=Path))
@click.option("--scenario", help="Apply a named scenario of instance.yaml.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a setting (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Result folder [results/<instance>[-<scenario>]].")
@click.option("--force", is_flag=True, help="Replace an existing result folder.")
@click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds; the best plan found so far is kept.")
@click.option("--mip-gap", type=FiniteFloat(0, 1), help="Relative MIP gap to stop at.")
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads (at most this machine's cores).")
@click.option("--network", type=click.Choice(["lazy", "full"]),
              help="Trunk rows: lazy adds those a plan overloads (faster, same optimum), full builds all [solver.network, lazy].")
@click.option("--write-lp", type=click.Path(dir_okay=False, path_type=Path), callback=lambda ctx, p, v: lp_path(v),
              help="Also write the model as an LP file (FILE.lp) with readable names.")
@click.option("--no-map", is_flag=True, help="Skip map.png / map.html / plan.gpkg.")
@click.option("--no-check", is_flag=True, help="Skip the independent check of the plan.")
@click.option("--verbose", "-v", is_flag=True, help="Show the HiGHS log.")
@guarded
@handle_errors
def solve(instance: Path, scenario: str | None, sets: tuple[str, ...], out: Path | None, force: bool,
          time_limit: float | None, mip_gap: float | None, threads: int | None, network: str | None, write_lp: Path | None,
          no_map: bool, no_check: bool, verbose: bool) -> None:
    """Solve an instance and write a result folder (tables, summary.json, maps).

    \b
    Example:
      edwc solve instances/china-2025
      edwc solve instances/china-2025 --scenario high-ai --time-limit 120 --mip-gap 0.005
      edwc solve instances/tiny --set policy.carbon_price_cny_per_t=200 --out /tmp/tiny-co2
    """
    from edwc.analysis.report import render
    from edwc.workflow.run import solve_instance

    sigterm_as_interrupt()
    folder, result = solve_instance(
        instance, scenario=scenario, sets=parse_sets(sets), out=out, force=force, time_limit=time_limit,
        mip_gap=mip_gap, threads=threads, network=network, lp_file=write_lp, maps=not no_map, check=not no_check,
        tee=verbose, show_progress=True, log=lambda s: click.echo(s, err=True),
    )
    click.echo(render(result, str(folder)))


@main.command()
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html / plan.xlsx (English ones are report.en.html, plan.en.xlsx).")
@click.option("--no-files", is_flag=True, help="Only print the summary; write no report page or workbook.")
@handle_errors
def report(result: Path, lang: str, no_files: bool) -> None:
    """Print the summary of a result folder and write its report page and workbook.

    \b
    Example:
      edwc report results/china-2025              # report.html, plan.xlsx (Chinese)
      edwc report results/china-2025 --lang en    # report.en.html, plan.en.xlsx
    """
    from edwc.analysis.report import render
    from edwc.decisions.summary import render_prices
    from edwc.results.tables import read_result

    readable_result(result)
    click.echo(damaged_as_error(str(result), lambda: render(read_result(result), str(result), verb="read from")))
    priced = render_prices(result)
    if priced:
        click.echo(priced)
    if not no_files:
        from edwc.analysis.outputs import write_outputs
        from edwc.maps import map_name

        # the page embeds map[.LANG].png: draw it when this language has none yet
        maps = () if (result / map_name("png", lang)).is_file() else ("png",)
        paths = damaged_as_error(str(result), lambda: write_outputs(result, lang=lang, maps=maps))
        click.echo("wrote " + ", ".join(p.name for p in paths) + f" in {result}")


@main.command(name="power-export")
@click.argument("result", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write load_envelope.csv into (default: the result folder).")
@handle_errors
def power_export(result: Path, out: Path | None) -> None:
    """Write the load the plan puts on each province, slice by slice, for a power model (PyPSA-China buses):
    load, its movable part and the grid draw in MW, with each slice's hours of the year. Read the power model's
    hourly prices and grid factors back as price:/co2: columns of time.profiles (docs/formats.md).

    \b
    Example:
      edwc power-export results/china-2025        # results/china-2025/load_envelope.csv
    """
    from edwc.analysis.powermodel import write_envelope

    path = damaged_as_error(str(result), lambda: write_envelope(result, out or result))
    click.echo(f"wrote {path}")


@main.command(name="map")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for an instance map [results/<instance>-map].")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Label language; English maps are map.en.png / map.en.html beside the Chinese ones.")
@click.option("--shade", type=click.Choice(["hubs", "demand", "west_share"]), default="hubs", show_default=True,
              help="What shades the provinces: hub provinces by side, demand, or the west share of served work.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "svg", "pdf", "html", "gpkg"]),
              help="Outputs (repeatable) [png, html, gpkg for a result; png, html for an instance].")
@handle_errors
def map_(path: Path, out: Path | None, lang: str, shade: str, formats: tuple[str, ...]) -> None:
    """Draw a result folder (plan) or an instance folder (before any solve).

    \b
    Example:
      edwc map results/china-2025 --lang en --shade west_share
      edwc map instances/china-2025 --out /tmp/china-map
    """
    from edwc.maps import render_instance, render_result

    if (path / "summary.json").exists():
        from edwc.results.tables import read_result

        readable_result(path)
        read_result(path)  # a result this edwc can read, or one line saying why not
        paths = damaged_as_error(str(path), lambda: render_result(path, lang=lang, shade=shade,
                                                                   formats=formats or ("png", "html", "gpkg")))
    elif (path / "instance.yaml").exists():
        from edwc.results.folders import claim_folder

        out = claim_folder(out or Path("results") / f"{path.name}-map", "map")
        paths = damaged_as_error(str(path), lambda: render_instance(path, out, lang=lang, shade=shade,
                                                                     formats=formats or ("png", "html")))
    else:
        raise InputError([], f"{path} is neither a result folder (summary.json) nor an instance (instance.yaml)")
    for p in paths:
        click.echo(str(p))


from edwc.cli.alternatives import alternatives_command  # noqa: E402
from edwc.cli.check import check_command  # noqa: E402  (the group must exist first)
from edwc.cli.compare import compare_command  # noqa: E402
from edwc.cli.instances import instance_to_xlsx_command, new_command, xlsx_to_instance_command  # noqa: E402
from edwc.cli.levers import levers_command  # noqa: E402
from edwc.cli.pareto import pareto_command  # noqa: E402
from edwc.cli.price import price_command  # noqa: E402
from edwc.cli.sweep import sweep_command  # noqa: E402

main.add_command(check_command, name="check")
main.add_command(compare_command, name="compare")
main.add_command(sweep_command, name="sweep")
main.add_command(price_command, name="price")
main.add_command(levers_command, name="levers")
main.add_command(pareto_command, name="pareto")
main.add_command(alternatives_command, name="alternatives")
main.add_command(new_command, name="new")
main.add_command(instance_to_xlsx_command, name="instance-to-xlsx")
main.add_command(xlsx_to_instance_command, name="xlsx-to-instance")
