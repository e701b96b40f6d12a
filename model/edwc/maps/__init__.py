"""Maps of instances and plans: a static map (PNG/SVG/PDF), an offline interactive page
(bokeh, one self-contained HTML file) and a GeoPackage for GIS users."""

from __future__ import annotations

from pathlib import Path

from edwc.maps.base import write_atomically

STATIC_FORMATS = ("png", "svg", "pdf")
SHADES = ("demand", "west_share")
__all__ = ["render_result", "render_instance"]


def _check(formats: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    unknown = [f for f in formats if f not in allowed]
    if unknown:
        raise ValueError(f"unknown map format(s) {unknown}; choose from {list(allowed)}")


def render_result(result_dir: Path, *, lang: str = "zh", shade: str = "demand",
                  formats: tuple[str, ...] = ("png", "html", "gpkg")) -> list[Path]:
    """Draw a solved plan into ``result_dir``: map.png/.svg/.pdf, map.html, plan.gpkg."""
    from edwc.maps.base import text
    from edwc.maps.plan import plan_view
    from edwc.maps.scene import plan_scene

    result_dir = Path(result_dir)
    _check(formats, (*STATIC_FORMATS, "html", "gpkg"))
    text(lang)
    if shade not in SHADES:
        raise ValueError(f"shade must be one of {list(SHADES)}, got {shade!r}")
    plan = plan_view(result_dir)
    scene = plan_scene(plan, shade, lang) if set(formats) - {"gpkg"} else None
    return [_write(result_dir, fmt, scene, plan=plan) for fmt in formats]


def render_instance(instance_dir: Path, out_dir: Path, *, lang: str = "zh",
                    formats: tuple[str, ...] = ("png", "html")) -> list[Path]:
    """Draw an instance before any solve into ``out_dir``: regions, sites, hubs, trunks and
    each site's latency reach (map.png/.svg/.pdf, map.html, instance.gpkg)."""
    from edwc.maps.base import text
    from edwc.maps.plan import instance_view
    from edwc.maps.scene import instance_scene

    out_dir = Path(out_dir)
    _check(formats, (*STATIC_FORMATS, "html", "gpkg"))
    text(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    view = instance_view(Path(instance_dir))
    scene = instance_scene(view, lang)
    return [_write(out_dir, fmt, scene, view=view) for fmt in formats]


def _write(folder: Path, fmt: str, scene, plan=None, view=None) -> Path:  # noqa: ANN001
    from edwc.maps.geopackage import write_instance_gpkg, write_plan_gpkg
    from edwc.maps.interactive import render_html
    from edwc.maps.static import render_static

    if fmt in STATIC_FORMATS:
        return write_atomically(folder / f"map.{fmt}", lambda p: render_static(scene, p, fmt))
    if fmt == "html":
        return write_atomically(folder / "map.html", lambda p: render_html(scene, p))
    if plan is not None:
        return write_atomically(folder / "plan.gpkg", lambda p: write_plan_gpkg(plan, p))
    return write_atomically(folder / "instance.gpkg", lambda p: write_instance_gpkg(view, p))
