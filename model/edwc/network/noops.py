"""Warnings about a valid instance: rows that silently do nothing. A site no trunk joins, or that no
region's demand reaches within its workloads' latency limits, a site that holds no class (or
none with existing capacity or room to build), a hub without sites, a workload without demand.
The model accepts them (a planner may mean it), but each is most often a mistake in a copied or
edited instance, so `edwc validate` lists them. (A site-class row with max_modules 0 and nothing
existing is a deliberate "not here" and no warning.)
"""

from __future__ import annotations

import pandas as pd

from edwc.errors import Problem
from edwc.input.instance import Instance
from edwc.network.routes import allowed_pairs


def _line(df: pd.DataFrame, key: str, value: str) -> int | None:
    hit = df.index[df[key] == value]
    return int(hit[0]) + 2 if len(hit) else None


def instance_warnings(inst: Instance) -> list[Problem]:
    """Every silent no-op of the instance, located by file, line and column."""
    out: list[Problem] = []
    s, sc, tr = inst.sites, inst.site_classes, inst.trunks
    joined = set(tr["from"]) | set(tr["to"])
    reached = set(allowed_pairs(inst)["site"])
    holds = set(sc.loc[(sc["existing_pflops"] > 0) | (sc["max_modules"] > 0), "site"])
    listed = set(sc["site"])
    for site in s["site"]:
        line = _line(s, "site", site)
        if site not in listed:
            out.append(Problem("sites.csv", f"site '{site}' holds no class (no row in site_classes.csv): nothing "
                               "can be built or served there", line=line, column="site"))
        elif site not in holds:
            out.append(Problem("sites.csv", f"site '{site}' has no existing capacity and max_modules 0 in every "
                               "class (site_classes.csv): nothing can be built or served there", line=line, column="site"))
        elif site not in joined:
            out.append(Problem("sites.csv", f"site '{site}' has no trunk (trunks.csv): no region can reach it, so it "
                               "is never used; add a trunk to its region or a hub", line=line, column="site"))
        elif site not in reached:
            out.append(Problem("sites.csv", f"site '{site}': no region's demand reaches it within its workloads' "
                               "max_rtt_ms over the trunks, so it is never used", line=line, column="site"))
    hubs_used = set(s["hub"].dropna())
    for hub in inst.hubs["hub"]:
        if hub not in hubs_used:
            out.append(Problem("hubs.csv", f"hub '{hub}' has no site (sites.csv): it appears in no output",
                               line=_line(inst.hubs, "hub", hub), column="hub"))
    demanded = set(inst.demand.loc[inst.demand["pflops"] > 0, "workload"])
    for w in inst.workloads["workload"]:
        if w not in demanded:
            out.append(Problem("workloads.csv", f"workload '{w}' has no demand (demand.csv): its row does nothing",
                               line=_line(inst.workloads, "workload", w), column="workload"))
    return out
