"""`edwc check RESULT`: the independent check of a result folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edwc.analysis.check import MAX_ROWS_SHOWN
from edwc.cli.common import DAMAGE


@click.command(name="check")
@click.argument("result", type=click.Path(path_type=Path))
@click.option("--max-rows", type=click.IntRange(min=1), default=MAX_ROWS_SHOWN, show_default=True,
              help="Violations listed per constraint family.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the closing line.")
def check_command(result: Path, max_rows: int, quiet: bool) -> None:
    """Check a result independently of the model: every constraint and every cost part, re-derived
    from the written tables and the resolved instance. Exit 0 when all hold, 1 when any is violated,
    2 when the result cannot be read.

    \b
    Example:
      edwc check results/china-2025
    """
    from edwc.analysis.check import UnreadableResult, check_result

    try:
        report = check_result(result)
    except UnreadableResult as e:
        click.echo(f"error: cannot check {result}: {e}", err=True)
        sys.exit(2)
    except DAMAGE as e:  # damage the readers did not foresee: still one line, never a traceback
        click.echo(f"error: cannot check {result}: damaged ({type(e).__name__}: {str(e).strip()[:200]})", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    click.echo(("OK: " if report.ok else "FAILED: ") + report.summary_line() if quiet else report.render(max_rows))
    sys.exit(0 if report.ok else 1)
