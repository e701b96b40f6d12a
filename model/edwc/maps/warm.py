"""First-use work of the maps, done ahead: `edwc solve` calls warm_caches() in a background
thread while HiGHS runs, so the maps that follow the solve find the basemap read (from its user
cache), the projection set up, the province paths built and the map font opened.

Every step is a per-process cache (functools.cache) or an idempotent registration, so running it
twice, or beside a map being drawn, only costs the time."""

from __future__ import annotations


def warm_caches() -> None:
    from matplotlib.font_manager import get_font

    from edwc.maps import draw, geo, page
    from edwc.maps.base import FONT_FILE, register_font

    geo.basemap()
    geo.transformer()
    for coarse in (False, True):
        draw.province_paths(coarse)
        draw.neighbour_paths(coarse)
        draw.outline_paths(coarse)
    draw.dash_segments()
    page.base_paths()
    register_font()
    get_font(str(FONT_FILE))
