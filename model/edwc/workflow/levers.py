"""`edwc levers RESULT`: how the plan's west share and cost respond to the estimates that decide where it builds.

Each lever moves one input the siting depends on, down and up, and the result's instance is re-solved once per
setting (the sweep machinery, each re-solve started from the plan in hand):

| lever | low | high | input |
|---|---|---|---|
| bandwidth | × 0.5 | × 2 | network.bandwidth_cny_per_gbps_km_year (the trunk price per Gbps·km·yr) |
| west_power | × 0.8 | × 1.2 | power_price_cny_per_kwh of the western sites |
| east_power | × 0.8 | × 1.2 | power_price_cny_per_kwh of the eastern sites |
| west_limits | × 0.5 of the room | × 2 | max_facility_mw of the western sites (low: half the room above the existing shells) |
| build_rate | × 0.5 | × 2 | build_mw_per_year of every site and capacity.build_growth_per_year |
| lead_time | − 1 y | + 1 y | capacity.build_ahead_years (shells built ahead of IT) |

A lever is left out when the instance lacks its input (no shells, no western site). The variants are named
scenarios of a copy of the result's instance (RESULT/lever-instance/instance.yaml, written by edwc), so
each is validated like any scenario. Written into RESULT: levers.csv (read by the result's report) and levers.md.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.errors import EdwcError
from edwc.results.atomic_file import write_file_atomically

Log = Callable[[str], None]
RESOLVES = "lever-resolves"
INSTANCE = "lever-instance"
YI = 1e8


@dataclass
class Lever:
    name: str  # the lever (bandwidth, west_power, ...)
    setting: str  # low | high
    text: str  # what it does, in words (English; the report has its own words)
    spec: dict[str, Any]  # the scenario: set / scale operations
    change: str = ""  # the change, language-neutral ("× 0.5"); empty where the report words say it

    @property
    def scenario(self) -> str:
        return f"lever-{self.name}-{self.setting}"


@dataclass
class LeverReport:
    folder: Path
    table: pd.DataFrame
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)


def lever_specs(config: dict[str, Any], sites: pd.DataFrame) -> list[Lever]:
    """The levers that apply to this instance, low and high, as scenario specs."""
    out: list[Lever] = []
    sides = set(sites["side"].astype(str))
    bw = (config.get("network") or {}).get("bandwidth_cny_per_gbps_km_year")
    if bw:
        for setting, f in (("low", 0.5), ("high", 2.0)):
            out.append(Lever("bandwidth", setting, f"trunk price × {f:g} ({bw * f:g} CNY/Gbps·km·yr)",
                             {"set": {"network.bandwidth_cny_per_gbps_km_year": float(bw) * f}}, f"× {f:g}"))
    for side in ("west", "east"):
        if side in sides:
            for setting, f in (("low", 0.8), ("high", 1.2)):
                out.append(Lever(f"{side}_power", setting, f"{side}ern power price × {f:g}", {"scale": [
                    {"table": "sites", "where": {"side": side}, "column": "power_price_cny_per_kwh", "factor": f}]},
                    f"× {f:g}"))
    if "west" in sides:
        west = sites[sites["side"].astype(str) == "west"]
        shells = pd.to_numeric(west.get("existing_shell_mw", pd.Series(0.0, index=west.index)), errors="coerce")
        room = pd.to_numeric(west["max_facility_mw"], errors="coerce") - shells.fillna(0.0) * pd.to_numeric(
            west["pue"], errors="coerce")
        low = [{"table": "sites", "where": {"site": str(s)}, "column": "max_facility_mw",
                "factor": round(float((mw - r / 2) / mw), 6)}
               for s, mw, r in zip(west["site"], pd.to_numeric(west["max_facility_mw"]), room, strict=True)
               if mw > 0 and r > 0]
        if low:
            out.append(Lever("west_limits", "low", "western site power limits: half the room above their shells",
                             {"scale": low}))
        high = [{"table": "sites", "where": {"side": "west"}, "column": col, "factor": 2.0}
                for col in ("max_facility_mw", "max_facility_mw_start")
                if col in west and pd.to_numeric(west[col], errors="coerce").notna().any()]
        out.append(Lever("west_limits", "high", "western site power limits × 2", {"scale": high}, "× 2"))
    cap = config.get("capacity") or {}
    if "build_mw_per_year" in sites and pd.to_numeric(sites["build_mw_per_year"], errors="coerce").notna().any():
        g = float(cap.get("build_growth_per_year") or 0.0)
        for setting, f in (("low", 0.5), ("high", 2.0)):
            out.append(Lever("build_rate", setting, f"build rates × {f:g}", {
                "set": {"capacity.build_growth_per_year": g * f},
                "scale": [{"table": "sites", "where": {"site": [str(s) for s in sites["site"]]},
                           "column": "build_mw_per_year", "factor": f}]}, f"× {f:g}"))
    ahead = cap.get("build_ahead_years")
    if ahead:
        for setting, d in (("low", -1.0), ("high", 1.0)):
            years = max(0.0, float(ahead) + d)
            out.append(Lever("lead_time", setting, f"shells built {years:g} y ahead of IT (was {float(ahead):g})",
                             {"set": {"capacity.build_ahead_years": years}}))
    return out


def lever_instance(result: Path, levers: list[Lever]) -> Path:
    """A copy of the result's instance whose scenarios are the levers (RESULT/lever-instance)."""
    import yaml

    src, dst = result / "instance", result / INSTANCE
    if dst.exists():
        shutil.rmtree(dst)  # edwc's own copy, made by an earlier run of this command
    shutil.copytree(src, dst)
    cfg = yaml.safe_load((src / "instance.yaml").read_text(encoding="utf-8"))
    cfg["scenarios"] = {lv.scenario: {"description": lv.text, **lv.spec} for lv in levers}
    (dst / "instance.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def _kpis(folder: Path) -> dict[str, Any]:
    """West and hub share of new compute (last period), cost (unmet value apart), unmet PFLOPS, status, gap."""
    from edwc.workflow.sweep.index import result_row

    row = result_row(folder, ("west_share_new", "hub_share_new", "built_pflops", "unmet_pflops"))
    keep = ("status", "mip_gap", "west_share_new", "hub_share_new", "built_pflops", "unmet_pflops")
    return {**{k: row[k] for k in keep}, "cost_cny": float(row["total_cost_cny"] or row["objective_cny"]),
            "unmet_value_cny": float(row["unmet_value_cny"] or 0.0)}


def lever_table(result: Path, levers: list[Lever]) -> pd.DataFrame:
    """One row for the plan (base) and one per lever setting, with the change of west share and cost."""
    base = _kpis(result)
    rows = [{"lever": "base", "setting": "", "change": "", "what": "the plan", **base}]
    for lv in levers:
        f = result / RESOLVES / lv.scenario
        kp = _kpis(f) if (f / "summary.json").is_file() else {"status": "failed"}
        rows.append({"lever": lv.name, "setting": lv.setting, "change": lv.change, "what": lv.text, **kp})
    df = pd.DataFrame(rows)
    df["west_share_change_pp"] = 100 * (df["west_share_new"] - base["west_share_new"])
    df["cost_change_pct"] = 100 * (df["cost_cny"] / base["cost_cny"] - 1)
    return df


def levers_markdown(df: pd.DataFrame) -> str:
    lines = ["| lever | setting | west share of new | change (pp) | hub share of new | cost 亿元 | change | unmet PFLOPS | status |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in df.to_dict("records"):
        lines.append(f"| {r['lever']} | {r['what']} | {100 * r['west_share_new']:.1f} % | {r['west_share_change_pp']:+.1f} | "
                     f"{100 * r['hub_share_new']:.1f} % | {r['cost_cny'] / YI:,.1f} | {r['cost_change_pct']:+.2f} % | "
                     f"{r['unmet_pflops']:,.0f} | {r['status']} |")
    return "\n".join(lines) + "\n"


def levers_result(result_dir: str | Path, *, workers: int = 1, scheduler: str | None = None,
                  time_limit: float | None = None, log: Log = lambda _: None, warm: bool = True,
                  threads: int = 1) -> LeverReport:
    """Re-solve the result's instance once per lever setting and write levers.csv and levers.md into it."""
    from edwc.decisions.fixed import plan_start, solve_fixed
    from edwc.results.tables import read_result
    from edwc.workflow.sweep import Case, SolveOptions, sweep_instance

    folder = Path(result_dir)
    if not (folder / "summary.json").is_file() or not (folder / "instance").is_dir():
        raise EdwcError(f"{folder} is not a result folder (summary.json and instance/ expected)")
    import yaml

    config = yaml.safe_load((folder / "instance" / "instance.yaml").read_text(encoding="utf-8"))
    sites = pd.read_csv(folder / "instance" / "sites.csv", dtype={"site": str, "region": str})
    levers = lever_specs(config, sites)
    if not levers:
        raise EdwcError(f"{folder}: no lever applies to this instance (no trunk price, power prices or shells)")
    t0 = time.perf_counter()
    inst = lever_instance(folder, levers)
    starts = None
    if warm:
        result = read_result(folder)
        plan = solve_fixed(folder, result=result)
        start = plan_start(folder, plan) if plan.status == "optimal" else None
        starts = None if start is None else [start]
    cases = [Case(name=lv.scenario, scenario=lv.scenario) for lv in levers]
    log(f"re-solving {len(cases)} lever settings ({workers} worker{'s' if workers > 1 else ''})")
    sweep_instance(inst, cases, out=folder / RESOLVES, workers=max(1, min(workers, len(cases))), scheduler=scheduler,
                   options=SolveOptions(time_limit=time_limit, maps=False, check=True, threads=threads),
                   warm=starts is not None, starts=starts,
                   on_done=lambda task, o: log(f"  {task.case.name}: {o.status}"))
    df = lever_table(folder, levers)
    rep = LeverReport(folder, df, time.perf_counter() - t0)
    rep.files.append(write_file_atomically(folder / "levers.csv", lambda tmp: df.to_csv(
        tmp, index=False, lineterminator="\n", float_format="%.10g")))
    rep.files.append(write_file_atomically(folder / "levers.md", lambda tmp: tmp.write_text(
        levers_markdown(df), encoding="utf-8")))
    from edwc.workflow.price import refresh_reports

    rep.files += refresh_reports(folder)
    return rep
