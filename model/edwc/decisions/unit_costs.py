"""Long-run unit costs of serving one PFLOPS-year of a workload from a region at a site, on new builds.

The corridor ledger and the long-run marginal cost use these, the same on every side so that
two ways of serving the same work compare like with like (u = utilisation_max, i = idle_share;
one PFLOPS served needs 1/u PFLOPS built, which draws i of its full power whether used or not):

    capacity  (annuity_it[c] · capex[c] + annuity_campus · facility_capex_per_kw[c] · kW[c,t]) / u
    energy    e_new[s,c,t] · (i / u + 1 − i) · 1000 · price[s]    (e_new: MWh a fully used new PFLOPS draws in a year)
    (kW[c,t], e_new[s,c,t]: of the vintage built in the flow's period t, docs/model.md "Vintages and domestic accelerators")
    carbon    that energy · grid_co2[s] · carbon price           (at the grid factor: no green power bought)
    network   bandwidth price · gbps[w] · network_km(r, s)       (the model's price of moving the bits)
    trunks    gbps[w] · Σ_{l on the path r→s} annuity_campus · module_capex[l] / module_gbps[l]
              (the trunk upgrades one more Gbps needs in the long run)

all in CNY per PFLOPS-year; energy in MWh and emissions in tCO2 per PFLOPS-year.
"""

from __future__ import annotations

from dataclasses import dataclass

from edwc.formulation.data import ModelData, kw_new
from edwc.input.instance import Instance
from edwc.network.routes import routes

PARTS = ("capacity", "energy", "carbon", "network", "trunks")


@dataclass(frozen=True)
class UnitCost:
    capacity: float
    energy: float
    carbon: float
    network: float
    trunks: float
    energy_mwh: float
    emissions_t: float

    @property
    def total(self) -> float:
        return self.capacity + self.energy + self.carbon + self.network + self.trunks


class UnitCosts:
    """Unit costs of (region, site, workload) for one instance."""

    def __init__(self, inst: Instance, d: ModelData) -> None:
        self.inst, self.d = inst, d
        self.paths = routes(inst).paths
        self.u = inst.config.capacity.utilisation_max
        self.idle = d.idle_share
        self.carbon_price = inst.config.policy.carbon_price_cny_per_t
        self.bandwidth = inst.config.network.bandwidth_cny_per_gbps_km_year
        self.gbps_cost = {l: d.annuity_campus * a["module_capex_cny"] / a["module_gbps"]
                          for l, a in d.trunk.items() if a["module_gbps"] > 0}

    def trunks_per_gbps(self, r: str, s: str) -> float:
        """Long-run CNY/yr of one more Gbps from r to s: the trunk upgrades along the path."""
        return sum(self.gbps_cost.get(l, 0.0) for l in self.paths.get((r, s), []))

    def capacity_per_pflops(self, c: str, t: int | None = None) -> float:
        """Annualised capex of one PFLOPS of new capacity of class c (IT and facility), CNY/yr; built in period t
        (its vintage's kW per PFLOPS; None: the first period's)."""
        d = self.d
        kw = d.kw_per_pflops[c] if t is None else kw_new(d, c, t)
        return d.annuity_it[c] * d.capex_per_pflops[c] + d.annuity_campus * d.facility_capex_per_kw[c] * kw

    def of(self, r: str, s: str, w: str, t: int | None = None) -> UnitCost:
        """One PFLOPS-year of w from r served at s on a new build of period t (None: the first period's vintage)."""
        d = self.d
        c = d.workload_class[w]
        a = d.site[s]
        full = d.energy_vintage.get((s, c, t)) if t is not None else None
        if full is None:
            full = d.energy_new.get((s, c))
        if full is None:  # the site has no such class: the same formula as data.prepare
            fin = self.inst.config.finance
            kw = d.kw_per_pflops[c] if t is None else kw_new(d, c, t)
            full = kw * a["pue_new"] * fin.hours_per_year * fin.load_factor / 1000
        mwh = full * (self.idle / self.u + 1 - self.idle)
        co2 = mwh * a["grid_co2_t_per_mwh"]
        return UnitCost(
            capacity=self.capacity_per_pflops(c, t) / self.u,
            energy=mwh * 1000 * a["power_price_cny_per_kwh"],
            carbon=co2 * self.carbon_price,
            network=self.bandwidth * d.gbps[w] * d.network_km.get((r, s), 0.0),
            trunks=d.gbps[w] * self.trunks_per_gbps(r, s),
            energy_mwh=mwh, emissions_t=co2,
        )

    def can_build(self, s: str, c: str) -> bool:
        """The site may build class c (max_modules > 0)."""
        return self.d.max_modules.get((s, c), 0) > 0
