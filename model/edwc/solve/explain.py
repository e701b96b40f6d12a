"""Explain an infeasible instance in planner words, by elastic relaxation.

1. Every policy row gets a priced slack (build_model(elastic=True)); the policies whose slacks stay
   non-zero in the cheapest relaxed plan are the ones that cannot hold, and the slack says by how much.
2. Then the policies are held exactly and the core limits are made elastic instead (site power,
   capacity, trunk capacity, room for modules and wavelengths): the limits that have to give way are
   what the policies conflict with.
3. If even that has no plan, the policies conflict with each other or with latency (a pair out of
   latency reach has no variable at all, so no limit can be relaxed to serve it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.core.expr.visitor import identify_variables
from pyomo.core.util import quicksum

from edwc.formulation.build import build_model
from edwc.input.instance import Instance
from edwc.solve.highs import solve_model

CORE_PENALTY = 1e3  # M CNY per unit of core slack (kW, PFLOPS, Gbps, modules): above any real cost
EPS = 1e-6
MAX_ROWS = 5


@dataclass(frozen=True)
class Give:
    """One row that had to give way: its family, index and by how much (in the family's unit)."""

    family: str
    index: tuple
    amount: float


# family -> (setting it comes from, unit, how to say one row in words)
Words = Callable[[tuple, float], str]
POLICY_WORDS: dict[str, tuple[str, Words]] = {
    "hub_share_new": ("policy.hub_share_new_min",
                      lambda i, x: f"{_t(i)}: the 8 hub nodes fall {x:,.3g} PFLOPS short of the share of new capacity"),
    "national_utilisation": ("policy.national_utilisation_min",
                             lambda i, x: f"{_t(i)}: {x:,.3g} PFLOPS too little work to keep the national 上架率"),
    "cluster_utilisation": ("policy.cluster_utilisation_min",
                            lambda i, x: f"cluster {i[0]} ({i[1]}): {x:,.3g} PFLOPS too little work in reach for its 上架率"),
    "green_share_new_hub": ("policy.green_share_new_hub_min",
                            lambda i, x: f"hub site {i[0]} ({i[1]}): contracted green power falls {x:,.3g} MWh short"),
    "west_share_new": ("policy.west_share_new_min",
                       lambda i, x: f"{_t(i)}: western sites fall {x:,.3g} PFLOPS short of the share of new capacity"),
    "intelligent_share": ("policy.intelligent_share_min",
                          lambda i, x: f"{_t(i)}: intelligent capacity falls {x:,.3g} PFLOPS short of its share"),
    "pue_ceiling": ("policy.pue_max",
                    lambda i, x: f"site {i[0]} ({i[1]}, {i[2]}): {x:,.3g} modules would be built above the PUE ceiling"),
    "west_utilisation": ("policy.west_utilisation_min",
                         lambda i, x: f"western site {i[0]} ({i[1]}, {i[2]}): {x:,.3g} PFLOPS too little work "
                                      "in reach to keep its capacity busy"),
    "carbon_cap": ("policy.carbon_cap_t", lambda i, x: f"{_t(i)}: emissions exceed the cap by {x:,.3g} tCO2"),
    "green_share": ("policy.green_share_min",
                    lambda i, x: f"{_t(i)}: contracted green power falls {x:,.3g} MWh short of its share"),
    "max_site_share": ("policy.max_site_share",
                       lambda i, x: f"region {i[0]} {i[2]} ({i[3]}) leans on site {i[1]} by {x:,.3g} PFLOPS too much"),
}
CORE_WORDS: dict[str, Words] = {
    "site_power": lambda i, x: f"site power at {i[0]} ({i[1]}): {x:,.3g} MW more than max_facility_mw",
    "shell_rate": lambda i, x: f"build rate at {i[0]} ({i[1]}): {x:,.3g} MW more shells than build_mw_per_year allows",
    "capacity_existing": lambda i, x: f"capacity at {i[0]} ({i[1]}, {i[2]}): {x:,.3g} PFLOPS more than the existing stock allows",
    "capacity_new": lambda i, x: f"capacity at {i[0]} ({i[1]}, {i[2]}): {x:,.3g} PFLOPS more than new builds allow",
    "trunk_capacity": lambda i, x: f"trunk {i[0]} ({i[1]}): {x:,.3g} Gbps more than its capacity and upgrades",
    "module_limit": lambda i, x: f"room at {i[0]} ({i[1]}, {i[2]}): {x:,.3g} modules more than max_modules",
    "module_room": lambda i, x: f"room at {i[0]} ({i[1]}, {i[2]}): {x:,.3g} modules more than max_modules",
    "wavelength_room": lambda i, x: f"trunk {i[0]} ({i[1]}): {x:,.3g} wavelengths more than max_modules",
}


def _t(i: tuple) -> str:
    return str(i[0] if len(i) == 1 else i)


def _idx(k: object) -> tuple:
    return k if isinstance(k, tuple) else (k,)


def _solve(m: pyo.ConcreteModel, inst: Instance, time_limit: float) -> bool:
    opts = inst.config.solver.model_copy(update={"time_limit_s": min(time_limit, inst.config.solver.time_limit_s)})
    return solve_model(m, opts).has_solution


def policy_slacks(m: pyo.ConcreteModel) -> list[Give]:
    out = []
    for name in m.policies:
        slack = getattr(m, f"{name}_slack", None)
        if slack is None:
            continue
        for k in slack:
            v = pyo.value(slack[k], exception=False) or 0.0
            if v > EPS:
                out.append(Give(name, _idx(k), v))
    return out


def soften_core(m: pyo.ConcreteModel) -> list[pyo.Var]:
    """Make the core limits elastic: each row (and module/wavelength bound) gets a slack; return the slacks."""
    slacks: list[pyo.Var] = []
    for name in ("site_power", "shell_rate", "capacity_existing", "capacity_new", "trunk_capacity", "module_limit"):
        comp = getattr(m, name, None)
        if comp is None:
            continue
        keys = list(comp.keys())
        s = pyo.Var(keys, domain=pyo.NonNegativeReals)
        m.add_component(f"{name}_core_slack", s)
        rows = {k: comp[k] for k in keys}
        comp.deactivate()
        m.add_component(f"{name}_elastic", pyo.Constraint(keys, rule=lambda m, *k, rows=rows, s=s: _relaxed(rows[_key(k)], s[_key(k)])))
        slacks.append(s)
    for var in (m.shell_new, m.shell_phases):  # their bounds restate site_power, now elastic
        for k in var.keys():
            var[k].setub(None)
    for var, name in ((m.modules, "module_room"), (m.wavelengths, "wavelength_room")):
        keys = [k for k in var.keys() if var[k].ub is not None]
        ub = {k: var[k].ub for k in keys}
        s = pyo.Var(keys, domain=pyo.NonNegativeReals)
        m.add_component(f"{name}_core_slack", s)
        for k in keys:
            var[k].setub(None)
        m.add_component(f"{name}_elastic", pyo.Constraint(keys, rule=lambda m, *k, var=var, ub=ub, s=s: var[_key(k)] - s[_key(k)] <= ub[_key(k)]))
        slacks.append(s)
    return slacks


def _key(k: tuple) -> object:
    return k[0] if len(k) == 1 else k


def _relaxed(con: ConstraintData, s: VarData):
    if con.upper is not None and con.lower is None:
        return con.body - s <= con.upper
    if con.lower is not None and con.upper is None:
        return con.body + s >= con.lower
    return pyo.Constraint.Skip


def core_slacks(slacks: list[pyo.Var]) -> list[Give]:
    out = []
    for s in slacks:
        family = s.local_name.removesuffix("_core_slack")
        for k in s:
            v = pyo.value(s[k], exception=False) or 0.0
            if v > EPS:
                out.append(Give(family, _idx(k), v))
    return out


def _lines(gives: list[Give], words: Callable[[Give], str]) -> list[str]:
    gives = sorted(gives, key=lambda g: (g.family, -g.amount))
    out: list[str] = []
    shown: dict[str, int] = {}
    for g in gives:
        shown[g.family] = shown.get(g.family, 0) + 1
        if shown[g.family] <= MAX_ROWS:
            out.append("    - " + words(g))
    for fam, n in shown.items():
        if n > MAX_ROWS:
            out.append(f"    - ... and {n - MAX_ROWS} more rows of {fam}")
    return out


def _policy_words(inst: Instance, g: Give) -> str:
    setting, say = POLICY_WORDS.get(g.family, (g.family, lambda i, x: f"{i}: {x:,.3g}"))
    value = _setting(inst, setting)
    return f"{g.family} ({setting} = {value}): " + say(g.index, g.amount)


def _setting(inst: Instance, dotted: str) -> object:
    node: object = inst.config
    for part in dotted.split(".")[1:] if dotted.startswith("policy.") else dotted.split("."):
        node = getattr(inst.config.policy if node is inst.config else node, part, None)
    if hasattr(node, "model_dump"):
        node = {k: v for k, v in node.model_dump().items() if v is not None}
    return node


CORE_LIMITS = ("site_power", "shell_rate", "capacity_limit", "trunk_capacity", "module_limit")


def binding_limits(m: pyo.ConcreteModel, inst: Instance, rtol: float = 1e-6) -> list[str]:
    """The policies and core limits with no room left in a solved plan, by family, in words.

    A row `lo <= body <= up` binds when body is within rtol * max(1, |bound|) of a bound. With
    demand unmet these are what forced the shortage (a plan pays the unmet penalty only when every
    way to serve more is blocked); none binding means the demand is out of latency reach.
    """
    out: list[str] = []
    for family in [*m.policies, *CORE_LIMITS]:
        comp = getattr(m, family, None)
        if not isinstance(comp, pyo.Constraint):
            continue
        n = 0
        for con in comp.values():
            if not con.active or con.equality:
                continue
            body = pyo.value(con.body, exception=False)
            if body is None:
                continue
            if family in CORE_LIMITS and all(abs(pyo.value(v, exception=False) or 0.0) <= 1e-9
                                             for v in identify_variables(con.body)):
                continue  # nothing built or served at this limit: it binds trivially (0 <= 0)
            up, lo = pyo.value(con.upper, exception=False), pyo.value(con.lower, exception=False)
            if (up is not None and up - body <= rtol * max(1.0, abs(up))) or (
                    lo is not None and body - lo <= rtol * max(1.0, abs(lo))):
                n += 1
        if n:
            rows = f"{n} row{'s' if n > 1 else ''}"
            if family in POLICY_WORDS:
                setting = POLICY_WORDS[family][0]
                out.append(f"{family} ({setting} = {_setting(inst, setting)}) at {rows}")
            else:
                out.append(f"{family} at {rows}")
    return out


def policies_in_force(m: pyo.ConcreteModel, inst: Instance) -> list[str]:
    """The policies of the model with their settings, in words (`carbon_cap (policy.carbon_cap_t = 0)`)."""
    out = []
    for family in m.policies:
        setting = POLICY_WORDS.get(family, (family, None))[0]
        out.append(f"{family} ({setting} = {_setting(inst, setting)})" if setting.startswith("policy.") else family)
    return out


def explain_infeasible(inst: Instance, time_limit: float = 120.0) -> str:
    """Name the policy constraints that cannot hold together, by how much, and the core limits in their way."""
    m, _ = build_model(inst, elastic=True)
    if not m.policies:
        return "No policy is in force, so a core limit itself has no plan; check the instance with `edwc validate`."
    if not _solve(m, inst, time_limit):
        return "Even with every policy relaxed no plan was found within the time limit; try a longer --time-limit."
    gives = policy_slacks(m)
    lines = ["Why: the policies in force cannot all hold. Relaxing them as little as possible, these give way:"]
    lines += _lines(gives, lambda g: _policy_words(inst, g)) or ["    (none: the conflict lies elsewhere)"]
    core = _core_conflict(inst, time_limit)
    if core is None:
        lines.append("With the policies held exactly, relaxing site power, capacity, trunk capacity and the room for "
                     "modules and wavelengths still finds no plan: the policies conflict with each other, or with "
                     "the latency limits (work out of reach of a site cannot be sent there at any cost).")
    elif core:
        lines.append("What stands in their way: with the policies held exactly, these core limits would have to give:")
        lines += _lines(core, lambda g: CORE_WORDS.get(g.family, lambda i, x: f"{g.family} {i}: {x:,.3g}")(g.index, g.amount))
    needed = _drop_one(inst, time_limit)
    if needed:
        lines.append("Each of these policies is part of the conflict (without it alone a plan exists): "
                     + ", ".join(f"{n} ({POLICY_WORDS.get(n, (n,))[0]} = {_setting(inst, POLICY_WORDS.get(n, (n,))[0])})"
                                 for n in needed) + ".")
    names = sorted({g.family for g in gives} | set(needed))
    lines.append(f"To get a plan: relax {' or '.join(names) if names else 'a policy'}"
                 + (", or raise the limits named above." if core else "."))
    return "\n".join(lines)


def _core_conflict(inst: Instance, time_limit: float) -> list[Give] | None:
    """Policies hard, core limits elastic: the core rows that must give way, or None if still no plan."""
    m, _ = build_model(inst, elastic=True)
    for name in m.policies:
        slack = getattr(m, f"{name}_slack", None)
        if slack is None:
            continue
        for k in slack:
            slack[k].fix(0)
    slacks = soften_core(m)
    m.total_cost.deactivate()
    m.explain_cost = pyo.Objective(expr=m.total_cost.expr + CORE_PENALTY * quicksum(s[k] for s in slacks for k in s))
    if not _solve(m, inst, time_limit):
        return None
    return core_slacks(slacks)


def _drop_one(inst: Instance, time_limit: float) -> list[str]:
    """The policies without which (all else held) a plan exists: each is in every conflict."""
    m, _ = build_model(inst)
    needed = []
    for name in list(m.policies):
        for other in m.policies:
            getattr(m, other).activate()
        getattr(m, name).deactivate()
        if _solve(m, inst, time_limit):
            needed.append(name)
    return needed
