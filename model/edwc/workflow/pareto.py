"""`edwc pareto INSTANCE --against emissions|latency [--points N]`: the cost–emissions (or cost–latency)
front by the ε-constraint method.

1. The base plan (least cost) gives the front's high end, x_hi (its emissions or mean RTT).
2. The far end: the least x any plan can reach while serving as much work as the base
   (objective min:emissions or min:rtt, explore.unmet_pflops_max = the base's unmet), x_lo.
3. N − 2 interior points ε evenly between, each the least-cost plan with x ≤ ε (and the far end
   itself at ε = x_lo), all serving as much as the base. Points are solved in parallel on the
   sweep machinery (local processes or a Dask cluster); each is a result folder under OUT/.
Points beaten on both cost and x by another (a MIP gap can do that) are dropped from the front.
Writes OUT/points.csv (every point), OUT/front.csv (the front) and OUT/front.png.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.decisions.front import (
    AXES,
    epsilons,
    front_name,
    measure,
    non_dominated,
    plot_front,
    point_row,
    unmet_total,
)
from edwc.decisions.summary import money
from edwc.errors import EdwcError

Log = Callable[[str], None]
UNMET_TOL = 1e-6  # PFLOPS of slack on the base's unmet work, against solver round-off


@dataclass
class ParetoReport:
    out: Path
    points: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    unit: str = "亿元/yr"
    chart: str = "front.png"  # front.en.png in English


def _run(instance: Path, cases: list, out: Path, workers: int, scheduler: str | None, options: Any,
         log: Log, starts: list[Any] | None = None) -> dict[str, str]:
    """Solve the cases (earlier ones are skipped as unchanged), started from `starts` when given and, in
    their order (ε ascending), from the point solved before; return case name -> outcome status."""
    from edwc.workflow.sweep import sweep_instance

    status: dict[str, str] = {}

    def done(task: Any, outcome: Any) -> None:
        status[task.case.name] = outcome.status if outcome.ok else f"failed: {outcome.message}"
        if outcome.status != "skipped":
            log(f"  {task.case.name}: {outcome.status}")

    sweep_instance(instance, cases, out=out, workers=max(1, min(workers, len(cases))), scheduler=scheduler,
                   options=options, on_done=done, warm=bool(starts), starts=starts, chain=True)
    return status


def pareto(instance: str | Path, against: str = "emissions", *, points: int = 6, out: str | Path,
           scenario: str | None = None, workers: int = 1, scheduler: str | None = None,
           time_limit: float | None = None, mip_gap: float | None = None, log: Log = lambda _: None,
           lang: str = "zh", warm: bool = True, threads: int = 1) -> ParetoReport:
    """The front; warm=True starts the far end from the base plan and every point from the base and
    far-end plans (each repaired to the point's bound, the cheapest that fits kept: edwc.solve.warm)."""
    from edwc.decisions.fixed import plan_start
    from edwc.workflow.sweep import Case, SolveOptions

    if against not in AXES:
        raise EdwcError(f"--against must be one of {sorted(AXES)}, got {against!r}")
    if points < 2:
        raise EdwcError("--points must be at least 2 (the base plan and the far end)")
    axis, instance, out = AXES[against], Path(instance), Path(out)
    opts = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, maps=False, check=True, threads=threads)
    rep = ParetoReport(out, pd.DataFrame())
    t0 = time.perf_counter()
    base = Case("base", scenario, {})
    from edwc.workflow.sweep import instance_digest, start_run

    spec = {"command": "pareto", "against": against, "points": points, "scenario": scenario, "time_limit": time_limit,
            "mip_gap": mip_gap, "instance": instance_digest(instance)}
    start_run(instance, [base], out, scheduler, spec, "pareto front", log)
    status = _run(instance, [base], out, 1, scheduler, opts, log)
    if not (out / "base" / "summary.json").is_file():
        raise EdwcError(f"the base plan could not be solved: {status.get('base')}")
    unmet = unmet_total(out / "base") + UNMET_TOL
    x_hi = measure(out / "base", axis)
    rep.seconds["base"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    hold = {"explore.unmet_pflops_max": unmet}
    far = Case(f"min-{axis.name}", scenario, {**hold, "explore.objective": axis.objective})
    known = [s for s in [plan_start(out / "base")] if s is not None] if warm else []
    status.update(_run(instance, [base, far], out, 1, scheduler, opts, log, [s.plan_only() for s in known]))
    if not (out / far.name / "summary.json").is_file():
        raise EdwcError(f"the far end ({axis.objective}) could not be solved: {status.get(far.name)}")
    x_lo = measure(out / far.name, axis)
    rep.seconds["far_end"] = time.perf_counter() - t0
    log(f"{axis.name}: from {_amount(x_lo)} (least possible) to {_amount(x_hi)} {axis.unit} (least cost)")

    t0 = time.perf_counter()
    eps = [x_lo + 1e-6 * max(1.0, x_hi)] + epsilons(x_lo, x_hi, points)  # the far end at least cost, then the interior
    cases = [Case(f"{axis.name}-{i:02d}", scenario, {**hold, axis.bound_key: e}) for i, e in enumerate(eps)]
    if warm:
        known += [s.plan_only() for s in [plan_start(out / far.name)] if s is not None]
    status.update(_run(instance, [base, far, *cases], out, workers, scheduler, opts, log, known))
    rep.seconds["points"] = time.perf_counter() - t0

    rows = [point_row(out / "base", axis, "base", None)]
    for c, e in zip(cases, eps, strict=True):
        if (out / c.name / "summary.json").is_file():
            rows.append(point_row(out / c.name, axis, c.name, e))
        else:
            rep.failed.append(f"{c.name}: {status.get(c.name, 'not solved')}")
    df = pd.DataFrame(rows)  # the base first: of equal points it is the one kept
    df["on_front"] = non_dominated(df, axis.name)
    rep.points = df.sort_values(axis.name).reset_index(drop=True)
    rep.unit = money(json.loads((out / "base" / "summary.json").read_text(encoding="utf-8")))
    _write(rep, axis, instance, scenario, lang)
    return rep


def _write(rep: ParetoReport, axis: Any, instance: Path, scenario: str | None, lang: str = "zh") -> None:
    from edwc.workflow.price import write_csv

    write_csv(rep.points, rep.out / "points.csv")
    write_csv(rep.points[rep.points["on_front"]].drop(columns="on_front"), rep.out / "front.csv")
    name = instance.name + (f" / {scenario}" if scenario else "")
    rep.chart = front_name(lang)
    plot_front(rep.points, axis, rep.out / rep.chart, name, rep.unit, lang)


def render_front(rep: ParetoReport, against: str) -> str:
    axis = AXES[against]
    scale, unit = (1e6, "MtCO2") if axis.name == "emissions" else (1.0, "ms")
    lines = [f"cost = the objective (cost parts and value of unmet service) in {rep.unit}",
             f"{'point':<14} {axis.name + ' (' + unit + ')':>18} {'cost':>16} {'unmet PFLOPS':>13}  {'status':<22} front"]
    least = float(rep.points["unmet_pflops"].min()) if len(rep.points) else 0.0
    for r in rep.points.itertuples(index=False):
        gap = getattr(r, "mip_gap", None)
        status = str(getattr(r, "status", "")) + (f", gap {float(gap):.2%}" if gap is not None and gap == gap else "")
        flag = "  ⚠ serves less than the other points" if r.unmet_pflops > least + 100 else ""
        lines.append(f"{r.point:<14} {getattr(r, axis.name) / scale:>18,.2f} {r.cost_cny / 1e8:>16,.2f} "
                     f"{r.unmet_pflops:>13,.1f}  {status:<22} {'yes' if r.on_front else 'dropped (dominated or a repeat)'}{flag}")
    lines += [f"failed: {f}" for f in rep.failed]
    times = ", ".join(f"{k} {v:.1f} s" for k, v in rep.seconds.items())
    lines.append(f"written to {rep.out}: points.csv, front.csv, {rep.chart} and one result folder per point ({times})")
    return "\n".join(lines)


def _amount(v: float) -> str:
    """A quantity with thousands separators: 75,464,800 rather than 7.54648e+07."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
