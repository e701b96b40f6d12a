"""The shipped Chinese font cut down to the characters of one page, as an @font-face rule;
and a small user cache for other derived pieces (the page's basemap paths).

Cutting the 3 MB font takes a noticeable fraction of a second, so cuts are kept in a user
cache folder ($XDG_CACHE_HOME/edwc/fonts, else ~/.cache/edwc/fonts), named by a hash of the
font and the character set: redrawing a plan, or a plan with the same names, costs a file read.
If the cache folder cannot be written, the cut is simply made again next time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
from pathlib import Path

from edwc.maps.base import FONT_FILE

PAGE_FONT = "EDWC Sans"
FONT_STACK = f"'{PAGE_FONT}', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
ALWAYS = "0123456789.,:;()[]%–—→←·×+-/<>=≥≤ ~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def cache_dir(kind: str = "fonts") -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "edwc" / kind


def store(path: Path, data: bytes) -> None:
    """Write ``data`` to the cache file ``path`` atomically; a read-only home is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def file_key(path: Path, extra: str = "") -> str:
    stat = path.stat()
    return hashlib.sha256(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}:{extra}".encode()
                          ).hexdigest()[:24]


def subset_font(chars: str) -> bytes:
    """The shipped font with only ``chars`` (plus digits and Latin letters), OpenType bytes."""
    wanted = "".join(sorted(set(chars + ALWAYS) - {"\n", "\r", "\t"}))
    cached = cache_dir() / f"{file_key(FONT_FILE, wanted)}.otf"
    if cached.exists():
        return cached.read_bytes()
    from fontTools import subset

    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.layout_features = ["*"]
    font = subset.load_font(str(FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = buf.getvalue()
    store(cached, data)
    return data


def font_face_css(chars: str) -> str:
    """@font-face for the page font (a data URI) and the font stack for the whole page.

    The custom property is read by bokeh-style shadow DOM widgets too; plain elements inherit
    ``font-family`` from body."""
    data = base64.b64encode(subset_font(chars)).decode("ascii")
    return (f'@font-face{{font-family:"{PAGE_FONT}";src:url(data:font/otf;base64,{data}) '
            f'format("opentype");font-display:block}}'
            f":root{{--page-font:{FONT_STACK}}}body{{font-family:var(--page-font)}}")
