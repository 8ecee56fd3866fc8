"""CO2RR products: balanced half-reactions and equilibrium potentials computed from tabulated ΔfG°.

Every product is written as ``x CO2(g) + m (H+ + e-) -> product + k H2O(l)``; its equilibrium potential
vs RHE is ``E° = -ΔrG° / (m F)`` with ΔrG° from standard Gibbs energies of formation at 298.15 K
(the H+/e- pair costs nothing at 0 V vs RHE, because ½H2 is its reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from scipy.constants import physical_constants

from nanocat.chem.species import Species, SpeciesError, parse_species

FARADAY_C_MOL: float = physical_constants["Faraday constant"][0]
T_STANDARD_K: float = 298.15

NBS_1982 = ("D. D. Wagman, W. H. Evans, V. B. Parker, R. H. Schumm, I. Halow, S. M. Bailey, K. L. Churney, "
            "R. L. Nuttall, 'The NBS tables of chemical thermodynamic properties', J. Phys. Chem. Ref. Data 11, "
            "Suppl. 2 (1982); aqueous species are undissociated molecules at unit molality")

# Standard Gibbs energies of formation, kJ/mol, 298.15 K, 1 bar, from NBS_1982.
DFG_KJ_MOL: dict[str, float] = {
    "CO2(g)": -394.359,
    "H2O(l)": -237.129,
    "H2O(g)": -228.572,
    "H2(g)": 0.0,
    "CO(g)": -137.168,
    "HCOOH(g)": -351.0,
    "HCOOH(l)": -361.35,
    "HCOOH(aq)": -372.3,
    "CH4(g)": -50.72,
    "CH3OH(g)": -161.96,
    "CH3OH(l)": -166.27,
    "CH3OH(aq)": -175.31,
    "C2H4(g)": 68.15,
    "C2H5OH(g)": -168.49,
    "C2H5OH(l)": -174.78,
    "C2H5OH(aq)": -181.64,
    "CH3CHO(g)": -128.86,
    "CH3CHO(l)": -128.12,
    "CH2O(g)": -102.53,  # formaldehyde: a parent molecule for CHO*/CH2O* (nanocat.thermo.che), not a listed product
}

_NOTES: dict[str, str] = {
    "HCOOH": "above pH ~3.75 (pKa of HCOOH) it is present in the electrolyte as formate, HCOO-",
    "CH3CHO": "boils at 20 °C: liquid and gas standard states give nearly the same E°",
}

# Phase used when a product is named without one: what is measured (gas or dissolved in the electrolyte).
DEFAULT_PHASE: dict[str, str] = {
    "H2": "g", "CO": "g", "HCOOH": "aq", "CH4": "g", "CH3OH": "aq", "C2H4": "g", "C2H5OH": "aq", "CH3CHO": "l",
}


class ProductError(SpeciesError):
    """An unknown product or one without a tabulated ΔfG°."""


@dataclass(frozen=True)
class Product:
    """A CO2RR (or HER) product with its balanced half-reaction and ΔfG° (kJ/mol) and source."""

    name: str
    dfg_kJ_mol: float
    source: str = NBS_1982
    note: str = ""

    @property
    def species(self) -> Species:
        """The product as a parsed species (composition and phase)."""
        return parse_species(self.name)

    @property
    def formula(self) -> str:
        """Molecular formula without the phase."""
        return self.species.formula

    @property
    def phase(self) -> str:
        """Phase: g, l or aq."""
        return self.species.phase

    @property
    def n_co2(self) -> int:
        """CO2 molecules consumed."""
        return self.species.count("C")

    @property
    def n_h2o(self) -> int:
        """H2O(l) molecules released (k = 2x - z for CxHyOz)."""
        return 2 * self.n_co2 - self.species.count("O")

    @property
    def n_electrons(self) -> int:
        """Proton-electron pairs consumed (m = y + 2k)."""
        return self.species.count("H") + 2 * self.n_h2o

    @property
    def reaction(self) -> str:
        """Balanced half-reaction as text."""
        def term(n: int, name: str) -> str:
            return f"{n} {name}" if n > 1 else name

        left = f"{term(self.n_co2, 'CO2(g)')} + " if self.n_co2 else ""
        right = f" + {term(self.n_h2o, 'H2O(l)')}" if self.n_h2o else ""
        return f"{left}{self.n_electrons} (H+ + e-) -> {self.name}{right}"

    @property
    def reaction_gibbs_kJ_mol(self) -> float:
        """ΔrG° of the half-reaction at 0 V vs RHE, kJ/mol."""
        return (self.dfg_kJ_mol + self.n_h2o * DFG_KJ_MOL["H2O(l)"] - self.n_co2 * DFG_KJ_MOL["CO2(g)"])

    @property
    def formation_free_energy_eV(self) -> float:
        """G of the product relative to CO2(g), H2(g), H2O(l) at 0 V vs RHE, eV per molecule."""
        return self.reaction_gibbs_kJ_mol * 1e3 / FARADAY_C_MOL

    @property
    def E0_V_RHE(self) -> float:
        """Equilibrium potential, V vs RHE: -ΔrG°/(mF)."""
        return -self.reaction_gibbs_kJ_mol * 1e3 / (self.n_electrons * FARADAY_C_MOL) + 0.0  # no -0.0

    def as_dict(self) -> dict[str, object]:
        """Plain record for JSON: name, formula, phase, n_electrons, n_CO2, n_H2O, E0_V_RHE, reaction, source."""
        return {"name": self.name, "formula": self.formula, "phase": self.phase, "n_electrons": self.n_electrons,
                "n_CO2": self.n_co2, "n_H2O": self.n_h2o, "E0_V_RHE": self.E0_V_RHE, "reaction": self.reaction,
                "dfG_kJ_mol": self.dfg_kJ_mol, "source": self.source, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Product:
        """Rebuild from :meth:`as_dict` output (derived fields are recomputed)."""
        dfg = float(data["dfG_kJ_mol"])  # type: ignore[arg-type]
        return cls(str(data["name"]), dfg, str(data.get("source", NBS_1982)), str(data.get("note", "")))


_REFERENCES = {"CO2(g)", "H2O(l)", "H2O(g)"}


#: Sources of products added with :func:`register_product` (the built-ins come from NBS_1982).
_USER_SOURCES: dict[str, str] = {}


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Product]:
    """Products with a tabulated ΔfG° (built-in and registered), keyed by name with phase."""
    out = {}
    for name, dfg in DFG_KJ_MOL.items():
        if name in _REFERENCES:
            continue
        formula = name.rsplit("(", 1)[0]
        out[name] = Product(name, dfg, _USER_SOURCES.get(name, NBS_1982), _NOTES.get(formula, ""))
    return out


def register_product(name: str, dfg_kJ_mol: float, source: str, *, replace: bool = False) -> Product:
    """Add a product (name with phase, e.g. ``"C2H6(g)"``) with its standard ΔfG° (kJ/mol, 298.15 K) and source.

    It then works everywhere a built-in does: E°, free-energy diagrams, the tabulated energy of a product
    the screen did not compute, and the xTB presets' gas anchoring. The first phase registered for a formula
    becomes its default phase (``"C2H6"`` -> ``"C2H6(g)"``). A name clash is a ProductError unless ``replace``.
    """
    try:
        sp = parse_species(name)
    except SpeciesError as exc:
        raise ProductError(f"product {name!r} needs a phase, e.g. 'C2H6(g)': {exc}") from None
    if sp.phase not in ("g", "l", "aq"):
        raise ProductError(f"product {name!r} needs a phase: (g), (l) or (aq)")
    if not math.isfinite(float(dfg_kJ_mol)):
        raise ProductError(f"product {name!r}: ΔfG° must be a finite number of kJ/mol, got {dfg_kJ_mol!r}")
    if not sp.composition or set(dict(sp.composition)) - {"C", "H", "O"}:
        raise ProductError(f"product {name!r}: only C, H and O products of CO2 reduction can be registered")
    if sp.name in DFG_KJ_MOL and not replace:
        raise ProductError(f"product {sp.name!r} is already known; pass replace=True to overwrite it")
    if not source.strip():
        raise ProductError(f"product {name!r}: give the source of its ΔfG° (table and DOI)")
    DFG_KJ_MOL[sp.name] = float(dfg_kJ_mol)
    _USER_SOURCES[sp.name] = source
    DEFAULT_PHASE.setdefault(sp.formula, sp.phase)
    _builtin.cache_clear()
    return _builtin()[sp.name]


def list_products(include_gas_of_liquids: bool = False) -> list[Product]:
    """All built-in products (H2, C1, C2), by number of electrons; vapours of liquids only if asked."""
    items = [p for p in _builtin().values()
             if include_gas_of_liquids or p.phase != "g" or DEFAULT_PHASE.get(p.formula) == "g"]
    return sorted(items, key=lambda p: (p.n_co2, p.n_electrons, p.name))


def get_product(name: str) -> Product:
    """Look up a product by ``'HCOOH(l)'`` or by formula alone (``'HCOOH'`` -> its measured phase)."""
    text = name.strip()
    if "(" not in text and text in DEFAULT_PHASE:
        text = f"{text}({DEFAULT_PHASE[text]})"
    try:
        return _builtin()[text]
    except KeyError:
        known = ", ".join(sorted(_builtin()))
        raise ProductError(f"unknown product {name!r}; known: {known}") from None


def phase_change_eV(from_name: str, to_name: str) -> float:
    """ΔfG°(to) - ΔfG°(from) for the same molecule in two phases (e.g. CH3OH(g) -> CH3OH(aq)), eV."""
    for n in (from_name, to_name):
        if n not in DFG_KJ_MOL:
            raise ProductError(f"no tabulated ΔfG° for {n!r} (needed to change phase)")
    return (DFG_KJ_MOL[to_name] - DFG_KJ_MOL[from_name]) * 1e3 / FARADAY_C_MOL
