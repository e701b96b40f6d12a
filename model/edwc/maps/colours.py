"""One colour system for every output: the static map, the interactive page, the report page
and the compare/sweep charts. A class has one hue everywhere; its workloads are shades of it;
east/west, congestion, utilisation and unmet demand each have their own channel so that no
colour means two things.

Plain hex strings only (no matplotlib import): the page and the workbook use them too.
"""

from __future__ import annotations

# Class hues (the three computing classes of the 2023 Action Plan) and their pale forms
# (existing capacity is drawn pale, new capacity solid).
CLASS = {"general": "#2f6db5", "intelligent": "#e8772e", "super": "#8e5ea2"}
CLASS_PALE = {"general": "#b9cde6", "intelligent": "#f7cfb0", "super": "#d9c6e1"}
EXTRA = ["#4a9c5d", "#c9a227", "#c2185b", "#6d8b9c", "#9c755f"]  # classes beyond the three

# East / west (the point of the programme): hub labels and the tint of hub provinces.
# Sites outside the hub nodes (provincial and supercomputing centres) are neither: a neutral grey.
SIDE = {"east": "#8a5a2b", "west": "#2b7a55", "outside": "#8c8c8c"}
SIDE_TINT = {"east": "#f3e7da", "west": "#dcefe2"}

# Network: trunk grey by utilisation (light = idle, dark = loaded), one accent for congestion.
TRUNK_IDLE, TRUNK_FULL = "#d4d4d4", "#4d4d4d"
CONGESTED = "#d81b60"
DIRECT = "#e0a526"  # green direct supply (PV, wind) built at a site
AT_LIMIT = "#111111"  # the outline of a site at its power limit
CONGESTED_AT = 0.95  # a trunk at or above this utilisation is drawn as congested

# Base map.
SEA, LAND, NEIGHBOUR, NO_DATA = "#eef3f8", "#fbfbf9", "#f1f1ee", "#e2e2e2"
BORDER, OUTLINE, NEIGHBOUR_EDGE = "#ffffff", "#8c8c8c", "#cfcfcf"
INK, INK_SOFT, INK_FAINT = "#222222", "#555555", "#8a8a8a"

# Unmet demand and the penalty that prices it: one warning red, never a class hue.
UNMET = "#b71c1c"

# Cost parts (CNY): real costs in calm hues, the value of unmet demand apart in UNMET.
# (capacity: the single equipment part of results before the model of issue 9.)
COST = {"campus": "#8c6d4f", "it_capex": "#2f6db5", "facility_capex": "#86a8cf",
        "energy": "#e0a526", "green_power": "#4a9c5d", "direct_supply": "#b5cf6b", "network": "#9e9a3c", "trunks": "#6d8b9c",
        "carbon": "#5b5b5b", "capacity": "#2f6db5", "unmet": UNMET, "unmet_value": UNMET}

# Sequential ramp for a province choropleth (demand): light neutral blue-grey, never a class hue.
SHADE_RAMP = ["#f7f7f5", "#e3e8ee", "#c9d3de", "#a9b8c8", "#8497ad"]
# Diverging ramp for the west share of served work (0 = all east, 1 = all west).
SIDE_RAMP = ["#8a5a2b", "#c9a37e", "#f2eee9", "#8cc3a2", "#2b7a55"]


def class_colour(name: str, order: list[str] | None = None, pale: bool = False) -> str:
    """The hue of a class (pale: the colour of its existing capacity)."""
    table = CLASS_PALE if pale else CLASS
    if name in table:
        return table[name]
    extras = [c for c in (order or [name]) if c not in CLASS] or [name]
    colour = EXTRA[extras.index(name) % len(EXTRA)] if name in extras else EXTRA[0]
    return mix(colour, "#ffffff", 0.65) if pale else colour


def workload_colours(workloads: list[str], classes_of: dict[str, str],
                     order: list[str] | None = None) -> dict[str, str]:
    """Each workload a shade of its class hue: the first darkest, the last lightest."""
    out: dict[str, str] = {}
    by_class: dict[str, list[str]] = {}
    for w in workloads:
        by_class.setdefault(classes_of.get(w, ""), []).append(w)
    for c, ws in by_class.items():
        base = class_colour(c, order) if c else EXTRA[-1]
        for i, w in enumerate(ws):
            share = 0.0 if len(ws) == 1 else i / (len(ws) - 1)
            out[w] = mix(base, "#000000", 0.25 * (1 - share)) if share < 0.5 else mix(
                base, "#ffffff", 0.35 * share)
    return out


def trunk_grey(utilisation: float) -> str:
    """Trunk colour: light grey when idle to dark grey when full (congested ones use CONGESTED)."""
    u = 0.0 if utilisation != utilisation else min(max(utilisation, 0.0), 1.0)  # NaN -> 0
    return mix(TRUNK_IDLE, TRUNK_FULL, u)


def ramp(colours: list[str], x: float) -> str:
    """Piecewise-linear colour ramp at x in [0, 1]."""
    x = 0.0 if x != x else min(max(x, 0.0), 1.0)
    pos = x * (len(colours) - 1)
    i = min(int(pos), len(colours) - 2)
    return mix(colours[i], colours[i + 1], pos - i)


def mix(a: str, b: str, t: float) -> str:
    """The colour t of the way from a to b (hex)."""
    ra, ga, ba = rgb(a)
    rb, gb, bb = rgb(b)
    return f"#{round(ra + (rb - ra) * t):02x}{round(ga + (gb - ga) * t):02x}{round(ba + (bb - ba) * t):02x}"


def rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
