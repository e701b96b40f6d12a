"""What is firm and what is a choice across near-optimal plans (`edwc alternatives`).

A site is firm when every plan (the optimum and each alternative within the cost slack) builds
capacity there and the plans agree on how much: the range (most − least IT MW) is at most
FIRM_RANGE of the most. A site every plan builds on but in amounts that differ more is "sized"
(built always, its size a choice); a choice when some plans build there, and never when none does. Capacity is counted in IT MW
(kW per PFLOPS × PFLOPS), so classes add like with like.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

IDS = {"site": str, "hub": str, "region": str}
BUILT_EPS_MW = 1e-6
FIRM_RANGE = 0.25  # firm: built in every plan, and (most − least) ≤ this share of the most
UNJUDGED = "not compared"  # built by the optimum when no alternative was found: firm, sized or choice unknown


def directions(base_built: pd.DataFrame, n: int | None) -> list[str]:
    """Objectives that push capacity apart: most and least in the west, then most and least in each hub
    (hubs with the most built capacity in the optimum first). `n` keeps the first n (all when None)."""
    can = base_built[base_built["buildable"]].dropna(subset=["hub"])  # a hub with nothing to build has no choice
    hubs = can.groupby("hub")["built_mw"].sum().sort_values(ascending=False, kind="stable").index
    out = ["max:built_mw:west", "min:built_mw:west"]
    for h in hubs:
        out += [f"max:built_mw:hub={h}", f"min:built_mw:hub={h}"]
    return out[:n] if n is not None else out


def built_by_site(folder: Path) -> pd.DataFrame:
    """IT MW built over all periods at each site of a result folder, with its hub and side, and whether
    a campus was opened."""
    cap = pd.read_csv(folder / "capacity.csv", dtype=IDS)
    last = cap[cap["period"] == cap["period"].max()]
    if "it_mw_new" in last:  # each vintage at its own kW per PFLOPS
        mw = last.groupby("site")["it_mw_new"].sum()
    else:
        kw = pd.read_csv(folder / "instance" / "classes.csv").set_index("class")["kw_per_pflops"]
        mw = (last["built_pflops"] * last["class"].map(kw) / 1000).groupby(last["site"]).sum()
    sites = pd.read_csv(folder / "instance" / "sites.csv", dtype=IDS)[["site", "hub", "side", "candidate"]]
    st = pd.read_csv(folder / "sites.csv", dtype=IDS)
    opened = st[st["period"] == st["period"].max()].set_index("site")["open"]
    sc = pd.read_csv(folder / "instance" / "site_classes.csv", dtype=IDS)
    sites["buildable"] = sites["site"].isin(sc.loc[sc["max_modules"] > 0, "site"])
    sites["built_mw"] = sites["site"].map(mw).fillna(0.0)
    sites["open"] = sites["site"].map(opened).fillna(0).astype(int)
    return sites


def firm_table(plans: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """firm.csv: per site, built IT MW in each plan, its least and most, and firm / choice / never."""
    names = list(plans)
    first = plans[names[0]]
    df = first[["site", "hub", "side", "candidate"]].copy()
    for n in names:
        df[f"built_mw:{n}"] = df["site"].map(plans[n].set_index("site")["built_mw"]).fillna(0.0)
    cols = [f"built_mw:{n}" for n in names]
    built = df[cols] > BUILT_EPS_MW
    df["built_mw_min"], df["built_mw_max"] = df[cols].min(axis=1), df[cols].max(axis=1)
    df["plans_building"] = built.sum(axis=1)
    narrow = (df["built_mw_max"] - df["built_mw_min"]) <= FIRM_RANGE * df["built_mw_max"]
    # with the optimum alone (no alternative found) nothing is compared: no site can be called firm
    df["status"] = [("never" if k == 0 else UNJUDGED) if len(names) < 2 else
                    ("firm" if ok else "sized") if k == len(names) else ("never" if k == 0 else "choice")
                    for k, ok in zip(df["plans_building"], narrow, strict=True)]
    opened = pd.DataFrame({n: df["site"].map(plans[n].set_index("site")["open"]).fillna(0) for n in names})
    df["campus"] = ["" if not c else ("opened in all" if o.all() else ("never opened" if not o.any() else "opened in some"))
                    for c, (_, o) in zip(df["candidate"], opened.iterrows(), strict=True)]
    return df.sort_values(["status", "built_mw_max"], ascending=[True, False]).reset_index(drop=True)


def hub_ranges(plans: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Built IT MW per hub (and '(no hub)') in each plan."""
    rows = {}
    for n, p in plans.items():
        rows[n] = p.assign(hub=p["hub"].fillna("(no hub)")).groupby("hub")["built_mw"].sum()
    out = pd.DataFrame(rows).fillna(0.0)
    out["least_mw"], out["most_mw"] = out.min(axis=1), out.max(axis=1)
    return out.reset_index().rename(columns={"index": "hub"})
