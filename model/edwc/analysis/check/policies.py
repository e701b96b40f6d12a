"""The policies of instance.yaml in force, each re-checked from the plan tables."""

from __future__ import annotations

from edwc.analysis.check.derived import Derived
from edwc.analysis.check.readers import Plan
from edwc.analysis.check.report import Rows, row_key


def check_policies(p: Plan, d: Derived, r: Rows) -> list[str]:
    """Every policy of instance.yaml in force, as in docs/model.md; returns their names."""
    pol = p.cfg.policy
    site = p.inst["sites"].set_index("site")
    side, kind = site["side"].to_dict(), site["kind"].to_dict()
    in_hub = {s: isinstance(h, str) and h != "" for s, h in site["hub"].items()}
    sc = list(p.inst["site_classes"][["site", "class"]].itertuples(index=False, name=None))
    on: list[str] = []
    for t in d.periods:
        built = {(s, c): d.built.get((s, c, t), 0.0) for s, c in sc}
        inst_ = {(s, c): d.installed[(s, c, t)] for s, c in sc}
        srv = {(s, c): d.served.get((s, c, t), 0.0) for s, c in sc}
        for name, share, pick in (("hub_share_new", pol.hub_share_new_min, lambda s: in_hub[s]),
                                  ("west_share_new", pol.west_share_new_min, lambda s: side[s] == "west")):
            if share is not None:
                got = sum(v for (s, _), v in built.items() if pick(s))
                r.leq(name, row_key(period=t), share * sum(built.values()), got, d.scale_pflops,
                      f"{{rhs}} PFLOPS of new capacity where the policy counts it, below {share:g} x all new = {{lhs}}")
        if pol.intelligent_share_min is not None:
            ai = sum(v for (_, c), v in inst_.items() if c == "intelligent")
            r.leq("intelligent_share", row_key(period=t), pol.intelligent_share_min * sum(inst_.values()), ai, d.scale_pflops,
                  f"intelligent capacity {{rhs}} PFLOPS is below {pol.intelligent_share_min:g} x installed = {{lhs}}")
        if pol.national_utilisation_min is not None:
            r.leq("national_utilisation", row_key(period=t), pol.national_utilisation_min * sum(inst_.values()),
                  sum(srv.values()), d.scale_pflops,
                  f"served {{rhs}} PFLOPS < {pol.national_utilisation_min:g} x installed = {{lhs}}")
        if pol.cluster_utilisation_min is not None:
            for s in sorted({s for s, _ in sc if kind[s] == "cluster"}):
                i_s = sum(v for (x, _), v in inst_.items() if x == s)
                r.leq("cluster_utilisation", row_key(site=s, period=t), pol.cluster_utilisation_min * i_s,
                      sum(v for (x, _), v in srv.items() if x == s), d.scale_pflops,
                      f"served {{rhs}} PFLOPS < {pol.cluster_utilisation_min:g} x installed = {{lhs}}")
        if pol.west_utilisation_min is not None:
            for (s, c), v in inst_.items():
                if side[s] == "west":
                    r.leq("west_utilisation", row_key(site=s, class_=c, period=t).replace("class_", "class"),
                          pol.west_utilisation_min * v, d.served.get((s, c, t), 0.0), d.scale_pflops,
                          f"served {{rhs}} PFLOPS < {pol.west_utilisation_min:g} x installed = {{lhs}}")
        if pol.carbon_cap_t is not None:
            em = sum(v for (s, tt), v in d.emissions.items() if tt == t)
            # emissions are sums of terms the size of the gross emissions (grid MWh x factor): their round-off
            # scales with those, not with the cap (which may be 0)
            gross = sum(e * float(site.at[s, "grid_co2_t_per_mwh"]) for (s, tt), e in d.energy.items() if tt == t)
            r.leq("carbon_cap", row_key(period=t), em, pol.carbon_cap_t, max(1.0, pol.carbon_cap_t, gross),
                  "emissions {lhs} t > cap {rhs} t")
        if pol.green_share_min is not None and (pol.green_share_from is None or t >= pol.green_share_from):
            tot = sum(v for (s, tt), v in d.energy.items() if tt == t)
            green = sum(v for (s, tt), v in d.green.items() if tt == t)
            r.leq("green_share", row_key(period=t), pol.green_share_min * tot, green, max(1.0, tot),
                  f"green power {{rhs}} MWh < {pol.green_share_min:g} x all energy = {{lhs}}")
        if pol.green_share_new_hub_min is not None:
            for s in sorted({s for s, c in d.buildable if in_hub[s]}):
                e_new = d.energy_new.get((s, t), 0.0)
                r.leq("green_share_new_hub", row_key(site=s, period=t), pol.green_share_new_hub_min * e_new,
                      d.green.get((s, t), 0.0), max(1.0, e_new),
                      f"green power {{rhs}} MWh < {pol.green_share_new_hub_min:g} x new builds' energy = {{lhs}}")
    ceilings = pol.pue_max.model_dump()
    if any(v is not None for v in ceilings.values()):
        for s, c in sc:
            lim = ceilings.get(side[s]) if in_hub[s] else ceilings.get("outside_hubs")
            if lim is not None and float(site.at[s, "pue_new"]) > lim + 1e-12:
                for t in d.periods:
                    r.leq("pue_ceiling", row_key(site=s, class_=c, period=t).replace("class_", "class"),
                          d.built.get((s, c, t), 0.0), 0.0, d.scale_pflops,
                          f"{{lhs}} PFLOPS built at a new-design PUE of {float(site.at[s, 'pue_new']):g} above the ceiling {lim:g}")
            else:
                r.count("pue_ceiling")
    if pol.max_site_share is not None:
        dem = {(a, w, int(t)): float(x) for a, w, t, x in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False)}
        for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
            r.leq("max_site_share", row_key(region=a, site=s, workload=w, period=t), float(x),
                  pol.max_site_share * dem.get((a, w, int(t)), 0.0), d.scale_pflops,
                  f"{{lhs}} PFLOPS at one site > {pol.max_site_share:g} x demand = {{rhs}}")
    settings: tuple[tuple[str, float | None], ...] = (("hub_share_new", pol.hub_share_new_min), ("west_share_new", pol.west_share_new_min),
                    ("intelligent_share", pol.intelligent_share_min),
                    ("pue_ceiling", None if all(x is None for x in ceilings.values()) else 1.0),
                    ("national_utilisation", pol.national_utilisation_min),
                    ("cluster_utilisation", pol.cluster_utilisation_min),
                    ("west_utilisation", pol.west_utilisation_min), ("carbon_cap", pol.carbon_cap_t),
                    ("green_share", pol.green_share_min if pol.green_share_from is None
                     or any(t >= pol.green_share_from for t in d.periods) else None),
                    ("green_share_new_hub", pol.green_share_new_hub_min),
                    ("max_site_share", pol.max_site_share))
    for name, setting in settings:
        if setting is not None:
            on.append(name)
            r.report.checked.setdefault(name, 0)
    return on
