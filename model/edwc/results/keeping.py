"""Keeping a planner's work when edwc replaces a folder it wrote: whether anything would be lost
(what_would_be_lost), and moving an earlier folder, whole, into `<name>.kept/<when it was written>/`
(keep_aside). Used by edwc.results.folders at the swap and by the runs of pareto, draws and
alternatives (edwc.workflow.sweep.keep_earlier_run)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

KEPT_SUFFIX = ".kept"


def kept_folder(out: Path) -> Path:
    """Where earlier folders of `out` are kept when replaced: the sibling `<name>.kept/`."""
    out = Path(out)
    return out.parent / f"{out.name}{KEPT_SUFFIX}"


def _files(folder: Path) -> dict[str, int]:
    """Every file under `folder` (relative POSIX path) with its modification time (ns)."""
    return {p.relative_to(folder).as_posix(): p.lstat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _input_hash(folder: Path) -> str | None:
    try:
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    h = s.get("input_hash") if isinstance(s, dict) else None
    return h if isinstance(h, str) else None


def what_would_be_lost(old: Path, new: Path, marker: str) -> str | None:
    """Why replacing the folder `old` by `new` would lose something (None when nothing would): a
    plan of other inputs, or files added or changed after edwc wrote `old` (its marker is written
    last), or files the new folder does not have; for a folder without an input hash (a
    comparison), tables that differ."""
    try:
        written = (old / marker).stat().st_mtime_ns
        before, after = _files(old), set(_files(new))
    except OSError as e:
        return f"it could not be read in full ({e.strerror or e})"
    if _input_hash(old) != _input_hash(new):
        return "it was made from other inputs"
    if _input_hash(old) is None:  # a comparison: its tables say what it was made from
        try:
            differ = [rel for rel in sorted(before) if rel.endswith((".csv", ".md")) and rel in after
                      and (old / rel).read_bytes() != (new / rel).read_bytes()]
        except OSError as e:
            return f"it could not be read in full ({e.strerror or e})"
        if differ:
            return f"it holds other contents ({differ[0]} differs)"
    extra = sorted({rel.split("/")[0] for rel, t in before.items() if rel not in after or t > written})
    if not extra:
        return None
    shown = ", ".join(extra[:6]) + (f" and {len(extra) - 6} more" if len(extra) > 6 else "")
    return f"files were added to it or changed after it was written ({shown})"


def _written_at(folder: Path, marker: str) -> str:
    try:
        t = (folder / marker).stat().st_mtime
    except OSError:
        t = time.time()
    return time.strftime("%Y-%m-%d_%H%M%S", time.localtime(t))


def keep_aside(folder: Path, out: Path, marker: str = "edwc-folder.json") -> Path:
    """Move `folder` (an earlier `out`) into `<out>.kept/<when it was written>/`, never onto
    anything; returns where it is now (left where it was when it cannot be moved)."""
    stamp = _written_at(folder, marker)
    for base in (kept_folder(out), out.parent):
        prefix = "" if base != out.parent else f"{out.name}{KEPT_SUFFIX}-"
        try:
            base.mkdir(exist_ok=True)
        except OSError:
            continue
        for i in range(100):
            dest = base / f"{prefix}{stamp}{'' if i == 0 else f'-{i}'}"
            if dest.exists() or dest.is_symlink():
                continue
            try:
                os.rename(folder, dest)
            except OSError:
                break
            return dest
    return folder
