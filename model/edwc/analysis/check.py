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
    "capacity": ("site", "class", "period", "existing_pflops", "built_pflops", "installed_pflops", "served_pflops",
                 "served_new_pflops"),
    "sites": ("site", "period", "open", "newly_opened", "it_mw", "facility_mw", "energy_mwh", "energy_new_mwh",
              "green_mwh", "emissions_t"),
    "serve": ("region", "site", "workload", "period", "pflops", "rtt_ms"),
    "unmet": ("region", "workload", "period", "pflops"),
    "trunks": ("trunk", "period", "load_gbps", "capacity_gbps", "wavelengths_added"),
    "kpis": ("kpi", "period", "value"),
}
TEXT_COLUMNS = {"site", "class", "region", "workload", "trunk", "from", "to", "hub", "side", "kpi", "unit"}
COST_PARTS = ("campus", "it_capex", "facility_capex", "energy", "green_power", "network", "trunks", "carbon")
UNMET_PART = "unmet_value"


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
        if c in TEXT_COLUMNS:
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
    km: dict[str, float] = field(default_factory=dict)  # fibre km along a shortest path (the shortest such km on ties)


def dijkstra(g: Graph, src: str) -> Tree:
    """Shortest round-trip ms from src, with the number of shortest paths to every node (ties within 1e-9)."""
    dist: dict[str, float] = {src: 0.0}
    count: dict[str, float] = {src: 1.0}
    km: dict[str, float] = {src: 0.0}
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
                dist[v], count[v], km[v] = nd, count[u], km[u] + g.length_km[l]
                heapq.heappush(heap, (nd, v))
            elif abs(nd - dist[v]) <= tie and v not in done:
                count[v] += count[u]
                km[v] = min(km[v], km[u] + g.length_km[l])
    return Tree(dist, count, km)


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


def weights(periods: list[int], rate: float) -> dict[int, float]:
    """Present value at the first period of 1 CNY/yr over the years each period stands for (until the next
    period; the last as long as the gap before it, or 1 year when alone)."""
    out = {}
    for i, t in enumerate(periods):
        n = periods[i + 1] - t if i + 1 < len(periods) else (t - periods[i - 1] if i else 1)
        out[t] = sum((1 + rate) ** -(t - periods[0] + y) for y in range(n))
    return out


@dataclass
class Derived:
    """Quantities the check derives from the plan tables (never from the model)."""

    periods: list[int]
    served: dict[tuple[str, str, int], float]  # (s, c, t) from serve.csv
    built: dict[tuple[str, str, int], float]  # cumulative new PFLOPS, from capacity.csv
    installed: dict[tuple[str, str, int], float]
    open: dict[tuple[str, int], float]
    existing: dict[tuple[str, str, int], float]  # existing stock still in service
    served_new: dict[tuple[str, str, int], float]  # from capacity.csv: the part of served on new builds
    energy: dict[tuple[str, int], float]  # MWh, recomputed
    energy_new: dict[tuple[str, int], float]  # MWh of new builds, recomputed
    energy_sc: dict[tuple[str, str, int], float]  # MWh by site and class, recomputed
    green: dict[tuple[str, int], float]  # contracted green MWh, from sites.csv (a decision of the plan)
    emissions: dict[tuple[str, int], float]  # t, recomputed
    cum_wavelengths: dict[tuple[str, int], float]
    buildable: set[tuple[str, str]]
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
    cl = I["classes"].set_index("class")
    life = cl["lifetime_years"].astype(float)
    retires = cfg.capacity.existing_retires
    ex_t = {(s, c, t): e * (max(0.0, 1 - (t - periods[0]) / float(life[c])) if retires else 1.0)
            for (s, c), e in existing.items() for t in periods}
    installed = {(s, c, t): ex_t[(s, c, t)] + built.get((s, c, t), 0.0) for (s, c) in existing for t in periods}
    snew = {(s, c, int(t)): float(x) for s, c, t, x in cap[["site", "class", "period", "served_new_pflops"]].itertuples(index=False)}
    st = R["sites"]
    opened = {(s, int(t)): float(o) for s, t, o in st[["site", "period", "open"]].itertuples(index=False)}
    fin = cfg.finance
    site = I["sites"].set_index("site")
    # energy: a fully used PFLOPS draws kW x PUE x hours x load factor; installed IT draws idle_share of that
    # whether used or not, the rest only when used; existing and new builds each at their own kW and PUE
    full = fin.hours_per_year * fin.load_factor / 1000
    i = fin.idle_share
    energy: dict[tuple[str, int], float] = defaultdict(float)
    energy_new: dict[tuple[str, int], float] = defaultdict(float)
    energy_sc: dict[tuple[str, str, int], float] = {}
    for (s, c, t) in installed:
        if s not in site.index or c not in cl.index:
            continue
        e_new = float(cl.at[c, "kw_per_pflops"]) * float(site.at[s, "pue_new"]) * full
        e_ex = float(cl.at[c, "kw_per_pflops_existing"]) * float(site.at[s, "pue"]) * full
        b, x, xn = built.get((s, c, t), 0.0), served.get((s, c, t), 0.0), snew.get((s, c, t), 0.0)
        new = e_new * (i * b + (1 - i) * xn)
        energy_sc[(s, c, t)] = new + e_ex * (i * ex_t[(s, c, t)] + (1 - i) * (x - xn))
        energy[(s, t)] += energy_sc[(s, c, t)]
        energy_new[(s, t)] += new
    green = {(s, int(t)): float(gm) for s, t, gm in st[["site", "period", "green_mwh"]].itertuples(index=False)}
    emissions = {k: (e - green.get(k, 0.0)) * float(site.at[k[0], "grid_co2_t_per_mwh"]) for k, e in energy.items()}
    tr = R["trunks"]
    added = {(l, int(t)): float(w) for l, t, w in tr[["trunk", "period", "wavelengths_added"]].itertuples(index=False)}
    cum = {(l, t): sum(added.get((l, tt), 0.0) for tt in periods if tt <= t) for l in I["trunks"]["trunk"] for t in periods}
    dem = I["demand"]["pflops"].astype(float)
    return Derived(
        periods=periods, served=dict(served), built=built, installed=installed, open=opened, existing=ex_t,
        served_new=snew, energy=dict(energy), energy_new=dict(energy_new), energy_sc=energy_sc, green=green,
        emissions=emissions, cum_wavelengths=cum,
        buildable={(s, c) for s, c, m in sc[["site", "class", "max_modules"]].itertuples(index=False) if m > 0},
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
            b = d.built.get((s, c, t), 0.0)
            x, xn, ex = d.served.get((s, c, t), 0.0), d.served_new.get((s, c, t), 0.0), d.existing[(s, c, t)]
            r.leq("capacity_limit", row, x, u * inst_, d.scale_pflops,
                  f"served {{lhs}} PFLOPS > utilisation_max {u:g} x installed {_f(inst_)} = {{rhs}}")
            r.leq("capacity_new", row, xn, u * b, d.scale_pflops,
                  f"served on new builds {{lhs}} PFLOPS > utilisation_max {u:g} x built = {{rhs}}")
            r.leq("capacity_existing", row, x - xn, u * ex, d.scale_pflops,
                  f"served on the existing stock {{lhs}} PFLOPS > utilisation_max {u:g} x existing in service = {{rhs}}")
            r.leq("capacity_new", row, -xn, 0.0, d.scale_pflops, "served_new_pflops {lhs} is negative")
            r.leq("capacity_new", row, xn, x, d.scale_pflops, "served_new_pflops {lhs} exceeds served {rhs}")
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
    cl = p.inst["classes"].set_index("class")
    kw_new, kw_ex = cl["kw_per_pflops"].astype(float), cl["kw_per_pflops_existing"].astype(float)
    by_site: dict[str, list[str]] = defaultdict(list)
    for s, c in p.inst["site_classes"][["site", "class"]].itertuples(index=False):
        by_site[s].append(c)
    st = p.res["sites"].set_index(["site", "period"])
    for s in site.index:
        pue, pue_new, cand = float(site.at[s, "pue"]), float(site.at[s, "pue_new"]), bool(site.at[s, "candidate"])
        prev_open = 0.0
        for t in d.periods:
            row = _key(site=s, period=t)
            old_kw = sum(kw_ex[c] * d.existing[(s, c, t)] for c in by_site.get(s, []))
            new_kw = sum(kw_new[c] * d.built.get((s, c, t), 0.0) for c in by_site.get(s, []))
            it_kw = old_kw + new_kw
            fac_kw = pue * old_kw + pue_new * new_kw
            if new_kw > 0 or any((s, c) in d.buildable for c in by_site.get(s, [])):
                r.leq("site_power", row, fac_kw, float(site.at[s, "max_facility_mw"]) * 1000, d.scale_kw,
                      f"facility load PUE {pue:g} x {_f(old_kw)} kW + PUE {pue_new:g} x {_f(new_kw)} kW = {{lhs}} kW "
                      "> max_facility_mw x 1000 = {rhs} kW")
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
                r.eq("sites_table", row, float(st.at[(s, t), "facility_mw"]), fac_kw / 1000, d.scale_kw / 1000, "facility_mw {lhs} but should be {rhs}")
                e = d.energy.get((s, t), 0.0)
                r.eq("sites_table", row, float(st.at[(s, t), "energy_mwh"]), e, max(1.0, e), "energy_mwh {lhs} but installed and served IT use {rhs}")
                r.eq("sites_table", row, float(st.at[(s, t), "energy_new_mwh"]), d.energy_new.get((s, t), 0.0), max(1.0, e),
                     "energy_new_mwh {lhs} but new builds use {rhs}")
                gm = d.green.get((s, t), 0.0)
                r.leq("green_within", row, gm, e, max(1.0, e), "contracted green power {lhs} MWh exceeds the site's energy {rhs} MWh")
                r.leq("green_within", row, -gm, 0.0, max(1.0, e), "green_mwh {lhs} is negative")
                r.eq("sites_table", row, float(st.at[(s, t), "emissions_t"]), d.emissions.get((s, t), 0.0), max(1.0, e),
                     "emissions_t {lhs} but (energy - green) x grid factor gives {rhs}")
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
                r.leq(name, _key(period=t), share * sum(built.values()), got, d.scale_pflops,
                      f"{{rhs}} PFLOPS of new capacity where the policy counts it, below {share:g} x all new = {{lhs}}")
        if pol.intelligent_share_min is not None:
            ai = sum(v for (_, c), v in inst_.items() if c == "intelligent")
            r.leq("intelligent_share", _key(period=t), pol.intelligent_share_min * sum(inst_.values()), ai, d.scale_pflops,
                  f"intelligent capacity {{rhs}} PFLOPS is below {pol.intelligent_share_min:g} x installed = {{lhs}}")
        if pol.national_utilisation_min is not None:
            r.leq("national_utilisation", _key(period=t), pol.national_utilisation_min * sum(inst_.values()),
                  sum(srv.values()), d.scale_pflops,
                  f"served {{rhs}} PFLOPS < {pol.national_utilisation_min:g} x installed = {{lhs}}")
        if pol.cluster_utilisation_min is not None:
            for s in sorted({s for s, _ in sc if kind[s] == "cluster"}):
                i_s = sum(v for (x, _), v in inst_.items() if x == s)
                r.leq("cluster_utilisation", _key(site=s, period=t), pol.cluster_utilisation_min * i_s,
                      sum(v for (x, _), v in srv.items() if x == s), d.scale_pflops,
                      f"served {{rhs}} PFLOPS < {pol.cluster_utilisation_min:g} x installed = {{lhs}}")
        if pol.west_utilisation_min is not None:
            for (s, c), v in inst_.items():
                if side[s] == "west":
                    r.leq("west_utilisation", _key(site=s, class_=c, period=t).replace("class_", "class"),
                          pol.west_utilisation_min * v, d.served.get((s, c, t), 0.0), d.scale_pflops,
                          f"served {{rhs}} PFLOPS < {pol.west_utilisation_min:g} x installed = {{lhs}}")
        if pol.carbon_cap_t is not None:
            em = sum(v for (s, tt), v in d.emissions.items() if tt == t)
            r.leq("carbon_cap", _key(period=t), em, pol.carbon_cap_t, max(1.0, pol.carbon_cap_t), "emissions {lhs} t > cap {rhs} t")
        if pol.green_share_min is not None:
            tot = sum(v for (s, tt), v in d.energy.items() if tt == t)
            green = sum(v for (s, tt), v in d.green.items() if tt == t)
            r.leq("green_share", _key(period=t), pol.green_share_min * tot, green, max(1.0, tot),
                  f"contracted green power {{rhs}} MWh < {pol.green_share_min:g} x all energy = {{lhs}}")
        if pol.green_share_new_hub_min is not None:
            for s in sorted({s for s, c in d.buildable if in_hub[s]}):
                e_new = d.energy_new.get((s, t), 0.0)
                r.leq("green_share_new_hub", _key(site=s, period=t), pol.green_share_new_hub_min * e_new,
                      d.green.get((s, t), 0.0), max(1.0, e_new),
                      f"contracted green power {{rhs}} MWh < {pol.green_share_new_hub_min:g} x new builds' energy = {{lhs}}")
    ceilings = pol.pue_max.model_dump()
    if any(v is not None for v in ceilings.values()):
        for s, c in sc:
            lim = ceilings.get(side[s]) if in_hub[s] else ceilings.get("outside_hubs")
            if lim is not None and float(site.at[s, "pue_new"]) > lim + 1e-12:
                for t in d.periods:
                    r.leq("pue_ceiling", _key(site=s, class_=c, period=t).replace("class_", "class"),
                          d.built.get((s, c, t), 0.0), 0.0, d.scale_pflops,
                          f"{{lhs}} PFLOPS built at a new-design PUE of {float(site.at[s, 'pue_new']):g} above the ceiling {lim:g}")
            else:
                r.count("pue_ceiling")
    if pol.max_site_share is not None:
        dem = {(a, w, int(t)): float(x) for a, w, t, x in p.inst["demand"][["region", "workload", "period", "pflops"]].itertuples(index=False)}
        for a, s, w, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
            r.leq("max_site_share", _key(region=a, site=s, workload=w, period=t), float(x),
                  pol.max_site_share * dem.get((a, w, int(t)), 0.0), d.scale_pflops,
                  f"{{lhs}} PFLOPS at one site > {pol.max_site_share:g} x demand = {{rhs}}")
    for name, v in (("hub_share_new", pol.hub_share_new_min), ("west_share_new", pol.west_share_new_min),
                    ("intelligent_share", pol.intelligent_share_min),
                    ("pue_ceiling", None if all(x is None for x in ceilings.values()) else 1.0),
                    ("national_utilisation", pol.national_utilisation_min),
                    ("cluster_utilisation", pol.cluster_utilisation_min),
                    ("west_utilisation", pol.west_utilisation_min), ("carbon_cap", pol.carbon_cap_t),
                    ("green_share", pol.green_share_min), ("green_share_new_hub", pol.green_share_new_hub_min),
                    ("max_site_share", pol.max_site_share)):
        if v is not None:
            on.append(name)
            r.report.checked.setdefault(name, 0)
    return on


def recompute_costs(p: Plan, d: Derived, trees: dict[str, Tree]) -> tuple[dict[str, float], float]:
    """Each cost part of docs/model.md as a present value at the first period (CNY), and the value of unmet
    service, from the plan tables and the instance."""
    cfg, I = p.cfg, p.inst
    fin = cfg.finance
    w = weights(d.periods, fin.discount_rate)
    a_campus = annuity(fin.discount_rate, fin.campus_lifetime_years)
    site = I["sites"].set_index("site")
    cl = I["classes"].set_index("class")
    a_it = {c: annuity(fin.discount_rate, float(cl.at[c, "lifetime_years"])) for c in cl.index}
    parts = dict.fromkeys(COST_PARTS, 0.0)
    for s in site.index[site["candidate"]]:
        for t in d.periods:
            parts["campus"] += w[t] * a_campus * float(site.at[s, "campus_capex_cny"] or 0.0) * round(d.open.get((s, t), 0.0))
    for (_s, c, t), b in d.built.items():
        if c in cl.index:
            parts["it_capex"] += w[t] * a_it[c] * float(cl.at[c, "capex_cny_per_pflops"]) * b
            parts["facility_capex"] += (w[t] * a_campus * float(cl.at[c, "facility_capex_cny_per_kw"])
                                        * float(cl.at[c, "kw_per_pflops"]) * b)
    for (s, t), e in d.energy.items():
        parts["energy"] += w[t] * 1000 * float(site.at[s, "power_price_cny_per_kwh"]) * e
    for (_s, t), g_ in d.green.items():
        parts["green_power"] += w[t] * 1000 * fin.green_premium_cny_per_kwh * g_
    gbps = dict(zip(I["workloads"]["workload"], I["workloads"]["gbps_per_pflops"].astype(float), strict=True))
    bw = cfg.network.bandwidth_cny_per_gbps_km_year
    region_of = site["region"].to_dict()
    for a, s, wl, t, x in p.res["serve"][["region", "site", "workload", "period", "pflops"]].itertuples(index=False):
        if bw > 0 and gbps.get(wl, 0.0) > 0 and region_of.get(s) != a and s in trees and a in trees[s].km:
            parts["network"] += w[int(t)] * bw * gbps[wl] * trees[s].km[a] * float(x)
    tr = I["trunks"].set_index("trunk")
    for (l, t), n in d.cum_wavelengths.items():
        if float(tr.at[l, "module_gbps"]) > 0:
            parts["trunks"] += w[t] * a_campus * float(tr.at[l, "module_capex_cny"]) * round(n)
    parts["carbon"] = sum(w[t] * cfg.policy.carbon_price_cny_per_t * e for (s, t), e in d.emissions.items())
    value = dict(zip(I["workloads"]["workload"], I["workloads"]["unmet_cny_per_pflops_year"].astype(float), strict=True))
    unmet = sum(w[int(t)] * value.get(wl, 0.0) * float(x)
                for wl, t, x in p.res["unmet"][["workload", "period", "pflops"]].itertuples(index=False))
    return parts, unmet


def check_costs(p: Plan, d: Derived, trees: dict[str, Tree], r: _Rows) -> None:
    """Each cost part, the value of unmet service and the objective of summary.json equal their recomputation."""
    fam = "costs"
    parts, unmet = recompute_costs(p, d, trees)
    written = p.summary["cost_parts_cny"]
    total = sum(parts.values()) + unmet
    r.eq(fam, "unmet value", float(p.summary.get("unmet_value_cny", math.nan)), unmet, max(1.0, total),
         "summary.json says {lhs} CNY, the tables give {rhs}")
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
        r.eq(fam, "sum of parts", sum(float(written[k]) for k in COST_PARTS) + float(p.summary.get("unmet_value_cny", 0.0)),
             float(p.summary["objective_cny"]), scale,
             "the parts and unmet value in summary.json add up to {lhs} CNY, its objective is {rhs}")
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
            "built_pflops": sum(v for (s, c, tt), v in d.built.items() if tt == t),
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
    for s in set(p.res["serve"]["site"]) - set(trees):
        trees[s] = dijkstra(g, s)
    check_costs(p, d, trees, r)
    check_kpis(p, d, r)
    return report


def check_result(folder: str | Path) -> CheckReport:
    """Check a result folder; raises UnreadableResult when it cannot be read."""
    folder = Path(folder)
    return check_plan(read_plan(folder), folder)
