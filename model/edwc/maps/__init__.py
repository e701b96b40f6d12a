"""Maps of plans and instances: a static map (PNG/SVG/PDF: headline, network and hubs, one
panel per class, capacity by hub), an offline interactive page (inline SVG, one HTML file) and
a GeoPackage for GIS users.

Files of a language other than Chinese carry it in their name (map.en.png beside map.png), so
drawing in English never overwrites the Chinese map.
"""

from __future__ import annotations

from pathlib import Path

from edwc.maps.base import write_atomically
from edwc.solve.imports import skip_pyomo_import_callback

skip_pyomo_import_callback("matplotlib")  # pyomo (loaded by every solve) would import pyplot and pylab

STATIC_FORMATS = ("png", "svg", "pdf")
SHADES = ("hubs", "demand", "west_share")
LANGS = ("zh", "en")
__all__ = ["render_result", "render_instance", "map_name"]


def _check(formats: tuple[str, ...], allowed: tuple[str, ...], lang: str, shade: str) -> None:
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise ValueError(f"unknown map format(s) {unknown}; choose from {list(allowed)}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    if shade not in SHADES:
        raise ValueError(f"shade must be one of {list(SHADES)}, got {shade!r}")


def map_name(fmt: str, lang: str) -> str:
    """map.png / map.en.png, map.html / map.en.html."""
    from edwc.maps.i18n import suffix

    return f"map{suffix(lang)}.{fmt}"


def render_result(result_dir: Path, *, lang: str = "zh", shade: str = "hubs",
                  formats: tuple[str, ...] = ("png", "html", "gpkg"), digest=None  # noqa: ANN001
                  ) -> list[Path]:
    """Draw a solved plan into ``result_dir``: map[.LANG].png/.svg/.pdf, map[.LANG].html,
    plan.gpkg (language-free). ``digest``: the result already read (results.digest)."""
    from edwc.results.digest import read_digest

    result_dir = Path(result_dir)
    _check(formats, (*STATIC_FORMATS, "html", "gpkg"), lang, shade)
    if digest is None and set(formats) - {"gpkg"}:
        digest = read_digest(result_dir)
    return [_write(result_dir, fmt, digest, lang, shade) for fmt in formats]


def render_instance(instance_dir: Path, out_dir: Path, *, lang: str = "zh", shade: str = "hubs",
                    formats: tuple[str, ...] = ("png", "html")) -> list[Path]:
    """Draw an instance before any solve into ``out_dir``: sites with their existing capacity,
    hubs and trunks (map[.LANG].png/.svg/.pdf, map[.LANG].html, instance.gpkg with each
    site's latency reach)."""
    from edwc.maps.instance import instance_digest

    out_dir = Path(out_dir)
    _check(formats, (*STATIC_FORMATS, "html", "gpkg"), lang, shade)
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = instance_digest(Path(instance_dir))
    if "gpkg" in formats:
        from edwc.maps.geopackage import write_instance_gpkg
        from edwc.maps.plan import instance_view

        view = instance_view(Path(instance_dir))
        gpkg = write_atomically(out_dir / "instance.gpkg", lambda p: write_instance_gpkg(view, p))
    return [gpkg if fmt == "gpkg" else _write(out_dir, fmt, digest, lang, shade)
            for fmt in formats]


def _write(folder: Path, fmt: str, digest, lang: str, shade: str) -> Path:  # noqa: ANN001
    if fmt in STATIC_FORMATS:
        from edwc.maps.static import render_plan

        return write_atomically(folder / map_name(fmt, lang),
                                lambda p: render_plan(digest, p, fmt, lang, shade))
    if fmt == "html":
        from edwc.maps.page import render_page

        return write_atomically(folder / map_name("html", lang),
                                lambda p: render_page(digest, p, lang, shade))
    from edwc.maps.geopackage import write_plan_gpkg
    from edwc.maps.plan import plan_view

    return write_atomically(folder / "plan.gpkg", lambda p: write_plan_gpkg(plan_view(folder), p))
