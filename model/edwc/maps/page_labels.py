"""Hub labels of map.html that do not collide: a greedy placer on boxes in the page's SVG units
(km, y down), like maps.place.Placer for map.png but with no renderer to measure text.

The width of a label is estimated from its characters (a CJK character one em, a Latin letter or
digit about 0.6 em); the estimate errs wide, so boxes that do not overlap here do not overlap on
screen. Labels are placed largest hub first. Each tries positions around its anchor (above first,
as before, then below, right, left, the diagonals, then further out) and takes the first that
overlaps no earlier label and no site circle; when every one overlaps, the least overlap wins.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT = 56.0  # .hl font-size in page.css (SVG units = km)
GAP = 14.0  # clearance kept between a label and what it avoids
ASCENT, DESCENT = 0.88, 0.24  # of the em, above and below the baseline


def text_width(text: str, size: float = FONT) -> float:
    """Estimated advance of ``text`` in SVG units: wide for CJK and full-width forms, 0.62 em otherwise."""
    em = 0.0
    for ch in text:
        o = ord(ch)
        em += 1.0 if o >= 0x2E80 else 0.32 if ch == " " else 0.62
    return em * size


@dataclass(frozen=True)
class Placed:
    x: float  # text x (the anchor point of text-anchor)
    y: float  # baseline
    anchor: str  # start | middle | end
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (y down)


def _box(x: float, y: float, w: float, anchor: str, size: float) -> tuple[float, float, float, float]:
    x0 = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
    return (x0, y - ASCENT * size, x0 + w, y + DESCENT * size)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0]) + GAP
    h = min(a[3], b[3]) - max(a[1], b[1]) + GAP
    return max(w, 0.0) * max(h, 0.0)


def _candidates(cx: float, cy: float, r: float, size: float) -> list[tuple[float, float, str]]:
    """(x, baseline, anchor) around an anchor with a symbol of radius r, nearest first."""
    out = []
    for step in (0.0, 0.6, 1.3, 2.2):
        d = r + 0.3 * size + step * size
        mid = cy + 0.32 * size  # baseline that centres the text vertically on the anchor
        out += [(cx, cy - max(d, 60.0), "middle"),  # above (the page's former place)
                (cx, cy + d + ASCENT * size, "middle"),  # below
                (cx + d, mid, "start"), (cx - d, mid, "end"),  # right, left
                (cx + 0.7 * d, cy - 0.7 * d, "start"), (cx - 0.7 * d, cy - 0.7 * d, "end"),
                (cx + 0.7 * d, cy + 0.7 * d + ASCENT * size, "start"),
                (cx - 0.7 * d, cy + 0.7 * d + ASCENT * size, "end")]
    return out


def place_labels(labels: list[tuple[str, float, float, float]], circles: list[tuple[float, float, float]],
                 size: float = FONT) -> list[Placed]:
    """Place (text, x, y, r) labels, in the order given, clear of each other and of (x, y, r) circles.

    r is the radius of the label's own symbol (0 when none). Returns one Placed per label, in order.
    """
    taken: list[tuple[float, float, float, float]] = []
    dots = [(x - r, y - r, x + r, y + r) for x, y, r in circles]
    out = []
    for text, cx, cy, r in labels:
        w = text_width(text, size)
        best: Placed | None = None
        best_cost = float("inf")
        for x, y, anchor in _candidates(cx, cy, r, size):
            box = _box(x, y, w, anchor, size)
            # another label is the worst to overprint; a site circle is a lesser evil
            cost = 4.0 * sum(_overlap(box, t) for t in taken) + sum(_overlap(box, d) for d in dots)
            if cost < best_cost:
                best, best_cost = Placed(x, y, anchor, box), cost
            if cost == 0:
                break
        assert best is not None
        taken.append(best.box)
        out.append(best)
    return out


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """True when two boxes share any area (no clearance)."""
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
