"""A planner's own instances: `edwc new NAME --from INSTANCE` (a copy under a new name),
`edwc instance-to-xlsx INSTANCE` (one Excel workbook) and `edwc xlsx-to-instance BOOK.xlsx`
(back to a folder, validated as a folder is)."""

from __future__ import annotations

from pathlib import Path

import click

from edwc.cli.common import handle_errors


@click.command(name="new")
@click.argument("name")
@click.option("--from", "source", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The instance to copy (a folder with instance.yaml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the copy [beside the instance copied, named NAME].")
@handle_errors
def new_command(name: str, source: Path, out: Path | None) -> None:
    """Copy an instance under a new name, to edit as your own.

    \b
    instance.yaml's name: becomes NAME (so its results go to results/NAME, never over the
    original's); the tables and the instance's own hourly profile file (time.profiles) are
    copied. edwc writes only into a new or empty folder, or one it wrote itself and nobody
    changed since.

    \b
    Example:
      edwc new my-plan --from instances/china-2025      # instances/my-plan
      edwc instance-to-xlsx instances/my-plan            # edit the tables in Excel
    """
    from edwc.input.own import copy_instance

    folder, files, notes = copy_instance(source, name, out)
    for n in notes:
        click.echo(f"note: {n}", err=True)
    click.echo(f"wrote {folder}: a copy of {source} named {name} ({', '.join(p.name for p in files)})")
    click.echo(f"next: edit its tables (or `edwc instance-to-xlsx {folder}`), then `edwc validate {folder}`")


@click.command(name="instance-to-xlsx")
@click.argument("instance", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Workbook to write [INSTANCE.xlsx].")
@click.option("--force", is_flag=True, help="Replace an existing workbook (its edits are lost).")
@handle_errors
def instance_to_xlsx_command(instance: Path, out: Path | None, force: bool) -> None:
    """Write an instance to one Excel workbook: a sheet per table, instance.yaml as text.

    \b
    Every column the instance has goes with it (optional ones too); ids and adcodes are text.
    Edit the tables in Excel, then read the workbook back with `edwc xlsx-to-instance`.

    \b
    Example:
      edwc instance-to-xlsx instances/my-plan           # instances/my-plan.xlsx
    """
    from edwc.errors import ResultExistsError
    from edwc.input.xlsx import write_workbook

    path = out or instance.parent / f"{instance.resolve().name}.xlsx"
    if path.exists() and not force:
        raise ResultExistsError(f"{path} exists (perhaps with your edits): give --out another file, or --force")
    write_workbook(instance, path)
    click.echo(f"wrote {path}: instance.yaml and the tables of {instance}, one sheet each")
    click.echo(f"next: edit it, then `edwc xlsx-to-instance {path}` (or check it with `edwc validate {path}`)")


@click.command(name="xlsx-to-instance")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Instance folder to write [WORKBOOK without .xlsx].")
@handle_errors
def xlsx_to_instance_command(workbook: Path, out: Path | None) -> None:
    """Read an instance workbook back into an instance folder (instance.yaml and CSVs).

    \b
    The workbook is validated exactly as a folder is, every problem in one list, located by
    sheet, row and column; nothing is written unless it is valid. edwc writes only into a new
    or empty folder, or one it wrote itself (by xlsx-to-instance or new) that nobody changed since.

    \b
    Example:
      edwc xlsx-to-instance instances/my-plan.xlsx        # instances/my-plan
    """
    from edwc.input.own import inside, profiles_file, write_folder
    from edwc.input.xlsx import workbook_files
    from edwc.network.noops import instance_warnings
    from edwc.network.reach import load_valid_workbook

    folder = out or workbook.with_suffix("")
    inst = load_valid_workbook(workbook)
    files = workbook_files(workbook)
    written = write_folder(folder, files)
    from edwc.input.xlsx import relocate

    for w in relocate(instance_warnings(inst), *inst.cache["workbook_rows"]):
        click.echo(f"warning: {w}", err=True)
    own = profiles_file(files["instance.yaml"].decode("utf-8"))
    if own and inside(own) and not (folder / own).is_file():
        click.echo(f"note: time.profiles names {own}: copy that file into {folder} (a workbook holds only the tables)",
                   err=True)
    click.echo(f"wrote {folder}: {inst.name}, valid ({', '.join(p.name for p in written)})")
