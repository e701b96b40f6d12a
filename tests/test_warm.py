"""Warm starts and parallel search (edwc.solve.warm) change no plan: with the real HiGHS at a zero gap,
cold, warm (a start marked near included) and parallel solves reach the same optimum, every plan passes
the independent check, and a start the case cannot use is repaired or dropped, never handed to HiGHS as
it is."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_lazy import tight_tiny

from conftest import copy_instance, solve
from edwc.decisions.fixed import plan_start
from edwc.solve.cores import machine_cores, share_cores
from edwc.solve.highs import TIE_TOL
from edwc.solve.warm import Start, start_vector

REL = 1e-7  # two optima of one case agree to this (relative); plans may differ where costs tie
NEIGHBOUR = {"policy.carbon_price_cny_per_t": 300}  # a case a few settings away from the base


def small_cities(tmp: Path, seed: int = 1) -> Path:
    """A 16-city synthetic instance whose inter-city trunks (150 Gbps, 3 upgrades) bind."""
    from conftest import tight_city_instance

    return tight_city_instance(tmp, seed, n_regions=16, n_sites=4)


def same(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(1.0, abs(a))


@pytest.mark.parametrize("network", ["full", "lazy"])
@pytest.mark.parametrize("which", ["tiny", "cities"])
def test_every_path_reaches_the_same_optimum(tmp_path: Path, network: str, which: str) -> None:
    folder = tight_tiny(tmp_path) if which == "tiny" else small_cities(tmp_path)
    base = solve(folder, tmp_path / "base", network=network, mip_gap=0.0)
    start = plan_start(tmp_path / "base")
    assert start is not None and len(start) >= base.summary["sizes"]["variables"] - 1
    cold = solve(folder, tmp_path / "cold", sets=NEIGHBOUR, network=network, mip_gap=0.0)
    warm = solve(folder, tmp_path / "warm", sets=NEIGHBOUR, network=network, mip_gap=0.0, starts=[start])
    threads = min(2, machine_cores())
    par = solve(folder, tmp_path / "par", sets=NEIGHBOUR, network=network, mip_gap=0.0, threads=threads,
                starts=[start])
    # a start marked near (price's): HiGHS runs without its sub-MIP heuristics, to the same optimum
    near = solve(folder, tmp_path / "near", sets=NEIGHBOUR, network=network, mip_gap=0.0,
                 starts=[replace(start, near=True)])
    assert cold.summary["start"] == "none"
    assert warm.summary["start"] in ("used", "repaired") and par.summary["start"] in ("used", "repaired")
    for r in (cold, warm, par, near):  # solve() runs the independent check: a plan that failed it raised
        assert r.summary["status"] == "optimal" and r.summary["mip_gap"] <= TIE_TOL
    assert same(warm.summary["objective_cny"], cold.summary["objective_cny"])
    assert same(par.summary["objective_cny"], cold.summary["objective_cny"])
    assert same(near.summary["objective_cny"], cold.summary["objective_cny"])
    # the start from the same case is its own optimum: warm gives it back, at the same cost
    again = solve(folder, tmp_path / "again", network=network, mip_gap=0.0, starts=[start])
    assert same(again.summary["objective_cny"], base.summary["objective_cny"])


def test_a_start_the_case_cannot_use_is_dropped(tmp_path: Path) -> None:
    """Nothing built and all demand to be served: no repair can make that plan feasible."""
    tiny = copy_instance("tiny", tmp_path)
    solve(tiny, tmp_path / "base", mip_gap=0.0)
    start = plan_start(tmp_path / "base")
    assert start is not None
    empty = {k: ({i: 0.0 for i in v} if k in ("open", "modules") else v) for k, v in start.values.items()}
    bad = Start(empty, start.rows)
    case = {"explore.unmet_pflops_max": 0.0}
    cold = solve(tiny, tmp_path / "cold", sets=case, mip_gap=0.0)
    for network in ("full", "lazy"):
        warm = solve(tiny, tmp_path / f"warm-{network}", sets=case, mip_gap=0.0, network=network, starts=[bad])
        assert warm.summary["start"] == "dropped"
        assert same(warm.summary["objective_cny"], cold.summary["objective_cny"])


def test_a_start_infeasible_for_the_case_is_repaired(tmp_path: Path) -> None:
    """Twice the batch demand: the base plan's flows break the demand rows, its campuses still serve."""
    tiny = copy_instance("tiny", tmp_path)
    solve(tiny, tmp_path / "base", mip_gap=0.0)
    start = plan_start(tmp_path / "base")
    assert start is not None
    cold = solve(tiny, tmp_path / "cold", scenario="double-batch", mip_gap=0.0)
    for network in ("full", "lazy"):
        warm = solve(tiny, tmp_path / f"warm-{network}", scenario="double-batch", mip_gap=0.0, network=network,
                     starts=[start])
        assert warm.summary["start"] == "repaired"
        assert same(warm.summary["objective_cny"], cold.summary["objective_cny"])


def test_start_is_matched_by_name_not_position(tmp_path: Path) -> None:
    """A start from the full model fits the lazy model's columns (fewer, in another order) by name."""
    from edwc.formulation.build import build_model
    from edwc.network.reach import load_valid_instance
    from edwc.solve.handover import to_highs

    folder = tight_tiny(tmp_path)
    solve(folder, tmp_path / "base", network="full", mip_gap=0.0)
    start = plan_start(tmp_path / "base")
    assert start is not None
    m, _ = build_model(load_valid_instance(folder), network="lazy")
    hm = to_highs(m)
    x, known = start_vector(hm, start)
    assert known.sum() == len(hm.columns)  # every column of the lazy model is a variable of the base plan
    for j, v in enumerate(hm.columns):
        assert x[j] == pytest.approx(start.values[v.parent_component().name][v.index()], abs=1e-9)


def test_lazy_maximisation_reaches_the_full_optimum(tmp_path: Path) -> None:
    """An alternative's objective (max MW at one site) on the lazy network: its gap counts the right way."""
    folder = small_cities(tmp_path)
    base = solve(folder, tmp_path / "base", mip_gap=0.0)
    site = base.tables["capacity"].groupby("site")["built_pflops"].sum().idxmin()
    case = {"explore.cost_max_cny": base.summary["objective_cny"] * 1.05, "explore.objective": f"max:built_mw:site={site}"}
    full = solve(folder, tmp_path / "full", sets=case, network="full", mip_gap=0.0)
    lazy = solve(folder, tmp_path / "lazy", sets=case, network="lazy", mip_gap=0.0)
    built = [float(r.tables["capacity"].loc[r.tables["capacity"]["site"] == site, "built_pflops"].sum()) for r in (full, lazy)]
    assert built[0] > 0, "the alternative builds nothing at the site: the test is void"
    assert built[0] == pytest.approx(built[1], rel=1e-9)


def test_sweep_warm_matches_cold(tmp_path: Path) -> None:
    """A --vary sweep warm (the lead case first, the others from its plan) gives the cold sweep's plans."""
    from edwc.workflow.sweep import Case, SolveOptions, sweep_instance

    folder = tight_tiny(tmp_path)
    cases = [Case(f"c{p}", None, {"policy.carbon_price_cny_per_t": p}) for p in (0, 150, 400)]
    reps = {w: sweep_instance(folder, cases, out=tmp_path / f"sweep-{w}", workers=2, options=SolveOptions(),
                              warm=w) for w in (False, True)}
    cold, warm = (reps[w].index.set_index("case") for w in (False, True))
    for c in cases:
        assert same(float(warm.loc[c.name, "objective_cny"]), float(cold.loc[c.name, "objective_cny"]))
    import json

    starts = {c.name: json.loads((tmp_path / "sweep-True" / c.name / "summary.json").read_text())["start"] for c in cases}
    assert starts["c0"] == "none" and {starts["c150"], starts["c400"]} <= {"used", "repaired"}


def test_cores_are_shared_between_workers_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import edwc.solve.cores as cores

    monkeypatch.setattr(cores, "machine_cores", lambda: 8)
    assert share_cores(cases=20) == (8, 1)  # many cases: one per core
    assert share_cores(cases=20, threads=2) == (4, 2)
    assert share_cores(cases=2) == (2, 4)  # fewer cases than cores: the rest go to each case's search
    assert share_cores(cases=1, workers=1) == (1, 8)
    assert share_cores(cases=20, workers=3, threads=4) == (2, 4)  # never more than the cores
