"""Free-energy corrections ΔZPE − TΔS (+ solvation, + functional-specific gas corrections), each with its source.

Presets (``get_preset``):

- ``"peterson2010"`` — for RPBE-like DFT energies (Peterson et al., Energy Environ. Sci. 2010, 3, 1311,
  doi:10.1039/c0ee00071j): adsorbate ZPE/TS on Cu(211), solvation of hydrogen-bonding adsorbates, and the
  RPBE gas corrections CO2(g) +0.45 eV, HCOOH(g) +0.45 eV.
- ``"xtb"`` — for GFN-xTB energies: the same adsorbate ZPE/TS, no RPBE gas corrections (they correct a
  DFT functional's error, not xTB's), no solvation (xTB energies in vacuum; Peterson's solvation terms were
  fitted to water on Cu(211), which is not a ligand-protected cluster).
  Gas energies are anchored: H2, H2O and CO2 as computed, every other tabulated gas (CO, HCOOH, CH4, CH3OH,
  CH2O ...) at its NBS ΔfG° relative to them (GFN-xTB misplaces CO2 + H2 -> CO + H2O by about 2 eV), and each
  adsorbate carries the shift of its parent molecule (COOH* that of CO2, CO* that of CO, OCH3* that of CH3OH...),
  so adsorption is computed against a molecule with the same bonds (XTB_ADSORBATE_PARENTS).
- ``"xtb+solvation"`` — ``"xtb"`` plus Peterson's solvation terms, for users who want them.
- ``"xtb-raw"`` — ``"xtb"`` without the anchoring: every gas energy as computed.

Gas-phase ZPE and TS in every preset are computed here with ase.thermochemistry.IdealGasThermo (298.15 K,
1 bar; H2O(l) as the vapour at 0.035 bar, its equilibrium pressure, so G(H2O(l)) = G(H2O(g), 0.035 bar))
from experimental fundamentals (polyatomics: T. Shimanouchi, Tables of Molecular Vibrational Frequencies
Consolidated Vol. I, NSRDS-NBS 39, 1972; H2 and CO: K. P. Huber and G. Herzberg, Constants of Diatomic
Molecules, Van Nostrand, 1979) and ASE's G2 geometries; their entropies agree with the NBS tables within
1 J mol-1 K-1 (tested).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from nanocat.chem.species import parse_species
from nanocat.errors import EnergyInputError

T_K = 298.15
P_STANDARD_PA = 1e5
P_H2O_LIQUID_PA = 3534.0  # vapour pressure of water at 298.15 K (0.035 bar), as in Peterson 2010
PETERSON_2010 = "Peterson et al., Energy Environ. Sci. 2010, 3, 1311, doi:10.1039/c0ee00071j"
_GAS_SRC = ("IdealGasThermo (ASE) at 298.15 K from experimental fundamentals (Shimanouchi, NSRDS-NBS 39, 1972; "
            "Huber & Herzberg 1979) and ASE G2 geometry")


@dataclass(frozen=True)
class Correction:
    """Terms added to an electronic energy to get G, eV: ZPE + thermal − TS + solvation + gas_fix."""

    zpe_eV: float = 0.0
    ts_eV: float = 0.0
    solvation_eV: float = 0.0
    gas_fix_eV: float = 0.0
    source: str = ""
    #: Heat-capacity term from 0 K to T (∫Cp dT for gases, ∫Cv dT for adsorbates), eV. Zero in the Peterson
    #: presets (their ZPE/TS tables leave it out); CatMAP's ideal_gas / harmonic_adsorbate modes include it.
    thermal_eV: float = 0.0

    @property
    def total_eV(self) -> float:
        """ZPE + thermal − TS + solvation + gas correction, eV."""
        return self.zpe_eV + self.thermal_eV - self.ts_eV + self.solvation_eV + self.gas_fix_eV

    def as_dict(self) -> dict[str, Any]:
        """Plain record of the terms (eV) and their source."""
        return {"zpe_eV": self.zpe_eV, "ts_eV": self.ts_eV, "solvation_eV": self.solvation_eV,
                "gas_fix_eV": self.gas_fix_eV, "source": self.source, "thermal_eV": self.thermal_eV}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        """Rebuild from :meth:`as_dict` output."""
        keys = ("zpe_eV", "ts_eV", "solvation_eV", "gas_fix_eV", "source", "thermal_eV")
        return cls(**{k: data[k] for k in keys if k in data})


@dataclass(frozen=True)
class CorrectionSet:
    """Named corrections per species (``'COOH*'``, ``'CO2(g)'``, ``'H2O(l)'`` = water from its vapour)."""

    name: str
    corrections: Mapping[str, Correction] = field(default_factory=dict)
    description: str = ""
    #: Gases whose computed energies fix the elemental references; every other tabulated gas is then placed at
    #: its NBS ΔfG° (empty: every gas energy used as computed). See :func:`nanocat.thermo.che.anchor_gases`.
    gas_anchors: tuple[str, ...] = ()
    #: Adsorbate -> parent gas whose gas-phase error it inherits (see :func:`nanocat.thermo.che.parent_shifts`).
    adsorbate_parents: Mapping[str, str] = field(default_factory=dict)

    def get(self, species: str) -> Correction:
        """The correction of one species; EnergyInputError naming the preset when it has none."""
        try:
            return self.corrections[species]
        except KeyError:
            raise EnergyInputError(
                f"correction set {self.name!r} has no ZPE/TS for {species!r}: give its vibrational "
                "frequencies (adsorbate_correction / gas_correction) and add it with CorrectionSet.with_corrections"
            ) from None

    def with_corrections(self, extra: Mapping[str, Correction], name: str | None = None) -> CorrectionSet:
        """A new set with ``extra`` added or replacing entries."""
        for key in extra:
            parse_species(key)
        return replace(self, name=name or self.name, corrections={**self.corrections, **extra})

    def as_dict(self) -> dict[str, Any]:
        """Plain record: name, description, corrections."""
        return {"name": self.name, "description": self.description, "gas_anchors": list(self.gas_anchors),
                "adsorbate_parents": dict(self.adsorbate_parents),
                "corrections": {k: v.as_dict() for k, v in self.corrections.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorrectionSet:
        """Rebuild from :meth:`as_dict` output."""
        return cls(str(data["name"]), {k: Correction.from_dict(v) for k, v in data["corrections"].items()},
                   str(data.get("description", "")), tuple(data.get("gas_anchors", ())),
                   dict(data.get("adsorbate_parents", {})))


def adsorbate_correction(frequencies_cm: Sequence[float], temperature_K: float = T_K,
                         source: str = "HarmonicThermo (ASE) from user frequencies",
                         thermal: bool = False) -> Correction:
    """ZPE and TS (eV) of an adsorbate from its vibrational frequencies (cm-1) with HarmonicThermo.

    ``thermal=True`` also fills ``thermal_eV`` = ∫Cv dT (0 K -> T), so that ``total_eV`` is the Helmholtz
    energy U − TS of the harmonic modes, as CatMAP's ``harmonic_adsorbate`` mode uses it.
    """
    from ase.thermochemistry import HarmonicThermo
    from ase.units import invcm

    freqs = np.asarray(frequencies_cm, dtype=float)
    if freqs.size == 0 or np.any(freqs <= 0):
        raise EnergyInputError("adsorbate frequencies must be positive numbers in cm-1 (drop imaginary modes)")
    thermo = HarmonicThermo(freqs * invcm)
    zpe = float(thermo.get_ZPE_correction())
    heat = float(thermo.get_internal_energy(temperature_K, verbose=False)) - zpe if thermal else 0.0
    return Correction(zpe_eV=zpe, ts_eV=float(temperature_K * thermo.get_entropy(temperature_K, verbose=False)),
                      source=source, thermal_eV=heat)


def gas_correction(formula: str, frequencies_cm: Sequence[float], geometry: str, symmetry_number: int,
                   spin: float = 0.0, pressure_Pa: float = P_STANDARD_PA, temperature_K: float = T_K,
                   source: str = _GAS_SRC, thermal: bool = False) -> Correction:
    """ZPE and TS (eV) of an ideal gas with IdealGasThermo; ``formula`` names an ASE G2 molecule.

    ``thermal=True`` also fills ``thermal_eV`` = ∫Cp dT (0 K -> T), so that ``total_eV`` is H − TS as
    CatMAP's ``ideal_gas`` mode computes it.
    """
    from ase.build import molecule
    from ase.thermochemistry import IdealGasThermo
    from ase.units import invcm

    try:
        atoms = molecule(formula)
    except KeyError:
        raise EnergyInputError(f"no built-in geometry for {formula!r}: pass a molecule ASE's G2 set knows") from None
    try:
        thermo = IdealGasThermo(np.asarray(frequencies_cm, dtype=float) * invcm, geometry, atoms=atoms,
                                symmetrynumber=symmetry_number, spin=spin)
    except ValueError as exc:  # too few modes for the geometry, imaginary modes
        raise EnergyInputError(f"{formula}: {exc}".replace("\n", " ")) from None
    zpe = float(thermo.get_ZPE_correction())
    heat = float(thermo.get_enthalpy(temperature_K, verbose=False)) - zpe if thermal else 0.0
    return Correction(zpe_eV=zpe,
                      ts_eV=float(temperature_K * thermo.get_entropy(temperature_K, pressure_Pa, verbose=False)),
                      source=f"{source}, {pressure_Pa / 1e5:.3g} bar", thermal_eV=heat)


# Experimental fundamentals (cm-1), geometry, symmetry number; sources in the module docstring.
GAS_FREQUENCIES_CM: dict[str, tuple[tuple[float, ...], str, int]] = {
    "H2": ((4161.0,), "linear", 2),
    "CO": ((2143.0,), "linear", 1),
    "CO2": ((1333.0, 667.0, 667.0, 2349.0), "linear", 2),
    "H2O": ((3657.0, 1595.0, 3756.0), "nonlinear", 2),
    "CH4": ((2917.0, 1534.0, 1534.0, 3019.0, 3019.0, 3019.0, 1306.0, 1306.0, 1306.0), "nonlinear", 12),
    "HCOOH": ((3570.0, 2943.0, 1770.0, 1387.0, 1229.0, 1105.0, 625.0, 1033.0, 642.0), "nonlinear", 1),
    "CH3OH": ((3681.0, 3000.0, 2844.0, 1477.0, 1455.0, 1345.0, 1060.0, 1033.0, 2960.0, 1477.0, 1165.0, 295.0),
              "nonlinear", 1),
    "C2H4": ((3026.0, 1623.0, 1342.0, 1023.0, 3103.0, 1236.0, 949.0, 943.0, 3106.0, 826.0, 2989.0, 1444.0),
             "nonlinear", 4),
    "CH2O": ((2782.0, 1746.0, 1500.0, 1167.0, 2843.0, 1249.0), "nonlinear", 2),
}
#: Species written differently in ASE's G2 set.
_G2_NAMES: dict[str, str] = {"CH2O": "H2CO"}

# Adsorbate ZPE / TS on Cu(211), eV (Peterson 2010, as tabulated in DESIGN.md §4).
PETERSON_ADS_ZPE_TS: dict[str, tuple[float, float]] = {
    "H*": (0.16, 0.01), "COOH*": (0.62, 0.19), "OCHO*": (0.62, 0.24), "CO*": (0.19, 0.16),
    "CHO*": (0.45, 0.18), "COH*": (0.48, 0.14), "CH2O*": (0.76, 0.20), "OCH3*": (1.11, 0.19),
    "O*": (0.07, 0.04), "OH*": (0.36, 0.08), "CH3*": (0.93, 0.13),
}
# Solvation stabilisation, eV (Peterson 2010).
PETERSON_SOLVATION: dict[str, float] = {
    "OH*": -0.50, "COOH*": -0.25, "COH*": -0.25, "CHOH*": -0.25, "CH2OH*": -0.25, "CO*": -0.10, "CHO*": -0.10,
}
# RPBE gas-phase corrections, eV (Peterson 2010): the O-C-O backbone is mis-described by RPBE.
PETERSON_GAS_FIX: dict[str, float] = {"CO2(g)": 0.45, "HCOOH(g)": 0.45}


def _gas_entries() -> dict[str, Correction]:
    """IdealGasThermo ZPE/TS of the built-in gases at 1 bar, and of H2O(l) via its vapour at 0.035 bar."""
    out = {f"{m}(g)": gas_correction(_G2_NAMES.get(m, m), f, g, s) for m, (f, g, s) in GAS_FREQUENCIES_CM.items()}
    f, g, s = GAS_FREQUENCIES_CM["H2O"]
    out["H2O(l)"] = gas_correction("H2O", f, g, s, pressure_Pa=P_H2O_LIQUID_PA)
    return out


#: Anchors of the xTB presets: H2, H2O and CO2 as computed (the CHE references); every other tabulated gas (CO,
#: HCOOH, CH4, CH3OH, CH2O, ...) placed at its NBS ΔfG° relative to them. Needed because GFN-xTB puts
#: CO2 + H2 -> CO + H2O about 2 eV off (electronic: GFN1 +2.17 eV, GFN2 +2.69 eV; about +0.4 eV from the NBS
#: tables; measured with nanocat on ASE G2 geometries relaxed at each level).
XTB_GAS_ANCHORS: tuple[str, ...] = ("H2(g)", "H2O(g)", "CO2(g)")

#: Each adsorbate inherits the gas-phase error of the molecule with the same C-O bonding, so that it is computed
#: against a similar compound and the engine's molecular errors cancel ("similar compounds on opposite sides of
#: the reaction": Urrego-Ortiz, Builes, Illas and Calle-Vallejo, EES Catal. 2024, 2, 157, doi:10.1039/d3ey00126a).
#: With parents, the result no longer depends on which carbon gas anchors the references.
XTB_ADSORBATE_PARENTS: dict[str, str] = {
    "CO2*": "CO2(g)", "COOH*": "CO2(g)", "OCHO*": "CO2(g)",   # O-C-O backbone
    "CO*": "CO(g)",                                         # C≡O
    "CHO*": "CH2O(g)", "CH2O*": "CH2O(g)",                  # C=O
    "COH*": "CH3OH(g)", "CHOH*": "CH3OH(g)", "CH2OH*": "CH3OH(g)", "OCH3*": "CH3OH(g)",  # C-O
    "CH2*": "CH4(g)", "CH3*": "CH4(g)",                     # C-H only
}


def _build(name: str, gas_fix: bool, solvation: bool, description: str,
           anchors: tuple[str, ...] = (), parents: Mapping[str, str] | None = None) -> CorrectionSet:
    """Assemble a preset from the tables above."""
    corr = _gas_entries()
    if gas_fix:
        for k, v in PETERSON_GAS_FIX.items():
            c = corr[k]
            corr[k] = replace(c, gas_fix_eV=v, source=f"{c.source}; RPBE gas correction {v:+.2f} eV, {PETERSON_2010}")
    for k, (zpe, ts) in PETERSON_ADS_ZPE_TS.items():
        solv = PETERSON_SOLVATION.get(k, 0.0) if solvation else 0.0
        src = f"ZPE/TS on Cu(211){' and solvation' if solv else ''}, {PETERSON_2010}"
        corr[k] = Correction(zpe, ts, solv, 0.0, src)
    return CorrectionSet(name, corr, description, anchors, dict(parents or {}))


@lru_cache(maxsize=None)
def get_preset(name: str) -> CorrectionSet:
    """A named correction set: ``peterson2010``, ``xtb``, ``xtb+solvation`` or ``xtb-raw`` (module docstring)."""
    presets = {
        "peterson2010": (True, True, "RPBE DFT: Peterson 2010 ZPE/TS, solvation and CO2/HCOOH gas corrections"),
        "xtb": (False, False, "GFN-xTB: Peterson 2010 adsorbate ZPE/TS, IdealGasThermo gases, gases other than "
                              "H2/H2O/CO2 placed at NBS ΔfG° relative to them, adsorbates referenced to a parent "
                              "molecule; no solvation", XTB_GAS_ANCHORS, XTB_ADSORBATE_PARENTS),
        "xtb+solvation": (False, True, "GFN-xTB with Peterson 2010 solvation terms, gases and adsorbates as in 'xtb'",
                          XTB_GAS_ANCHORS, XTB_ADSORBATE_PARENTS),
        "xtb-raw": (False, False, "GFN-xTB: Peterson 2010 adsorbate ZPE/TS, IdealGasThermo gases, every gas energy "
                                  "as computed (no anchoring, no solvation)"),
    }
    if name not in presets:
        raise EnergyInputError(f"unknown correction preset {name!r}; choose one of {', '.join(presets)}")
    return _build(name, *presets[name])
