"""Text from input files never reaches the terminal as control sequences (finding N-esc-echo).

A CSV cell, a scenario name or a site name may hold ESC, OSC or other control characters; echoed as they
are, they would re-title the terminal, recolour it or worse. `edwc` writes through streams that show every
control character other than tab, newline and carriage return as a visible escape (ESC as `\\x1b`), and
keeps only the one sequence edwc itself writes (ESC [ K, erase to the end of the line, for progress lines).
"""

from __future__ import annotations

import io
import re
import sys
from typing import Any, TextIO

CONTROL = re.compile("\x1b\\[K|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def neutralise(text: str) -> str:
    """Every control character but tab, newline and CR as a visible \\xNN (edwc's own ESC [ K kept)."""
    return CONTROL.sub(lambda m: m.group() if m.group() == "\x1b[K" else f"\\x{ord(m.group()):02x}", text)


class SafeStream(io.TextIOBase):
    """A text stream that neutralises what is written and passes everything else to `raw`."""

    def __init__(self, raw: TextIO):
        self.raw = raw

    def write(self, s: str) -> int:
        self.raw.write(neutralise(s))
        return len(s)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.raw, "errors", None)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # bytes written past the filter: none offered
            raise AttributeError(name)
        return getattr(self.raw, name)


def install() -> None:
    """Route sys.stdout and sys.stderr (click's echo, warnings, tracebacks) through SafeStream."""
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
