"""The folders edwc writes — a result, a sweep, a comparison, an instance map — and how they are replaced.

Each carries a marker file (MARKER, JSON naming its kind). edwc replaces, or writes into, an
existing folder only when its marker says edwc wrote it, as the same kind; an empty folder may be
filled. Anything else is refused (FolderRefused, exit 2): edwc never deletes or overwrites what it
did not write. The check is made when the work starts (to refuse early) and again at the swap,
against the very folder swapped out: a folder that appears at the destination meanwhile (another
process, another edwc run) is swapped back and refused, never replaced unasked.

A replaced folder is deleted only when nothing is lost with it: it was made from the same inputs
(summary.json's input_hash) and every file in it is also in the new folder, unchanged since edwc
wrote it. Otherwise — analyses written into it later (`edwc price`, `alternatives`, `report --lang
en`, `map --lang en`), files a planner added or edited, a plan of other inputs — the earlier
folder is kept, whole, under `<name>.kept/<when it was written>/` beside the new one, and the
message says where (`log`).

A folder is built in a temporary sibling and swapped into place in one step (Linux renameat2
with RENAME_EXCHANGE, or RENAME_NOREPLACE when nothing is there), so at every instant the
destination holds the whole old folder or the whole new one; `last_write` says which, for the
message after an interruption. Where the exchange is not available (another OS, an old kernel or
file system) two renames are used, with SIGINT and SIGTERM held back between them; only a SIGKILL
in that window of microseconds can leave the old folder under a `.edwc-old-*` sibling. Result
folders follow the umask like any file edwc writes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import edwc
from edwc.crash_notes import note
from edwc.errors import EdwcError, ResultExistsError
from edwc.results.keeping import KEPT_SUFFIX, keep_aside, what_would_be_lost

MARKER = "edwc-folder.json"
Kind = Literal["result", "sweep", "compare", "map"]
TMP_PREFIX = ".edwc-tmp-"
OLD_PREFIX = ".edwc-old-"


class FolderRefused(ResultExistsError):
    """An output folder edwc may not write into or replace (exit 2)."""


class OutputError(EdwcError):
    """An operating-system error on an output path, as one line (exit 2)."""


@dataclass
class WriteState:
    """What the latest write_atomically of this process got to: the message after Ctrl-C depends on it."""

    out: Path | None = None
    phase: Literal["none", "building", "placed"] = "none"
    replaced: bool = False  # an earlier folder was at `out`


last_write = WriteState()


def interrupted_message() -> str:
    """One line for an interruption, saying what is at the destination."""
    w = last_write
    if w.phase == "placed":
        return f"interrupted after the new result was complete: {w.out} holds the new result"
    if w.phase == "building":
        return (f"interrupted: the new result was not written; {w.out} still holds the earlier result"
                if w.replaced else f"interrupted: nothing was written to {w.out}")
    return "interrupted: nothing was written"


# ---- markers ------------------------------------------------------------------------------------


def folder_kind(folder: Path) -> str | None:
    """The kind named by the folder's marker, or None when it has none (or an unreadable one)."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    kind = data.get("kind") if isinstance(data, dict) and data.get("written_by") == "edwc" else None
    return kind if isinstance(kind, str) else None


def write_marker(folder: Path, kind: Kind) -> None:
    text = json.dumps({"written_by": "edwc", "kind": kind, "edwc_version": edwc.__version__}) + "\n"
    (Path(folder) / MARKER).write_text(text, encoding="utf-8")


def _describe(kind: str) -> str:
    return {"result": "an edwc result", "sweep": "an edwc sweep", "compare": "an edwc comparison",
            "map": "an edwc instance map"}.get(kind, f"an edwc {kind}")


def check_replaceable(out: Path, kind: Kind, force: bool) -> bool:
    """Refuse `out` unless it is absent, empty, or (with force) an edwc folder of this kind.
    Returns True when an earlier folder is there to be replaced."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return False
    if out.is_symlink() or not out.is_dir():
        raise FolderRefused(f"{out} exists and is not a folder; choose another --out")
    try:
        empty = not any(out.iterdir())
    except OSError as e:
        raise OutputError(f"cannot read {out}: {e.strerror}") from None
    if empty:
        return True
    have = folder_kind(out)
    if have != kind:
        what = f"is {_describe(have)}, not {_describe(kind)[3:]}" if have else f"is not {_describe(kind)} folder"
        raise FolderRefused(f"{out} exists and {what}; edwc replaces only folders it wrote itself: "
                            "choose another --out (or move that folder away yourself)")
    if not force:
        raise FolderRefused(f"{out} holds an earlier {_describe(kind)[3:]}; add --force to replace it (what it holds "
                            f"beyond a same-input rerun is kept in {out.name}{KEPT_SUFFIX}/), or choose another --out")
    return True


def claim_folder(out: Path, kind: Kind) -> Path:
    """Make `out` a folder of this kind to write files into (a sweep, an instance map): create it
    with its marker, or accept it when it is empty or already marked so."""
    out = Path(out)
    if out.is_dir() and folder_kind(out) == kind:
        return out
    present = check_replaceable(out, kind, force=True)  # present: an empty folder
    created = _make_parents(out.parent)
    try:
        if not present:
            out.mkdir()  # not exist_ok: a folder that appeared since the check is checked again
        write_marker(out, kind)
    except FileExistsError:
        _remove_created(created)
        check_replaceable(out, kind, force=True)
        if folder_kind(out) != kind:
            write_marker(out, kind)
    except OSError as e:
        _remove_created(created)
        raise OutputError(_os_message(out, e)) from None
    return out


# ---- writing a whole folder -----------------------------------------------------------------------


def _os_message(path: Path, e: OSError) -> str:
    if e.errno == errno.ENAMETOOLONG:
        return f"cannot write {str(path)[:120]}…: the name or path is too long for the file system"
    return f"cannot write {path}: {e.strerror or e}"


def check_output_path(out: Path) -> None:
    """Early checks of an output path (before any work): name and path length, a writable parent."""
    out = Path(out)
    name = os.fsencode(out.name)
    full = os.fsencode(os.path.abspath(out))
    if len(name) > 255 or len(full) > 4000:
        raise OutputError(_os_message(out, OSError(errno.ENAMETOOLONG, "File name too long")))
    parent = next((p for p in [out.parent, *out.parent.parents] if p.exists()), Path("."))
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: {parent} is not writable")


def check_output_file(path: Path) -> None:
    """Early checks of a single output file (--write-lp): a short enough name, an existing, writable folder."""
    path = Path(path)
    if len(os.fsencode(path.name)) > 255 or len(os.fsencode(os.path.abspath(path))) > 4000:
        raise OutputError(_os_message(path, OSError(errno.ENAMETOOLONG, "File name too long")))
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: {parent} is not writable")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_parents(parent: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (to remove them again after a failure)."""
    missing = [p for p in [parent, *parent.parents] if not p.exists()]
    for p in reversed(missing):
        p.mkdir()
    return missing


def _remove_created(created: list[Path]) -> None:
    for p in created:  # deepest first
        with contextlib.suppress(OSError):
            p.rmdir()


_EXCHANGE_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (re-raised as KeyboardInterrupt at the end) — main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved: dict[signal.Signals, Any] = {}

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        saved[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for held, handler in saved.items():
            signal.signal(held, handler)
        if caught:
            raise KeyboardInterrupt


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _renameat2(a: Path, b: Path, flag: int) -> bool | None:
    """renameat2(a, b, flag): True done, False refused by the flag's rule (EEXIST), None not available."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    at_fdcwd = -100
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), flag) == 0:
        return True
    err = ctypes.get_errno()
    if err in _EXCHANGE_UNSUPPORTED:
        return None
    if err == errno.EEXIST and flag == _RENAME_NOREPLACE:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _put_new(tmp: Path, out: Path) -> bool:
    """Rename tmp to out when nothing is at out; False when something is (then nothing moved)."""
    done = _renameat2(tmp, out, _RENAME_NOREPLACE)
    if done is not None:
        return done
    if out.exists() or out.is_symlink():
        return False
    try:
        os.rename(tmp, out)  # refuses a non-empty folder at out (one that appeared just now)
    except OSError as e:
        if e.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            return False
        raise
    return True


def _place(tmp: Path, out: Path, kind: Kind, force: bool) -> Path | None:
    """Put the folder `tmp` at `out`. Returns where the folder that was at `out` now is (None when
    there was none). The ownership check is made here, at the swap, and the folder swapped out is
    checked to be the one approved: another that took its place in between is swapped back and refused."""
    if _put_new(tmp, out):
        return None
    check_replaceable(out, kind, force)
    seen = os.lstat(out)
    if _renameat2(tmp, out, _RENAME_EXCHANGE):
        now = os.lstat(tmp)  # the earlier folder, now at the temporary name
        if (now.st_dev, now.st_ino) != (seen.st_dev, seen.st_ino):
            try:
                check_replaceable(tmp, kind, force)
            except (FolderRefused, OutputError):
                _renameat2(tmp, out, _RENAME_EXCHANGE)  # put it back as it was
                raise
        return tmp
    old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=out.parent)) / "r"
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old, out)
        raise
    return old


def _dispose(old: Path, out: Path, kind: Kind, log: Callable[[str], None] | None) -> None:
    """After the swap: delete the earlier folder when nothing is lost with it, else keep it aside."""
    what = _describe(kind)[3:]
    holder = old.parent if old.parent.name.startswith(OLD_PREFIX) else None
    try:
        if not any(old.iterdir()):
            old.rmdir()
            lost = None
        else:
            lost = what_would_be_lost(old, out, MARKER)
    except OSError:
        lost = "it could not be read"
    if lost is None:
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
            if log is not None:
                log(f"replaced the earlier {what} at {out} (same inputs, nothing added to it)")
    else:
        where = keep_aside(old, out)
        if log is not None:
            log(f"kept the earlier {what} of {out}, whole, in {where}: {lost}")
    if holder is not None:
        with contextlib.suppress(OSError):
            holder.rmdir()


def write_atomically(out: Path, fill: Callable[[Path], None], force: bool = False, kind: Kind = "result",
                     log: Callable[[str], None] | None = None) -> Path:
    """Build a folder with `fill(tmp)` in a temporary sibling, then put it in place in one step.

    An existing folder is replaced only when it is an edwc folder of this kind and force is
    given (check_replaceable, made again at the swap). Any error or interruption before the swap
    leaves the destination as it was and removes the temporary folder; after the swap the new
    folder is in place, and the earlier one is deleted only when nothing is lost with it, else kept
    in `<out>.kept/` (`log` gets one line saying which).
    """
    out = Path(out)
    state = last_write
    state.out, state.phase, state.replaced = out, "building", out.exists()
    check_replaceable(out, kind, force)
    check_output_path(out)
    try:
        created = _make_parents(out.parent)
    except OSError as e:
        raise OutputError(_os_message(out, e)) from None
    tmp: Path | None = None
    try:
        prefix = f"{TMP_PREFIX}{os.getpid()}-"  # noted first: a crash just after mkdtemp leaves nothing unnamed
        note("out", [str(out), state.replaced])  # what a guard removes and says if this process crashes
        note("tmp", [str(out.parent), prefix, [str(p) for p in created]])
        with _signals_held():  # an interruption between creating and naming it would leak the folder
            tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700; a result folder follows the umask
        fill(tmp)
        write_marker(tmp, kind)
        with _signals_held():  # placed and the earlier folder deleted or kept aside, uninterrupted
            old = _place(tmp, out, kind, force)
            state.phase = "placed"
            note("placed", [str(tmp), str(out)])  # the name may now hold the earlier folder: a guard must leave it
            tmp = None
            if old is not None:
                _dispose(old, out, kind, log)
    except OSError as e:
        if tmp is not None and state.phase != "placed":
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_created(created)
        raise OutputError(_os_message(out, e)) from None
    except BaseException:
        if tmp is not None and state.phase != "placed":
            shutil.rmtree(tmp, ignore_errors=True)
            _remove_created(created)
        raise
    return out
