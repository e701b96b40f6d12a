"""The result tables' columns that no constraint family reads: names, labels and derived figures a planner
reads (capacity's MW, energy and utilisation, sites' new IT and IT energy, trunks' utilisation and ends,
serve's network_km), each re-derived from the instance and the plan.

CHECKED lists, table by table, every column the check verifies (here or in families.py); a column of a
result table that is not listed fails the check, so a column added to the writer without its check here
fails `edwc check` and tests/test_check.py.
"""

from __future__ import annotations

import math

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.graph import Tree
from edwc.analysis.check.readers import NAME_SUFFIXES, OPTIONAL_COLUMNS, RESULT_COLUMNS, Plan
from edwc.analysis.check.report import MAX_ROWS_SHOWN, Rows, fmt

CHECKED: dict[str, tuple[str, ...]] = {
    "capacity": (*RESULT_COLUMNS["capacity"], "it_mw", "it_mw_new", "utilisation", "energy_new_mwh", "energy_mwh",
                 "it_energy_mwh", "blocks"),  # blocks: edwc.analysis.check.blocks
    "sites": (*RESULT_COLUMNS["sites"], "hub", "side", "it_mw_new", "it_energy_mwh", "green_matched_mwh", "spilled_mwh",
              "shell_mw", "shell_mw_new", "noload_mwh"),
    "serve": (*RESULT_COLUMNS["serve"], "network_km"),
    "unmet": RESULT_COLUMNS["unmet"],
    "trunks": (*RESULT_COLUMNS["trunks"], "from", "to", "length_km", "utilisation"),
    "kpis": (*RESULT_COLUMNS["kpis"], "unit"),
    "power": RESULT_COLUMNS["power"],  # every column re-checked by edwc.analysis.check.power
    "vintages": OPTIONAL_COLUMNS["vintages"],  # every column re-checked by edwc.analysis.check.families.check_vintages
}
NAMED = {"region": "regions", "site": "sites", "hub": "hubs"}  # id column -> the instance table naming it


def check_columns(p: Plan, d: Derived, trees: dict[str, Tree], r: Rows) -> None:
    _known_columns(p, r)
    _names(p, r)
    _capacity(p, d, r)
    _sites(p, d, r)
    _trunks(p, r)
    _serve(p, trees, r)


def _known_columns(p: Plan, r: Rows) -> None:
    for name, df in p.res.items():
        for col in df.columns:
            r.count("columns")
            named = any(col == f"{k}{suf}" for k in NAMED for suf in NAME_SUFFIXES)
            if col not in CHECKED[name] and not named:
                r.fail("columns", f"{name}.csv column '{col}'",
                       "not a column edwc writes, or one the check has no recomputation for (edwc.analysis.check.columns)")


def _names(p: Plan, r: Rows) -> None:
    """Every name column beside an id says the instance's name of that id."""
    for tname, df in p.res.items():
        for key, itable in NAMED.items():
            if key not in df.columns or itable not in p.inst:
                continue
            names = p.inst[itable].set_index(key)
            for suf in NAME_SUFFIXES:
                col, src = f"{key}{suf}", suf.removeprefix("_")
                if col not in df.columns or src not in names.columns:
                    continue
                want = df[key].map(lambda k, names=names, src=src: _text(names[src].get(k)))
                bad = df.index[df[col].map(_text) != want]
                r.count("names", len(df))
                for i in bad[:MAX_ROWS_SHOWN]:
                    r.fail("names", f"{tname}.csv line {i + 2}", f"{col} '{df.at[i, col]}', the instance names {key} "
                           f"'{df.at[i, key]}' '{want[i]}'")


def _text(x: object) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)


def _eq_or_both_undefined(r: Rows, fam: str, row: str, got: float, want: float, scale: float, what: str) -> None:
    if math.isnan(want) or math.isnan(got):
        r.count(fam)
        if not (math.isnan(want) and math.isnan(got)):
            r.fail(fam, row, what.format(lhs=fmt(got), rhs=fmt(want)))
        return
    r.eq(fam, row, got, want, scale, what)


def _capacity(p: Plan, d: Derived, r: Rows) -> None:
    cl = p.inst["classes"].set_index("class")
    site = p.inst["sites"].set_index("site")
    cols = ["site", "class", "period", "installed_pflops", "served_pflops", "it_mw", "it_mw_new", "utilisation",
            "energy_new_mwh", "energy_mwh", "it_energy_mwh"]
    for i, s, c, t, inst_, srv, it, it_new, u, en, e, it_e in p.res["capacity"][cols].itertuples():
        row, k = f"capacity.csv line {i + 2} ({s}, {c}, {t})", (s, c, int(t))
        mw = d.scale_kw / 1000
        new_kw = d.it_kw_new_sc.get(k, math.nan)  # each vintage at its own kW per PFLOPS
        r.eq("capacity_table", row, it, (float(cl.at[c, "kw_per_pflops_existing"]) * d.existing.get(k, math.nan) + new_kw) / 1000,
             mw, "it_mw {lhs} but the installed IT draws {rhs}")
        r.eq("capacity_table", row, it_new, new_kw / 1000, mw, "it_mw_new {lhs} but the new builds draw {rhs}")
        _eq_or_both_undefined(r, "capacity_table", row, u, srv / inst_ if inst_ > 0 else math.nan, 1.0,
                              "utilisation {lhs} but served / installed is {rhs}")
        e_sc, e_new = d.energy_sc.get(k, math.nan), d.energy_new_sc.get(k, math.nan)
        scale = max(1.0, abs(e_sc))
        r.eq("capacity_table", row, en, e_new, scale, "energy_new_mwh {lhs} but new builds use {rhs}")
        r.eq("capacity_table", row, e, e_sc, scale, "energy_mwh {lhs} but installed and served IT use {rhs}")
        it_want = (e_sc - e_new) / float(site.at[s, "pue"]) + e_new / float(site.at[s, "pue_new"])
        r.eq("capacity_table", row, it_e, it_want, scale, "it_energy_mwh {lhs} but the IT's own share is {rhs}")


def _sites(p: Plan, d: Derived, r: Rows) -> None:
    site = p.inst["sites"].set_index("site")
    cap = p.res["capacity"].assign(period=lambda c: c["period"].astype(int))
    by = cap.groupby(["site", "period"])[["it_mw_new", "it_energy_mwh"]].sum()
    for i, s, t, hub, side, it_new, it_e in p.res["sites"][["site", "period", "hub", "side", "it_mw_new",
                                                              "it_energy_mwh"]].itertuples():
        row = f"sites.csv line {i + 2} ({s}, {t})"
        r.count("sites_table", 2)
        if _text(hub) != _text(site.at[s, "hub"]):
            r.fail("sites_table", row, f"hub '{hub}', the instance says '{_text(site.at[s, 'hub'])}'")
        if _text(side) != _text(site.at[s, "side"]):
            r.fail("sites_table", row, f"side '{side}', the instance says '{site.at[s, 'side']}'")
        k = (s, int(t))
        want_new, want_it = (by.loc[k].tolist() if k in by.index else [0.0, 0.0])
        r.eq("sites_table", row, it_new, want_new, d.scale_kw / 1000, "it_mw_new {lhs} but its classes' new IT adds up to {rhs}")
        r.eq("sites_table", row, it_e, want_it, max(1.0, d.energy.get(k, 0.0)),
             "it_energy_mwh {lhs} but its classes' IT energy adds up to {rhs}")


def _trunks(p: Plan, r: Rows) -> None:
    ends = p.inst["trunks"].set_index("trunk")
    for i, l, t, a, b, load, cap, u in p.res["trunks"][["trunk", "period", "from", "to", "load_gbps", "capacity_gbps",
                                                         "utilisation"]].itertuples():
        row = f"trunks.csv line {i + 2} ({l}, {t})"
        r.count("trunks_table")
        if (str(a), str(b)) != (str(ends.at[l, "from"]), str(ends.at[l, "to"])):
            r.fail("trunks_table", row, f"from/to '{a}'-'{b}', the instance joins '{ends.at[l, 'from']}'-'{ends.at[l, 'to']}'")
        _eq_or_both_undefined(r, "trunks_table", row, u, load / cap if cap > 0 else math.nan, 1.0,
                              "utilisation {lhs} but load / capacity is {rhs}")


def _serve(p: Plan, trees: dict[str, Tree], r: Rows) -> None:
    region_of = p.inst["sites"].set_index("site")["region"].to_dict()
    for i, a, s, t, km in p.res["serve"][["region", "site", "period", "network_km"]].itertuples():
        row = f"serve.csv line {i + 2} ({a}, {s}, {t})"
        tree = trees.get(s)
        if region_of.get(s) == a:
            lo = hi = 0.0
        elif tree is not None and a in tree.dist:
            lo, hi = tree.km[a], tree.km_max[a]
        else:
            continue  # no path: the latency family reports it
        r.leq("serve_table", row, lo, float(km), 1.0, "network_km {rhs} but the shortest path is {lhs} km")
        r.leq("serve_table", row, float(km), hi, 1.0, "network_km {lhs} but the shortest path is {rhs} km")
