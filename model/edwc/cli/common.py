"""What every command shares: typed errors to messages and exit codes, SIGTERM as Ctrl-C, --set parsing."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

import click
import yaml

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
            return f(*args, **kwargs)
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
        except OSError as e:  # an input or output path the library did not name itself
            where = f"{e.filename}: " if e.filename else ""
            _fail(f"error: {where}{e.strerror or e}", 2)

    return wrapper


DAMAGE = (KeyError, ValueError, TypeError, IndexError, AttributeError, LookupError, ArithmeticError, UnicodeError,
          yaml.YAMLError)


def damaged_as_error(what: str, f: Callable[[], Any]) -> Any:
    """Run f; an error from reading a damaged folder (a missing column, text where a number belongs)
    becomes one line naming `what`, exit 2, instead of a traceback."""
    try:
        return f()
    except DAMAGE as e:
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UnreadableFolder(f"{what} is damaged or not an edwc folder of this kind ({type(e).__name__}: {detail[:200]})") from None


def sigterm_as_interrupt() -> None:
    """Make SIGTERM (a scheduler's stop, `kill`) stop a solve as Ctrl-C does: nothing half-written, exit 130."""
    import signal
    import threading

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


