"""Decision analytics on small instances with the real HiGHS: the fixed-plan LP and its duals, policy
price tags, marginal values, the corridor ledger (worked by hand), the ε-constraint front and the
near-optimal alternatives."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import set_cell
from edwc.cli.main import main
from edwc.decisions.fixed import row_table, solve_fixed
from edwc.decisions.ledger import corridor_ledger
from edwc.decisions.unit_costs import UnitCosts
from edwc.workflow.run import solve_instance


def solved(instance: Path, out: Path, **sets: object) -> Path:
    solve_instance(instance, out=out, sets=dict(sets) or None, force=True, maps=False)
    return out


@pytest.fixture
def tiny_result(tiny: Path, tmp_path: Path) -> Path:
    return solved(tiny, tmp_path / "tiny-result")


@pytest.fixture
def greener_west2(tiny: Path) -> Path:
    """tiny with a trade-off: west-1 is cheap but dirty (0.9 t/MWh), west-2 dearer but clean (0.2)."""
    set_cell(tiny, "sites", {"site": "west-1"}, "grid_co2_t_per_mwh", 0.9)
    set_cell(tiny, "sites", {"site": "west-2"}, "grid_co2_t_per_mwh", 0.2)
    return tiny


def test_fixed_plan_lp_reproduces_the_plan_cost(tiny_result: Path) -> None:
    plan = solve_fixed(tiny_result)
    summary = json.loads((tiny_result / "summary.json").read_text())
    assert plan.status == "optimal"
    # the solve may spend 1e-9 of the cost on the tie-break among equal-cost plans (docs/model.md)
    assert plan.objective_cny == pytest.approx(summary["objective_cny"], rel=2e-9)
    import pyomo.environ as pyo

    ints = [v for v in plan.model.component_data_objects(pyo.Var) if v.fixed]
    assert len(ints) == 13 and all(v.is_continuous() for v in ints)  # open 2, modules 4, wavelengths 7: fixed, LP


def test_marginal_cost_of_compute_is_the_cost_of_one_more_pflops(tiny_result: Path, tiny: Path, tmp_path: Path) -> None:
    """The dual of demand_balance[620000, batch] equals the change of the fixed-plan cost when that demand
    grows by one PFLOPS. west-1 is full (20 built, 20 used) and bj-dc has 5 PFLOPS spare, so the extra
    PFLOPS of Gansu's batch takes a place at west-1 (+0.25 M of used-half energy) and pushes one PFLOPS of
    Beijing's batch back to bj-dc (+0.8 M there, −0.25 M at west-1, −1 Gbps x 1010 km x 100 CNY of
    bandwidth = −0.101 M): 0.699 M CNY per PFLOPS-year (instances/tiny, see tests/test_tiny.py)."""
    plan = solve_fixed(tiny_result)
    duals = row_table(plan, "demand_balance").set_index("index")["dual_cny"]
    assert duals[("620000", "batch", 2025)] == pytest.approx(699_000)
    set_cell(tiny_result / "instance", "demand", {"region": "620000", "workload": "batch"}, "pflops", 6)
    more = solve_fixed(tiny_result)
    assert more.objective_cny - plan.objective_cny == pytest.approx(699_000, rel=1e-9)


def test_corridor_ledger_by_hand(tiny: Path, tmp_path: Path) -> None:
    """Beijing's batch work goes to west-1; with bj-dc able to build, the ledger sets the flow against
    serving it there. Per PFLOPS-year (instances/tiny: annuities 1, 1000 h, load factor 1, idle share 0.5,
    utilisation_max 1, bandwidth 100 CNY per Gbps-km-year, trunk upgrades 1e6 CNY per 100 Gbps):
    flow to west-1: capacity 500,000; energy 1000 kW x PUE 1.0 x 1000 h x (0.5 + 0.5) x 0.5 CNY/kWh = 500,000;
                    network 1 Gbps x 1010 km x 100 = 101,000; trunks (bj-gs, w1-access) 2 x 10,000 -> 1,121,000
    alt at bj-dc:   capacity 500,000; energy 1000 x 1.6 x 1000 x 1.0 = 1,600,000; no bandwidth inside the
                    region; trunks (bj-access) 10,000 -> 2,110,000.
    Emissions: 1,000 MWh x 0.5 = 500 t against 1,600 MWh x 0.6 = 960 t."""
    set_cell(tiny, "site_classes", {"site": "bj-dc", "class": "general"}, "max_modules", 5)
    res = solved(tiny, tmp_path / "r")
    plan = solve_fixed(res)
    ledger = corridor_ledger(UnitCosts(plan.inst, plan.data), pd.read_csv(res / "serve.csv", dtype={"region": str}))
    row = ledger.set_index(["region", "site", "workload"]).loc[("110000", "west-1", "batch")]
    p = row["pflops"]
    assert p > 0 and row["alt_site"] == "bj-dc"
    per = {k: row[f"{k}_cny"] / p for k in ("capacity", "energy", "network", "trunks")}
    assert per == pytest.approx({"capacity": 5e5, "energy": 5e5, "network": 1.01e5, "trunks": 2e4})
    assert (row["cost_cny"] / p, row["alt_cost_cny"] / p) == pytest.approx((1.121e6, 2.11e6))
    assert (row["emissions_t"] / p, row["alt_emissions_t"] / p) == pytest.approx((500, 960))
    assert row["verdict"] == "move bits"
    local = ledger.set_index(["region", "workload", "site"]).loc[("110000", "realtime", "bj-dc")]
    assert local["verdict"] == "served at the nearest own-side site" and local["saving_cny"] == 0


def test_shadow_price_of_a_policy_is_its_duals_times_the_setting(tiny: Path, tmp_path: Path) -> None:
    """max_site_share: serve <= share x demand. The fixed-plan price of tightening the share by one unit
    (a central difference of the LP) equals −Σ dual x demand over its rows."""
    from edwc.decisions.policies import policy_settings, tag

    res = solved(tiny, tmp_path / "r", **{"policy.max_site_share": 0.7})
    plan = solve_fixed(res)
    settings = policy_settings(plan.inst)
    assert settings["max_site_share"].key == "policy.max_site_share" and settings["max_site_share"].value == 0.7
    t = tag(plan, "max_site_share", settings["max_site_share"], res, None)
    rows = row_table(plan, "max_site_share")
    by_dual = -sum(dual * plan.data.demand[(r, w, p)] for (r, _s, w, p), dual in zip(rows["index"], rows["dual_cny"], strict=True))
    assert by_dual > 0
    assert t.shadow_cny_per_unit == pytest.approx(by_dual, rel=1e-4)


def test_edwc_price_tags_bind_and_cost_what_a_solve_without_them_says(tiny: Path, tmp_path: Path) -> None:
    """max_site_share = 0.7 binds (Beijing and Shanghai real-time work has one site in reach, so 30 % goes
    unmet); a carbon cap of 1e6 t does not bind. Full cost = cost with − cost without (a separate solve)."""
    res = solved(tiny, tmp_path / "r", **{"policy.max_site_share": 0.7, "policy.carbon_cap_t": 1e6})
    run = CliRunner().invoke(main, ["price", str(res), "--workers", "2", "--no-map"])
    assert run.exit_code == 0, run.output
    costs = pd.read_csv(res / "policy_costs.csv").set_index("policy")
    assert costs.loc["max_site_share", "binds"] == "yes" and costs.loc["carbon_cap", "binds"] == "no"
    without = solved(tiny, tmp_path / "w", **{"policy.carbon_cap_t": 1e6})
    cost_without = json.loads((without / "summary.json").read_text())["objective_cny"]
    cost_with = json.loads((res / "summary.json").read_text())["objective_cny"]
    assert costs.loc["max_site_share", "full_cost_cny"] == pytest.approx(cost_with - cost_without, rel=1e-9)
    assert costs.loc["carbon_cap", "full_cost_cny"] == pytest.approx(0, abs=1e-3)
    assert (res / costs.loc["max_site_share", "without_folder"] / "summary.json").is_file()
    prices = json.loads((res / "summary.json").read_text())["policy_prices_cny"]
    assert prices == pytest.approx({"max_site_share": cost_with - cost_without, "carbon_cap_t": 0.0})
    assert "max_site_share (policy.max_site_share = 0.7): binding, costs" in run.output
    for name in ("marginal_compute", "marginal_sites", "marginal_trunks", "corridors", "corridor_flows", "policy_duals"):
        assert len(pd.read_csv(res / f"{name}.csv")) > 0, name
    report = CliRunner().invoke(main, ["report", str(res)])
    assert report.exit_code == 0 and "policy price tags:" in report.output and "marginal cost of compute" in report.output


def test_marginal_values_of_sites_and_trunks(tiny_result: Path) -> None:
    """west-1's new general capacity is full: one more PFLOPS there lets a PFLOPS of Beijing's batch leave
    bj-dc's spare capacity (−0.8 M used-half energy) for west-1 (+0.25 M, +0.101 M of bandwidth): worth
    449,000 CNY a year, and as much the other way (bj-dc has room), so the dual is unique. One MW holds
    1000 / (1000 kW x PUE 1.0) = 1 PFLOPS, which costs 500,000 of capex and 250,000 of idle draw a year."""
    from edwc.decisions.marginal import site_values, trunk_values

    plan = solve_fixed(tiny_result)
    unit = UnitCosts(plan.inst, plan.data)
    sites = site_values(plan, unit).set_index(["site", "class", "vintage"])
    w1 = sites.loc[("west-1", "general", "new")]
    assert w1["value_cny_per_pflops_year"] == pytest.approx(449_000)
    assert (w1["value_cny_per_mw_year"], w1["build_cost_cny_per_mw_year"]) == pytest.approx((449_000, 750_000))
    assert w1["net_value_cny_per_mw_year"] == pytest.approx(-301_000)
    assert sites.loc[("bj-dc", "general", "existing"), "value_cny_per_pflops_year"] == 0  # 5 of its 20 spare
    trunks = trunk_values(plan, unit)
    assert (trunks["value_cny_per_gbps_year"] == 0).all() and (trunks["spare_gbps"] > 0).all()
    assert set(trunks["upgrade_cost_cny_per_gbps_year"]) == {10_000}


@pytest.mark.slow
def test_pareto_front_is_monotone(greener_west2: Path, tmp_path: Path) -> None:
    out = tmp_path / "front"
    run = CliRunner().invoke(main, ["pareto", str(greener_west2), "--points", "5", "--out", str(out), "--workers", "2"])
    assert run.exit_code == 0, run.output
    points = pd.read_csv(out / "points.csv")
    front = pd.read_csv(out / "front.csv").sort_values("emissions")
    assert len(front) >= 3 and (out / "front.png").stat().st_size > 10_000
    assert front["cost_cny"].diff().dropna().lt(0).all()  # less emissions always costs more
    base = points.set_index("point").loc["base"]
    assert base["emissions"] == points["emissions"].max() and base["cost_cny"] == points["cost_cny"].min()
    bounded = points.dropna(subset=["epsilon"])
    assert (bounded["emissions"] <= bounded["epsilon"] * (1 + 1e-7)).all()  # to HiGHS's feasibility tolerance
    for folder in points["folder"]:
        assert json.loads((out / folder / "summary.json").read_text())["status"] == "optimal"
    lo = json.loads((out / "min-emissions" / "summary.json").read_text())
    assert lo["objective_solved"] == "min:emissions" and lo["best_bound_cny"] is None


@pytest.mark.slow
def test_alternatives_stay_within_the_slack_and_say_what_is_firm(greener_west2: Path, tmp_path: Path) -> None:
    res = solved(greener_west2, tmp_path / "r")
    run = CliRunner().invoke(main, ["alternatives", str(res), "--slack", "0.05", "--n", "4", "--workers", "2"])
    assert run.exit_code == 0, run.output
    out = res / "alternatives"
    plans = pd.read_csv(out / "plans.csv").set_index("plan")
    assert len(plans) == 5 and (plans["cost_over_optimum"] <= 0.05 + 1e-9).all()
    firm = pd.read_csv(out / "firm.csv").set_index("site")
    assert set(firm["status"]) <= {"firm", "choice", "never"}
    built = firm.filter(like="built_mw:")
    assert ((built > 1e-6).all(axis=1) == (firm["status"] == "firm")).all()
    assert firm.loc["bj-dc", "status"] == "never"  # nothing can be built there
    hubs = pd.read_csv(out / "hubs.csv").set_index("hub")
    assert hubs.loc["west", "most_mw"] >= hubs.loc["west", "least_mw"]
    assert (out / "firm.png").stat().st_size > 10_000
    assert "firm (" in run.output and "choice (" in run.output
    # the optimum is the reference bar of kpis.png; each plan's status says how its solve ended
    assert (out / "kpis.png").stat().st_size > 10_000 and "kpis.png (the optimum first)" in run.output
    assert plans["status"].str.match(r"^(optimal|time_limit|stopped)").all() and "Interrupted" not in run.output


DRAWS = """seed: 7
draws:
  - scale: {table: demand, where: {workload: batch}, column: pflops}
    triangular: [0.5, 1.0, 2.0]
  - scale: {table: sites, where: {site: west-1}, column: power_price_cny_per_kwh}
    uniform: [0.6, 1.6]
  - set: finance.load_factor
    normal: {mean: 0.9, sd: 0.1, high: 1.0}
"""


@pytest.mark.slow
def test_draws_are_seeded_reproducible_and_summarised(tiny: Path, tmp_path: Path) -> None:
    from edwc.decisions.draws import draw_cases, read_draws

    (tmp_path / "draws.yaml").write_text(DRAWS)
    estimates, seed = read_draws(tmp_path / "draws.yaml")
    _, first = draw_cases(estimates, 3, seed)
    _, more = draw_cases(estimates, 5, seed)
    pd.testing.assert_frame_equal(first, more.head(3))  # more cases leave the earlier ones unchanged
    assert first["finance.load_factor"].le(1.0).all() and first["demand.pflops[workload=batch]"].between(0.5, 2.0).all()
    run = CliRunner().invoke(main, ["sweep", str(tiny), "--draws", str(tmp_path / "draws.yaml"), "--n", "4",
                                    "--workers", "2", "--out", str(tmp_path / "d")])
    assert run.exit_code == 0, run.output
    assert "4 solved" in run.output and "sites built at most often" in run.output
    again = pd.read_csv(tmp_path / "d" / "draws.csv")
    assert again["finance.load_factor"].tolist() == pytest.approx(more["finance.load_factor"].head(4).tolist())
    for case in ("draw-001", "draw-004"):  # each case reproduces from its own folder
        s = json.loads((tmp_path / "d" / case / "summary.json").read_text())
        direct = solve_instance(tmp_path / "d" / case / "instance", out=tmp_path / f"direct-{case}", maps=False)[1]
        assert direct.summary["objective_cny"] == pytest.approx(s["objective_cny"], rel=1e-9)
    sites = pd.read_csv(tmp_path / "d" / "uncertainty_sites.csv").set_index("site")
    assert sites.loc["bj-dc", "builds_share"] == 0 and sites.loc[["west-1", "west-2"], "builds_share"].sum() >= 1
    hubs = pd.read_csv(tmp_path / "d" / "uncertainty_hubs.csv").set_index("hub")
    assert hubs.loc["west", "built_mw_min"] <= hubs.loc["west", "built_mw_p50"] <= hubs.loc["west", "built_mw_max"]
    assert (tmp_path / "d" / "uncertainty.png").is_file() and (tmp_path / "d" / "uncertainty_map.png").is_file()


def test_a_bad_draws_file_lists_every_problem_before_any_solve(tiny: Path, tmp_path: Path) -> None:
    from edwc.errors import InputError
    from edwc.workflow.draws import sweep_draws

    (tmp_path / "bad.yaml").write_text("""seed: -1
draws:
  - set: finance.no_such_key
    uniform: [1, 2]
  - set: finance.load_factor
    triangular: [1, 0.5, 2]
  - scale: {table: demand, column: pflops}
    gamma: [1, 2]
""")
    with pytest.raises(InputError) as e:
        sweep_draws(tiny, tmp_path / "bad.yaml", 3, out=tmp_path / "d")
    text = e.value.render()
    for what in ("seed must be", "finance.no_such_key", "triangular: [low, mode, high]", "draws[3]"):
        assert what in text, text
    assert not (tmp_path / "d").exists()


@pytest.mark.slow
def test_pareto_against_latency(tiny: Path, tmp_path: Path) -> None:
    """Beijing's batch work can stay on bj-dc's spare capacity (1 ms) instead of travelling to west-1
    (10.9 ms): a shorter mean round trip costs more, and the front says by how much."""
    out = tmp_path / "front"
    run = CliRunner().invoke(main, ["pareto", str(tiny), "--against", "latency", "--points", "3", "--out", str(out),
                                    "--workers", "2"])
    assert run.exit_code == 0, run.output
    front = pd.read_csv(out / "front.csv").sort_values("latency")
    assert len(front) >= 2 and front["cost_cny"].diff().dropna().lt(0).all()
    points = pd.read_csv(out / "points.csv").set_index("point")
    lo = json.loads((out / "min-latency" / "summary.json").read_text())
    assert lo["objective_solved"] == "min:rtt"
    assert points["latency"].min() < points.loc["base", "latency"]
