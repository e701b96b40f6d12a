"""`python -m edwc`: the same as the `edwc` command."""

from edwc.cli.main import entry

entry()
