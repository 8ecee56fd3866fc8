"""Free-energy diagrams along the routes of the reaction network: limiting potential and PDS per product.

For a route, ΔG_i(U) = ΣG_f(products) − ΣG_f(reactants) + n_i·eU for a step consuming n_i (H+ + e-).
U_L = min_i(−ΔG_i(0)/(n_i e)) over electrochemical steps (= −max ΔG_i/e for one-electron steps); the
potential-determining step (PDS) is that argmin. Chemical steps do not move with U: a route with an uphill
one is ranked after every route without, and the uphill steps are reported. Of the complete routes the one
with the least negative U_L is kept; the overpotential is η = E° − U_L.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nanocat.chem.network import ReactionNetwork, Route, default_network, state_label
from nanocat.chem.products import DFG_KJ_MOL, get_product, phase_change_eV
from nanocat.chem.species import parse_species
from nanocat.thermo.che import FormationEnergies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """One step of a diagram: states before/after, ΔG at the analysis potential and at 0 V_RHE (eV)."""

    from_state: str
    to_state: str
    dG_eV: float
    electrochemical: bool
    equation: str = ""
    dG_U0_eV: float = 0.0
    n_electrons: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON record with keys from/to/dG_eV/dG_U0_eV/electrochemical/equation/n_electrons."""
        return {"from": self.from_state, "to": self.to_state, "dG_eV": self.dG_eV, "dG_U0_eV": self.dG_U0_eV,
                "electrochemical": self.electrochemical, "equation": self.equation, "n_electrons": self.n_electrons}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Step:
        """Rebuild from :meth:`as_dict` output."""
        return cls(d["from"], d["to"], float(d["dG_eV"]), bool(d["electrochemical"]), d.get("equation", ""),
                   float(d.get("dG_U0_eV", d["dG_eV"])), int(d.get("n_electrons", 0)))


@dataclass(frozen=True)
class ProductResult:
    """The best route to one product on one catalyst, or why none could be evaluated."""

    product: str
    complete: bool
    path: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    limiting_potential_V_RHE: float | None = None
    potential_determining_step: str | None = None
    overpotential_V: float | None = None
    E0_V_RHE: float | None = None
    uphill_chemical_steps: tuple[Step, ...] = ()
    missing_species: tuple[str, ...] = ()
    n_routes: int = 0
    n_complete_routes: int = 0
    product_energy_source: str = ""
    potential_V_RHE: float = 0.0

    def state_energies_eV(self, potential_V_RHE: float | None = None) -> list[float]:
        """Cumulative G of each state along the path (first state 0), eV, at ``potential_V_RHE``."""
        u = self.potential_V_RHE if potential_V_RHE is None else potential_V_RHE
        out = [0.0]
        for s in self.steps:
            out.append(out[-1] + s.dG_U0_eV + s.n_electrons * u)
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON record (steps as from/to/dG_eV dicts)."""
        return {"product": self.product, "complete": self.complete, "path": list(self.path),
                "steps": [s.as_dict() for s in self.steps],
                "limiting_potential_V_RHE": self.limiting_potential_V_RHE,
                "potential_determining_step": self.potential_determining_step,
                "overpotential_V": self.overpotential_V, "E0_V_RHE": self.E0_V_RHE,
                "uphill_chemical_steps": [s.as_dict() for s in self.uphill_chemical_steps],
                "missing_species": list(self.missing_species), "n_routes": self.n_routes,
                "n_complete_routes": self.n_complete_routes, "product_energy_source": self.product_energy_source,
                "potential_V_RHE": self.potential_V_RHE}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProductResult:
        """Rebuild from :meth:`as_dict` output."""
        return cls(d["product"], bool(d["complete"]), tuple(d.get("path", ())),
                   tuple(Step.from_dict(s) for s in d.get("steps", ())), d.get("limiting_potential_V_RHE"),
                   d.get("potential_determining_step"), d.get("overpotential_V"), d.get("E0_V_RHE"),
                   tuple(Step.from_dict(s) for s in d.get("uphill_chemical_steps", ())),
                   tuple(d.get("missing_species", ())), int(d.get("n_routes", 0)),
                   int(d.get("n_complete_routes", 0)), d.get("product_energy_source", ""),
                   float(d.get("potential_V_RHE", 0.0)))


class EnergyResolver:
    """G_f of any species: from the energy set, else (molecules only) from tabulated ΔfG°, with its source."""

    def __init__(self, fe: FormationEnergies) -> None:
        """Wrap one set of formation energies."""
        self.fe = fe

    def get(self, name: str) -> tuple[float | None, str]:
        """(G_f in eV or None, where it came from)."""
        value = self.fe.get(name)
        if value is not None:
            return value, f"{self.fe.method} ({self.fe.corrections})"
        sp = parse_species(name)
        if sp.phase in ("g", "l", "aq") and name in DFG_KJ_MOL:
            vapour = f"{sp.formula}(g)"
            if sp.phase != "g" and self.fe.get(vapour) is not None:
                return (self.fe.get(vapour) + phase_change_eV(vapour, name),  # type: ignore[operator]
                        f"{self.fe.method} {vapour} + tabulated ΔfG° phase change (NBS 1982)")
            return get_product(name).formation_free_energy_eV, "tabulated ΔfG° (NBS 1982)"
        return None, "missing"


def _evaluate(route: Route, res: EnergyResolver, u: float) -> tuple[list[Step], list[str], list[str]]:
    """Diagram steps of a route (empty if species are missing), the state labels and missing species."""
    missing = sorted({n for n in route.species() if res.get(n)[0] is None})
    labels = [state_label(s) for s in route.states()]
    if missing:
        return [], labels, missing
    steps = []
    for i, st in enumerate(route.steps):
        dg0 = (sum(res.get(s.name)[0] for s in st.products)  # type: ignore[misc]
               - sum(res.get(s.name)[0] for s in st.reactants))  # type: ignore[misc]
        steps.append(Step(labels[i], labels[i + 1], dg0 + st.n_electrons * u, st.electrochemical, st.equation,
                          dg0, st.n_electrons))
    return steps, labels, []


def _limiting(steps: list[Step]) -> tuple[float, Step]:
    """U_L (V_RHE) and the potential-determining step."""
    echem = [s for s in steps if s.electrochemical]
    pds = max(echem, key=lambda s: s.dG_U0_eV / s.n_electrons)
    return -pds.dG_U0_eV / pds.n_electrons, pds


def analyze_product(fe: FormationEnergies, product: str, potential_V_RHE: float = 0.0,
                    network: ReactionNetwork | None = None) -> ProductResult:
    """Best route to ``product`` (name with or without phase) with its U_L, PDS and overpotential."""
    prod = get_product(product)
    net = network or default_network()
    routes = net.routes(prod.name)
    res = EnergyResolver(fe)
    source = res.get(prod.name)[1]
    scored, incomplete = [], []
    for route in routes:
        steps, labels, missing = _evaluate(route, res, potential_V_RHE)
        if missing:
            incomplete.append((len(missing), missing, labels))
            continue
        u_l, pds = _limiting(steps)
        uphill = [s for s in steps if not s.electrochemical and s.dG_U0_eV > 0]
        worst_chem = max((s.dG_U0_eV for s in uphill), default=0.0)
        scored.append(((bool(uphill), -u_l, worst_chem), steps, labels, u_l, pds, uphill))
    if not scored:
        incomplete.sort(key=lambda t: t[0])
        fewest = incomplete[0] if incomplete else (0, [], [])
        log.info("%s: no complete route; missing %s", prod.name, fewest[1])
        return ProductResult(prod.name, False, tuple(fewest[2]), missing_species=tuple(fewest[1]),
                             E0_V_RHE=prod.E0_V_RHE, n_routes=len(routes), product_energy_source=source,
                             potential_V_RHE=potential_V_RHE)
    scored.sort(key=lambda t: t[0])
    _, steps, labels, u_l, pds, uphill = scored[0]
    return ProductResult(prod.name, True, tuple(labels), tuple(steps), u_l, f"{pds.from_state} -> {pds.to_state}",
                         prod.E0_V_RHE - u_l, prod.E0_V_RHE, tuple(uphill), (), len(routes), len(scored), source,
                         potential_V_RHE)
