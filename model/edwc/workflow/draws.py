"""`edwc sweep INSTANCE --draws FILE --n N [--seed S]`: N cases drawn from uncertain estimates, solved
in parallel, and what they agree on.

The drawn cases become named scenarios of a copy of the instance (OUT/instance/), so each case's
result folder reproduces it exactly; the draws are in OUT/draws.csv. Across the solved cases:
OUT/uncertainty_sites.csv (how often each site is opened and built at, IT MW built: mean, p10,
p50, p90), OUT/uncertainty_hubs.csv (IT MW built per hub), OUT/uncertainty.png (per hub, a box of
the cases) and OUT/uncertainty_map.png (sites by how often they are built at).
"""

from __future__ import annotations

import hashlib
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
                maps: bool = True, on_done: Any = None, log: Any = None, lang: str = "zh",
                warm: bool = True) -> DrawsReport:
    from edwc.workflow.price import write_csv
    from edwc.workflow.sweep import Case, instance_digest, start_run, sweep_instance

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
        spec = {"command": "draws", "draws": hashlib.sha256(Path(draws_file).read_bytes()).hexdigest()[:16], "n": n,
                "seed": seed, "instance": instance_digest(instance), "options": repr(options)}
        start_run(scratch, cases, out, scheduler, spec, "set of drawn cases", log)  # another run's folder is kept aside
        inst_dir = out / "instance"
        if inst_dir.exists():  # this run's own draws instance, from an interrupted start: the same files
            shutil.rmtree(inst_dir)
        shutil.copytree(scratch, inst_dir)
    write_csv(drawn, out / "draws.csv")
    t0 = time.perf_counter()
    rep = sweep_instance(inst_dir, cases, out=out, workers=workers, scheduler=scheduler, options=options,
                         force=force, on_done=on_done, prepared=True, lang=lang, warm=warm)
    plans = {c.name: built_by_site(out / c.name) for c in cases if (out / c.name / "summary.json").is_file()}
    if not plans:
        return DrawsReport(rep, pd.DataFrame(), pd.DataFrame(), drawn, [out / "draws.csv"], time.perf_counter() - t0)
    sites, hubs = summarise(plans)
    files = [out / "draws.csv", write_csv(sites, out / "uncertainty_sites.csv"), write_csv(hubs, out / "uncertainty_hubs.csv")]
    if maps:
        files += draw_charts(out, plans, sites, instance.name, lang)
    return DrawsReport(rep, sites, hubs, drawn, files, time.perf_counter() - t0)


def draw_charts(out: Path, plans: dict[str, pd.DataFrame], sites: pd.DataFrame, name: str, lang: str) -> list[Path]:
    """uncertainty[.en].png (IT MW per hub over the cases) and uncertainty_map[.en].png (sites by how often
    they are built at)."""
    from edwc.analysis.uncertainty_chart import plot_hubs, sites_at_limit, unmet_shares
    from edwc.maps.i18n import suffix
    from edwc.maps.sites_map import uncertainty_map

    limits = sites_at_limit([out / c for c in plans])
    unmet = unmet_shares([out / c for c in plans])
    return [plot_hubs(plans, out / "instance", out / f"uncertainty{suffix(lang)}.png", name, lang, limits, unmet),
            uncertainty_map(out, sites, out / "instance", len(plans), lang)]


def render_draws(rep: DrawsReport, top: int = 12) -> str:
    """The terminal summary of the draws: sites and hubs by name beside their ids."""
    from edwc.results.names import read_names

    if rep.sites.empty:
        return "no case was solved: nothing to summarise"
    names = read_names(rep.files[0].parent / "instance") if rep.files else None

    def site(x: str) -> str:
        return x if names is None else f"{names.of('sites', [x], 'en', short=True).iloc[0]} ({x})"

    def hub(x: str) -> str:
        return x if names is None or x == "(no hub)" else f"{names.of('hubs', [x], 'en', short=True).iloc[0]} ({x})"

    lines = ["sites built at most often (share of cases; mean [p10–p90] IT MW built):"]
    width = max((len(site(s)) for s in rep.sites.head(top)["site"]), default=18)
    for r in rep.sites.head(top).itertuples(index=False):
        opened = "" if pd.isna(r.opened_share) else f", opened in {r.opened_share:.0%}"
        lines.append(f"  {site(r.site):<{width}} {r.builds_share:>5.0%}{opened}; {r.built_mw_mean:,.0f} "
                     f"[{r.built_mw_p10:,.0f}–{r.built_mw_p90:,.0f}] MW")
    lines.append("IT MW built per hub, median [p10–p90]: " + ", ".join(
        f"{hub(r.hub)} {r.built_mw_p50:,.0f} [{r.built_mw_p10:,.0f}–{r.built_mw_p90:,.0f}]"
        for r in rep.hubs.itertuples(index=False)))
    lines.append(f"written to {rep.files[0].parent}: " + ", ".join(p.name for p in rep.files) if rep.files else "")
    return "\n".join(lines)
