"""Uncertain estimates for `edwc sweep --draws FILE --n N`: read the file, draw N seeded cases, and
summarise how often each site is opened and how much each hub builds across them.

The file (YAML) lists estimates, each a setting of instance.yaml (`set:`) or a factor on cells
of a table (`scale:`, as in a scenario), with one distribution:

    seed: 7
    draws:
      - set: finance.load_factor
        uniform: [0.6, 0.8]                        # low, high
      - scale: {table: demand, where: {class: intelligent}, column: pflops}
        triangular: [0.8, 1.0, 1.5]                # low, mode, high (a factor)
      - scale: {table: sites, where: {side: west}, column: power_price_cny_per_kwh}
        normal: {mean: 1.0, sd: 0.1, low: 0.5}     # optional low / high clip
      - set: policy.carbon_price_cny_per_t
        lognormal: {median: 100, sigma: 0.5}
      - set: capacity.utilisation_max
        choice: [0.8, 0.85, 0.9]

Case i draws from numpy's generator seeded with (seed, i): the same file, seed and i give the same
case on any machine, and adding cases leaves the earlier ones unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from edwc.errors import InputError, Problem
from edwc.input.safe_yaml import YamlInputError, load_yaml

MAX_DRAWS_BYTES = 2**20
DISTRIBUTIONS = ("uniform", "triangular", "normal", "lognormal", "choice")


@dataclass(frozen=True)
class Estimate:
    """One uncertain estimate: what it changes (a setting or a scaled table selection) and how it is drawn."""

    label: str
    setting: str | None
    scale: dict[str, Any] | None
    kind: str
    params: Any

    def draw(self, rng: np.random.Generator) -> float:
        p = self.params
        if self.kind == "uniform":
            return float(rng.uniform(p[0], p[1]))
        if self.kind == "triangular":
            return float(rng.triangular(p[0], p[1], p[2]))
        if self.kind == "normal":
            return float(np.clip(rng.normal(p["mean"], p["sd"]), p.get("low", -np.inf), p.get("high", np.inf)))
        if self.kind == "lognormal":
            return float(p["median"] * np.exp(rng.normal(0.0, p["sigma"])))
        return float(p[int(rng.integers(len(p)))])


MAX_PARAM = 1e12  # a distribution's parameters: finite, and small enough that high - low stays finite (N-draws-inf)


def _params_problem(kind: str, p: Any) -> str | None:
    nums = lambda xs: all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)  # noqa: E731
                          and abs(x) <= MAX_PARAM for x in xs)
    if kind == "uniform":
        ok = isinstance(p, list) and len(p) == 2 and nums(p) and p[0] <= p[1]
        return None if ok else "uniform: [low, high] with low <= high"
    if kind == "triangular":
        ok = isinstance(p, list) and len(p) == 3 and nums(p) and p[0] <= p[1] <= p[2] and p[0] < p[2]
        return None if ok else "triangular: [low, mode, high] with low <= mode <= high, low < high"
    if kind == "normal":
        ok = (isinstance(p, dict) and {"mean", "sd"} <= set(p) <= {"mean", "sd", "low", "high"} and nums(p.values())
              and p["sd"] >= 0 and p.get("low", -math.inf) <= p.get("high", math.inf))  # low > high: always high (N-draws-clip)
        return None if ok else "normal: {mean: M, sd: S >= 0, low: L (optional), high: H (optional), low <= high}"
    if kind == "lognormal":
        ok = isinstance(p, dict) and set(p) == {"median", "sigma"} and nums(p.values()) and p["median"] > 0 and p["sigma"] >= 0
        return None if ok else "lognormal: {median: M > 0, sigma: S >= 0}"
    ok = isinstance(p, list) and len(p) > 0 and nums(p)
    return None if ok else f"choice: [v1, v2, ...] (finite numbers within ±{MAX_PARAM:g})"


def read_draws(path: Path) -> tuple[list[Estimate], int | None]:
    """Parse and check a draws file; every problem is listed at once (InputError)."""
    from edwc.input.scenarios import check_key

    where = str(path)
    try:
        if not Path(path).is_file() or Path(path).stat().st_size > MAX_DRAWS_BYTES:
            raise InputError([Problem(where, f"expected a YAML file of at most {MAX_DRAWS_BYTES // 2**20} MiB")], where)
        raw = load_yaml(Path(path).read_text(encoding="utf-8"))  # duplicate keys, deep nesting refused (N-draws-deep, -dupkey)
    except YamlInputError as e:
        raise InputError([Problem(where, e.message, line=e.line)], where) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(where, f"cannot read the draws file: {e}")], where) from None
    problems: list[Problem] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("draws"), list) or not raw["draws"]:
        raise InputError([Problem(where, "expected a mapping with a non-empty list `draws:` (see docs/decisions.md)")], where)
    unknown = set(raw) - {"seed", "draws"}
    if unknown:
        problems.append(Problem(where, f"unknown key(s) {sorted(unknown)}; expected seed and draws"))
    seed = raw.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        problems.append(Problem(where, f"seed must be a whole number >= 0, got {seed!r}", column="seed"))
    out: list[Estimate] = []
    for i, item in enumerate(raw["draws"], start=1):
        at = f"draws[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "each draw must be a mapping", column=at))
            continue
        kinds = [k for k in item if k in DISTRIBUTIONS]
        targets = [k for k in ("set", "scale") if k in item]
        extra = set(item) - set(DISTRIBUTIONS) - {"set", "scale"}
        if len(targets) != 1 or len(kinds) != 1 or extra:
            problems.append(Problem(where, f"expected one of set/scale and one distribution of {list(DISTRIBUTIONS)}"
                                    + (f"; unknown key(s) {sorted(extra)}" if extra else ""), column=at))
            continue
        kind, params = kinds[0], item[kinds[0]]
        bad = _params_problem(kind, params)
        if bad:
            problems.append(Problem(where, f"expected {bad}, got {params!r}", column=at))
        if targets[0] == "set":
            key = item["set"]
            p = check_key(str(key), f"{where} {at}")
            if p is not None:
                problems.append(p)
            out.append(Estimate(str(key), str(key), None, kind, params))
        else:
            sc = item["scale"]
            if (not isinstance(sc, dict) or set(sc) != {"table", "column", "where"} or not isinstance(sc["where"], dict)
                    or not sc["where"]):  # where, as in a scenario, selects the rows (N-draws-where, N-draws-wherelist)
                problems.append(Problem(where, "scale: {table: T, column: C, where: {COLUMN: VALUE, ...}} (where selects "
                                        f"the rows to scale, as in a scenario), got {sc!r}", column=at))
                continue
            label = f"{sc['table']}.{sc['column']}" + "".join(f"[{k}={v}]" for k, v in (sc.get("where") or {}).items())
            out.append(Estimate(label, None, dict(sc), kind, params))
    if problems:
        raise InputError(problems, where)
    return out, seed


def draw_cases(estimates: list[Estimate], n: int, seed: int) -> tuple[dict[str, dict[str, Any]], pd.DataFrame]:
    """N scenarios (name -> scenario dict for instance.yaml) and the table of drawn values."""
    scenarios, rows = {}, []
    width = max(3, len(str(n)))
    for i in range(1, n + 1):
        rng = np.random.default_rng([seed, i])
        name = f"draw-{i:0{width}d}"
        values = {e.label: e.draw(rng) for e in estimates}
        sets = {e.setting: values[e.label] for e in estimates if e.setting}
        scales = [{**e.scale, "factor": values[e.label]} for e in estimates if e.scale]
        scen: dict[str, Any] = {"description": f"draw {i} of {n} (seed {seed})"}
        if sets:
            scen["set"] = sets
        if scales:
            scen["scale"] = scales
        scenarios[name] = scen
        rows.append({"case": name, **values})
    return scenarios, pd.DataFrame(rows)


def write_draw_instance(instance: Path, scenarios: dict[str, dict[str, Any]], dest: Path) -> Path:
    """A copy of the instance whose named scenarios are the draws (the base instance is unchanged)."""
    from edwc.input.schema import TABLES

    dest.mkdir(parents=True, exist_ok=True)
    cfg = load_yaml((instance / "instance.yaml").read_text(encoding="utf-8")) or {}  # as the loader reads it
    cfg["scenarios"] = scenarios
    (dest / "instance.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for t in TABLES:
        (dest / f"{t}.csv").write_bytes((instance / f"{t}.csv").read_bytes())
    return dest


def summarise(plans: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per site: share of cases that open it (candidates) and that build there, built IT MW quantiles;
    per hub: built IT MW quantiles. `plans` maps case -> firm.built_by_site()."""
    names = list(plans)
    first = plans[names[0]]
    sites = first[["site", "hub", "side", "candidate"]].copy()
    mw = pd.DataFrame({n: sites["site"].map(plans[n].set_index("site")["built_mw"]).fillna(0.0) for n in names})
    opened = pd.DataFrame({n: sites["site"].map(plans[n].set_index("site")["open"]).fillna(0) for n in names})
    sites["opened_share"] = np.where(sites["candidate"], opened.mean(axis=1), np.nan)
    sites["builds_share"] = (mw > 1e-6).mean(axis=1)
    _quantiles(sites, mw)
    hub_mw = pd.DataFrame({n: plans[n].assign(hub=plans[n]["hub"].fillna("(no hub)")).groupby("hub")["built_mw"].sum()
                           for n in names}).fillna(0.0)
    hubs = pd.DataFrame({"hub": hub_mw.index})
    _quantiles(hubs, hub_mw.reset_index(drop=True))
    return sites.sort_values("builds_share", ascending=False).reset_index(drop=True), hubs


def _quantiles(df: pd.DataFrame, mw: pd.DataFrame) -> None:
    df["built_mw_mean"] = mw.mean(axis=1).to_numpy()
    for q in (0.1, 0.5, 0.9):
        df[f"built_mw_p{int(q * 100)}"] = mw.quantile(q, axis=1).to_numpy()
    df["built_mw_min"], df["built_mw_max"] = mw.min(axis=1).to_numpy(), mw.max(axis=1).to_numpy()
