"""Every planner-facing file of a result in one call: the maps (map.png, map.html, plan.gpkg),
the report page (report.html, which embeds map.png) and the workbook (plan.xlsx). Files of a
language other than Chinese carry it in their names (map.en.png, report.en.html,
plan.en.xlsx). The result is digested once and shared by all of them.

map.png is the slow one (matplotlib: ~1 s against ~0.1-0.4 s for each other file), and after a
solve the second core is idle: where the platform can fork, map.png is drawn in a child process
while this one writes the other files (and runs `meanwhile`, e.g. the independent check); the
report, which embeds map.png, is written once the child is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edwc.solve.cores import machine_cores

MAP_FORMATS = ("png", "html", "gpkg")


def write_outputs(result_dir: Path, lang: str = "zh", shade: str = "hubs",
                  maps: tuple[str, ...] = MAP_FORMATS, report: bool = True,
                  workbook: bool = True, meanwhile: Callable[[], None] | None = None) -> list[Path]:
    from edwc.analysis.report_page import write_report
    from edwc.analysis.workbook import write_workbook
    from edwc.maps import map_name, render_result
    from edwc.results.digest import read_digest

    result_dir = Path(result_dir)
    digest = read_digest(result_dir)
    child = _start_png(result_dir, lang, shade, digest) if "png" in maps else None
    try:
        if meanwhile is not None:
            meanwhile()
        rest = tuple(f for f in maps if not (child is not None and f == "png"))
        paths = render_result(result_dir, lang=lang, shade=shade, formats=rest, digest=digest)
        book = write_workbook(result_dir, lang, digest) if workbook else None
        if child is not None:
            child.join()
            png = result_dir / map_name("png", lang)
            if child.exitcode != 0 or not png.is_file():  # drawn again here, so any error shows as itself
                png = render_result(result_dir, lang=lang, shade=shade, formats=("png",), digest=digest)[0]
            paths.insert(0, png)
    finally:
        if child is not None and child.is_alive():  # interrupted: stop the child before the folder goes
            child.terminate()
            child.join()
    if report:
        paths.append(write_report(result_dir, lang, digest))
    if book is not None:
        paths.append(book)
    return paths


def _start_png(result_dir: Path, lang: str, shade: str, digest: Any) -> multiprocessing.process.BaseProcess | None:
    """map.png in a forked child (it shares the digest and the warmed caches); None where fork is not
    available, not safe (see can_fork_a_child) or no second core would run it."""
    if sys.platform != "linux" or machine_cores() < 2 or not can_fork_a_child():
        return None
    child = multiprocessing.get_context("fork").Process(target=_draw_png, args=(result_dir, lang, shade, digest),
                                                        name="map.png", daemon=True)
    child.start()
    return child


def can_fork_a_child() -> bool:
    """Only the main thread of a process that may have children forks one: a sweep's worker process is
    daemonic ("daemonic processes are not allowed to have children", finding N-sweep-maps), and a Dask
    worker runs its tasks in threads of a process that holds other threads' locks."""
    return not multiprocessing.current_process().daemon and threading.current_thread() is threading.main_thread()


def _draw_png(result_dir: Path, lang: str, shade: str, digest: Any) -> None:
    """In the child: a SIGTERM from the parent (interrupted, or its own error) ends it silently, Ctrl-C is the
    parent's to handle, and an error ends it with exit code 1 and no traceback (the parent draws map.png again
    itself, so the error shows once, as itself: findings N-maps-signal-tb, N-diskfull-maps-tb)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # a parent that crashed leaves no child drawing into its
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # folder (PR_SET_PDEATHSIG; the guard removes it)
    from edwc.maps import render_result

    try:
        render_result(result_dir, lang=lang, shade=shade, formats=("png",), digest=digest)
    except BaseException:  # reported by the parent, which draws it again
        os._exit(1)
