"""A planner's own instance: a copy of an instance under a new name (`edwc new`), and the guard
every writer of instance folders goes through.

An instance folder edwc writes carries WRITTEN (a JSON list of the files it wrote, with their
sha256). edwc writes into a folder only when it is new or empty, or when every file there is one
it wrote and nobody has changed since: a planner's edits, or a folder edwc did not make, are
never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from edwc.errors import InputError, Problem, ResultExistsError
from edwc.input.schema import TABLES

WRITTEN = ".edwc-instance.json"
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")  # instance.yaml's name: (it names the result folder)
NAME_LINE = re.compile(r"^name:[ \t]*(?P<value>[^#\n]*?)(?P<rest>[ \t]+#[^\n]*)?[ \t]*$", re.M)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise InputError([Problem("NAME", f"'{name}': an instance name uses lower-case letters, digits and '-' "
                                  "and starts with a letter or digit (it names the result folder)")], "edwc new")


def profiles_file(yaml_text: str) -> str | None:
    """The instance's own hourly profile file (time.profiles), as written in instance.yaml."""
    from edwc.input.safe_yaml import YamlInputError, load_yaml

    try:
        cfg = load_yaml(yaml_text) or {}
    except YamlInputError:
        return None
    time = cfg.get("time") if isinstance(cfg, dict) else None
    own = time.get("profiles") if isinstance(time, dict) else None
    return str(own) if own else None


def inside(rel: str) -> bool:
    """A relative path that stays inside its folder (no absolute path, no '..')."""
    p = PurePosixPath(rel.replace("\\", "/"))
    return not p.is_absolute() and ".." not in p.parts and bool(p.parts)


def rename(yaml_text: str, name: str) -> str:
    """instance.yaml with its top-level ``name:`` set to ``name`` (comments and layout kept)."""
    if NAME_LINE.search(yaml_text):
        return NAME_LINE.sub(lambda m: f"name: {name}{m['rest'] or ''}", yaml_text, count=1)
    return f"name: {name}\n{yaml_text}"


def check_writable(folder: Path) -> None:
    """Refuse (ResultExistsError, exit 2) unless ``folder`` is new or empty, or holds only files edwc
    wrote there and nobody changed since."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ResultExistsError(f"{folder} exists and is not a folder: edwc writes an instance folder there")
    present = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != WRITTEN)
    if not present:
        return
    marker = folder / WRITTEN
    if not marker.is_file():
        raise ResultExistsError(f"{folder} already holds files edwc did not write ({', '.join(present[:4])}"
                                f"{', …' if len(present) > 4 else ''}): give another name or folder")
    try:
        known = {str(k): str(v) for k, v in json.loads(marker.read_text(encoding="utf-8")).items()}
    except (ValueError, AttributeError, OSError, UnicodeDecodeError):
        raise ResultExistsError(f"{marker} is damaged: edwc will not write into {folder}") from None
    changed = [p for p in present if p not in known or _sha((folder / p).read_bytes()) != known[p]]
    if changed:
        raise ResultExistsError(f"{folder}: {', '.join(changed[:4])}{', …' if len(changed) > 4 else ''} changed or "
                                "added since edwc wrote the folder; edwc will not overwrite them (give another "
                                "folder, or move them away)")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (relative path → bytes) into ``folder`` after check_writable; each file atomically,
    then WRITTEN with every file's sha256."""
    check_writable(folder)
    kept = {k: v for k, v in read_written(folder).items()  # files of an earlier write left as they were
            if k not in files and (folder / k).is_file() and _sha((folder / k).read_bytes()) == v}
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # as any file the planner makes (mkstemp's is private)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        out.append(path)
    record = {**kept, **{k: _sha(v) for k, v in files.items()}}
    (folder / WRITTEN).write_text(json.dumps(record, indent=1), encoding="utf-8")
    return out


def copy_instance(source: Path, name: str, folder: Path | None = None) -> tuple[Path, list[Path], list[str]]:
    """Copy instance ``source`` to ``folder`` (default: beside it, named ``name``) with instance.yaml's
    name rewritten; the tables and the instance's own profile file (time.profiles) go with it. Returns
    the folder, the files written and notes for the planner."""
    check_name(name)
    source = Path(source)
    if not (source / "instance.yaml").is_file():
        raise InputError([Problem(str(source), "not an instance folder (no instance.yaml)")], "edwc new")
    folder = Path(folder) if folder is not None else source.parent / name
    if folder.resolve() == source.resolve():
        raise ResultExistsError(f"{folder} is the instance copied from: give another name or --out")
    text = (source / "instance.yaml").read_bytes().decode("utf-8-sig")
    files: dict[str, bytes] = {"instance.yaml": rename(text, name).encode("utf-8")}
    notes: list[str] = []
    for table in TABLES:
        if (source / f"{table}.csv").is_file():
            files[f"{table}.csv"] = (source / f"{table}.csv").read_bytes()
        else:
            notes.append(f"{source / (table + '.csv')} is missing: the copy lacks it too")
    own = profiles_file(text)
    if own and inside(own) and (source / own).is_file():
        files[own] = (source / own).read_bytes()
    elif own and inside(own):
        notes.append(f"time.profiles names {own}, which {source} does not have: add it to {folder}")
    elif own:  # an absolute path (or one outside the folder) stays where it is, shared
        notes.append(f"time.profiles names {own} outside the instance: the copy reads the same file")
    return folder, write_folder(folder, files), notes


def read_written(folder: Path) -> dict[str, Any]:
    """The WRITTEN record of a folder ({} when there is none)."""
    try:
        return dict(json.loads((folder / WRITTEN).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}
