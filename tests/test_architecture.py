"""The package's shape: data flows one way through its stages, with no import cycles.

Stages, in the order data flows (docs/architecture.md):
files -> input -> network | timeseries -> formulation -> solve -> results -> maps -> analysis | decisions -> workflow -> cli.
A module may import from its own stage or an earlier one, never from a later one, and library
modules never import the command line. Imports are read with ast from the tree, so the test
sees lazy imports inside functions too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "model" / "edwc"

# Rank of each stage; top-level modules are listed by name. Equal ranks may import each other.
STAGES = {
    "errors": 0,
    "crash_notes": 0,
    "input": 1,
    "network": 2,
    "timeseries": 2,
    "synthetic": 3,
    "formulation": 3,
    "solve": 4,
    "results": 5,
    "maps": 6,
    "analysis": 7,
    "decisions": 7,
    "workflow": 8,
    "cli": 9,
    "__main__": 10,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str | None:
    """'edwc.input.schema' -> 'input'; 'edwc' (the package itself) -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def edwc_imports(path: Path, here: str) -> set[str]:
    """Every edwc module that the file of module `here` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "edwc"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "edwc":
                continue
            found.add(mod)
            # `from edwc.x import y` may name a sub-module y
            for a in node.names:
                if (PACKAGE.parent / Path(*f"{mod}.{a.name}".split("."))).with_suffix(".py").exists():
                    found.add(f"{mod}.{a.name}")
    return found - {here}


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in sorted(PACKAGE.rglob("*.py")):
        src = module_name(path)
        g.add_node(src)
        for dst in edwc_imports(path, src):
            g.add_edge(src, dst)
    return g


def test_every_module_is_in_a_stage() -> None:
    unknown = sorted({s for m in import_graph().nodes if (s := stage_of(m)) and s not in STAGES})
    assert not unknown, f"modules outside any stage (add them to STAGES and docs/architecture.md): {unknown}"


def test_no_import_from_a_later_stage() -> None:
    backward = []
    for src, dst in import_graph().edges:
        a, b = stage_of(src), stage_of(dst)
        if a is None or b is None:  # the package root (version) is importable from anywhere
            continue
        if STAGES[b] > STAGES[a]:
            backward.append(f"{src} ({a}) imports {dst} ({b})")
    assert not backward, "imports against the data flow:\n" + "\n".join(backward)


def test_no_import_cycles() -> None:
    # A sub-package's __init__ importing its own modules is not a cycle worth reporting;
    # a cycle between two modules is.
    g = import_graph()
    g.remove_edges_from([(s, d) for s, d in g.edges if d.startswith(s + ".")])
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles}"


def test_only_the_cli_imports_click() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if stage_of(module_name(path)) in ("cli", "__main__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "click" for n in names):
                offenders.append(module_name(path))
    assert not offenders, f"library modules that import click (commands belong in edwc.cli): {sorted(set(offenders))}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small_and_say_what_they_hold(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 420, f"{path.name} has {len(text.splitlines())} lines: split it by what it does"
    if path.name == "__init__.py" or text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{path} has no docstring saying what it holds"


def test_the_walker_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """The walker is not blind: an import inside a function and a relative import are both found."""
    f = tmp_path / "probe.py"
    f.write_text('"""probe"""\nfrom .schema import TABLES\n\ndef f():\n    from edwc.cli import main\n    return main\n',
                 encoding="utf-8")
    found = edwc_imports(f, "edwc.input.probe")
    assert {"edwc.input.schema", "edwc.cli", "edwc.cli.main"} <= found
    assert STAGES[stage_of("edwc.cli.main") or ""] > STAGES[stage_of("edwc.input.probe") or ""]
