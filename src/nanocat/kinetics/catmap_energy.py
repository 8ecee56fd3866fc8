"""Free energies of a CatMAP network from its energy table, following CatMAP's table parser and thermo modes.

- Energies: catmap/parsers/table_parser.py ``parse_formation_energy`` — a gas ``X_g`` from the table row with
  ``species_name X``, ``site_name gas`` and ``surface_name None``; an adsorbate or TS ``X_s`` from the row of
  the surface whose ``site_name`` is one of ``species_definitions['s']['site_names']`` (the last such row wins).
- Frequencies: ``parse_frequencies`` — cm-1, averaged over every row of the species on a matching site
  (any surface unless ``frequency_surface_names``), else (``estimate_frequencies`` ≥ 1) over its rows on any
  surface site; gases only from ``None``/``gas`` rows.
- Thermal corrections: catmap/thermodynamics/enthalpy_entropy.py — ``ideal_gas`` (IdealGasThermo H − TS at
  1 bar), ``harmonic_adsorbate`` (HarmonicThermo Helmholtz energy), ``zero_point_*``, ``frozen_*``,
  ``fixed_entropy_gas``; a TS without frequencies gets the mean of its IS and FS adsorbate corrections
  (``average_transition_state``); ``hbond_electrochemical`` adds Peterson 2010's hydrogen-bond terms.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nanocat.errors import EnergyInputError, InputError
from nanocat.kinetics.catmap_rxn import ECHEM_GASES, GAS_SITE, species_site
from nanocat.thermo.corrections import PETERSON_SOLVATION, adsorbate_correction, gas_correction
from nanocat.thermo.io import CatMAPRow

if TYPE_CHECKING:
    from nanocat.kinetics.catmap import CatMAPSetup

log = logging.getLogger(__name__)
_INVCM_eV = 1.239842e-4  # CatMAP's frequency_unit_conversion (table_parser.py), for the ZPE-only modes

#: CatMAP's default ideal-gas data, ``[symmetry number, geometry, spin]`` (catmap/data/parameter_data.py,
#: ``ideal_gas_params``); a ``.mkm``'s own ``ideal_gas_params`` entries are added to / replace these.
IDEAL_GAS_PARAMS: dict[str, tuple[int, str, float]] = {
    "H2_g": (2, "linear", 0), "N2_g": (2, "linear", 0), "O2_g": (2, "linear", 1.0), "H2O_g": (2, "nonlinear", 0),
    "CO_g": (1, "linear", 0), "CH4_g": (12, "nonlinear", 0), "NH3_g": (3, "nonlinear", 0),
    "CH3OH_g": (1, "nonlinear", 0), "CH3CH2OH_g": (1, "nonlinear", 0), "CO2_g": (2, "linear", 0),
    "CH2O_g": (2, "nonlinear", 0), "HCOOH_g": (1, "nonlinear", 0), "CH2CH2_g": (4, "nonlinear", 0),
    "C2H2_g": (2, "linear", 0), "C2H4_g": (4, "nonlinear", 0), "C2H6_g": (6, "nonlinear", 0),
    "C3H6_g": (1, "nonlinear", 0), "CH3COOH_g": (1, "nonlinear", 0), "CH3CHO_g": (1, "nonlinear", 0),
    "HCl_g": (1, "linear", 0), "Cl2_g": (2, "linear", 0),
}
#: CatMAP's ``gas_renames`` in ``ideal_gas``: table name -> ASE G2 name.
_G2_RENAMES = {"CH2O": "H2CO"}
#: ``fixed_entropy_gas`` entropies, eV/K (catmap/data/parameter_data.py, ``fixed_entropy_dict``).
FIXED_ENTROPY_eV_K = {"H2_g": 0.00135, "other": 0.002}
GAS_MODES = ("ideal_gas", "frozen_gas", "zero_point_gas", "fixed_entropy_gas", "frozen_fixed_entropy_gas")
ADSORBATE_MODES = ("harmonic_adsorbate", "zero_point_adsorbate", "frozen_adsorbate")
ECHEM_MODES = ("simple_electrochemical", "hbond_electrochemical")


def _site_names(setup: CatMAPSetup, site: str) -> list[str]:
    """Table site names of a site key (``gas`` for the gas site)."""
    if site == GAS_SITE:
        return ["gas"]
    return [str(s) for s in setup.species_definitions.get(site, {}).get("site_names", [])]


def _energy(setup: CatMAPSetup, key: str, surface: str, table: Path, rows: tuple[CatMAPRow, ...]) -> float:
    """Formation energy (eV) of a species key on a surface; InputError naming species, surface, table."""
    name, site = species_site(key)
    names = [name, *setup.species_definitions.get(key, {}).get("alternative_names", [])]
    sites = _site_names(setup, site)
    want = "None" if site == GAS_SITE else surface
    found = [r for r in rows if r.species_name in names and r.site_name in sites and r.surface_name == want]
    if not found:
        where = "a gas row (surface_name None, site_name gas)" if site == GAS_SITE else \
            f"a row for surface {surface!r} on site_name {sites}"
        raise InputError(f"{table}: no energy for {key} ({setup.path}): the table needs {where} for {name!r}")
    return found[-1].formation_energy_eV


def _frequencies(setup: CatMAPSetup, key: str, rows: tuple[CatMAPRow, ...]) -> list[float]:
    """Frequencies (cm-1) of a species key, chosen and averaged as CatMAP's ``parse_frequencies``."""
    name, site = species_site(key)
    sites = _site_names(setup, site)
    fsn = setup.frequency_surface_names
    entries: list[CatMAPRow] = []
    for r in rows:
        if r.species_name == name and r.frequencies_cm and not any(
                (r.surface_name, r.site_name, r.frequencies_cm) == (e.surface_name, e.site_name, e.frequencies_cm)
                for e in entries):
            entries.append(r)
    perfect, partial = [], []
    for r in entries:
        surface_ok = (r.surface_name == "None") if site == GAS_SITE else (not fsn or r.surface_name in fsn)
        if site == GAS_SITE and fsn and r.surface_name == "None":
            surface_ok = True
        if surface_ok and r.site_name in sites:
            perfect.append(r.frequencies_cm)
        elif surface_ok and site != GAS_SITE and r.site_name != "gas":
            partial.append(r.frequencies_cm)
    chosen = perfect or (partial if setup.estimate_frequencies else [])
    if not chosen:
        return []
    if len({len(f) for f in chosen}) > 1:
        raise InputError(f"{setup.input_file}: frequency lists of {name!r} have different lengths on different rows "
                         "(CatMAP averages them)")
    return [float(x) for x in np.mean(np.array(chosen, dtype=float), axis=0)]


def _gas_term(setup: CatMAPSetup, key: str, freqs: list[float], T: float) -> float:
    """Thermal correction of a gas (eV) in ``gas_thermo_mode``."""
    mode = setup.gas_thermo_mode
    if key in ECHEM_GASES or mode == "frozen_gas":
        return 0.0  # CatMAP hard-codes 0 for its fictitious electrochemical gases
    zpe = 0.5 * sum(freqs) * _INVCM_eV
    if mode == "zero_point_gas":
        return zpe
    if mode in ("fixed_entropy_gas", "frozen_fixed_entropy_gas"):
        s = FIXED_ENTROPY_eV_K.get(key, FIXED_ENTROPY_eV_K["other"])
        return (zpe if mode == "fixed_entropy_gas" else 0.0) - T * s
    params = setup.ideal_gas_params.get(key)
    if params is None:
        raise InputError(f"{setup._where('gas_thermo_mode')}: ideal_gas needs symmetry number, geometry and spin "
                         f"of {key}: add ideal_gas_params = {{{key!r}: [symmetry, 'linear'|'nonlinear', spin]}}")
    name = species_site(key)[0]
    try:
        corr = gas_correction(_G2_RENAMES.get(name, name), freqs, params[1], params[0], spin=params[2],
                              temperature_K=T, thermal=True, source=f"CatMAP ideal_gas from {setup.input_file}")
    except EnergyInputError as exc:
        raise InputError(f"{setup.input_file}: {key}: {exc}") from None
    return corr.total_eV


def _adsorbate_term(setup: CatMAPSetup, key: str, freqs: list[float], T: float) -> float | None:
    """Thermal correction of an adsorbate/TS (eV) in ``adsorbate_thermo_mode``; None = average IS/FS (a TS)."""
    mode = setup.adsorbate_thermo_mode
    if mode == "frozen_adsorbate":
        return 0.0
    name = species_site(key)[0]
    if not freqs:
        if "-" in name or key.startswith("echemTS-"):
            return None
        if mode == "zero_point_adsorbate":
            raise InputError(f"{setup.input_file}: no vibrational frequencies for {key} (zero_point_adsorbate)")
        log.warning("%s: no frequencies for %s: harmonic correction 0 (as CatMAP)", setup.input_file, key)
        return 0.0
    if mode == "zero_point_adsorbate":
        return 0.5 * sum(freqs) * _INVCM_eV
    try:
        return adsorbate_correction(freqs, T, thermal=True).total_eV
    except EnergyInputError as exc:
        raise InputError(f"{setup.input_file}: {key}: {exc}") from None


def free_energies(setup: CatMAPSetup, surface: str, T: float, table: Path,
                  rows: tuple[CatMAPRow, ...]) -> dict[str, float]:
    """G (eV) of every species/TS of the network on ``surface`` at ``T`` (K), 0 V on the setup's scale."""
    keys = [k for k in setup.species if k not in ECHEM_GASES and not k.startswith("echemTS-")]
    echem = [k for k in setup.species if k in ("H_g", "OH_g")]
    if echem:  # CatMAP builds the proton/hydroxide from H2 and H2O (_get_echem_corrections)
        keys += [k for k in ("H2_g", "H2O_g") if k not in keys and (k == "H2_g" or "OH_g" in echem)]
    E = {k: _energy(setup, k, surface, table, rows) for k in keys}
    corr: dict[str, float] = {}
    pending: list[str] = []
    for k in keys:
        freqs = _frequencies(setup, k, rows)
        if species_site(k)[1] == GAS_SITE:
            corr[k] = _gas_term(setup, k, freqs, T)
        else:
            term = _adsorbate_term(setup, k, freqs, T)
            if term is None:
                pending.append(k)
            else:
                corr[k] = term
    for k in pending:  # average_transition_state: IS/FS adsorbates only (no gases, no sites)
        step = next(s for s in setup.steps if k in s.transition)
        side = [sum(corr.get(x, 0.0) for x in state if not x.startswith("*_") and species_site(x)[1] != GAS_SITE)
                for state in (step.initial, step.final)]
        corr[k] = 0.5 * (side[0] + side[1])
    if setup.electrochemical_thermo_mode == "hbond_electrochemical":
        for k in keys:
            name, site = species_site(k)
            is_echem_ts = "-" in name and ("pe" in name or "ele" in name)
            if site != GAS_SITE and ("-" not in name or is_echem_ts):
                corr[k] += PETERSON_SOLVATION.get(f"{name}*", 0.0)
    G = {k: E[k] + corr[k] for k in keys}
    out = {k: G[k] for k in setup.species if k in G}
    if "pe_g" in setup.species:
        pe = [r for r in rows if r.species_name == "pe" and r.is_gas and r.surface_name == "None"]
        out["pe_g"] = pe[-1].formation_energy_eV if pe else 0.0
    if "H_g" in setup.species:
        out["H_g"] = 0.5 * G["H2_g"]
    if "OH_g" in setup.species:
        out["OH_g"] = G["H2O_g"] - 0.5 * G["H2_g"]
    for step in setup.steps:  # ^Ea_site: generate_echem_TS_energies at 0 V
        if step.echem_barrier_eV is not None:
            beta = float(step.options.get("beta", setup.beta))
            g_is = sum(out.get(x, 0.0) for x in step.initial)
            g_fs = sum(out.get(x, 0.0) for x in step.final)
            out[step.transition[0]] = g_fs + step.echem_barrier_eV + (1 - beta) * (g_is - g_fs)
    return out

