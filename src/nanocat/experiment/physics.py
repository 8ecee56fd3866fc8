"""The corrections that turn potentiostat, GC and NMR numbers into potentials vs RHE, FE, j and TOF.

Sign convention (IUPAC): cathodic current is negative. The uncompensated-resistance correction subtracts
the ohmic drop the potentiostat did not compensate, ``E_RHE = E_meas + E_ref(SHE) + (ln10 RT/F)·pH −
I·R_u·(1 − f)``; for a cathodic (negative) current it makes E_RHE less negative, for an anodic one more
positive. Protocols follow Clark et al., ACS Catal. 2018, 8, 6560 (doi:10.1021/acscatal.8b01340).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.constants import R
from scipy.integrate import trapezoid

from nanocat.chem.products import FARADAY_C_MOL
from nanocat.errors import InputError
from nanocat.experiment.references import ReferenceElectrode, nernst_slope_V

OER_E0_V_RHE: float = 1.229  # anode at its equilibrium potential for the half-cell energy efficiency (NBS 1982)


def to_rhe(potential_V_ref: np.ndarray | float, current_A: np.ndarray | float, reference: ReferenceElectrode,
           pH: float, temperature_K: float, R_u_ohm: float = 0.0, compensated_fraction: float = 0.0) -> np.ndarray:
    """Measured potential (V vs ``reference``) and current (A, cathodic negative) -> iR-corrected V vs RHE."""
    e = np.asarray(potential_V_ref, dtype=float)
    i = np.asarray(current_A, dtype=float)
    shift = reference.potential_at_V_SHE(temperature_K, pH) + nernst_slope_V(temperature_K) * pH
    return e + shift - i * R_u_ohm * (1.0 - compensated_fraction)


def _integral_As(time_s: np.ndarray, current_A: np.ndarray, start_s: float, end_s: float) -> float:
    """Signed ∫ I dt (A s) over [start_s, end_s], trapezoidal, with the end points interpolated."""
    t = np.asarray(time_s, dtype=float)
    i = np.asarray(current_A, dtype=float)
    if end_s <= start_s:
        raise InputError(f"integration window [{start_s}, {end_s}] s is empty")
    inside = (t > start_s) & (t < end_s)
    tt = np.concatenate(([start_s], t[inside], [end_s]))
    ii = np.concatenate(([np.interp(start_s, t, i)], i[inside], [np.interp(end_s, t, i)]))
    return float(trapezoid(ii, tt))


def charge_C(time_s: np.ndarray, current_A: np.ndarray, start_s: float, end_s: float) -> float:
    """|∫ I dt| (C) over [start_s, end_s] by the trapezoidal rule (end points interpolated)."""
    return abs(_integral_As(time_s, current_A, start_s, end_s))


def mean_current_A(time_s: np.ndarray, current_A: np.ndarray, start_s: float, end_s: float) -> float:
    """Time-averaged current (A, signed) over [start_s, end_s]: ∫ I dt / Δt."""
    return _integral_As(time_s, current_A, start_s, end_s) / (end_s - start_s)


def molar_flow_mol_s(flow_sccm: float, reference_T_K: float, reference_p_kPa: float) -> float:
    """Ideal-gas molar flow (mol s⁻¹) of a volumetric flow in cm³ min⁻¹ at the stated reference T (K) and p (kPa)."""
    volume_m3_s = flow_sccm * 1e-6 / 60.0
    return reference_p_kPa * 1e3 * volume_m3_s / (R * reference_T_K)


def outlet_flow_mol_s(inlet_mol_s: float, internal_standard_in: float | None = None,
                      internal_standard_out: float | None = None) -> float:
    """Outlet molar flow (mol s⁻¹): the inlet flow, or scaled by x_IS,in/x_IS,out (inert internal standard).

    CO2 consumed at the cathode (reduction and carbonate formation) shrinks the outlet flow; an inert gas
    fed at a known fraction measures the shrinkage (Ma et al., Energy Environ. Sci. 2020, 13, 977).
    """
    if internal_standard_in is None or internal_standard_out is None:
        return inlet_mol_s
    if internal_standard_out <= 0 or internal_standard_in <= 0:
        raise InputError("internal-standard fractions must be positive")
    return inlet_mol_s * internal_standard_in / internal_standard_out


def gas_fe_percent(n_electrons: int, mole_fraction: float, outlet_mol_s: float, current_A: float) -> float:
    """FE (%) of a gas product: z F x Ṅ_out / |I|."""
    if current_A == 0:
        raise InputError("no current: the Faradaic efficiency is undefined")
    return 100.0 * n_electrons * FARADAY_C_MOL * mole_fraction * outlet_mol_s / abs(current_A)


def liquid_fe_percent(n_electrons: int, moles: float, charge: float) -> float:
    """FE (%) of a liquid product: n z F / Q (moles in mol, charge in C)."""
    if charge <= 0:
        raise InputError("no charge passed before sampling: the Faradaic efficiency is undefined")
    return 100.0 * moles * n_electrons * FARADAY_C_MOL / charge


def nmr_concentration_mM(area_ratio: float, n_H_product: int, standard_mM: float, n_H_standard: int) -> float:
    """Concentration (mM) from an NMR peak-area ratio to an internal standard: c_IS·(A/A_IS)·(N_H,IS/N_H)."""
    return standard_mM * area_ratio * n_H_standard / n_H_product


def tof_per_s(j_partial_mA_cm2: float, n_electrons: int, loading_ug_cm2: float, molar_mass_g_mol: float) -> float:
    """Turnover frequency per cluster (s⁻¹): (|j|/zF) / (loading/M), both per cm² of electrode."""
    product_mol_s_cm2 = abs(j_partial_mA_cm2) * 1e-3 / (n_electrons * FARADAY_C_MOL)
    clusters_mol_cm2 = loading_ug_cm2 * 1e-6 / molar_mass_g_mol
    return product_mol_s_cm2 / clusters_mol_cm2


def half_cell_energy_efficiency_percent(fe_percent: float, E0_V_RHE: float, potential_V_RHE: float) -> float:
    """Cathodic half-cell energy efficiency (%): FE·(E_OER − E°)/(E_OER − E), anode at 1.229 V_RHE, no overpotential.

    The definition of Dinh et al., Science 2018, 360, 783 (doi:10.1126/science.aas9100).
    """
    return fe_percent * (OER_E0_V_RHE - E0_V_RHE) / (OER_E0_V_RHE - potential_V_RHE)


def partial_current_mA_cm2(fe_by_product: Mapping[str, float], j_total_mA_cm2: float) -> dict[str, float]:
    """Partial current densities (mA cm⁻², sign of j_total): FE/100 × j_total."""
    return {p: fe / 100.0 * j_total_mA_cm2 for p, fe in fe_by_product.items()}
