"""Instance and result folders moved to and from workers as data (relative path -> bytes), so no shared disk is needed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from edwc.input.schema import TABLES

Files = dict[str, bytes]


def pack_folder(folder: Path, only: Iterable[str] | None = None) -> Files:
    """Files under `folder` (or just the named ones) as relative POSIX path → bytes."""
    folder = Path(folder)
    paths = [folder / n for n in only] if only is not None else [p for p in folder.rglob("*") if p.is_file()]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths if p.is_file()}


def unpack_files(files: Files, folder: Path) -> Path:
    """Write packed files under `folder`; paths that would leave it are refused."""
    folder = Path(folder)
    root = folder.resolve()
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if root != target and root not in target.parents:
            raise ValueError(f"refusing to write outside {folder}: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def pack_instance(instance: Path) -> Files:
    """instance.yaml and the CSV tables of an instance folder."""
    return pack_folder(instance, ["instance.yaml", *(f"{t}.csv" for t in TABLES)])
