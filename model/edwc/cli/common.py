"""What every command shares: typed errors to messages and exit codes, SIGTERM as Ctrl-C, --set parsing."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from edwc.errors import EdwcError, InputError, ResultExistsError, UnreadableFolder
from edwc.results.folders import FolderRefused, OutputError, interrupted_message

EXAMPLES = "instances/china-2025"


def _fail(msg: str, code: int) -> None:
    click.echo(msg, err=True)
    sys.exit(code)


def handle_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn edwc's typed errors into messages and exit codes; no tracebacks for user errors."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            out = f(*args, **kwargs)
            if SWALLOWED_INTERRUPT:  # Ctrl-C or SIGTERM landed where Python could not raise it: honour it now
                raise KeyboardInterrupt
            return out
        except InputError as e:
            _fail(f"error: {e.render()}", 2)
        except (ResultExistsError, FolderRefused, OutputError, UnreadableFolder) as e:
            _fail(f"error: {e}", 2)
        except EdwcError as e:
            _fail(f"error: {e}", 1)
        except KeyboardInterrupt:
            _fail(interrupted_message(), 130)
        except MemoryError:
            _fail("error: out of memory (the input is too big for this machine's memory)", 1)
        except ImportError as e:  # a library that cannot be mapped into memory (ulimit -v set too low)
            if "failed to map segment" not in str(e) and "cannot allocate memory" not in str(e).lower():
                raise
            _fail(f"error: out of memory while loading {e.name or 'a library'} (the process's memory limit, "
                  "ulimit -v, is too low for edwc's libraries; raise it)", 1)
        except OSError as e:  # an input or output path the library did not name itself
            where = f"{e.filename}: " if e.filename else ""
            _fail(f"error: {where}{e.strerror or e}", 2)

    return wrapper


def damage_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged folder raises (yaml is imported here, not at start-up: --help stays light)."""
    import yaml

    return (KeyError, ValueError, TypeError, IndexError, AttributeError, LookupError, ArithmeticError, UnicodeError,
            RecursionError, yaml.YAMLError)


def damaged_as_error(what: str, f: Callable[[], Any]) -> Any:
    """Run f; an error from reading a damaged folder (a missing column, text where a number belongs)
    becomes one line naming `what`, exit 2, instead of a traceback."""
    try:
        return f()
    except damage_errors() as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UnreadableFolder(f"{what} is damaged or not an edwc folder of this kind ({type(e).__name__}: {detail[:200]})") from None


MAX_SUMMARY_BYTES = 50 * 2**20  # summary.json is a few KB; a gap trace of a long solve some MB


def readable_result(folder: Path, full_check: bool = False) -> None:
    """Refuse, in one line (exit 2), a result folder that would hang or crash a command reading it: a file of it
    that is not a regular file (a FIFO blocks the read forever: N-fifo-hang), a summary.json too big or nested too
    deep (N-json-deep). With full_check (price, alternatives, which re-solve from it), the folder must also pass
    `edwc check`'s reading and its references (N-price-damaged-tb, N-alt-damaged-tb)."""
    import json
    import stat

    folder = Path(folder)
    if not (folder / "summary.json").exists():
        return  # not a result: the command says what it expected
    for f in [*folder.iterdir(), *((folder / "instance").iterdir() if (folder / "instance").is_dir() else [])]:
        if f.suffix in (".json", ".csv", ".yaml") and not stat.S_ISREG(f.stat().st_mode) and not f.is_dir():
            raise UnreadableFolder(f"{f}: not a regular file (a FIFO, socket or device); a result holds files")
    summary = folder / "summary.json"
    if summary.stat().st_size > MAX_SUMMARY_BYTES:
        raise UnreadableFolder(f"{summary}: larger than {MAX_SUMMARY_BYTES // 2**20} MiB; not a summary edwc wrote")
    try:
        json.loads(summary.read_bytes())
    except RecursionError:
        raise UnreadableFolder(f"{summary}: JSON nested too deeply; not a summary edwc wrote") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise UnreadableFolder(f"{summary}: not valid JSON ({e})") from None
    if full_check:
        from edwc.analysis.check import UnreadableResult, check_plan, read_plan

        try:
            plan = read_plan(folder)
        except UnreadableResult as e:
            raise UnreadableFolder(str(e)) from None
        bad = check_plan(plan, folder).by_family()
        if bad:
            first = next(iter(bad.values()))[0]
            raise UnreadableFolder(f"{folder} fails `edwc check` ({', '.join(bad)}; {first.rows}: {first.detail}); "
                                   "it was changed after the solve or is damaged")


SWALLOWED_INTERRUPT: list[bool] = []  # an interrupt raised inside a finaliser or weakref callback, which Python ignores


def _unraisable(hook: Any) -> Callable[[Any], None]:
    def on_unraisable(u: Any) -> None:
        if isinstance(u.exc_value, KeyboardInterrupt):
            SWALLOWED_INTERRUPT.append(True)  # not lost and not printed as "Exception ignored": handle_errors ends with 130
            return
        hook(u)
    return on_unraisable


def sigterm_as_interrupt() -> None:
    """Make SIGTERM (a scheduler's stop, `kill`) stop a solve as Ctrl-C does: nothing half-written, exit 130. An
    interrupt that lands in a finaliser or weakref callback, where Python prints it and goes on, is kept and ends
    the command with 130 when it returns (finding N-sigterm-swallowed)."""
    import signal
    import threading

    if not getattr(sys.unraisablehook, "edwc", False):
        sys.unraisablehook = _unraisable(sys.unraisablehook)
        sys.unraisablehook.edwc = True  # type: ignore[attr-defined]

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


class FiniteFloat(click.FloatRange):
    """A FloatRange that also refuses nan and inf (a range check lets nan through: every comparison is false)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv


def parse_sets(items: tuple[str, ...]) -> dict[str, Any]:
    from edwc.input.scenarios import parse_set

    sets, problems = parse_set(list(items))
    if problems:
        raise InputError(problems, "--set")
    return sets




def resolve_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a command that re-solves a result's instance (price, levers): --workers, --scheduler,
    --time-limit, --threads, --cold."""
    for opt in reversed((
        click.option("--workers", type=click.IntRange(min=1), default=None, help="Local processes for the re-solves [CPUs]."),
        click.option("--scheduler", metavar="ADDRESS", help="Run the re-solves on a Dask cluster, e.g. tcp://10.0.0.5:8786."),
        click.option("--time-limit", type=FiniteFloat(min=0, min_open=True), help="Seconds per re-solve."),
        click.option("--threads", type=click.IntRange(min=1),
                     help="HiGHS threads per re-solve (parallel search) [the cores the workers leave]."),
        click.option("--cold", is_flag=True, help="Solve each re-solve from scratch, not from the plan in hand."),
    )):
        f = opt(f)
    return f
