"""The tiny instance's optimum, worked out by hand.

Per PFLOPS served for a year: energy = 1000 kW x PUE x 1000 h x price (CNY/kWh); capex annuity = 1
(zero discount rate, one-year lifetime); modules are 10 PFLOPS at 0.5 M CNY/PFLOPS = 5 M CNY.

  Beijing realtime 10 and Shanghai realtime 5 can only use bj-dc / sh-dc (west is > 5 ms away).
  bj-dc energy 1.6 M/PFLOPS; west-1 energy 0.5 M + capex 0.5 M per PFLOPS (+ 5 M campus);
  west-2 0.65 M + 0.5 M (+ 3 M campus). All 25 PFLOPS of batch to west-1 with 3 modules:
    campus 5 M + capacity 15 M + energy (25 x 0.5 + 10 x 1.6 + 5 x 1.5) M = 36 M  =>  56 M CNY.
  Alternatives: 2 modules at west-1 and 5 batch at bj-dc: 5 + 10 + 10 + 24 + 7.5 = 56.5 M;
  west-2 instead of west-1: 3 + 15 + 16.25 + 23.5 = 57.75 M. So 56 M is the optimum.
"""

from __future__ import annotations

import pytest

from conftest import INSTANCES, solve


def test_tiny_optimum_by_hand(tmp_path):
    r = solve(INSTANCES / "tiny", tmp_path / "r")
    s = r.summary
    assert s["status"] == "optimal"
    assert s["objective_cny"] == pytest.approx(56e6, rel=1e-9)
    assert s["cost_parts_cny"] == pytest.approx(
        {"campus": 5e6, "capacity": 15e6, "energy": 36e6, "trunks": 0.0, "carbon": 0.0, "unmet": 0.0}, rel=1e-9, abs=1e-3
    )
    cap = r.tables["capacity"].set_index(["site", "class"])["built_pflops"]
    assert cap[("west-1", "general")] == 30
    assert cap.drop(("west-1", "general")).sum() == 0
    serve = r.tables["serve"].set_index(["region", "site", "workload"])["pflops"]
    assert serve.to_dict() == pytest.approx({
        ("110000", "west-1", "batch"): 20, ("110000", "bj-dc", "realtime"): 10,
        ("310000", "sh-dc", "realtime"): 5, ("620000", "west-1", "batch"): 5,
    })
    sites = r.tables["sites"].set_index("site")
    assert sites.loc["west-1", "newly_opened"] == 1 and sites.loc["west-2", "open"] == 0


def test_tiny_rtt_by_hand(tmp_path):
    """rtt = access 1 ms + 2 x km x 4.9 us/km: Beijing->west-1 over 1000 + 10 km = 10.898 ms."""
    from edwc.input.instance import load_instance
    from edwc.network.routes import rtt_table

    rtt = rtt_table(load_instance(INSTANCES / "tiny")).set_index(["region", "site"])["rtt_ms"]
    assert rtt[("110000", "west-1")] == pytest.approx(1 + 2 * 1010 * 4.9e-3)
    assert rtt[("110000", "bj-dc")] == pytest.approx(1 + 2 * 10 * 4.9e-3)
    assert rtt[("310000", "west-2")] == pytest.approx(1 + 2 * 1510 * 4.9e-3)
