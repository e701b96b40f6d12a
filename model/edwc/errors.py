"""Typed errors. Library code raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None  # line in the file as an editor shows it (the CSV header is line 1)
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class EdwcError(Exception):
    """Base class for errors a user can act on."""


class InputError(EdwcError):
    """The instance (or an override of it) is invalid. Carries every problem found."""

    def __init__(self, problems: list[Problem], source: str = "instance"):
        self.problems = list(problems)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """One line for no or one problem (the source alone, or the problem), else a list."""
        n = len(self.problems)
        if n == 0:
            return self.source
        if n == 1:
            p = self.problems[0]
            return str(p) if p.file == self.source or str(p).startswith(self.source) else f"{self.source}: {p}"
        lines = [f"{self.source}: {n} problem{'s' if n != 1 else ''} found:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class ResultExistsError(EdwcError):
    """Refuse to overwrite an existing result without --force."""


class UnreadableFolder(EdwcError):
    """A folder given to a command is not of the kind it reads (a result, an instance), or is damaged (exit 2)."""


class SolveError(EdwcError):
    """The solver failed or found no plan."""
