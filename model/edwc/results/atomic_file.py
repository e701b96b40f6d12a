"""One file written beside its final name and moved into place: never half-written, never left behind.

A full disk, an error or an interruption while writing removes the temporary file (finding
N-diskfull-tmp-litter: `.marginal_sites.csv.tmp-PID` and `.index.csv.tmp-PID` were left behind).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def write_file_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call write(tmp) for a temporary sibling of path, then replace path with it; on any failure remove it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path
