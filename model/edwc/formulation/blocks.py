"""Training blocks: a workload with workloads.csv block_pflops is a national pool placed in single-site blocks
(docs/model.md "Training blocks and where demand is").

Its demand rows keep their regions (data still travels from where it is: the trunk traffic and the
bandwidth charge of each region's share are counted as for any workload), but such a workload has no
latency limit, so every region may send it to every site offering its class: the pool is served
wherever the blocks are. At each site and period the PFLOPS of the workload served there is 0 or at
least one block (a campus-scale job is not split across sites below its size).

Notation: s site, w workload with a block size B_w, t period; served_w[s,w,t] = Σ_{r: (r,s,w) ∈ A}
serve[r,s,w,t]; D_wt = Σ_r demand[r,w,t] (the national pool, the big-M: no site serves more);
block_on[s,w,t] ∈ {0,1}.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd
import pyomo.core as pyo
from pyomo.core.util import quicksum

from edwc.formulation.constraints import serve_vars
from edwc.formulation.data import ModelData
from edwc.input.instance import Instance


def block_sizes(workloads: pd.DataFrame) -> dict[str, float]:
    """B_w for every workload whose block_pflops cell is set (an empty cell or a missing column: no block)."""
    if "block_pflops" not in workloads.columns:
        return {}
    b = pd.to_numeric(workloads["block_pflops"], errors="coerce")
    return {str(w): float(v) for w, v in zip(workloads["workload"], b, strict=True) if not math.isnan(v) and v > 0}


def block_index(d: ModelData, sizes: dict[str, float]) -> dict[tuple[str, str, int], list[str]]:
    """(s, w, t) -> regions r with (r, s, w, t) in the serve index, for the workloads with a block size."""
    out: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for r, s, w, t in d.serve_index:
        if w in sizes:
            out[(s, w, t)].append(r)
    return dict(out)


def add_blocks(m: pyo.ConcreteModel, d: ModelData, inst: Instance) -> None:
    """Block workloads at a site come whole or not at all:
    block_min[s,w,t]:  served_w[s,w,t] ≥ B_w · block_on[s,w,t];
    block_max[s,w,t]:  served_w[s,w,t] ≤ min(D_wt, u · cap_st) · block_on[s,w,t]
    (cap_st: the most class c(w) the site can hold in t, existing in service plus max_modules · module_pflops;
    u = utilisation_max). No block workload: no variables, no rows.
    A site that cannot hold one block (u · cap_st < B_w) gets no variable: its served_w is fixed at 0."""
    sizes = block_sizes(inst.workloads)
    idx = block_index(d, sizes)
    pool: dict[tuple[str, int], float] = defaultdict(float)
    for (_r, w, t), v in d.demand.items():
        if w in sizes:
            pool[(w, t)] += v
    u = m.utilisation_max

    def cap(s: str, w: str, t: int) -> float:
        c = d.workload_class[w]
        return u * (d.existing_in_service.get((s, c, t), 0.0) + d.max_modules.get((s, c), 0) * d.module_pflops[c])

    big = {k: min(pool[(k[1], k[2])], cap(*k)) for k in idx}
    keys = sorted(k for k in idx if big[k] >= sizes[k[1]] * (1 - 1e-9))
    m.block_keys = pyo.Set(initialize=keys, dimen=3, ordered=True)
    m.block_on = pyo.Var(m.block_keys, domain=pyo.Binary)
    sv = serve_vars(m)

    def served_w(s: str, w: str, t: int):
        return quicksum(sv[r, s, w, t] for r in idx[(s, w, t)])

    m.block_min = pyo.Constraint(m.block_keys, rule=lambda m, s, w, t: served_w(s, w, t) >= sizes[w] * m.block_on[s, w, t])
    m.block_max = pyo.Constraint(m.block_keys, rule=lambda m, s, w, t: served_w(s, w, t) <= big[(s, w, t)] * m.block_on[s, w, t])
    for k in sorted(set(idx) - set(keys)):  # too small for one block: none of it here
        for r in idx[k]:
            sv[r, k[0], k[1], k[2]].fix(0.0)
