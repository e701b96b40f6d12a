"""The tiny instance's optimum, worked out by hand.

Per PFLOPS for a year: a fully used PFLOPS draws 1000 kW x PUE x 1000 h, priced at the site (CNY/kWh);
installed IT draws idle_share 0.5 of that whether used or not, the other half only when used. So at
bj-dc (PUE 1.6, 1 CNY/kWh) each installed PFLOPS costs 0.8 M and each used one 0.8 M more; at west-1
(PUE 1.0, 0.5 CNY/kWh) 0.25 M + 0.25 M. Capex annuity = 1 (zero rate, one-year life): a 10-PFLOPS module
costs 5 M. Bandwidth: 100 CNY per Gbps-km-year for work served outside its region (batch 1 Gbps/PFLOPS).

  Realtime work must stay local: Beijing 10 at bj-dc, Shanghai 5 at sh-dc (west is > 5 ms away).
  bj-dc has 20 PFLOPS installed, 10 spare. Serving batch there costs its marginal 0.8 M/PFLOPS (the
  idle half is paid anyway); at west-1 it costs 5 M campus + per module 5 M capex + 2.5 M idle, plus
  0.25 M per PFLOPS used.
    B: 5 batch at bj-dc (4 M) + 20 at west-1 (5 + 2 x 7.5 + 5 = 25 M)         = 29 M
    A: all 25 batch at west-1 (5 + 3 x 7.5 + 6.25)                             = 33.75 M
    C: 10 batch at bj-dc (8 M) + 15 at west-1 (5 + 2 x 7.5 + 3.75)             = 31.75 M
  west-2 (PUE 1.3, campus 3 M) for B's 20: 3 + 2 x 8.25 + 6.5 = 26 M > 25 M. So B, and Beijing's own
  batch uses bj-dc (no bandwidth), Gansu's stays in Gansu: only 15 PFLOPS of Beijing batch travel
  1010 km: network 15 x 1 x 1010 x 100 = 1.515 M.
  Energy: bj-dc 1.6 x (0.5 x 20 + 0.5 x 15) = 28; sh-dc 1.5 x (0.5 x 5 + 0.5 x 5) = 7.5;
  west-1 0.5 x (0.5 x 20 + 0.5 x 20) = 10  =>  45.5 M.
  Total: campus 5 + IT capex 10 + energy 45.5 + network 1.515 = 62.015 M CNY.
"""

from __future__ import annotations

import pytest

from conftest import INSTANCES, solve


def test_tiny_optimum_by_hand(tmp_path):
    r = solve(INSTANCES / "tiny", tmp_path / "r")
    s = r.summary
    assert s["status"] == "optimal"
    # optimal to 1e-9: the tie-break among equal-cost plans may spend TIE_SLACK (1e-9 of the cost, docs/model.md)
    assert s["objective_cny"] == pytest.approx(62.015e6, rel=2e-9)
    assert s["cost_parts_cny"] == pytest.approx(
        {"campus": 5e6, "it_capex": 10e6, "facility_capex": 0.0, "energy": 45.5e6, "green_power": 0.0, "direct_supply": 0.0,
         "network": 1.515e6, "trunks": 0.0, "carbon": 0.0}, rel=0, abs=0.5  # to half a yuan, tie-break included
    )
    assert s["unmet_value_cny"] == pytest.approx(0.0, abs=1e-3)
    assert s["total_cost_cny"] == pytest.approx(s["objective_cny"], rel=1e-12)
    cap = r.tables["capacity"].set_index(["site", "class"])["built_pflops"]
    assert cap[("west-1", "general")] == 20
    assert cap.drop(("west-1", "general")).sum() == 0
    serve = r.tables["serve"].set_index(["region", "site", "workload"])["pflops"]
    assert serve.to_dict() == pytest.approx({
        ("110000", "west-1", "batch"): 15, ("110000", "bj-dc", "batch"): 5, ("110000", "bj-dc", "realtime"): 10,
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
