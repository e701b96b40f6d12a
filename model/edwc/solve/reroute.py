"""Re-route a plan of the lazy relaxation so that it fits the trunks: an LP with the plan's integer
decisions (campuses, modules, wavelengths) fixed, in which the work may move between sites.

A plan of the relaxation (no trunk rows) often overloads a few trunks although a plan with the same
campuses and modules exists that does not: it sends the same work to another site, or over another
trunk, at nearly the same cost. Adding wavelengths (Lazy.repair) is the other way to make it whole;
it can cost more than the relaxation's gap allows (measured at 340 × 60: +0.05 %, and the second
MIP round it forced doubled the solve). This LP finds the re-routed plan.

Rows: every row HiGHS holds, plus the capacity row of each (trunk, period) the plan loads near its
capacity, written directly over the serve columns:
    Σ_{serve terms whose tree path crosses l in period t} gbps · serve − module_gbps[l] · Σ_{t' ≤ t} wavelengths[l,t']
        ≤ capacity_gbps[l]
(the load of trunk_capacity[l,t] with flow_balance substituted in). Trunk rows are added where the LP's
plan overloads a trunk, until none does. Where no re-routing is as cheap as the plan (work would be left
unmet), the wavelengths are re-chosen too. Measured at 340 × 60 (seeds 0, 1, 2): the first round's best
plan, re-routed, cost exactly what the relaxation's plan cost, so one MIP round suffices.
"""

from __future__ import annotations

import math
import time
from typing import Any, Protocol

import highspy
import numpy as np
from scipy import sparse

from edwc.solve.handover import INF, HighsModel, new_highs
from edwc.solve.highs import INTERRUPTED, stop_if_interrupted

NEAR = 0.9  # a trunk the plan loads above this share of its capacity gets its row up front
SHARE, MIN_S = 0.1, 10.0  # one re-routing may take this share of the solve's time limit (at least MIN_S s)


class LazyState(Protocol):
    """What the re-routing LP reads of a lazy solve (edwc.solve.lazy.Lazy)."""

    hm: HighsModel
    net: Any  # edwc.solve.lazy.Network
    serve_col: np.ndarray  # serve term -> column (-1: a fixed variable)
    serve_fixed: np.ndarray  # serve term -> value where fixed
    wave: np.ndarray  # rows (trunk index, period index, column of wavelengths[l, t] or -1)
    deadline: float  # time.perf_counter() by which the solve must end
    time_limit_s: float  # the solve's time limit

    def overloaded(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class Reroute:
    """The re-routing LP of a Lazy solve (rebuilt when HiGHS's model gains rows or columns)."""

    def __init__(self, lz: LazyState):
        self.lz = lz
        self.shape: tuple[int, int] | None = None
        self.h: highspy.Highs | None = None
        self.keys: set[tuple[int, int]] = set()  # (trunk index, period index) rows in the LP
        self.until = math.inf  # time.perf_counter() by which this re-routing must end
        self._paths()

    def _paths(self) -> None:
        """path[node] -> trunks from the node to its site, as a sparse (nodes × trunks) 0/1 matrix."""
        net = self.lz.net
        n = len(net.nodes)
        depth = np.zeros(n, int)
        for k, lev in enumerate(reversed(net.levels)):  # levels are deepest first
            depth[lev] = k + 1
        path: list[list[int]] = [[] for _ in range(n)]
        for i in np.argsort(depth, kind="stable").tolist():  # parents before their children
            p = int(net.parent[i])
            path[i] = [int(net.node_trunk[i])] + (path[p] if p >= 0 else [])
        rows = np.repeat(np.arange(n), [len(p) for p in path])
        cols = np.fromiter((l for p in path for l in p), int, len(rows))
        self.R = sparse.csc_array((np.ones(len(rows)), (rows, cols)), shape=(n, len(net.trunks)))

    def _rebuild(self) -> None:
        """The LP: HiGHS's rows and columns, no integrality."""
        hm, net = self.lz.hm, self.lz.net
        n_col = len(hm.columns)
        self.terms = sparse.csr_array((net.serve_gbps, (np.arange(len(net.serve_node)), net.serve_node)),
                                      shape=(len(net.serve_node), len(net.nodes)))  # serve term -> its node, gbps
        A = hm.A
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.cbSimplexInterrupt.subscribe(stop_if_interrupted)  # Ctrl-C stops this LP too (it runs inside the MIP)
        h.cbIpmInterrupt.subscribe(stop_if_interrupted)
        h.passModel(n_col, A.shape[0], A.nnz, 2, 1, hm.offset, hm.cost, hm.col_lower, hm.col_upper, hm.row_lower,
                    hm.row_upper, A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data,
                    np.zeros(n_col, np.int32))
        self.h, self.shape, self.keys = h, hm.A.shape, set()

    def _add(self, keys: set[tuple[int, int]]) -> None:
        """Add the rows of (trunk, period) keys: load[l,t] = Σ gbps · serve over the terms whose path crosses l
        (only these trunks' columns of the path matrix are multiplied out: all of them would hold ~15 M
        entries at 1,000 × 150)."""
        lz, net = self.lz, self.lz.net
        new = sorted(keys - self.keys)
        if not new:
            return
        T = len(net.periods)
        trunks = sorted({i for i, _ in new})
        local = {i: j for j, i in enumerate(trunks)}
        row_of = np.full((len(trunks), T), -1)
        for r, (i, k) in enumerate(new):
            row_of[local[i], k] = r
        on = sparse.coo_array(self.terms @ self.R[:, trunks])  # term × chosen trunk: gbps where its path crosses
        row = row_of[on.col, net.serve_period[on.row]]
        col = lz.serve_col[on.row]
        live, fixed = (row >= 0) & (col >= 0), (row >= 0) & (col < 0)
        const = np.bincount(row[fixed], weights=on.data[fixed] * lz.serve_fixed[on.row[fixed]], minlength=len(new))
        r_w, c_w, v_w = [], [], []  # − module_gbps · Σ_{t' ≤ t} wavelengths[l, t']
        for r, (i, k) in enumerate(new):
            for c in lz.wave[(lz.wave[:, 0] == i) & (lz.wave[:, 1] <= k) & (lz.wave[:, 2] >= 0), 2]:
                r_w.append(r)
                c_w.append(c)
                v_w.append(-net.module_gbps[i])
        rows = sparse.csr_array((np.concatenate([on.data[live], v_w]),
                                 (np.concatenate([row[live], r_w]).astype(int), np.concatenate([col[live], c_w]).astype(int))),
                                shape=(len(new), len(lz.hm.columns)))
        rows.sum_duplicates()
        upper = np.asarray(np.array([net.cap0[i] for i, _ in new]) - const, dtype=np.float64)
        assert self.h is not None
        self.h.addRows(len(new), np.full(len(new), -INF), upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
                       rows.indices.astype(np.int32), rows.data.astype(float))
        self.keys |= set(new)

    def __call__(self, x: np.ndarray) -> np.ndarray | None:
        """The cheapest re-routing of plan x with its integers fixed; where that costs more than x itself (work
        left unmet because no route has room), also with its wavelengths re-chosen: the LP's wavelengths free,
        rounded up (cumulatively, within each trunk's room), the LP solved again. None if neither is found."""
        lz, hm = self.lz, self.lz.hm
        if INTERRUPTED.is_set():
            return None
        # inside HiGHS's callback the MIP waits: at 1,000 x 150 one re-routing took 140 s of a 600 s limit
        self.until = min(lz.deadline, time.perf_counter() + max(MIN_S, SHARE * lz.time_limit_s))
        if self.shape != hm.A.shape:
            self._rebuild()
        ints = np.flatnonzero(hm.integer).astype(np.int32)
        fixed = np.round(x[ints])
        y = self._lp(x, ints, fixed)
        if y is not None and hm.objective(y) <= hm.objective(x) + 1e-4 * abs(hm.objective(x)):
            return y
        w = lz.wave[lz.wave[:, 2] >= 0]
        waves = w[:, 2].astype(np.int32)
        assert self.h is not None
        self.h.changeColsBounds(len(waves), waves, hm.col_lower[waves], hm.col_upper[waves])
        free = self._lp(x, ints, fixed, keep=waves)
        if free is None:
            return y
        per = np.zeros((len(lz.net.trunks), len(lz.net.periods)))
        per[w[:, 0], w[:, 1]] = free[waves]
        cum = np.ceil(np.cumsum(per, axis=1) - 1e-6).clip(min=0)  # integral totals, each within the trunk's room
        up = x.copy()
        up[waves] = np.diff(cum, axis=1, prepend=0.0)[w[:, 0], w[:, 1]]
        z = self._lp(up, ints, np.round(up[ints]))
        if z is not None and (y is None or hm.objective(z) < hm.objective(y)):
            return z
        return y

    def _lp(self, x: np.ndarray, ints: np.ndarray, fixed: np.ndarray, keep: np.ndarray | None = None,
            rounds: int = 6) -> np.ndarray | None:
        """Solve the LP with the integer columns fixed at `fixed` (those in keep left free), adding the rows of
        trunks the plan loads near or above capacity until no trunk is overloaded."""
        lz, h = self.lz, self.h
        assert h is not None
        fix = np.ones(len(ints), bool) if keep is None else ~np.isin(ints, keep)
        h.changeColsBounds(int(fix.sum()), ints[fix], fixed[fix], fixed[fix])
        ld, cum, over = lz.overloaded(x)
        cap = lz.net.cap0[:, None] + lz.net.module_gbps[:, None] * cum
        near = over | (ld > NEAR * cap)
        for _ in range(rounds):
            self._add({(int(i), int(k)) for i, k in zip(*np.nonzero(near), strict=True)})
            left = self.until - time.perf_counter()
            if left <= 0:
                return None
            h.setOptionValue("time_limit", min(left, 1e9))
            h.run()
            if INTERRUPTED.is_set():
                return None
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
            y = np.asarray(h.getSolution().col_value, dtype=float)
            y[ints[fix]] = fixed[fix]
            near = lz.overloaded(y)[2]  # (with free wavelengths: as rounded; the caller rounds them up)
            if not near.any():
                return y
        return y if keep is not None else None
