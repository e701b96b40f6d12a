"""Reading YAML that may be hostile: data only, no key given twice, and bounded in size and depth.

yaml.safe_load never runs code, but a 1 KB file of nested aliases ("billion laughs") expands to
billions of nodes for whatever walks the data afterwards, and a few thousand nested brackets
overflow the composer's recursion. load_yaml refuses both before anything is built: it checks
the nesting depth on the parser's event stream (linear in the text), then the size and depth of
the document with every alias expanded on the composed node graph (each node visited once).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_DEPTH = 64  # nesting of mappings and sequences; instance.yaml needs about 6
MAX_NODES = 200_000  # nodes once every alias is expanded; instance.yaml has a few hundred
MAX_ALIASES = 1_000


class YamlInputError(ValueError):
    """A YAML text edwc will not read; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader (data only, never code) that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; a key given next to it overrides on purpose
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is given twice (the second would silently win)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Plain scalars as YAML 1.2 reads them (its core schema), not as YAML 1.1 did: 1e3 and 1.0e308 are numbers
# (1.1 needed 1e+3: finding N-yaml11-exponent), 1:30 is text, not 90 (sexagesimal: N-sexagesimal), 017 is 17,
# not octal 15, and yes/no/on/off are text, not true/false: only true and false are.
_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float"))
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_UniqueKeyLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_UniqueKeyLoader.add_implicit_resolver(_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                       list("-+0123456789"))
_UniqueKeyLoader.add_implicit_resolver(
    _FLOAT, re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    return int(text[2:], 8) if text.startswith("0o") else int(text[2:], 16) if text.startswith("0x") else int(text, 10)


_UniqueKeyLoader.add_constructor(_INT, _construct_int)


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _check_events(text: str) -> None:
    depth = aliases = 0
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlInputError(f"nested more than {MAX_DEPTH} levels deep", _line(ev.start_mark))
        elif isinstance(ev, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(ev, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlInputError(f"more than {MAX_ALIASES} aliases (*name)", _line(ev.start_mark))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Size and depth of the document with aliases expanded; a node that contains itself is refused."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order walk: alias chains may be longer than Python's recursion limit
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > MAX_NODES:
                raise YamlInputError(f"expands (through aliases) to more than {MAX_NODES:,} values",
                                     _line(node.start_mark))
            if height[key] > MAX_DEPTH:
                raise YamlInputError(f"nested (through aliases) more than {MAX_DEPTH} levels deep",
                                     _line(node.start_mark))
            continue
        if key in size:
            continue
        if key in on_path:
            raise YamlInputError("a YAML alias (*name) refers to a node that contains it", _line(node.start_mark))
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def load_yaml(text: str) -> Any:
    """Parse one YAML document as plain data. Raises YamlInputError (with a line) for anything refused."""
    try:
        _check_events(text)
        loader = _UniqueKeyLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None
            _check_expansion(root)
            return loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise YamlInputError(f"not valid YAML: {getattr(e, 'problem', None) or e}", _line(mark)) from None
    except RecursionError:  # a last guard; the depth checks above should make it unreachable
        raise YamlInputError(f"nested more than {MAX_DEPTH} levels deep") from None
