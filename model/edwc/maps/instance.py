"""An instance before any solve, seen as a plan that builds nothing: existing capacity as
installed, no flows, trunks without load. The plan renderers then draw it unchanged (the
title says it is an instance)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from edwc.results.digest import Digest, hub_table, province_of, site_table, trunk_table
from edwc.results.names import read_names


def instance_digest(instance_dir: Path) -> Digest:
    """Read an instance folder (docs/formats.md) as a Digest with existing capacity only."""
    from edwc.maps.reader import read_instance

    inst = read_instance(Path(instance_dir), with_rtt=False)
    period = int(inst.demand["period"].max()) if len(inst.demand) else 0
    sc = inst.site_classes
    capacity = pd.DataFrame({"site": sc["site"], "class": sc["class"], "period": period,
                             "existing_pflops": sc["existing_pflops"].astype(float),
                             "built_pflops": 0.0,
                             "installed_pflops": sc["existing_pflops"].astype(float),
                             "served_pflops": 0.0})
    trunks = inst.trunks[["trunk", "from", "to", "length_km", "capacity_gbps"]].assign(
        period=period, load_gbps=0.0, wavelengths_added=0, utilisation=float("nan"))
    tables = {"capacity": capacity, "trunks": trunks,
              "serve": pd.DataFrame(columns=["region", "site", "workload", "period", "pflops",
                                             "rtt_ms"]),
              "unmet": pd.DataFrame(columns=["region", "workload", "period", "pflops"]),
              "sites": pd.DataFrame(), "kpis": pd.DataFrame()}
    classes = list(inst.classes["class"])
    sites = site_table(inst.sites, tables, period, classes)
    regions = inst.regions.copy()
    regions["province"] = regions["region"].map(province_of)
    cfg = yaml.safe_load((Path(instance_dir) / "instance.yaml").read_text(encoding="utf-8"))
    return Digest(
        folder=Path(instance_dir), summary={"instance": inst.name, "kind": "instance"},
        names=read_names(Path(instance_dir)), period=period, classes=classes,
        workloads=inst.workloads, tables=tables, sites=sites,
        hubs=hub_table(sites, inst.hubs, classes), trunks=trunk_table(tables, inst.trunks, period),
        regions=regions, kpis={"demand_pflops": float(inst.demand.loc[
            inst.demand["period"] == period, "pflops"].sum())},
        policy=dict((cfg or {}).get("policy") or {}),
    )
