"""Policy price tags: for every policy row family in force, its setting, whether it binds, its
shadow price at the fixed plan and its full cost (re-solving without it).

Generic over whatever policies formulation/policy.py builds: the families are the names the
model lists in `m.policies`, and the setting behind each is found by switching each policy
setting of instance.yaml back to its schema default (off) and seeing which families go away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo

from edwc.decisions.fixed import FixedPlan, free_variables, row_table, solve_fixed
from edwc.formulation.build import build_model
from edwc.input.instance import Instance
from edwc.input.schema import Policy

TIGHT = 1e-6  # a row within this (relative to its size) of its bound is tight


@dataclass
class Setting:
    """The instance.yaml setting behind a policy family: its dotted key, value and 'off' value."""

    key: str
    value: Any
    off: Any
    fraction: bool = False  # a share in [0, 1]: shown per percentage point


@dataclass
class PolicyTag:
    family: str
    setting: Setting
    rows: int = 0
    tight_rows: int = 0
    rows_with_decision: int = 0
    shadow_cny_per_unit: float | None = None  # ∂ annual cost / ∂ tightening the setting, fixed plan
    shadow_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _default(name: str) -> Any:
    f = Policy.model_fields[name]
    value = f.get_default(call_default_factory=True)
    return value.model_dump() if hasattr(value, "model_dump") else value


def _is_fraction(name: str) -> bool:
    meta = Policy.model_fields[name].metadata
    return any(getattr(m, "le", None) == 1 for m in meta)


def policy_settings(inst: Instance) -> dict[str, Setting]:
    """family -> the policy setting that switches it on, by switching each non-default setting off."""
    from edwc.network.reach import load_valid_instance

    base = build_model(inst)[0].policies
    found: dict[str, Setting] = {}
    current = inst.config.policy.model_dump()
    for name in Policy.model_fields:
        off = _default(name)
        if current[name] == off:
            continue
        sets = {**inst.sets, f"policy.{name}": off}
        probe = load_valid_instance(inst.path, scenario=inst.scenario, sets=sets)
        gone = set(base) - set(build_model(probe)[0].policies)
        for fam in gone:
            found[fam] = Setting(f"policy.{name}", current[name], off, _is_fraction(name))
    return {fam: found.get(fam, Setting("?", None, None)) for fam in base}


def _tight(con: Any) -> bool:
    body = pyo.value(con.body)
    scale = max(1.0, abs(body))
    lo = con.lower is not None and body - pyo.value(con.lower) <= TIGHT * scale
    up = con.upper is not None and pyo.value(con.upper) - body <= TIGHT * scale
    return bool(lo or up)


def _nudged(result_dir: Path, inst: Instance, s: Setting, step: float, result: Any) -> float:
    sets = {**inst.sets, s.key: s.value + step}
    plan = solve_fixed(result_dir, sets=sets, result=result)
    return plan.objective_cny if plan.status == "optimal" else math.inf


def tag(plan: FixedPlan, family: str, setting: Setting, result_dir: Path, result: Any) -> PolicyTag:
    """Rows, tight rows and the fixed-plan shadow price of one policy family."""
    comp = getattr(plan.model, family)
    cons = [c for c in comp.values() if c.active]
    t = PolicyTag(family, setting, rows=len(cons), tight_rows=sum(_tight(c) for c in cons),
                  rows_with_decision=sum(free_variables(c) for c in cons))
    if t.rows_with_decision == 0:
        t.shadow_note = "its rows hold only integer decisions: no price at a fixed plan (see the full cost)"
        return t
    if not isinstance(setting.value, int | float) or isinstance(setting.value, bool):
        t.shadow_note = "setting is not a single number"
        return t
    # Central difference of the fixed-plan LP: the side that lowers the cost relaxes the policy.
    step = max(1e-4, 1e-3 * abs(float(setting.value)))
    up = _nudged(result_dir, plan.inst, setting, step, result)
    down = _nudged(result_dir, plan.inst, setting, -step, result)
    relaxed = min(up, down)
    t.shadow_cny_per_unit = max(0.0, (plan.objective_cny - relaxed) / step) if math.isfinite(relaxed) else None
    t.extra["tightens"] = "up" if up > down else "down"
    return t


def policy_tags(plan: FixedPlan, result_dir: Path, result: Any) -> list[PolicyTag]:
    settings = policy_settings(plan.inst)
    return [tag(plan, fam, settings[fam], result_dir, result) for fam in plan.model.policies]


def policy_duals(plan: FixedPlan) -> pd.DataFrame:
    """Every policy row: its index, dual (CNY/yr per unit of the row) and slack at the fixed plan."""
    frames = [row_table(plan, fam) for fam in plan.model.policies]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["family", "index", "dual_cny", "slack", "has_decision"])
    out = pd.concat(frames, ignore_index=True)
    out["index"] = [",".join(str(x) for x in k) for k in out["index"]]
    return out


@dataclass
class Resolve:
    """What re-solving without one policy gave: cost and bound (CNY/yr) and the folder."""

    status: str
    cost_cny: float | None
    bound_cny: float | None
    folder: str
    holds_anyway: bool | None  # the plan without the policy meets it too (so it does not bind)


PRICE_COLUMNS = ["policy", "setting", "value", "setting_is_share", "binds", "rows", "tight_rows", "rows_with_decision",
                 "shadow_price_cny_per_unit", "shadow_note", "cost_cny", "cost_without_cny", "full_cost_cny",
                 "full_cost_low_cny", "full_cost_high_cny", "without_status", "without_folder"]


def price_table(tags: list[PolicyTag], with_cost: float, with_bound: float | None,
                without: dict[str, Resolve]) -> pd.DataFrame:
    """policy_costs.csv: one row per policy family."""
    rows = []
    for t in tags:
        r = without.get(t.family)
        full = low = high = None
        if r is not None and r.cost_cny is not None:
            full = with_cost - r.cost_cny
            # The optima lie between each solve's bound and its plan, so the true full cost lies in
            # [bound_with − cost_without, cost_with − bound_without].
            low = (with_bound if with_bound is not None else with_cost) - r.cost_cny
            high = with_cost - (r.bound_cny if r.bound_cny is not None else r.cost_cny)
        binds = "unknown" if r is None or r.holds_anyway is None else ("no" if r.holds_anyway else "yes")
        rows.append({
            "policy": t.family, "setting": t.setting.key, "value": _text(t.setting.value),
            "setting_is_share": t.setting.fraction, "binds": binds,
            "rows": t.rows, "tight_rows": t.tight_rows, "rows_with_decision": t.rows_with_decision,
            "shadow_price_cny_per_unit": t.shadow_cny_per_unit, "shadow_note": t.shadow_note,
            "cost_cny": with_cost, "cost_without_cny": None if r is None else r.cost_cny,
            "full_cost_cny": full, "full_cost_low_cny": low, "full_cost_high_cny": high,
            "without_status": None if r is None else r.status, "without_folder": None if r is None else r.folder,
        })
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)


def _text(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {x}" for k, x in v.items() if x is not None)
    return str(v)
