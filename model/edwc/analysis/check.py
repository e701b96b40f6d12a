"""`edwc check RESULT`: an independent check of a written plan against its resolved instance.

Nothing here uses the model code (build, constraints, policy, objective, network, data): the plan is
re-read from the result tables, latency is recomputed from the trunk table with its own Dijkstra,
and every constraint family and every cost part of docs/../DESIGN.md is re-derived with plain
arithmetic. The instance is parsed with the loader (edwc.input.instance), which only reads and validates.

Tolerance, stated once: a row `lhs <= rhs` holds when
    lhs - rhs <= RTOL * max(|lhs|, |rhs|) + ATOL * scale
where `scale` is the magnitude of the row's family in its own unit (the largest demand for PFLOPS
rows, the largest trunk capacity for Gbps rows, the objective for money, 1 for shares and counts).
An equality holds when both directions do. Integers must lie within INT_TOL of a whole number.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

RTOL = 1e-6
ATOL = 1e-6
INT_TOL = 1e-6
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
MAX_ROWS_SHOWN = 10

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "capacity": ("site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops", "served_pflops"),
    "sites": ("site", "period", "open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "emissions_t"),
    "serve": ("region", "site", "workload", "period", "pflops", "rtt_ms"),
    "unmet": ("region", "workload", "period", "pflops"),
    "trunks": ("trunk", "period", "load_gbps", "capacity_gbps", "wavelengths_added"),
    "kpis": ("kpi", "period", "value"),
}
NAME_SUFFIXES = ("_name_zh", "_name_en")  # name columns beside ids (results.tables.with_names)
TEXT_COLUMNS = {"site", "class", "region", "workload", "trunk", "from", "to", "hub", "side", "kpi", "unit"}
COST_PARTS = ("campus", "capacity", "energy", "trunks", "carbon", "unmet")


class UnreadableResult(Exception):
    """The result folder (or its resolved instance) cannot be read: exit code 2."""


# ---- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    family: str  # the constraint family, named as in DESIGN.md (demand_balance, site_power, ...)
    rows: str  # the rows involved, e.g. "site=west-1, class=general, period=2025"
    detail: str  # what was found against what was required
    excess: float  # by how much (in the family's unit) beyond the tolerance


@dataclass
class CheckReport:
    folder: Path
    checked: dict[str, int] = field(default_factory=dict)  # family -> rows checked
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_family(self) -> dict[str, list[Violation]]:
        out: dict[str, list[Violation]] = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return out

    def summary_line(self) -> str:
        rows = sum(self.checked.values())
        tol = f"tolerance {RTOL:g} relative + {ATOL:g} x scale"
        if self.ok:
            return f"all {rows:,} rows of {len(self.checked)} families hold ({tol})"
        bad = self.by_family()
        return (f"{len(self.violations):,} of {rows:,} rows violated in {len(bad)} "
                f"famil{'y' if len(bad) == 1 else 'ies'}: {', '.join(bad)} ({tol})")

    def render(self, max_rows: int = MAX_ROWS_SHOWN) -> str:
        lines = [f"check of {self.folder}:"]
        bad = self.by_family()
        for fam, n in self.checked.items():
            vs = bad.get(fam, [])
            mark = "FAIL" if vs else "ok  "
            lines.append(f"  {mark} {fam:<22} {n:>7,} rows" + (f", {len(vs):,} violated" if vs else ""))
            for v in vs[:max_rows]:
                lines.append(f"         - {v.rows}: {v.detail}")
            if len(vs) > max_rows:
                lines.append(f"         ... and {len(vs) - max_rows:,} more")
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(("OK: " if self.ok else "FAILED: ") + self.summary_line())
        return "\n".join(lines)


class _Rows:
    """Records rows checked and violations found for one report."""

    def __init__(self, report: CheckReport):
        self.report = report

    def count(self, family: str, n: int = 1) -> None:
        self.report.checked[family] = self.report.checked.get(family, 0) + n

    def fail(self, family: str, rows: str, detail: str, excess: float = math.nan) -> None:
        self.report.violations.append(Violation(family, rows, detail, excess))

    def leq(self, family: str, rows: str, lhs: float, rhs: float, scale: float, what: str) -> bool:
        """Check lhs <= rhs within tolerance; `what` names the two sides, e.g. 'served {lhs} <= {rhs}'."""
        self.count(family)
        slack = RTOL * max(abs(lhs), abs(rhs)) + ATOL * max(scale, 1.0)
        if not (lhs - rhs <= slack):  # also catches NaN
            self.fail(family, rows, what.format(lhs=_f(lhs), rhs=_f(rhs)) + f" (off by {_f(lhs - rhs)})", lhs - rhs)
            return False
        return True

    def eq(self, family: str, rows: str, lhs: float, rhs: float, scale: float, what: str) -> bool:
        self.count(family)
        slack = RTOL * max(abs(lhs), abs(rhs)) + ATOL * max(scale, 1.0)
        if not (abs(lhs - rhs) <= slack):
            self.fail(family, rows, what.format(lhs=_f(lhs), rhs=_f(rhs)) + f" (off by {_f(lhs - rhs)})", abs(lhs - rhs))
            return False
        return True

    def integer(self, family: str, rows: str, x: float, what: str) -> bool:
        self.count(family)
        if not (abs(x - round(x)) <= INT_TOL * max(1.0, abs(x))):
            self.fail(family, rows, f"{what} = {_f(x)} is not a whole number", abs(x - round(x)))
            return False
        return True


def _f(x: float) -> str:
    return f"{x:.10g}"


def _key(**kw: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in kw.items())


# ---- reading --------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the check works on: the instance's tables and config, and the plan's tables."""

    cfg: Any  # edwc.input.schema.InstanceConfig
    inst: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    res: dict[str, pd.DataFrame]


def _read_table(path: Path) -> pd.DataFrame:
    name = path.stem
    if not path.is_file():
        raise UnreadableResult(f"{path}: file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        raise UnreadableResult(f"{path}: not a readable CSV table ({str(e).strip()})") from e
    missing = [c for c in RESULT_COLUMNS[name] if c not in df.columns]
    if missing:
        raise UnreadableResult(f"{path}: missing column(s) {', '.join(missing)}")
    for c in df.columns:
        if c in TEXT_COLUMNS or c.endswith(NAME_SUFFIXES):
            continue
        num = pd.to_numeric(df[c].where(df[c] != ""), errors="coerce")
        bad = num.isna() & (df[c] != "")
        if bad.any():
            i = int(bad.idxmax())
            raise UnreadableResult(f"{path}, line {i + 2}, column '{c}': expected a number, got '{df.at[i, c]}'")
        df[c] = num
    return df


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UnreadableResult(f"{path}: file not found (is this a result folder?)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UnreadableResult(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise UnreadableResult(f"{path}: expected a JSON object")
    for k in ("status", "objective_cny", "cost_parts_cny"):
        if k not in data:
            raise UnreadableResult(f"{path}: missing '{k}'")
    if not isinstance(data["cost_parts_cny"], dict):
        raise UnreadableResult(f"{path}: 'cost_parts_cny' must be an object")
    return data


def read_plan(folder: Path) -> Plan:
    """Read summary.json, the result tables and the resolved instance; UnreadableResult if any is bad."""
    from edwc.errors import InputError
    from edwc.input.instance import load_instance

    if not folder.is_dir():
        raise UnreadableResult(f"{folder}: not a result folder")
    summary = _read_summary(folder / "summary.json")
    res = {name: _read_table(folder / f"{name}.csv") for name in RESULT_COLUMNS}
    try:
        inst = load_instance(folder / "instance")
    except InputError as e:
        raise UnreadableResult(f"the resolved instance of the result is not valid:\n{e.render()}") from e
    return Plan(cfg=inst.config, inst=inst.tables, summary=summary, res=res)


# ---- the trunk graph, independently ---------------------------------------------------------------


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass
class Graph:
    length_km: dict[str, float]  # trunk -> km
    weight: dict[str, float]  # trunk -> its round-trip ms (2 * km * fibre_us / 1000 + hop)
    ends: dict[str, tuple[str, str]]
    adj: dict[str, list[tuple[str, str]]]  # node -> [(neighbour, trunk)]


def build_graph(p: Plan) -> Graph:
    xy: dict[str, tuple[float, float]] = {}
    for tab, key in (("regions", "region"), ("sites", "site")):
        for k, lon, lat in p.inst[tab][[key, "lon", "lat"]].itertuples(index=False):
            xy[str(k)] = (float(lon), float(lat))
    net = p.cfg.network
    g = Graph({}, {}, {}, defaultdict(list))
    t = p.inst["trunks"]
    for l, a, b, km in zip(t["trunk"], t["from"], t["to"], t["length_km"], strict=True):
        l, a, b = str(l), str(a), str(b)
        if km is None or pd.isna(km):
            km = haversine_km(*xy[a], *xy[b]) * net.route_factor
        g.length_km[l] = float(km)
        g.weight[l] = 2 * float(km) * net.fibre_us_per_km / 1000 + net.hop_delay_ms
        g.ends[l] = (a, b)
        g.adj[a].append((b, l))
        g.adj[b].append((a, l))
    return g


@dataclass
class Tree:
    dist: dict[str, float]
    count: dict[str, float]  # number of shortest paths from the source


def dijkstra(g: Graph, src: str) -> Tree:
    """Shortest round-trip ms from src, with the number of shortest paths to every node (ties within 1e-9)."""
    dist: dict[str, float] = {src: 0.0}
    count: dict[str, float] = {src: 1.0}
    done: set[str] = set()
    heap: list[tuple[float, str]] = [(0.0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for v, l in g.adj.get(u, []):
            nd = d + g.weight[l]
            tie = 1e-9 * max(1.0, nd)
            if v not in dist or nd < dist[v] - tie:
                dist[v], count[v] = nd, count[u]
                heapq.heappush(heap, (nd, v))
            elif abs(nd - dist[v]) <= tie and v not in done:
                count[v] += count[u]
    return Tree(dist, count)


def route_bounds(g: Graph, a: Tree, b: Tree, target: str) -> tuple[set[str], set[str]]:
    """Trunks on some / on every shortest path from a's source to target (b = tree from target)."""
    total = a.dist[target]
    tie = 1e-9 * max(1.0, total)
    some, every = set(), set()
    for l, (x, y) in g.ends.items():
        for u, v in ((x, y), (y, x)):
            if u in a.dist and v in b.dist and a.dist[u] + g.weight[l] + b.dist[v] <= total + tie:
                some.add(l)
                if g.weight[l] > tie and a.count[u] * b.count[v] >= a.count[target] - 0.5:
                    every.add(l)
    return some, every


# ---- the checks -----------------------------------------------------------------------------------


def annuity(rate: float, years: float) -> float:
    """Capital recovery factor: rate / (1 - (1 + rate)^-years); 1/years at rate 0."""
    return 1 / years if rate == 0 else rate / (1 - (1 + rate) ** -years)


@dataclass
class Derived:
    """Quantities the check derives from the plan tables (never from the model)."""

    periods: list[int]
    served: dict[tuple[str, str, int], float]  # (s, c, t) from serve.csv
    built: dict[tuple[str, str, int], float]  # cumulative new PFLOPS, from capacity.csv
    installed: dict[tuple[str, str, int], float]
    open: dict[tuple[str, int], float]
    energy: dict[tuple[str, int], float]  # MWh, recomputed
    emissions: dict[tuple[str, int], float]  # t, recomputed
    cum_wavelengths: dict[tuple[str, int], float]
    scale_pflops: float
    scale_gbps: float
    scale_kw: float


def _derive(p: Plan, r: _Rows) -> Derived:
    cfg, I, R = p.cfg, p.inst, p.res
    periods = list(cfg.periods)
    wclass = dict(zip(I["workloads"]["workload"], I["workloads"]["class"], strict=True))
    served: dict[tuple[str, str, int], float] = defaultdict(float)
    for s, w, t, x in R["serve"][["site", "workload", "period", "pflops"]].itertuples(index=False):
        served[(s, wclass.get(w, "?"), int(t))] += float(x)
    cap = R["capacity"]
    built = {(s, c, int(t)): float(b) for s, c, t, b in cap[["site", "class", "period", "built_pflops"]].itertuples(index=False)}
    sc = I["site_classes"]
    existing = {(s, c): float(e) for s, c, e in sc[["site", "class", "existing_pflops"]].itertuples(index=False)}
    installed = {(s, c, t): existing.get((s, c), 0.0) + built.get((s, c, t), 0.0)
                 for (s, c) in existing for t in periods}
    st = R["sites"]
    opened = {(s, int(t)): float(o) for s, t, o in st[["site", "period", "open"]].itertuples(index=False)}
    fin = cfg.finance
    site = I["sites"].set_index("site")
    kw = I["classes"].set_index("class")["kw_per_pflops"].astype(float)
    energy: dict[tuple[str, int], float] = defaultdict(float)
    for (s, c, t), x in served.items():
        if s in site.index and c in kw.index:
            energy[(s, t)] += x * kw[c] / 1000 * float(site.at[s, "pue"]) * fin.hours_per_year * fin.load_factor
    emissions = {k: e * (1 - float(site.at[k[0], "renewable_share"])) * float(site.at[k[0], "grid_co2_t_per_mwh"])
                 for k, e in energy.items()}
    tr = R["trunks"]
    added = {(l, int(t)): float(w) for l, t, w in tr[["trunk", "period", "wavelengths_added"]].itertuples(index=False)}
    cum = {(l, t): sum(added.get((l, tt), 0.0) for tt in periods if tt <= t) for l in I["trunks"]["trunk"] for t in periods}
    dem = I["demand"]["pflops"].astype(float)
    return Derived(
        periods=periods, served=dict(served), built=built, installed=installed, open=opened,
        energy=dict(energy), emissions=emissions, cum_wavelengths=cum,
        scale_pflops=max([1.0, float(dem.max()) if len(dem) else 0.0, *(abs(v) for v in installed.values())]),
        scale_gbps=max([1.0, *I["trunks"]["capacity_gbps"].astype(float)]),
        scale_kw=max([1.0, *(I["sites"]["max_facility_mw"].astype(float) * 1000)]),
    )


def check_references(p: Plan, r: _Rows) -> None:
    """Every row of the plan names things of the instance, and every instance row has its plan row."""
    fam = "references"
    I, R = p.inst, p.res
    periods = set(p.cfg.periods)
    known = {"region": set(I["regions"]["region"]), "site": set(I["sites"]["site"]),
             "workload": set(I["workloads"]["workload"]), "class": set(I["classes"]["class"]),
             "trunk": set(I["trunks"]["trunk"])}
    for name, df in R.items():
        if name == "kpis":
            continue
        for col in ("region", "site", "workload", "class", "trunk"):
            if col not in df.columns:
                continue
            r.count(fam, len(df))
            for i in df.index[~df[col].isin(known[col])][:MAX_ROWS_SHOWN]:
                r.fail(fam, f"{name}.csv line {i + 2}", f"unknown {col} '{df.at[i, col]}'")
        bad = ~df["period"].isin(periods)
        for i in df.index[bad][:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv line {i + 2}", f"period {df.at[i, 'period']} is not a period of the instance")
    need = {
        "unmet": {(a, w, int(t)) for a, w, t in I["demand"][["region", "workload", "period"]].itertuples(index=False)},
        "sites": {(s, t) for s in known["site"] for t in periods},
        "trunks": {(l, t) for l in known["trunk"] for t in periods},
    }
    have = {
        "unmet": {(a, w, int(t)) for a, w, t in R["unmet"][["region", "workload", "period"]].itertuples(index=False)},
        "sites": {(s, int(t)) for s, t in R["sites"][["site", "period"]].itertuples(index=False)},
        "trunks": {(l, int(t)) for l, t in R["trunks"][["trunk", "period"]].itertuples(index=False)},
    }
    for name in need:
        r.count(fam, len(need[name]))
        for k in sorted(need[name] - have[name], key=str)[:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv", f"no row for {k}")
    for name in ("serve", "unmet", "capacity", "sites", "trunks"):
        keys = {"serve": ["region", "site", "workload", "period"], "unmet": ["region", "workload", "period"],
                "capacity": ["site", "class", "period"], "sites": ["site", "period"], "trunks": ["trunk", "period"]}[name]
        dup = R[name].duplicated(keys)
        r.count(fam, len(dup))
        for i in R[name].index[dup][:MAX_ROWS_SHOWN]:
            r.fail(fam, f"{name}.csv line {i + 2}", "duplicate row for " + _key(**{k: R[name].at[i, k] for k in keys}))


def check_demand_balance(p: Plan, d: Derived, r: _Rows) -> None:
    """demand_balance[r,w,t]: Σ_s serve + unmet = demand; serve >= 0, unmet >= 0."""
    fam = "demand_balance"
    sv = p.res["serve"].groupby(["region", "workload", "period"])["pflops"].sum()
    um = p.res["unmet"].groupby(["region", "workload", "period"])["pflops"].sum()
    for a, w, t, dem in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False):
        k = (a, w, int(t))
        got, un = float(sv.get(k, 0.0)), float(um.get(k, 0.0))
        r.eq(fam, _key(region=a, workload=w, period=t), got + un, float(dem), d.scale_pflops,
             "served + unmet = {lhs} but demand is {rhs} PFLOPS")
    dem_keys = {(a, w, int(t)) for a, w, t in p.inst["demand"][["region", "workload", "period"]].itertuples(index=False)}
    for k in sorted(set(sv.index) - dem_keys, key=str)[:MAX_ROWS_SHOWN]:
        r.fail(fam, _key(region=k[0], workload=k[1], period=k[2]), f"{_f(sv[k])} PFLOPS served without any demand row")
    for name in ("serve", "unmet"):
        x = p.res[name]["pflops"]
        r.count("non_negative", len(x))
        for i in x.index[x < -ATOL * d.scale_pflops][:MAX_ROWS_SHOWN]:
            r.fail("non_negative", f"{name}.csv line {i + 2}", f"negative pflops {_f(x[i])}")


def check_latency(p: Plan, g: Graph, trees: dict[str, Tree], r: _Rows) -> None:
    """latency[r,s,w]: every served pair is joined by trunks and rtt(r,s) <= max_rtt(w); rtt_ms is right."""
    fam = "latency"
    net = p.cfg.network
    lim = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["max_rtt_ms"], strict=True))
    for a, s, w, t, rtt in p.res["serve"][["region", "site", "workload", "period", "rtt_ms"]].itertuples(index=False):
        row = _key(region=a, site=s, workload=w, period=t)
        tree = trees.get(s)
        if tree is None or a not in tree.dist:
            r.count(fam)
            r.fail(fam, row, "work is served at a site no trunk path joins to the region")
            continue
        true = net.access_rtt_ms + tree.dist[a]
        r.eq(fam, row, float(rtt), true, 1.0, "rtt_ms written as {lhs} but the shortest trunk path gives {rhs} ms")
        m = lim.get(w)
        if m is not None and not pd.isna(m):
            r.leq(fam, row, true, float(m), 1.0, "rtt {lhs} ms exceeds the workload's limit of {rhs} ms")


def check_class_offered(p: Plan, r: _Rows) -> None:
    """Work is served only at a site that holds its class and, for a candidate, only when the site is open."""
    fam = "site_offers"
    sc = p.inst["site_classes"]
    offer = {(s, c) for s, c, e, m in sc[["site", "class", "existing_pflops", "max_modules"]].itertuples(index=False)
             if e > 0 or m > 0}
    wclass = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["class"], strict=True))
    cand = set(p.inst["sites"].loc[p.inst["sites"]["candidate"], "site"])
    opened = {(s, int(t)): o for s, t, o in p.res["sites"][["site", "period", "open"]].itertuples(index=False)}
    for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        r.count(fam)
        row = _key(region=a, site=s, workload=w, period=t)
        if (s, wclass.get(w)) not in offer:
            r.fail(fam, row, f"{_f(x)} PFLOPS of class {wclass.get(w)} served at a site that holds no such class")
        elif s in cand and opened.get((s, int(t)), 0) < 0.5 and x > ATOL:
            r.fail(fam, row, f"{_f(x)} PFLOPS served at candidate site {s} that is not open")


def check_capacity(p: Plan, d: Derived, r: _Rows) -> None:
    """capacity_limit[s,c,t]: served <= utilisation_max · installed; modules whole, cumulative, within max_modules;
    the capacity table's columns agree with the instance and the plan."""
    u = p.cfg.capacity.utilisation_max
    sc = p.inst["site_classes"]
    module = p.inst["classes"].set_index("class")["module_pflops"].astype(float)
    cand = set(p.inst["sites"].loc[p.inst["sites"]["candidate"], "site"])
    for s, c, mx in sc[["site", "class", "max_modules"]].itertuples(index=False):
        prev = 0.0
        for t in d.periods:
            row = _key(site=s, class_=c, period=t).replace("class_", "class")
            inst_ = d.installed[(s, c, t)]
            r.leq("capacity_limit", row, d.served.get((s, c, t), 0.0), u * inst_, d.scale_pflops,
                  f"served {{lhs}} PFLOPS > utilisation_max {u:g} x installed {_f(inst_)} = {{rhs}}")
            b = d.built.get((s, c, t), 0.0)
            n = b / module[c]
            r.integer("integrality", row, n, "modules built (built_pflops / module_pflops)")
            r.leq("module_limit", row, n, float(mx), 1.0, "{lhs} modules built in total > max_modules {rhs}")
            r.leq("module_limit", row, prev, b, d.scale_pflops, "built capacity shrinks: {lhs} PFLOPS before, {rhs} now")
            if s in cand:
                o = d.open.get((s, t), 0.0)
                r.leq("opening", row, b, o * module[c] * float(mx), d.scale_pflops,
                      f"{{lhs}} PFLOPS built at candidate {s} while open = {_f(o)}")
            prev = b
    cap = p.res["capacity"]
    for i, s, c, t, ex, b, inst_, srv in cap[["site", "class", "period", "existing_pflops", "built_pflops",
                                              "installed_pflops", "served_pflops"]].itertuples():
        row = f"capacity.csv line {i + 2} ({s}, {c}, {t})"
        true_ex = d.installed.get((s, c, int(t)), math.nan) - b
        r.eq("capacity_table", row, float(ex), true_ex, d.scale_pflops, "existing_pflops {lhs} but the instance says {rhs}")
        r.eq("capacity_table", row, float(inst_), float(ex) + float(b), d.scale_pflops,
             "installed_pflops {lhs} != existing + built = {rhs}")
        r.eq("capacity_table", row, float(srv), d.served.get((s, c, int(t)), 0.0), d.scale_pflops,
             "served_pflops {lhs} but serve.csv adds up to {rhs}")


def check_sites(p: Plan, d: Derived, r: _Rows) -> None:
    """site_power[s,t]: PUE · Σ_c kw_per_pflops · installed <= max_facility_mw · 1000; open binary and monotone;
    sites.csv power, energy and emissions agree with the plan."""
    site = p.inst["sites"].set_index("site")
    kw = p.inst["classes"].set_index("class")["kw_per_pflops"].astype(float)
    by_site: dict[str, list[str]] = defaultdict(list)
    for s, c in p.inst["site_classes"][["site", "class"]].itertuples(index=False):
        by_site[s].append(c)
    st = p.res["sites"].set_index(["site", "period"])
    for s in site.index:
        pue, cand = float(site.at[s, "pue"]), bool(site.at[s, "candidate"])
        prev_open = 0.0
        for t in d.periods:
            row = _key(site=s, period=t)
            it_kw = sum(kw[c] * d.installed[(s, c, t)] for c in by_site.get(s, []))
            r.leq("site_power", row, pue * it_kw, float(site.at[s, "max_facility_mw"]) * 1000, d.scale_kw,
                  f"facility load PUE {pue:g} x {_f(it_kw)} kW = {{lhs}} kW > max_facility_mw x 1000 = {{rhs}} kW")
            o = d.open.get((s, t), math.nan)
            if not r.integer("integrality", row, o, "open"):
                continue
            r.count("opening")
            if not cand and o < 0.5:
                r.fail("opening", row, "an existing site is reported closed")
            if o > 1.5 or o < -0.5:
                r.fail("opening", row, f"open = {_f(o)} is not 0 or 1")
            if cand and o < prev_open - 0.5:
                r.fail("opening", row, "a campus opened earlier is closed again")
            if (s, t) in st.index:
                newly = float(st.at[(s, t), "newly_opened"])
                r.eq("sites_table", row, newly, float(cand and o > prev_open + 0.5), 1.0, "newly_opened {lhs} but it should be {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "it_mw"]), it_kw / 1000, d.scale_kw / 1000, "it_mw {lhs} but installed capacity draws {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "facility_mw"]), pue * it_kw / 1000, d.scale_kw / 1000, "facility_mw {lhs} but should be {rhs}")
                e = d.energy.get((s, t), 0.0)
                r.eq("sites_table", row, float(st.at[(s, t), "energy_mwh"]), e, max(1.0, e), "energy_mwh {lhs} but served work uses {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "emissions_t"]), d.emissions.get((s, t), 0.0), max(1.0, e),
                     "emissions_t {lhs} but energy gives {rhs}")
            prev_open = o


def check_trunks(p: Plan, d: Derived, g: Graph, trees: dict[str, Tree], r: _Rows) -> None:
    """trunk_capacity[l,t]: Σ gbps_per_pflops · serve over the pairs routed on l <= capacity + module_gbps · Σ wavelengths.

    Routed load is recomputed from serve.csv over shortest paths: where several shortest paths tie, a trunk's load
    may lie anywhere between the flows on *every* shortest path through it and those on *some* of them.
    """
    gbps = dict(zip(p.inst["workloads"]["workload"], p.inst["workloads"]["gbps_per_pflops"].astype(float), strict=True))
    flow: dict[tuple[str, str, int], float] = defaultdict(float)
    for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        if gbps.get(w, 0.0) > 0:
            flow[(a, s, int(t))] += gbps[w] * float(x)
    lo: dict[tuple[str, int], float] = defaultdict(float)
    hi: dict[tuple[str, int], float] = defaultdict(float)
    bounds: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for (a, s, t), f in sorted(flow.items()):
        if s not in trees or a not in trees[s].dist:
            continue  # reported by the latency check
        if (a, s) not in bounds:
            if a not in trees:
                trees[a] = dijkstra(g, a)
            bounds[(a, s)] = route_bounds(g, trees[a], trees[s], s)
        some, every = bounds[(a, s)]
        for l in some:
            hi[(l, t)] += f
        for l in every:
            lo[(l, t)] += f
    tr = p.inst["trunks"].set_index("trunk")
    res = p.res["trunks"].set_index(["trunk", "period"])
    for l in tr.index:
        cap0, mod, mx = float(tr.at[l, "capacity_gbps"]), float(tr.at[l, "module_gbps"]), int(tr.at[l, "max_modules"])
        for t in d.periods:
            row = _key(trunk=l, period=t)
            cum = d.cum_wavelengths.get((l, t), 0.0)
            r.integer("integrality", row, cum, "wavelengths added")
            r.leq("trunk_upgrades", row, cum, float(mx) if mod > 0 else 0.0, 1.0,
                  "{lhs} wavelengths added in total > max_modules {rhs}")
            cap = cap0 + mod * cum
            reported = float(res.at[(l, t), "load_gbps"]) if (l, t) in res.index else 0.0
            r.leq("trunk_capacity", row, max(reported, lo[(l, t)]), cap, d.scale_gbps,
                  "load {lhs} Gbps > capacity + upgrades = {rhs} Gbps")
            r.leq("trunk_routing", row, lo[(l, t)], reported, d.scale_gbps,
                  "load_gbps written as {rhs} but the flows on its shortest paths need at least {lhs}")
            r.leq("trunk_routing", row, reported, hi[(l, t)], d.scale_gbps,
                  "load_gbps written as {lhs} but no more than {rhs} Gbps of flows have a shortest path over it")
            if (l, t) in res.index:
                r.eq("trunks_table", row, float(res.at[(l, t), "capacity_gbps"]), cap, d.scale_gbps,
                     "capacity_gbps {lhs} but capacity + module_gbps x wavelengths = {rhs}")
            if "length_km" in res.columns and (l, t) in res.index:
                r.eq("trunks_table", row, float(res.at[(l, t), "length_km"]), g.length_km[l], 1.0,
                     "length_km {lhs} but the instance gives {rhs}")


def check_policies(p: Plan, d: Derived, r: _Rows) -> list[str]:
    """Every policy of instance.yaml in force, as in DESIGN.md; returns their names."""
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
            r.leq("west_share_new", _key(period=t), pol.west_share_new_min * sum(built.values()), west, d.scale_pflops,
                  f"west sites hold {{rhs}} PFLOPS of new capacity, below {pol.west_share_new_min:g} x all new = {{lhs}}")
        if pol.intelligent_share_min is not None:
            ai = sum(v for (_, c), v in inst_.items() if c == "intelligent")
            r.leq("intelligent_share", _key(period=t), pol.intelligent_share_min * sum(inst_.values()), ai, d.scale_pflops,
                  f"intelligent capacity {{rhs}} PFLOPS is below {pol.intelligent_share_min:g} x installed = {{lhs}}")
        if pol.west_utilisation_min is not None:
            for (s, c), v in inst_.items():
                if side[s] == "west":
                    r.leq("west_utilisation", _key(site=s, class_=c, period=t).replace("class_", "class"),
                          pol.west_utilisation_min * v, d.served.get((s, c, t), 0.0), d.scale_pflops,
                          f"served {{rhs}} PFLOPS < {pol.west_utilisation_min:g} x installed = {{lhs}}")
        if pol.carbon_cap_t is not None:
            em = sum(v for (s, tt), v in d.emissions.items() if tt == t)
            r.leq("carbon_cap", _key(period=t), em, pol.carbon_cap_t, max(1.0, pol.carbon_cap_t), "emissions {lhs} t > cap {rhs} t")
        if pol.renewable_share_min is not None:
            es = [(float(site.at[s, "renewable_share"]), v) for (s, tt), v in d.energy.items() if tt == t]
            tot = sum(v for _, v in es)
            r.leq("renewable_share", _key(period=t), pol.renewable_share_min * tot, sum(a * v for a, v in es), max(1.0, tot),
                  f"renewable energy {{rhs}} MWh < {pol.renewable_share_min:g} x all energy = {{lhs}}")
    ceilings = pol.pue_max.model_dump()
    if any(v is not None for v in ceilings.values()):
        for s, c in sc:
            lim = ceilings.get(side[s])
            if lim is not None and float(site.at[s, "pue"]) > lim + 1e-12:
                for t in d.periods:
                    r.leq("pue_ceiling", _key(site=s, class_=c, period=t).replace("class_", "class"),
                          d.built.get((s, c, t), 0.0), 0.0, d.scale_pflops,
                          f"{{lhs}} PFLOPS built at a site of PUE {float(site.at[s, 'pue']):g} above the {side[s]} ceiling {lim:g}")
            else:
                r.count("pue_ceiling")
    if pol.max_site_share is not None:
        dem = {(a, w, int(t)): float(x) for a, w, t, x in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False)}
        for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
            r.leq("max_site_share", _key(region=a, site=s, workload=w, period=t), float(x),
                  pol.max_site_share * dem.get((a, w, int(t)), 0.0), d.scale_pflops,
                  f"{{lhs}} PFLOPS at one site > {pol.max_site_share:g} x demand = {{rhs}}")
    for name, v in (("west_share_new", pol.west_share_new_min), ("intelligent_share", pol.intelligent_share_min),
                    ("pue_ceiling", None if all(x is None for x in ceilings.values()) else 1),
                    ("west_utilisation", pol.west_utilisation_min), ("carbon_cap", pol.carbon_cap_t),
                    ("renewable_share", pol.renewable_share_min), ("max_site_share", pol.max_site_share)):
        if v is not None:
            on.append(name)
            r.report.checked.setdefault(name, 0)
    return on


def recompute_costs(p: Plan, d: Derived) -> dict[str, float]:
    """Each cost part of DESIGN.md, in CNY/year, from the plan tables and the instance."""
    cfg, I = p.cfg, p.inst
    fin = cfg.finance
    a_campus = annuity(fin.discount_rate, fin.campus_lifetime_years)
    a_equip = annuity(fin.discount_rate, fin.equipment_lifetime_years)
    site = I["sites"].set_index("site")
    capex = I["classes"].set_index("class")["capex_cny_per_pflops"].astype(float)
    campus = sum(a_campus * float(site.at[s, "campus_capex_cny"] or 0.0) * round(d.open.get((s, t), 0.0))
                 for s in site.index[site["candidate"]] for t in d.periods)
    capacity = sum(a_equip * capex[c] * b for (s, c, t), b in d.built.items() if c in capex.index)
    energy = sum(1000 * float(site.at[s, "power_price_cny_per_kwh"]) * e for (s, _), e in d.energy.items())
    tr = I["trunks"].set_index("trunk")
    trunks = sum(a_campus * float(tr.at[l, "module_capex_cny"]) * round(w)
                 for (l, _), w in d.cum_wavelengths.items() if float(tr.at[l, "module_gbps"]) > 0)
    carbon = cfg.policy.carbon_price_cny_per_t * sum(d.emissions.values())
    unmet = fin.unmet_penalty_cny_per_pflops_year * float(p.res["unmet"]["pflops"].sum())
    return {"campus": campus, "capacity": capacity, "energy": energy, "trunks": trunks, "carbon": carbon, "unmet": unmet}


def check_costs(p: Plan, d: Derived, r: _Rows) -> None:
    """Each cost part and the objective of summary.json equal their recomputation from the tables."""
    fam = "costs"
    parts = recompute_costs(p, d)
    written = p.summary["cost_parts_cny"]
    total = sum(parts.values())
    scale = max(1.0, abs(total), abs(float(p.summary["objective_cny"] or 0.0)))
    for k in COST_PARTS:
        got = written.get(k)
        if got is None:
            r.count(fam)
            r.fail(fam, f"cost part {k}", "missing from summary.json")
            continue
        r.eq(fam, f"cost part {k}", float(got), parts[k], scale, "summary.json says {lhs} CNY/yr, the tables give {rhs}")
    r.eq(fam, "objective", float(p.summary["objective_cny"]), total, scale, "summary.json says {lhs} CNY/yr, the tables give {rhs}")
    if all(written.get(k) is not None for k in COST_PARTS):
        r.eq(fam, "sum of parts", sum(float(written[k]) for k in COST_PARTS), float(p.summary["objective_cny"]), scale,
             "the parts in summary.json add up to {lhs} CNY/yr, its objective is {rhs}")
    bound = p.summary.get("best_bound_cny")
    if bound is not None:
        r.leq(fam, "best bound", float(bound), total, scale, "the solver's lower bound {lhs} is above the plan's cost {rhs}")


def check_kpis(p: Plan, d: Derived, r: _Rows) -> None:
    """The headline KPIs that follow directly from the tables."""
    k = p.res["kpis"].set_index(["kpi", "period"])["value"]
    dem = p.inst["demand"]
    for t in d.periods:
        want = {
            "demand_pflops": float(dem.loc[dem["period"] == t, "pflops"].sum()),
            "unmet_pflops": float(p.res["unmet"].loc[p.res["unmet"]["period"] == t, "pflops"].sum()),
            "installed_pflops": sum(v for (s, c, tt), v in d.installed.items() if tt == t),
            "energy_mwh": sum(v for (s, tt), v in d.energy.items() if tt == t),
            "emissions_t": sum(v for (s, tt), v in d.emissions.items() if tt == t),
        }
        for name, v in want.items():
            if (name, t) in k.index:
                r.eq("kpis", _key(kpi=name, period=t), float(k[(name, t)]), v, max(1.0, abs(v), d.scale_pflops),
                     "kpis.csv says {lhs}, the tables give {rhs}")


def check_plan(p: Plan, folder: Path) -> CheckReport:
    report = CheckReport(folder=folder)
    r = _Rows(report)
    status = str(p.summary.get("status"))
    if status != "optimal":
        report.notes.append(f"the solve ended '{status}': feasibility and costs are checked, optimality is not")
    check_references(p, r)
    if report.violations:
        return report  # the other checks assume the rows name known things
    d = _derive(p, r)
    g = build_graph(p)
    trees = {s: dijkstra(g, s) for s in sorted(set(p.res["serve"]["site"]))}
    check_demand_balance(p, d, r)
    check_latency(p, g, trees, r)
    check_class_offered(p, r)
    check_capacity(p, d, r)
    check_sites(p, d, r)
    check_trunks(p, d, g, trees, r)
    on = check_policies(p, d, r)
    written = p.summary.get("policies")
    if written is not None and sorted(written) != sorted(on):
        r.count("policies")
        r.fail("policies", "summary.json policies", f"written as {sorted(written)}, the instance has {sorted(on)} in force")
    check_costs(p, d, r)
    check_kpis(p, d, r)
    return report


def check_result(folder: str | Path) -> CheckReport:
    """Check a result folder; raises UnreadableResult when it cannot be read."""
    folder = Path(folder)
    return check_plan(read_plan(folder), folder)
