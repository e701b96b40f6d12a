"""Build the edwc MILP from a validated instance. The whole model on one screen:
sets, variables, core constraints, policies, objective."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pyomo.core as pyo

from edwc.formulation import constraints as con
from edwc.formulation.blocks import add_blocks
from edwc.formulation.data import ModelData, prepare
from edwc.formulation.explore import add_explore
from edwc.formulation.objective import add_energy, add_objective, add_tie_break
from edwc.formulation.policy import add_policies
from edwc.formulation.power import add_power
from edwc.formulation.power_data import prepare_power
from edwc.formulation.quotas import add_quotas
from edwc.formulation.shells import add_shell_variables, add_shells, add_site_power
from edwc.input.instance import Instance
from edwc.timeseries.slices import TimeSlices
from edwc.timeseries.typical import time_slices


def add_sets(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.periods = pyo.Set(initialize=d.periods, ordered=True)
    m.sites = pyo.Set(initialize=d.sites, ordered=True)
    m.candidates = pyo.Set(initialize=d.candidates, ordered=True)
    m.site_class = pyo.Set(initialize=d.site_class, dimen=2, ordered=True)
    m.buildable = pyo.Set(initialize=d.buildable, dimen=2, ordered=True)
    m.serve_index = pyo.Set(initialize=d.serve_index, dimen=4, ordered=True)
    m.demand_index = pyo.Set(initialize=d.demand_index, dimen=3, ordered=True)
    m.trunks = pyo.Set(initialize=d.trunks, ordered=True)
    m.flow_nodes = pyo.Set(initialize=d.flow_nodes, dimen=2, ordered=True)


def add_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """open ∈ {0,1}; modules, wavelengths ∈ ℤ≥0 (bounded by their maxima); serve, unmet, flow_to_site,
    served_new (work on new builds), green_mwh (绿电交易: traded green power) ≥ 0; the power side's own
    variables are in edwc.formulation.power."""
    m.open = pyo.Var(m.candidates, m.periods, domain=pyo.Binary)
    m.modules = pyo.Var(m.buildable, m.periods, domain=pyo.NonNegativeIntegers,
                        bounds=lambda m, s, c, t: (0, d.max_modules[(s, c)]))
    m.serve = pyo.Var(m.serve_index, domain=pyo.NonNegativeReals,
                      bounds=lambda m, r, s, w, t: (0, d.demand[(r, w, t)]))
    m.unmet = pyo.Var(m.demand_index, domain=pyo.NonNegativeReals)
    m.flow_to_site = pyo.Var(m.flow_nodes, m.periods, domain=pyo.NonNegativeReals)  # Gbps from node u toward site s
    m.wavelengths = pyo.Var(m.trunks, m.periods, domain=pyo.NonNegativeIntegers,
                            bounds=lambda m, l, t: (0, d.trunk[l]["max_modules"]))
    m.served_new = pyo.Var(m.buildable, m.periods, domain=pyo.NonNegativeReals)
    m.green_mwh = pyo.Var(m.sites, m.periods, domain=pyo.NonNegativeReals)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: building and compiling a Pyomo model allocates
    millions of objects and no cycles worth collecting; the collector's passes over them cost ~40 %
    of a build (measured at 340 × 60, docs/performance.md)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@no_gc()
def build_model(inst: Instance, elastic: bool = False, network: str = "full",
                ts: TimeSlices | None = None) -> tuple[pyo.ConcreteModel, ModelData]:
    """Return the Pyomo model and the data it was built from.

    elastic=True adds a priced slack to every policy row (used to explain infeasibility).
    ts: the time slices (default: those instance.yaml's time block asks for, edwc.timeseries.typical).
    network="lazy" leaves the rows of flow_balance and trunk_capacity out (the families exist, empty):
    a relaxation of the full model, which edwc.solve.lazy tightens with the rows a plan needs.
    """
    d = prepare(inst)
    d.power = prepare_power(inst, d, ts if ts is not None else time_slices(inst))
    m = pyo.ConcreteModel(name=inst.result_name)
    m.elastic = elastic
    m.elastic_slacks = []
    m.utilisation_max = inst.config.capacity.utilisation_max
    add_sets(m, d)
    add_variables(m, d)
    add_shell_variables(m, d)
    con.add_demand_balance(m, d)
    con.add_capacity_limit(m, d)
    con.add_vintage_split(m, d)
    add_site_power(m, d)
    add_shells(m, d)
    add_quotas(m, d, inst.regions, inst.config.finance.hours_per_year)
    con.add_module_limit(m, d)
    con.add_wavelength_limit(m, d)
    con.add_open_monotone(m, d)
    con.add_serve_open(m, d)
    add_blocks(m, d, inst)  # block workloads: 0 or at least one block per site (docs/model.md)
    con.add_flow_balance(m, d, lazy=network == "lazy")
    con.add_trunk_capacity(m, d, lazy=network == "lazy")
    add_energy(m, d)
    add_power(m, d, d.power, inst.config.power)
    m.policies = add_policies(m, d, inst.config.policy)
    add_objective(m, d, d.power, inst.config)
    add_tie_break(m, d)
    add_explore(m, d, inst.config.explore)  # off unless edwc pareto / alternatives set it
    return m, d
