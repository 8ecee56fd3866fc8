"""One call from formation energies to diagrams, limiting potentials, HER and selectivity calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nanocat._version import __version__
from nanocat.chem.network import ReactionNetwork
from nanocat.chem.products import get_product
from nanocat.errors import InputError
from nanocat.thermo.che import FormationEnergies
from nanocat.thermo.diagram import EnergyResolver, ProductResult, analyze_product
from nanocat.thermo.selectivity import SelectivityCall, selectivity_calls

DEFAULT_PRODUCTS: tuple[str, ...] = ("CO(g)", "HCOOH(aq)", "CH4(g)", "CH3OH(aq)", "C2H4(g)", "C2H5OH(aq)",
                                     "CH3CHO(l)")


@dataclass(frozen=True)
class FreeEnergyAnalysis:
    """Per-product results, HER on the same catalyst, and selectivity calls at one potential (V_RHE)."""

    potential_V_RHE: float
    products: Mapping[str, ProductResult]
    her: ProductResult
    selectivity: Sequence[SelectivityCall]
    energies: FormationEnergies
    nanocat_version: str = field(default=__version__)
    ignored_species: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """Engine/method of the energies."""
        return self.energies.method

    def product(self, name: str) -> ProductResult:
        """Result for ``name`` with or without phase (``"CO"`` -> ``"CO(g)"``, ``"H2"`` -> HER)."""
        canonical = get_product(name).name
        if canonical == "H2(g)":
            return self.her
        try:
            return self.products[canonical]
        except KeyError:
            raise InputError(f"{canonical} was not analysed (have {', '.join(self.products)})") from None

    def as_dict(self) -> dict[str, Any]:
        """JSON document: products (list), her, selectivity, energies, potential, version."""
        return {"potential_V_RHE": self.potential_V_RHE, "method": self.method,
                "corrections": self.energies.corrections,
                "products": [r.as_dict() for r in self.products.values()], "her": self.her.as_dict(),
                "selectivity": [c.as_dict() for c in self.selectivity], "energies": self.energies.as_dict(),
                "ignored_species": list(self.ignored_species), "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FreeEnergyAnalysis:
        """Rebuild from :meth:`as_dict` output."""
        products = [ProductResult.from_dict(p) for p in d["products"]]
        return cls(float(d["potential_V_RHE"]), {p.product: p for p in products}, ProductResult.from_dict(d["her"]),
                   [SelectivityCall.from_dict(c) for c in d["selectivity"]], FormationEnergies.from_dict(d["energies"]),
                   str(d.get("nanocat_version", __version__)), tuple(d.get("ignored_species", ())))


def analyze(fe: FormationEnergies, potential_V_RHE: float = 0.0, products: Sequence[str] | None = None,
            network: ReactionNetwork | None = None) -> FreeEnergyAnalysis:
    """Diagrams, U_L (V_RHE), PDS and overpotential per product, HER and selectivity calls, at ``potential_V_RHE``.

    ``products`` are names with or without phase (``"HCOOH"`` means the measured phase, ``HCOOH(aq)``);
    default: CO, HCOOH, CH4, CH3OH, C2H4, C2H5OH, CH3CHO. A product none of whose routes has every energy is
    returned with ``complete=False`` and the missing species named.
    """
    u = float(potential_V_RHE)
    results = {}
    for name in products if products is not None else DEFAULT_PRODUCTS:
        r = analyze_product(fe, name, u, network)
        results[r.product] = r
    her = analyze_product(fe, "H2(g)", u, network)
    calls = selectivity_calls(EnergyResolver(fe), u)
    return FreeEnergyAnalysis(u, results, her, calls, fe, ignored_species=tuple(unknown_species(fe, network)))


def unknown_species(fe: FormationEnergies, network: ReactionNetwork | None = None) -> list[str]:
    """Species with an energy that no step of the network uses (so no diagram can use them), sorted.

    The reference molecules needed to build formation energies (CO2(g), H2(g), H2O(g), H2O(l)) are not listed.
    """
    from nanocat.chem.network import default_network
    from nanocat.thermo.che import REFERENCE_SPECIES, REQUIRED_GASES

    known = {s.name for s in (network or default_network()).species} | set(REFERENCE_SPECIES) | set(REQUIRED_GASES)
    return sorted(set(fe.G_eV) - known)
