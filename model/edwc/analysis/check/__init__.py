"""`edwc check RESULT`: an independent check of a written plan against its resolved instance.

Nothing here uses the model code (build, constraints, policy, objective, network, data): the plan is
re-read from the result tables, latency is recomputed from the trunk table with its own Dijkstra,
and every constraint family and every cost part of docs/model.md is re-derived with plain
arithmetic; so is every other figure of the written tables (columns.py), of kpis.csv (kpis.py) and of
summary.json (costs.py). The instance is parsed with the loader (edwc.input.instance), which only reads and validates.

Tolerance, stated once: a row `lhs <= rhs` holds when
    lhs - rhs <= RTOL * max(|lhs|, |rhs|) + ATOL * scale
where `scale` is the magnitude of the row's family in its own unit (the largest demand for PFLOPS
rows, the largest trunk capacity for Gbps rows, the objective for money, 1 for shares and counts).
An equality holds when both directions do. Integers must lie within INT_TOL of a whole number.
"""


from __future__ import annotations

from pathlib import Path

from edwc.analysis.check.blocks import check_blocks
from edwc.analysis.check.columns import check_columns
from edwc.analysis.check.costs import check_costs, check_summary, recompute_costs
from edwc.analysis.check.derived import derive
from edwc.analysis.check.families import (
    check_capacity,
    check_class_offered,
    check_demand_balance,
    check_latency,
    check_references,
    check_sites,
    check_trunks,
    check_vintages,
)
from edwc.analysis.check.graph import build_graph, dijkstra, haversine_km
from edwc.analysis.check.kpis import check_kpis
from edwc.analysis.check.policies import check_policies
from edwc.analysis.check.power import check_power
from edwc.analysis.check.quotas import check_quotas
from edwc.analysis.check.readers import Plan, UnreadableResult, read_plan
from edwc.analysis.check.report import (
    ATOL,
    INT_TOL,
    MAX_ROWS_SHOWN,
    RTOL,
    CheckReport,
    Rows,
    Violation,
)
from edwc.analysis.check.shells import check_shells

__all__ = [
    "ATOL", "INT_TOL", "MAX_ROWS_SHOWN", "RTOL", "CheckReport", "Plan", "UnreadableResult", "Violation",
    "check_plan", "check_result", "haversine_km", "read_plan", "recompute_costs",
]


def check_plan(p: Plan, folder: Path) -> CheckReport:
    report = CheckReport(folder=folder)
    r = Rows(report)
    status = str(p.summary.get("status"))
    if status != "optimal":
        report.notes.append(f"the solve ended '{status}': feasibility and costs are checked, optimality is not")
    check_references(p, r)
    if report.violations:
        return report  # the other checks assume the rows name known things
    d = derive(p, r)
    g = build_graph(p)
    trees = {s: dijkstra(g, s) for s in sorted(set(p.res["serve"]["site"]))}
    check_demand_balance(p, d, r)
    check_latency(p, g, trees, r)
    check_class_offered(p, r)
    check_capacity(p, d, r)
    check_vintages(p, d, r)
    check_sites(p, d, r)
    check_shells(p, d, r)
    check_blocks(p, r)
    check_quotas(p, d, r)
    check_trunks(p, d, g, trees, r)
    check_power(p, d.energy, d.power, r)
    on = check_policies(p, d, r)
    written = p.summary.get("policies")
    if written is not None and sorted(written) != sorted(on):
        r.count("policies")
        r.fail("policies", "summary.json policies", f"written as {sorted(written)}, the instance has {sorted(on)} in force")
    for s in set(p.inst["sites"]["site"]) - set(trees):
        trees[s] = dijkstra(g, s)
    check_costs(p, d, trees, r)
    check_summary(p, d, trees, r)
    check_columns(p, d, trees, r)
    check_kpis(p, d, trees, r)
    r.count("input_hash", 2)
    if p.summary.get("instance") != p.cfg.name:
        r.fail("input_hash", "summary.json instance", f"{p.summary.get('instance')!r}, but the resolved instance is '{p.cfg.name}'")
    if p.input_hash is not None and p.summary.get("input_hash") != p.input_hash:
        r.fail("input_hash", "summary.json input_hash", "does not match the resolved instance in instance/: "
               "the summary or the instance was edited after the solve")
    return report


def check_result(folder: str | Path) -> CheckReport:
    """Check a result folder; raises UnreadableResult when it cannot be read."""
    folder = Path(folder)
    return check_plan(read_plan(folder), folder)
