"""Computational hydrogen electrode: formation free energies of species at 0 V vs RHE.

Every species X (adsorbate on the catalyst, or molecule) gets G_f(X) = G(X) − G(*) − Σ_el n_el μ_el with
the references CO2(g), H2(g) and H2O(l): μ_H = ½G(H2), μ_O = G(H2O(l)) − G(H2), μ_C = G(CO2) − 2μ_O.
So G_f of CO2(g), H2(g), H2O(l) and the clean site is 0, G_f(X*) is the ΔG of making X* from CO2(g),
H2O(l) and (H+ + e-) at 0 V vs RHE, and G(H+ + e-) = ½G(H2) − eU (Nørskov's CHE as used by Peterson 2010,
doi:10.1039/c0ee00071j). G = E + ZPE − TS (+ solvation, + gas corrections), 298.15 K.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nanocat._version import __version__
from nanocat.chem.species import Species, SpeciesError, parse_species
from nanocat.errors import EnergyInputError, InputError
from nanocat.thermo.corrections import Correction, CorrectionSet, get_preset

log = logging.getLogger(__name__)
REFERENCE_SPECIES = ("CO2(g)", "H2(g)", "H2O(l)", "*")
REQUIRED_GASES = ("CO2(g)", "H2(g)", "H2O(g)")


def _check_species(name: str, where: str) -> Species:
    """Parse a species name, turning a parse error into an EnergyInputError that says where."""
    try:
        return parse_species(name)
    except SpeciesError as exc:
        raise EnergyInputError(f"{where}: {exc}") from None


def check_number(value: Any, where: str, error: type[InputError] = EnergyInputError) -> float:
    """A finite float (booleans refused), else ``error`` naming where the value came from."""
    if isinstance(value, bool):
        raise error(f"{where}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise error(f"{where}: {value!r} is not a finite number")
    return number


@dataclass(frozen=True)
class FormationEnergies:
    """Formation free energies G_f (eV) at 0 V vs RHE relative to CO2(g), H2(g), H2O(l); method recorded."""

    G_eV: Mapping[str, float]
    method: str = "unknown"
    corrections: str = "none"
    sources: Mapping[str, str] = field(default_factory=dict)
    descriptors_eV: Mapping[str, float] = field(default_factory=dict)
    temperature_K: float = 298.15

    def __post_init__(self) -> None:
        """Validate every species name and value."""
        for name, value in self.G_eV.items():
            _check_species(name, "formation energies")
            check_number(value, f"formation energy of {name}")

    def get(self, name: str) -> float | None:
        """G_f of a species (0 for the references CO2(g), H2(g), H2O(l) and '*'), None when unknown."""
        if name in REFERENCE_SPECIES:
            return 0.0
        value = self.G_eV.get(name)
        return None if value is None else float(value)

    def as_dict(self) -> dict[str, Any]:
        """Plain record of the energies, method, corrections and provenance."""
        return {"G_eV": dict(self.G_eV), "method": self.method, "corrections": self.corrections,
                "sources": dict(self.sources), "descriptors_eV": dict(self.descriptors_eV),
                "temperature_K": self.temperature_K, "reference": "CO2(g), H2(g), H2O(l) at 0 V_RHE",
                "nanocat_version": __version__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FormationEnergies:
        """Rebuild from :meth:`as_dict` output."""
        return cls({k: float(v) for k, v in data["G_eV"].items()}, str(data.get("method", "unknown")),
                   str(data.get("corrections", "none")), dict(data.get("sources", {})),
                   {k: float(v) for k, v in data.get("descriptors_eV", {}).items()},
                   float(data.get("temperature_K", 298.15)))


def _correction(cs: CorrectionSet, name: str, missing: str) -> Correction:
    """The species' correction, or zero (logged) when ``missing='zero'``."""
    if missing == "zero" and name not in cs.corrections:
        log.warning("no free-energy correction for %s in %s: applying none", name, cs.name)
        return Correction(source="none available (electronic energy only)")
    return cs.get(name)


def anchor_gases(G_gas: Mapping[str, float], anchors: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """Gas free energies (eV) with every non-anchor gas moved to its NBS ΔfG° relative to the anchors.

    The anchors (H2, H2O and one carbon gas) fix the elemental potentials μ_el = G(anchor) − ΔfG°(anchor)
    shares; every other gas X with a tabulated ΔfG° then gets G(X) = Σ n_el μ_el + ΔfG°(X), so all gas-phase
    reaction free energies equal the NBS tables while adsorbate energies stay referenced to the computed
    anchors. Returns the new energies and the shift applied to each gas (eV).
    """
    from nanocat.chem.products import DFG_KJ_MOL, FARADAY_C_MOL

    ev_per_kj_mol = 1e3 / FARADAY_C_MOL
    missing = [a for a in anchors if a not in G_gas]
    if missing:
        raise EnergyInputError(f"gas anchoring needs the energies of {', '.join(missing)} at the same level")
    mu: dict[str, float] = {}
    for anchor in sorted(anchors, key=lambda a: len(dict(parse_species(a).composition))):
        composition = dict(parse_species(anchor).composition)
        unknown = [el for el in composition if el not in mu]
        if len(unknown) != 1:
            raise EnergyInputError(f"gas anchors {anchors} do not fix one new element each (at {anchor})")
        el = unknown[0]
        rest = sum(n * mu[e] for e, n in composition.items() if e != el)
        mu[el] = (G_gas[anchor] - DFG_KJ_MOL[anchor] * ev_per_kj_mol - rest) / composition[el]
    out, shifts = dict(G_gas), {}
    for name, g in G_gas.items():
        if name in anchors or name not in DFG_KJ_MOL:
            continue
        composition = dict(parse_species(name).composition)
        if set(composition) - set(mu):
            continue
        out[name] = sum(n * mu[e] for e, n in composition.items()) + DFG_KJ_MOL[name] * ev_per_kj_mol
        shifts[name] = out[name] - g
    return out, shifts


def _parent_shift(cs: CorrectionSet, adsorbate: str, shifts: Mapping[str, float],
                  gas: Mapping[str, float]) -> tuple[float, str | None]:
    """Gas-phase error (eV) an adsorbate inherits from its parent molecule, and that parent (None: no shift)."""
    parent = cs.adsorbate_parents.get(adsorbate)
    if parent is None:
        return 0.0, None
    if parent in cs.gas_anchors:
        return 0.0, parent
    if parent not in gas:
        raise EnergyInputError(f"correction set {cs.name!r} references {adsorbate} to {parent}: give the energy of "
                               f"{parent} at the same level (or use a preset without parents, e.g. 'xtb-raw')")
    return float(shifts.get(parent, 0.0)), parent


def formation_energies_from_electronic(
    clean_eV: float,
    adsorbed_eV: Mapping[str, float],
    gas_eV: Mapping[str, float],
    corrections: CorrectionSet | str = "peterson2010",
    method: str = "unknown",
    missing_corrections: Literal["error", "zero"] = "error",
) -> FormationEnergies:
    """Formation free energies (eV, 0 V_RHE) from electronic energies (eV) of one method plus corrections.

    Parameters
    ----------
    clean_eV : electronic energy of the bare catalyst, eV.
    adsorbed_eV : ``{"COOH*": E(catalyst + COOH), ...}``, eV (any subset).
    gas_eV : molecules at the same level, eV; CO2(g), H2(g) and H2O(g) are required (H2O(l) is made
        from H2O(g) at 0.035 bar).
    corrections : a CorrectionSet or a preset name (see :mod:`nanocat.thermo.corrections`).
    method : the engine/method the energies come from (recorded).
    missing_corrections : ``"error"`` (default) or ``"zero"`` for species the set has no ZPE/TS for.
    """
    cs = get_preset(corrections) if isinstance(corrections, str) else corrections
    clean = check_number(clean_eV, "clean catalyst energy")
    missing = [g for g in REQUIRED_GASES if g not in gas_eV]
    if missing:
        raise EnergyInputError(f"missing reference gas energies: {', '.join(missing)} (CO2(g), H2(g) and H2O(g) "
                               "at the same level of theory are needed to reference the free energies)")
    gas = {}
    for name, value in gas_eV.items():
        sp = _check_species(name, "gas energies")
        if sp.phase != "g":
            raise EnergyInputError(f"gas energies: {name!r} must be a gas, written like 'CO(g)'")
        gas[name] = check_number(value, f"gas energy of {name}")
    sources: dict[str, str] = {}
    G_gas = {}
    for name, e in gas.items():
        c = _correction(cs, name, missing_corrections)
        G_gas[name] = e + c.total_eV
        sources[name] = f"{method} electronic energy + {c.total_eV:+.3f} eV ({c.source})"
    shifts: dict[str, float] = {}
    if cs.gas_anchors:
        G_gas, shifts = anchor_gases(G_gas, cs.gas_anchors)
        for name, shift in shifts.items():
            sources[name] += f"; placed at NBS ΔfG° relative to {', '.join(cs.gas_anchors)} ({shift:+.3f} eV)"
    c_l = cs.get("H2O(l)")
    g_h2o_l = gas["H2O(g)"] + c_l.total_eV
    mu = {"H": 0.5 * G_gas["H2(g)"], "O": g_h2o_l - G_gas["H2(g)"]}
    mu["C"] = G_gas["CO2(g)"] - 2 * mu["O"]

    def formation(sp: Species, g: float) -> float:
        extra = set(dict(sp.composition)) - set(mu)
        if extra:
            raise EnergyInputError(f"{sp.name}: only C, H and O are referenced (no reference for {sorted(extra)})")
        return g - sum(n * mu[el] for el, n in sp.composition)

    G_f = {name: formation(parse_species(name), g) for name, g in G_gas.items()}
    for name, value in adsorbed_eV.items():
        sp = _check_species(name, "adsorbate energies")
        if sp.phase != "ads":
            raise EnergyInputError(f"adsorbate energies: {name!r} must be an adsorbate, written like 'COOH*'")
        c = _correction(cs, name, missing_corrections)
        e = check_number(value, f"energy of {name}")
        shift, parent = _parent_shift(cs, name, shifts, gas)
        G_f[name] = formation(sp, e - clean + c.total_eV) + shift
        sources[name] = f"{method} E(cat+{sp.formula}) − E(cat) + {c.total_eV:+.3f} eV ({c.source})"
        if parent:
            sources[name] += f"; referenced to {parent} at its NBS ΔfG° ({shift:+.3f} eV)"
    for ref in ("CO2(g)", "H2(g)"):
        G_f.pop(ref, None)
    descriptors = {}
    if "CO*" in adsorbed_eV and "CO(g)" in gas:  # Bagger 2017 descriptors, electronic energies only
        descriptors["dE_CO_eV"] = float(adsorbed_eV["CO*"]) - clean - gas["CO(g)"]
    if "H*" in adsorbed_eV:
        descriptors["dE_H_eV"] = float(adsorbed_eV["H*"]) - clean - 0.5 * gas["H2(g)"]
    return FormationEnergies(G_f, method, cs.name, sources, descriptors)
