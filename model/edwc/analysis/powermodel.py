"""The hand-shake with a power model (PyPSA-China and the like): the load a plan puts on each province, slice by
slice, in the power model's provincial bus names; the power model's hourly prices and grid factors come back as
`price:<adcode>` and `co2:<adcode>` columns of the instance's own profile file (docs/formats.md).

    load_mw     = Σ_{sites in the province} facility load (PUE × IT draw) in the slice
    flexible_mw = the part of load_mw that movable work shifts (load − each site's flat yearly mean)
    grid_mw     = what the plan draws from the grid there (load less curtailed and direct supply, storage)

Each slice carries `weight_h`, the hours of the year it stands for (a power model's snapshot weighting).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from edwc.formulation.power_data import province_of
from edwc.results.tables import read_result

ENVELOPE_COLUMNS = ("period", "day", "step", "start_hour", "hours", "weight_h", "bus", "province", "load_mw",
                    "flexible_mw", "grid_mw")


def bus_names(regions: pd.DataFrame) -> dict[str, str]:
    """Province adcode -> PyPSA-China bus name: the English name without spaces or punctuation ("InnerMongolia")."""
    return {str(r): re.sub(r"[^A-Za-z]", "", str(n)) for r, n in zip(regions["region"], regions["name_en"], strict=True)
            if str(r).endswith("0000")}


def load_envelope(folder: Path) -> pd.DataFrame:
    """The plan's load per province bus and slice (ENVELOPE_COLUMNS), every period."""
    res = read_result(folder)
    inst = Path(folder) / "instance"
    sites = pd.read_csv(inst / "sites.csv", dtype={"region": str}).set_index("site")
    regions = pd.read_csv(inst / "regions.csv", dtype={"region": str})
    cfg = yaml.safe_load((inst / "instance.yaml").read_text(encoding="utf-8")) or {}
    hours = float((cfg.get("finance") or {}).get("hours_per_year", 8760.0))
    st = res.tables["sites"].set_index(["site", "period"])
    pw = res.tables["power"].copy()
    slices = pw[["period", "day", "step", "hours", "weight_h"]].drop_duplicates(["period", "day", "step"])
    if slices.empty:  # annual mode without slices: one 24-hour slice standing for the year
        slices = pd.DataFrame([(t, 0, 0, 24.0, hours) for t in sorted(set(res.tables["sites"]["period"]))],
                              columns=["period", "day", "step", "hours", "weight_h"])
    rows = []
    flat = (st["energy_mwh"] / hours).to_dict()
    flat_grid = (st["grid_mwh"] / hours).to_dict()
    hourly = set(zip(pw["site"], pw["period"], strict=True))
    for (s, t), f in flat.items():
        if (s, t) in hourly:
            continue
        for sl in slices[slices["period"] == t].itertuples(index=False):
            rows.append((s, t, sl.day, sl.step, sl.hours, sl.weight_h, f, 0.0, flat_grid[(s, t)]))
    for r in pw.itertuples(index=False):
        rows.append((r.site, r.period, r.day, r.step, r.hours, r.weight_h, r.load_mw, r.load_mw - flat[(r.site, r.period)],
                     r.grid_mw))
    df = pd.DataFrame(rows, columns=["site", "period", "day", "step", "hours", "weight_h", "load_mw", "flexible_mw",
                                     "grid_mw"])
    df["province"] = df["site"].map(sites["region"]).map(lambda r: province_of(str(r)))
    df["bus"] = df["province"].map(bus_names(regions))
    out = (df.groupby(["period", "day", "step", "hours", "weight_h", "bus", "province"], as_index=False)
           [["load_mw", "flexible_mw", "grid_mw"]].sum())
    out["start_hour"] = out.groupby(["period", "day", "bus"])["hours"].cumsum() - out["hours"]
    return out[list(ENVELOPE_COLUMNS)].sort_values(["period", "day", "step", "bus"]).reset_index(drop=True)


def write_envelope(folder: Path, out: Path) -> Path:
    """load_envelope.csv (long: one row per period, slice and bus) into `out` (a folder), atomically."""
    from edwc.results.spreadsheet import write_csv

    out.mkdir(parents=True, exist_ok=True)
    path = out / "load_envelope.csv"
    tmp = path.with_name(f".{path.name}.tmp")
    write_csv(load_envelope(folder), tmp, float_format="%.6g")
    tmp.replace(path)
    return path
