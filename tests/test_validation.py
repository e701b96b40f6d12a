"""Each kind of bad input gives a located message (file, line, column), all problems at once, exit code 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import edit_table, set_cell
from edwc.cli.main import main
from edwc.errors import InputError
from edwc.network.reach import load_valid_instance as load_instance


def problems(folder, **kw) -> list[str]:
    with pytest.raises(InputError) as e:
        load_instance(folder, **kw)
    return [str(p) for p in e.value.problems]


def one(msgs: list[str], *parts: str) -> str:
    hits = [m for m in msgs if all(p in m for p in parts)]
    assert hits, f"no message with {parts} in:\n" + "\n".join(msgs)
    return hits[0]


def test_wrong_type_and_range_located(tiny):
    set_cell(tiny, "demand", {"region": "310000", "workload": "realtime"}, "pflops", "lots")
    set_cell(tiny, "sites", {"site": "west-1"}, "pue", "0.5")
    msgs = problems(tiny)
    assert one(msgs, "demand.csv", "line 4", "column 'pflops'", "expected a number", "'lots'")
    assert one(msgs, "sites.csv", "line 4", "column 'pue'", ">= 1")


def test_missing_and_unknown_columns(tiny):
    edit_table(tiny, "trunks", lambda df: df.drop(columns="capacity_gbps"))
    edit_table(tiny, "regions", lambda df: df.assign(gdp="1"))
    msgs = problems(tiny)
    one(msgs, "trunks.csv", "column 'capacity_gbps'", "required column is missing")
    one(msgs, "regions.csv", "column 'gdp'", "unknown column")


def test_duplicate_key(tiny):
    import pandas as pd

    edit_table(tiny, "sites", lambda df: pd.concat([df, df.iloc[[0]]], ignore_index=True))
    one(problems(tiny), "sites.csv", "line 6", "duplicate key (site=bj-dc)")


def test_unknown_references(tiny):
    set_cell(tiny, "demand", {"region": "310000", "workload": "realtime"}, "workload", "gaming")
    set_cell(tiny, "trunks", {"trunk": "bj-gs"}, "to", "mars")
    set_cell(tiny, "sites", {"site": "west-2"}, "hub", "north")
    msgs = problems(tiny)
    one(msgs, "demand.csv", "column 'workload'", "'gaming' is not a known workload")
    one(msgs, "trunks.csv", "column 'to'", "'mars' is not a known network node")
    one(msgs, "sites.csv", "column 'hub'", "'north' is not a known hub")


def test_yaml_unknown_key_and_bad_value(tiny):
    text = (tiny / "instance.yaml").read_text().replace("policy: {}", "policy: {west_shar_new_min: 0.5}")
    text = text.replace("discount_rate: 0.0", "discount_rate: -1")
    (tiny / "instance.yaml").write_text(text)
    msgs = problems(tiny)
    one(msgs, "instance.yaml", "policy.west_shar_new_min", "unknown setting")
    one(msgs, "instance.yaml", "finance.discount_rate", "greater than or equal to 0")


def test_yaml_syntax_error_has_line(tiny):
    (tiny / "instance.yaml").write_text("name: tiny\nperiods: [2025\n")
    one(problems(tiny), "instance.yaml", "not valid YAML", "line")


def test_empty_and_non_utf8_files(tiny):
    (tiny / "hubs.csv").write_text("")
    (tiny / "regions.csv").write_bytes("region,name_zh\n110000,北京\n".encode("gbk"))
    msgs = problems(tiny)
    one(msgs, "hubs.csv", "empty")
    one(msgs, "regions.csv", "not UTF-8")


def test_byte_order_mark_is_accepted(tiny):
    p = tiny / "regions.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert len(load_instance(tiny).regions) == 3


def test_unreachable_demand_reported_up_front(tiny):
    set_cell(tiny, "workloads", {"workload": "realtime"}, "max_rtt_ms", 0.5)
    msgs = problems(tiny)
    one(msgs, "demand.csv", "region 110000 workload realtime", "no site is within 0.5 ms")
    one(msgs, "demand.csv", "region 310000 workload realtime")


def test_parse_reference_and_reach_problems_in_one_run(tiny):
    """Latency reach is checked on the rows that have no other problem, beside those problems (issue 20, item 10)."""
    set_cell(tiny, "demand", {"region": "110000", "workload": "batch"}, "pflops", "lots")
    set_cell(tiny, "demand", {"region": "620000", "workload": "batch"}, "region", "999999")
    set_cell(tiny, "workloads", {"workload": "realtime"}, "max_rtt_ms", 0.5)
    res = CliRunner().invoke(main, ["validate", str(tiny)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    msgs = res.output.splitlines()
    one(msgs, "demand.csv, line 3, column 'pflops'", "expected a number", "'lots'")
    one(msgs, "demand.csv, line 5, column 'region'", "'999999' is not a known region")
    reach = one(msgs, "demand.csv, line 2, column 'workload'", "region 110000 workload realtime", "no site is within 0.5 ms")
    one(msgs, "demand.csv, line 4", "region 310000 workload realtime", "no site is within 0.5 ms")
    assert "checked without" not in reach  # only demand rows were left out: the network is whole
    assert "4 problems found" in res.output


def test_reach_checked_without_a_broken_trunk_says_so(tiny):
    set_cell(tiny, "trunks", {"trunk": "bj-access"}, "length_km", "far")
    msgs = problems(tiny)
    one(msgs, "trunks.csv, line 2, column 'length_km'", "expected a number")
    one(msgs, "region 110000 workload realtime", "checked without the rows of trunks.csv that have problems above")


def test_existing_power_over_limit(tiny):
    set_cell(tiny, "sites", {"site": "bj-dc"}, "max_facility_mw", 10)
    one(problems(tiny), "sites.csv", "max_facility_mw", "32.0 MW")


def test_set_unknown_key_and_scenario(tiny):
    one(problems(tiny, sets={"policy.carbon_prise": 1}), "--set", "'policy.carbon_prise' is not a setting")
    one(problems(tiny, scenario="nope"), "no scenario 'nope'", "carbon-price")


def test_all_problems_at_once_and_exit_code_2(tiny):
    set_cell(tiny, "demand", {"region": "310000", "workload": "realtime"}, "pflops", "-1")
    set_cell(tiny, "sites", {"site": "west-1"}, "grid_co2_t_per_mwh", "2.5")
    res = CliRunner().invoke(main, ["validate", str(tiny)])
    assert res.exit_code == 2
    assert "2 problems found" in res.output
    assert "Traceback" not in res.output
