"""The policies of instance.yaml in force, each re-checked from the plan tables."""

from __future__ import annotations

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key


def check_policies(p: Plan, d: Derived, r: Rows) -> list[str]:
    """Every policy of instance.yaml in force, as in docs/model.md; returns their names."""
    pol = p.cfg.policy
    site = p.inst["sites"].set_index("site")
    side = site["side"].to_dict()
    sc = list(p.inst["site_classes"][["site", "class"]].itertuples(index=False, name=None))
    on: list[str] = []
    for t in d.periods:
        built = {(s, c): d.built.get((s, c, t), 0.0) for s, c in sc}
        inst_ = {(s, c): d.installed[(s, c, t)] for s, c in sc}
        if pol.west_share_new_min is not None:
            west = sum(v for (s, _), v in built.items() if side[s] == "west")
            r.leq("west_share_new", row_key(period=t), pol.west_share_new_min * sum(built.values()), west, d.scale_pflops,
                  f"west sites hold {{rhs}} PFLOPS of new capacity, below {pol.west_share_new_min:g} x all new = {{lhs}}")
        if pol.intelligent_share_min is not None:
            ai = sum(v for (_, c), v in inst_.items() if c == "intelligent")
            r.leq("intelligent_share", row_key(period=t), pol.intelligent_share_min * sum(inst_.values()), ai, d.scale_pflops,
                  f"intelligent capacity {{rhs}} PFLOPS is below {pol.intelligent_share_min:g} x installed = {{lhs}}")
        if pol.west_utilisation_min is not None:
            for (s, c), v in inst_.items():
                if side[s] == "west":
                    r.leq("west_utilisation", row_key(site=s, class_=c, period=t).replace("class_", "class"),
                          pol.west_utilisation_min * v, d.served.get((s, c, t), 0.0), d.scale_pflops,
                          f"served {{rhs}} PFLOPS < {pol.west_utilisation_min:g} x installed = {{lhs}}")
        if pol.carbon_cap_t is not None:
            em = sum(v for (s, tt), v in d.emissions.items() if tt == t)
            r.leq("carbon_cap", row_key(period=t), em, pol.carbon_cap_t, max(1.0, pol.carbon_cap_t), "emissions {lhs} t > cap {rhs} t")
        if pol.renewable_share_min is not None:
            es = [(float(site.at[s, "renewable_share"]), v) for (s, tt), v in d.energy.items() if tt == t]
            tot = sum(v for _, v in es)
            r.leq("renewable_share", row_key(period=t), pol.renewable_share_min * tot, sum(a * v for a, v in es), max(1.0, tot),
                  f"renewable energy {{rhs}} MWh < {pol.renewable_share_min:g} x all energy = {{lhs}}")
    ceilings = pol.pue_max.model_dump()
    if any(v is not None for v in ceilings.values()):
        for s, c in sc:
            lim = ceilings.get(side[s])
            if lim is not None and float(site.at[s, "pue"]) > lim + 1e-12:
                for t in d.periods:
                    r.leq("pue_ceiling", row_key(site=s, class_=c, period=t).replace("class_", "class"),
                          d.built.get((s, c, t), 0.0), 0.0, d.scale_pflops,
                          f"{{lhs}} PFLOPS built at a site of PUE {float(site.at[s, 'pue']):g} above the {side[s]} ceiling {lim:g}")
            else:
                r.count("pue_ceiling")
    if pol.max_site_share is not None:
        dem = {(a, w, int(t)): float(x) for a, w, t, x in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False)}
        for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
            r.leq("max_site_share", row_key(region=a, site=s, workload=w, period=t), float(x),
                  pol.max_site_share * dem.get((a, w, int(t)), 0.0), d.scale_pflops,
                  f"{{lhs}} PFLOPS at one site > {pol.max_site_share:g} x demand = {{rhs}}")
    settings: tuple[tuple[str, float | None], ...] = (
        ("west_share_new", pol.west_share_new_min), ("intelligent_share", pol.intelligent_share_min),
        ("pue_ceiling", None if all(x is None for x in ceilings.values()) else 1.0),
        ("west_utilisation", pol.west_utilisation_min), ("carbon_cap", pol.carbon_cap_t),
        ("renewable_share", pol.renewable_share_min), ("max_site_share", pol.max_site_share))
    for name, setting in settings:
        if setting is not None:
            on.append(name)
            r.report.checked.setdefault(name, 0)
    return on
