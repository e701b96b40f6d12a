"""Long-run unit costs of serving one PFLOPS-year of a workload from a region at a site.

The corridor ledger and the long-run marginal cost use these, the same on every side so that
two ways of serving the same work compare like with like:

    capacity  annuity_equipment · capex[c] / utilisation_max          (new capacity that serves it)
    energy    energy_mwh_per_pflops[s,c] · 1000 · price[s]             (served IT load × PUE × hours × load)
    carbon    energy_mwh · (1 − renewable[s]) · grid_co2[s] · carbon price
    network   gbps[w] · Σ_{l on the path r→s} annuity_campus · module_capex[l] / module_gbps[l]

all in CNY per PFLOPS-year; emissions in tCO2 and energy in MWh per PFLOPS-year.
"""

from __future__ import annotations

from dataclasses import dataclass

from edwc.formulation.data import ModelData
from edwc.input.instance import Instance
from edwc.network.routes import routes


@dataclass(frozen=True)
class UnitCost:
    capacity: float
    energy: float
    carbon: float
    network: float
    energy_mwh: float
    emissions_t: float

    @property
    def total(self) -> float:
        return self.capacity + self.energy + self.carbon + self.network


class UnitCosts:
    """Unit costs of (region, site, workload) for one instance."""

    def __init__(self, inst: Instance, d: ModelData) -> None:
        self.inst, self.d = inst, d
        self.paths = routes(inst).paths
        self.u = inst.config.capacity.utilisation_max
        self.carbon_price = inst.config.policy.carbon_price_cny_per_t
        self.gbps_cost = {l: d.annuity_campus * a["module_capex_cny"] / a["module_gbps"]
                          for l, a in d.trunk.items() if a["module_gbps"] > 0}

    def network_per_gbps(self, r: str, s: str) -> float:
        """Long-run CNY/yr of one more Gbps from r to s: the trunk upgrades along the path."""
        return sum(self.gbps_cost.get(l, 0.0) for l in self.paths.get((r, s), []))

    def of(self, r: str, s: str, w: str) -> UnitCost:
        d = self.d
        c = d.workload_class[w]
        a = d.site[s]
        mwh = d.energy_mwh_per_pflops.get((s, c))
        if mwh is None:  # the site has no such class: the same formula as data.prepare
            mwh = d.kw_per_pflops[c] / 1000 * a["pue"] * self.inst.config.finance.hours_per_year \
                * self.inst.config.finance.load_factor
        co2 = mwh * (1 - a["renewable_share"]) * a["grid_co2_t_per_mwh"]
        return UnitCost(
            capacity=d.annuity_equipment * d.capex_per_pflops[c] / self.u,
            energy=mwh * 1000 * a["power_price_cny_per_kwh"],
            carbon=co2 * self.carbon_price,
            network=d.gbps[w] * self.network_per_gbps(r, s),
            energy_mwh=mwh, emissions_t=co2,
        )

    def can_build(self, s: str, c: str) -> bool:
        """The site may build class c (max_modules > 0)."""
        return self.d.max_modules.get((s, c), 0) > 0
