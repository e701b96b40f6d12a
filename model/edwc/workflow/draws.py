"""`edwc sweep INSTANCE --draws FILE --n N [--seed S]`: N cases drawn from uncertain estimates, solved
in parallel, and what they agree on.

The drawn cases become named scenarios of a copy of the instance (OUT/instance/), so each case's
result folder reproduces it exactly; the draws are in OUT/draws.csv. Across the solved cases:
OUT/uncertainty_sites.csv (how often each site is opened and built at, IT MW built: mean, p10,
p50, p90), OUT/uncertainty_hubs.csv (IT MW built per hub), OUT/uncertainty.png (per hub, a box of
the cases) and OUT/uncertainty_map.png (sites by how often they are built at).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from edwc.decisions.draws import draw_cases, read_draws, summarise, write_draw_instance
from edwc.decisions.firm import built_by_site
from edwc.errors import InputError, Problem


@dataclass
class DrawsReport:
    sweep: Any  # the SweepReport of the cases
    sites: pd.DataFrame
    hubs: pd.DataFrame
    draws: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def sweep_draws(instance: str | Path, draws_file: str | Path, n: int, *, out: str | Path, seed: int | None = None,
                workers: int = 1, scheduler: str | None = None, options: Any = None, force: bool = False,
                maps: bool = True, on_done: Any = None, warm: bool = True) -> DrawsReport:
    from edwc.workflow.price import write_csv
    from edwc.workflow.sweep import Case, prepare_sweep, sweep_instance

    instance, out = Path(instance), Path(out)
    if not (instance / "instance.yaml").is_file():
        raise InputError([Problem(str(instance), "not an instance folder (no instance.yaml)")], "edwc sweep")
    estimates, file_seed = read_draws(Path(draws_file))
    seed = seed if seed is not None else (file_seed if file_seed is not None else 0)
    scenarios, drawn = draw_cases(estimates, n, seed)
    cases = [Case(name, name) for name in scenarios]
    with tempfile.TemporaryDirectory(prefix="edwc-draws-") as tmp:
        # Everything that can refuse the sweep (a bad `set` or `scale`, an --out edwc did not write) is
        # checked on a scratch copy before anything is written under --out.
        scratch = write_draw_instance(instance, scenarios, Path(tmp) / "instance")
        prepare_sweep(scratch, cases, out, scheduler)
        inst_dir = out / "instance"
        if inst_dir.exists():  # the draws of an earlier run into this (edwc-marked) sweep folder
            shutil.rmtree(inst_dir)
        shutil.copytree(scratch, inst_dir)
    write_csv(drawn, out / "draws.csv")
    t0 = time.perf_counter()
    rep = sweep_instance(inst_dir, cases, out=out, workers=workers, scheduler=scheduler, options=options,
                         force=force, on_done=on_done, prepared=True, warm=warm)
    plans = {c.name: built_by_site(out / c.name) for c in cases if (out / c.name / "summary.json").is_file()}
    if not plans:
        return DrawsReport(rep, pd.DataFrame(), pd.DataFrame(), drawn, [out / "draws.csv"], time.perf_counter() - t0)
    sites, hubs = summarise(plans)
    files = [out / "draws.csv", write_csv(sites, out / "uncertainty_sites.csv"), write_csv(hubs, out / "uncertainty_hubs.csv")]
    if maps:
        files.append(plot_hubs(plans, out / "uncertainty.png", f"{instance.name}: IT MW built per hub over {len(plans)} drawn cases"))
        files.append(site_map(out, sites, len(plans)))
    return DrawsReport(rep, sites, hubs, drawn, files, time.perf_counter() - t0)


def plot_hubs(plans: dict[str, pd.DataFrame], path: Path, title: str) -> Path:
    import matplotlib
    from matplotlib.figure import Figure

    from edwc.maps.base import register_font

    by_hub = pd.DataFrame({n: p.assign(hub=p["hub"].fillna("(no hub)")).groupby("hub")["built_mw"].sum()
                           for n, p in plans.items()}).fillna(0.0)
    by_hub = by_hub.loc[by_hub.median(axis=1).sort_values(ascending=False).index]
    with matplotlib.rc_context({"font.family": [register_font(), "DejaVu Sans"]}):
        fig = Figure(figsize=(max(6.0, 0.7 * len(by_hub) + 2), 5), dpi=150)
        ax = fig.add_subplot()
        ax.boxplot([by_hub.loc[h].to_numpy() for h in by_hub.index], tick_labels=list(by_hub.index), whis=(10, 90),
                   showmeans=True)
        ax.set_ylabel("IT MW built (all periods)")
        ax.set_title(title + "\n(box: quartiles, whiskers: 10th–90th percentile, triangle: mean)", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.tick_params(axis="x", rotation=30, labelsize=8)
        fig.tight_layout()
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format="png")
        tmp.replace(path)
    return path


def site_map(out: Path, sites: pd.DataFrame, cases: int) -> Path:
    from edwc.maps.decisions import site_status_map

    geo = pd.read_csv(out / "instance" / "sites.csv", dtype={"site": str, "region": str, "hub": str})
    shown = sites[sites["builds_share"] > 0][["site", "builds_share", "built_mw_mean"]].rename(columns={"built_mw_mean": "size"})
    return site_status_map(out, shown, geo, f"How often each site is built at, over {cases} drawn cases",
                           "Colour: share of the cases that build there; circle area ∝ mean IT MW built. "
                           "Sites never built at are not drawn.", "uncertainty_map.png", column="builds_share",
                           cmap="YlOrRd")


def render_draws(rep: DrawsReport, top: int = 12) -> str:
    if rep.sites.empty:
        return "no case was solved: nothing to summarise"
    lines = ["sites built at most often (share of cases; mean [p10–p90] IT MW built):"]
    for r in rep.sites.head(top).itertuples(index=False):
        opened = "" if pd.isna(r.opened_share) else f", opened in {r.opened_share:.0%}"
        lines.append(f"  {r.site:<18} {r.builds_share:>5.0%}{opened}; {r.built_mw_mean:,.0f} "
                     f"[{r.built_mw_p10:,.0f}–{r.built_mw_p90:,.0f}] MW")
    lines.append("IT MW built per hub, median [p10–p90]: " + ", ".join(
        f"{r.hub} {r.built_mw_p50:,.0f} [{r.built_mw_p10:,.0f}–{r.built_mw_p90:,.0f}]" for r in rep.hubs.itertuples(index=False)))
    lines.append("draws: " + ", ".join(p.name for p in rep.files))
    return "\n".join(lines)
