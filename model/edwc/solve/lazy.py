"""Solve with the trunk network's rows added lazily (the default; `--network full` turns it off).

The model is built without flow_balance and trunk_capacity rows (build_model(network="lazy")): a
relaxation, so every HiGHS dual bound on it is a valid lower bound for the full model. Each round:

1. HiGHS solves the model with the rows added so far. Every improving plan it finds is *repaired* into
   a plan of the full model: its flows follow from serve along each site's tree, and each trunk gets the
   fewest wavelengths that carry its load (when the trunk's room allows). The repaired plan is checked
   against every row HiGHS holds and costed with the model's own objective, so it is a feasible plan of
   the full model and its cost a valid upper bound. A plan near the bound that overloads trunks is also
   re-routed (edwc.solve.reroute: an LP with its campuses, modules and wavelengths fixed, the work moved off
   the overloaded trunks, wavelengths re-chosen where that is not enough). The best such plan is kept.
2. When (best plan − best bound) / best plan reaches the MIP gap asked for, the run stops: the gap is
   true, against a bound of the full model.
3. Otherwise the trunks (and periods) the plans overloaded get their trunk_capacity row and the
   flow_balance rows of their site trees, and HiGHS runs again, started from the best plan so far.

When no overloaded trunk is left the relaxation's own plan fits the full model, so the loop ends.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.core as pyo

from edwc.formulation.constraints import (
    flow_balance_row,
    serve_vars,
    trunk_capacity_row,
    trunk_users,
)
from edwc.formulation.data import ModelData
from edwc.input.schema import Solver
from edwc.solve.handover import HighsModel, add_rows, load_solution, to_highs
from edwc.solve.highs import (
    TIE_TOL,
    SolveOutcome,
    highs_version,
    polish,
    polish_time,
    progress,
    run_highs,
    tie_break_costs,
)
from edwc.solve.reroute import Reroute

TOL = 1e-6  # relative: a trunk is overloaded when load > capacity · (1 + TOL) + TOL
REROUTE_GAP = 0.02  # re-route only plans this near the bound: a re-routing LP of a poor early plan can take long


@dataclass
class Network:
    """Trunk loads of a plan, computed with numpy from its serve values along each site's tree."""

    nodes: list[tuple[str, str]]  # tree nodes (s, u), in d.flow_nodes order
    parent: np.ndarray  # node -> the node its flow enters (-1 at the site)
    levels: list[np.ndarray]  # nodes by depth, deepest first (children before their parents)
    node_trunk: np.ndarray  # node -> trunk index
    trunks: list[str]
    cap0: np.ndarray  # trunk -> capacity_gbps
    module_gbps: np.ndarray  # trunk -> module_gbps (0 where it cannot be upgraded)
    room: np.ndarray  # trunk -> max wavelengths over all periods (0 where it cannot be upgraded)
    serve_node: np.ndarray  # serve term -> node
    serve_gbps: np.ndarray  # serve term -> Gbps per PFLOPS
    serve_period: np.ndarray  # serve term -> period index
    serve_vars: list[Any]  # serve term -> Pyomo variable
    periods: list[int]


def network_of(m: pyo.ConcreteModel, d: ModelData) -> Network:
    nodes = list(d.flow_nodes)
    pos = {k: i for i, k in enumerate(nodes)}
    parent = np.full(len(nodes), -1)
    for (s, u), kids in d.flow_children.items():
        for v in kids:
            parent[pos[(s, v)]] = pos[(s, u)]
    depth = np.zeros(len(nodes), int)
    up = parent.copy()
    while (up >= 0).any():  # one step up the trees for every node at once (trees are shallow)
        depth += up >= 0
        up = np.where(up >= 0, parent[np.maximum(up, 0)], -1)
    levels = [np.flatnonzero(depth == k) for k in range(int(depth.max(initial=0)), 0, -1)]
    trunks = sorted({d.flow_trunk[k] for k in nodes})
    tpos = {l: i for i, l in enumerate(trunks)}
    upgradable = set(d.trunks)
    cap0 = np.array([float(d.trunk[l]["capacity_gbps"]) for l in trunks])
    module = np.array([float(d.trunk[l]["module_gbps"]) if l in upgradable else 0.0 for l in trunks])
    room = np.array([float(d.trunk[l]["max_modules"]) if l in upgradable else 0.0 for l in trunks])
    tix = {t: i for i, t in enumerate(d.periods)}
    serve = serve_vars(m)
    sn, sg, sp, sv = [], [], [], []
    for (s, u), ws in d.flow_serve.items():
        i = pos.get((s, u))
        if i is None:
            continue
        for w in ws:
            for t in d.periods:
                var = serve.get((u, s, w, t))
                if var is not None:
                    sn.append(i)
                    sg.append(d.gbps[w])
                    sp.append(tix[t])
                    sv.append(var)
    return Network(nodes, parent, levels, np.array([tpos[d.flow_trunk[k]] for k in nodes], int), trunks, cap0,
                   module, room, np.array(sn, int), np.array(sg), np.array(sp, int), sv, list(d.periods))


def flows(net: Network, serve: np.ndarray) -> np.ndarray:
    """flow_to_site[node, period] (Gbps) for serve values given per serve term."""
    f = np.zeros((len(net.nodes), len(net.periods)))
    np.add.at(f, (net.serve_node, net.serve_period), net.serve_gbps * serve)
    for lev in net.levels:
        np.add.at(f, net.parent[lev], f[lev])
    return f


def loads(net: Network, f: np.ndarray) -> np.ndarray:
    """load_gbps[trunk, period]."""
    out = np.zeros((len(net.trunks), len(net.periods)))
    np.add.at(out, net.node_trunk, f)
    return out


class Lazy:
    """State of one lazy solve: the HiGHS model, the rows added, the best full-model plan and bound."""

    def __init__(self, m: pyo.ConcreteModel, d: ModelData, hm: HighsModel):
        self.m, self.d, self.hm = m, d, hm
        self.net = network_of(m, d)
        self.users = trunk_users(d)
        self.rows: set[tuple[str, int]] = set()  # (trunk, period) rows in the model
        self.best_x: np.ndarray | None = None
        self.best_cum: np.ndarray | None = None  # cumulative wavelengths [trunk, period] of the best plan
        self.sign = hm.sign  # best and bound are of sign · objective, minimised (a maximisation has sign −1)
        self.best: float = math.inf  # cost of the best full-model plan
        self.bound: float = -math.inf  # best valid lower bound for the full model
        self.deadline = math.inf  # time.perf_counter() by which the solve must end (re-routing LPs stop there)
        self.time_limit_s = math.inf
        self.wanted: set[tuple[str, int]] = set()  # (trunk, period) overloaded by some plan this round
        self._index()
        self._reroute: Reroute | None = None  # made when a plan first needs it

    def reroute(self, x: np.ndarray) -> np.ndarray | None:
        if self._reroute is None:
            self._reroute = Reroute(self)
        return self._reroute(x)

    def _index(self) -> None:
        hm, net, m, d = self.hm, self.net, self.m, self.d
        self.serve_col = np.array([hm.col.get(id(v), -1) for v in net.serve_vars], int)
        self.serve_fixed = np.array([v.value or 0.0 for v in net.serve_vars])
        tix = {t: i for i, t in enumerate(d.periods)}
        tpos = {l: i for i, l in enumerate(net.trunks)}
        wl = [(tpos[l], tix[t], hm.col.get(id(m.wavelengths[l, t]), -1)) for (l, t) in m.wavelengths if l in tpos]
        self.wave = np.array(wl, int).reshape(-1, 3)
        fl = [(i, tix[t], hm.col.get(id(m.flow_to_site[s, u, t]), -1))
              for i, (s, u) in enumerate(net.nodes) for t in d.periods]
        fl_arr = np.array(fl, int).reshape(-1, 3)
        self.flow_cols = fl_arr[fl_arr[:, 2] >= 0]

    def _serve(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.serve_col >= 0, x[np.maximum(self.serve_col, 0)], self.serve_fixed).clip(min=0)

    def overloaded(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(loads, cumulative wavelengths, overloaded mask) of plan x, per trunk and period."""
        net = self.net
        ld = loads(net, flows(net, self._serve(x)))
        added = np.zeros_like(ld)
        w = self.wave[self.wave[:, 2] >= 0]
        added[w[:, 0], w[:, 1]] = np.round(x[w[:, 2]])
        cum = np.cumsum(added, axis=1)
        cap = net.cap0[:, None] + net.module_gbps[:, None] * cum
        return ld, cum, ld > cap * (1 + TOL) + TOL

    def repair(self, x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
        """The plan x made whole for the full model (flows, enough wavelengths): its cost, its vector and its
        cumulative wavelengths [trunk, period] (wavelengths that cost nothing and sit in no row have no
        column); None if it cannot be made whole."""
        net = self.net
        f = flows(net, self._serve(x))
        ld = loads(net, f)
        _, cum, over = self.overloaded(x)
        need = np.zeros_like(ld)
        ok = net.module_gbps > 0
        need[ok] = np.ceil((ld[ok] - net.cap0[ok, None]) / net.module_gbps[ok, None] - TOL).clip(min=0)
        if (over & ~ok[:, None]).any():
            return None  # a trunk that cannot be upgraded carries more than its capacity
        cum = np.maximum.accumulate(np.maximum(cum, need), axis=1)
        if (cum[:, -1] > net.room + 1e-9).any():
            return None
        y = x.copy()
        w = self.wave[self.wave[:, 2] >= 0]
        y[w[:, 2]] = np.diff(cum, axis=1, prepend=0.0)[w[:, 0], w[:, 1]]
        fc = self.flow_cols
        y[fc[:, 2]] = f[fc[:, 0], fc[:, 1]]
        if self.hm.violation(y) > 1e-6:
            return None
        return self.sign * self.hm.objective(y), y, cum

    def see(self, x: np.ndarray, bound: float = -math.inf) -> None:
        """A plan of the relaxation: note the trunks it overloads and keep its repair if it is the best. A plan
        near the bound (within REROUTE_GAP of it) that overloads trunks is also re-routed (edwc.solve.reroute)."""
        _, _, over = self.overloaded(x)
        for i, k in zip(*np.nonzero(over), strict=True):
            self.wanted.add((self.net.trunks[i], self.net.periods[k]))
        fixed = self.repair(x)
        if fixed is not None and fixed[0] < self.best:
            self.best, self.best_x, self.best_cum = fixed
        obj = self.sign * self.hm.objective(x)
        if over.any() and obj < self.best * (1 - 1e-9) and obj - max(self.bound, bound) <= REROUTE_GAP * abs(obj):
            y = self.reroute(x)  # the same campuses and modules, the work moved off the overloaded trunks
            fixed = None if y is None else self.repair(y)
            if fixed is not None and fixed[0] < self.best:
                self.best, self.best_x, self.best_cum = fixed

    def gap(self, bound: float | None = None) -> float:
        lb = self.bound if bound is None else max(self.bound, bound)
        if not math.isfinite(self.best):
            return math.inf
        return max(0.0, self.best - lb) / max(abs(self.best), 1e-9)

    def add(self, keys: set[tuple[str, int]]) -> None:
        """Add trunk_capacity[l,t] for keys, with the flow_balance rows of every tree node feeding l."""
        m, d = self.m, self.d
        new: list[Any] = []
        for (l, t) in sorted(keys - self.rows):
            stack = list(self.users.get(l, []))
            while stack:
                s, u = stack.pop()
                if (s, u, t) in m.flow_balance:
                    continue
                m.flow_balance[s, u, t] = flow_balance_row(m, d, s, u, t)
                new.append(m.flow_balance[s, u, t])
                stack += [(s, v) for v in d.flow_children.get((s, u), [])]
            m.trunk_capacity[l, t] = trunk_capacity_row(m, d, self.users[l], l, t)
            new.append(m.trunk_capacity[l, t])
            self.rows.add((l, t))
        if new:
            n0 = len(self.hm.columns)
            add_rows(self.hm, new)
            if len(self.hm.columns) > n0:
                self._index()
                if self.best_x is not None:  # extend the best plan with the new columns' values
                    self.best_x = np.concatenate([self.best_x, np.zeros(len(self.hm.columns) - n0)])
                    fixed = self.repair(self.best_x)
                    self.best_x, self.best_cum = (None, None) if fixed is None else fixed[1:]


def solve_lazy(m: pyo.ConcreteModel, d: ModelData, opts: Solver, tee: bool = False, show_progress: bool = False,
               trace: bool = False, max_rounds: int = 50, starts: Sequence[Any] = ()) -> SolveOutcome:
    """Solve a model built with network="lazy" to opts.mip_gap against a bound of the full model; starts:
    plans (edwc.solve.warm.Start) whose trunk rows are added first and whose repair is the first incumbent."""
    t0 = time.perf_counter()
    points: list[tuple[float, float, float]] = []
    log: list[str] = []
    with progress("solving with HiGHS (lazy network)", enabled=show_progress and not tee):
        hm = to_highs(m)
        handover = time.perf_counter() - t0
        lz = Lazy(m, d, hm)
        lz.deadline, lz.time_limit_s = t0 + opts.time_limit_s, opts.time_limit_s
        target = opts.mip_gap
        warm = _seed(lz, starts, opts) if starts else "none"
        from edwc.solve.warm import submips

        heuristics = submips(starts, warm)
        sg = lz.sign

        def on_solution(e: Any) -> None:
            lz.see(np.asarray(e.data_out.mip_solution, dtype=float), live[0])

        live = [-math.inf]  # HiGHS's dual bound in this round, as last polled

        def on_progress(e: Any) -> None:
            b = sg * e.data_out.mip_dual_bound
            if abs(b) < 1e300:
                live[0] = max(live[0], b)
            if trace and math.isfinite(lz.best) and abs(b) < 1e300 and (not points or points[-1][1:] != (lz.best, max(lz.bound, b))):
                points.append((time.perf_counter() - t0, sg * lz.best, sg * max(lz.bound, b)))
            if lz.gap(b) <= target:
                e.interrupt()

        rounds, status, termination = 0, "time_limit", ""
        while True:
            rounds += 1
            lz.wanted = set()
            live[0] = -math.inf
            left = opts.time_limit_s - (time.perf_counter() - t0)
            r = run_highs(hm, opts, left, tee=tee, on_solution=on_solution, on_progress=on_progress,
                          start=lz.best_x, submips=heuristics)
            log += r.log
            termination = r.termination
            if r.bound is not None and r.status in ("optimal", "interrupted", "time_limit"):
                lz.bound = max(lz.bound, sg * r.bound)
            if r.x is not None:
                lz.see(r.x)
            if trace and math.isfinite(lz.best) and math.isfinite(lz.bound):
                points.append((time.perf_counter() - t0, sg * lz.best, sg * lz.bound))
            if lz.gap() <= target + 1e-12:
                status = "optimal"
                break
            if r.status not in ("optimal", "interrupted"):
                status = r.status  # time limit, infeasible, ...
                break
            if not lz.wanted - lz.rows or rounds >= max_rounds:
                status = r.status
                break
            t = time.perf_counter()
            lz.add(lz.wanted)
            handover += time.perf_counter() - t
    if lz.best_x is not None:
        t = time.perf_counter()
        left = opts.time_limit_s - (t - t0)
        _polish(lz, opts, left if status == "interrupted" else polish_time(left, opts.time_limit_s))
    has = lz.best_x is not None
    if has:
        assert lz.best_x is not None
        _fill_network(lz)
        load_solution(hm, lz.best_x, m)
    gap = lz.gap() if has else None
    return SolveOutcome(status, termination, has, lz.sign * lz.best if has else None,
                        lz.sign * lz.bound if math.isfinite(lz.bound) else None, gap, time.perf_counter() - t0,
                        highs_version(), "".join(log), handover_s=handover, network="lazy", rounds=rounds,
                        network_rows=len(lz.rows), trace=points, start=warm)


def _seed(lz: Lazy, starts: Sequence[Any], opts: Solver) -> str:
    """Add the starts' trunk rows, then make each start a plan of the full model (edwc.solve.warm: repaired
    to this case) and keep the best as the first incumbent. Returns how: used, repaired or dropped."""
    from edwc.solve.warm import REPAIR_SHARE, candidates

    periods = set(lz.net.periods)
    lz.add({k for s in starts for k in s.rows if k[0] in lz.users and k[1] in periods})
    how = "dropped"
    for kind, x in candidates(lz.hm, starts, opts, REPAIR_SHARE * lz.time_limit_s):
        before = lz.best
        lz.see(x)
        if lz.best < before:
            how = kind
    return how


def _polish(lz: Lazy, opts: Solver, time_limit: float, max_rounds: int = 5) -> None:
    """Polish the best plan (integers fixed, the LP left solved); where the LP's flows overload a trunk
    whose row is missing, add the row and polish again. The plan is kept only if it fits the full model
    and costs no more (beyond the tie-break's TIE_TOL)."""
    t0 = time.perf_counter()
    for _ in range(max_rounds):
        assert lz.best_x is not None
        p = polish(lz.hm, lz.best_x, opts, time_limit - (time.perf_counter() - t0), tie_break_costs(lz.hm, lz.m))
        if p is None or p.x is None:
            return
        _, _, over = lz.overloaded(p.x)
        if not over.any():
            fixed = lz.repair(p.x)  # the tie-broken plan may cost up to TIE_TOL more: keep it all the same
            if fixed is not None and fixed[0] <= lz.best + TIE_TOL * max(abs(lz.best), 1.0):
                lz.best, lz.best_x, lz.best_cum = fixed
            return
        lz.add({(lz.net.trunks[i], lz.net.periods[k]) for i, k in zip(*np.nonzero(over), strict=True)})


def _fill_network(lz: Lazy) -> None:
    """Give every flow_to_site and wavelengths variable (in the model's rows or not) its value in the plan."""
    net, m = lz.net, lz.m
    assert lz.best_cum is not None
    added = np.diff(lz.best_cum, axis=1, prepend=0.0)
    for i, l in enumerate(net.trunks):
        for k, t in enumerate(net.periods):
            if (l, t) in m.wavelengths:
                m.wavelengths[l, t].set_value(float(added[i, k]), skip_validation=True)
    assert lz.best_x is not None
    f = flows(net, lz._serve(lz.best_x))
    for i, (s, u) in enumerate(net.nodes):
        for k, t in enumerate(net.periods):
            m.flow_to_site[s, u, t].set_value(float(f[i, k]), skip_validation=True)
