"""Labels that do not collide: a greedy placer for matplotlib text.

Labels are placed in priority order. Each is measured once; then candidate positions around
its anchor (8 directions at growing distances) are tried until one overlaps neither an earlier
label nor a reserved box (site symbols, the legend, the inset) and stays inside the axes. A
label placed away from its anchor gets a thin leader line. Deterministic and fast (box
arithmetic, no re-layout per try).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text

# (dx, dy) unit directions, tried in this order: right, left, above, below, then diagonals
DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
DISTANCES_PT = (6.0, 16.0, 30.0, 48.0, 70.0)


@dataclass
class Placer:
    ax: Axes
    taken: list[np.ndarray] = field(default_factory=list)  # [x0, y0, x1, y1] display px

    def reserve(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Keep labels off a box given in display pixels."""
        self.taken.append(np.array([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]))

    def reserve_data(self, x: float, y: float, r_pt: float) -> None:
        """Keep labels off a symbol of radius r_pt points at data (x, y)."""
        px, py = self.ax.transData.transform((x, y))
        r = r_pt * self.ax.figure.dpi / 72
        self.reserve(px - r, py - r, px + r, py + r)

    def reserve_artist(self, artist) -> None:  # noqa: ANN001
        bb = artist.get_window_extent(self.ax.figure.canvas.get_renderer())  # type: ignore[attr-defined]
        self.reserve(bb.x0, bb.y0, bb.x1, bb.y1)

    def overlap(self, box: np.ndarray) -> float:
        if not self.taken:
            return 0.0
        t = np.array(self.taken)
        w = np.clip(np.minimum(box[2], t[:, 2]) - np.maximum(box[0], t[:, 0]), 0, None)
        h = np.clip(np.minimum(box[3], t[:, 3]) - np.maximum(box[1], t[:, 1]), 0, None)
        return float((w * h).sum())

    def place(self, text: str, x: float, y: float, gap_pt: float = 0.0, leader: str = "#777777",
              optional: bool = False, **style) -> Text | None:  # noqa: ANN003
        """Put ``text`` near data point (x, y), at least ``gap_pt`` points from it. ``optional``: leave
        the label out (None) when every position would overlap something."""
        ax = self.ax
        renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        probe = ax.text(0, 0, text, ha="left", va="bottom", transform=None, **style)
        bb = probe.get_window_extent(renderer)
        probe.remove()
        w, h = bb.width + 2, bb.height + 2
        px, py = ax.transData.transform((x, y))
        frame = ax.get_window_extent(renderer)
        scale = ax.figure.dpi / 72
        best, best_cost = None, np.inf
        for dist in DISTANCES_PT:
            for dx, dy in DIRECTIONS:
                off = (gap_pt + dist) * scale
                cx, cy = px + dx * off, py + dy * off
                x0 = cx if dx > 0 else cx - w if dx < 0 else cx - w / 2
                y0 = cy if dy > 0 else cy - h if dy < 0 else cy - h / 2
                box = np.array([x0, y0, x0 + w, y0 + h])
                outside = (max(frame.x0 - box[0], 0) + max(box[2] - frame.x1, 0)
                           + max(frame.y0 - box[1], 0) + max(box[3] - frame.y1, 0))
                cost = self.overlap(box) + 1e4 * outside
                if cost < best_cost:
                    best, best_cost = (box, dx, dy, dist), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        assert best is not None
        if optional and best_cost > 0:
            return None
        box, dx, dy, dist = best
        self.taken.append(box)
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        tx, ty = ax.transData.inverted().transform(((box[0] if ha == "left" else box[2]
                                                     if ha == "right" else (box[0] + box[2]) / 2),
                                                    (box[1] if va == "bottom" else box[3]
                                                     if va == "top" else (box[1] + box[3]) / 2)))
        arrow = None
        if dist > DISTANCES_PT[1] and leader:
            arrow = dict(arrowstyle="-", color=leader, lw=0.5, shrinkA=0, shrinkB=gap_pt * 0.8)
        return ax.annotate(text, (x, y), xytext=(tx, ty), textcoords="data", ha=ha, va=va,
                           arrowprops=arrow, annotation_clip=False, **style)
