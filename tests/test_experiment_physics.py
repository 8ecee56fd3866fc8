"""nanocat.experiment physics: hand-computed FE (gas, with/without internal standard; NMR liquid), every
reference electrode, iR sign, Tafel slope of Butler-Volmer data, TOF, and the seed's FE × j."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nanocat.errors import InputError
from nanocat.experiment import ReferenceElectrode, ReferenceLibrary, default_references, fit_tafel, physics

F = 96485.33212  # C/mol, CODATA 2018 (exact SI)
R = 8.314462618  # J/(mol K), CODATA 2018 (exact SI)
NERNST_298 = math.log(10) * R * 298.15 / F  # 0.0591597 V per pH unit


def test_molar_flow_matches_the_molar_volume_at_stp() -> None:
    # 20 sccm at 273.15 K, 101.325 kPa over the ideal-gas molar volume 22.41397 L/mol (CODATA 2018)
    assert physics.molar_flow_mol_s(20.0, 273.15, 101.325) == pytest.approx(20e-3 / 22.41397 / 60, rel=1e-6)
    # the same flow referenced to 298.15 K holds fewer moles, by 273.15/298.15
    assert physics.molar_flow_mol_s(20.0, 298.15, 101.325) == pytest.approx(
        physics.molar_flow_mol_s(20.0, 273.15, 101.325) * 273.15 / 298.15, rel=1e-12)


def test_gas_fe_by_hand_with_and_without_internal_standard() -> None:
    n_in = 101325 * 20e-6 / 60 / (R * 273.15)  # 1.48716e-5 mol/s
    fe = physics.gas_fe_percent(2, 3000e-6, physics.outlet_flow_mol_s(n_in), -0.010)
    assert fe == pytest.approx(100 * 2 * F * 3000e-6 * n_in / 0.010, rel=1e-9)
    assert fe == pytest.approx(86.09, abs=0.01)  # 2·96485·0.003·1.48716e-5/0.010
    # 5.00 % N2 fed, 5.25 % measured: the outlet shrank to 0.05/0.0525 of the inlet flow
    out = physics.outlet_flow_mol_s(n_in, 0.05, 0.0525)
    assert physics.gas_fe_percent(2, 3000e-6, out, -0.010) == pytest.approx(fe * 0.05 / 0.0525, rel=1e-12)
    assert physics.gas_fe_percent(2, 3000e-6, out, -0.010) == pytest.approx(81.99, abs=0.01)
    with pytest.raises(InputError):
        physics.gas_fe_percent(2, 3000e-6, out, 0.0)


def test_liquid_fe_from_nmr_internal_standard_by_hand() -> None:
    # DMSO 0.5 mM (6 H) as standard; formate peak (1 H) integrates to 0.1 of it -> 0.5·0.1·6/1 = 0.3 mM
    c = physics.nmr_concentration_mM(0.1, 1, 0.5, 6)
    assert c == pytest.approx(0.3)
    moles = c * 1e-3 * 30e-3  # 30 mL -> 9e-6 mol
    t = np.linspace(0, 1800, 181)
    charge = physics.charge_C(t, np.full_like(t, -0.010), 0.0, 1800.0)
    assert charge == pytest.approx(18.0)
    assert physics.liquid_fe_percent(2, moles, charge) == pytest.approx(100 * 9e-6 * 2 * F / 18.0)
    assert physics.liquid_fe_percent(2, moles, charge) == pytest.approx(9.649, abs=1e-3)


def test_charge_integrates_a_ramp_with_interpolated_ends() -> None:
    t = np.array([0.0, 10.0, 20.0])
    i = np.array([0.0, -1.0, -2.0])  # A
    assert physics.charge_C(t, i, 0.0, 20.0) == pytest.approx(20.0)
    assert physics.charge_C(t, i, 5.0, 15.0) == pytest.approx(10.0)  # mean 1 A over 10 s
    assert physics.mean_current_A(t, i, 5.0, 15.0) == pytest.approx(-1.0)


EXPECTED_V_SHE = {"SHE": 0.0, "Ag/AgCl (sat. KCl)": 0.1970, "Ag/AgCl (3 M KCl)": 0.210,
                  "Ag/AgCl (1 M KCl)": 0.2360, "SCE": 0.2410, "Hg/HgO (1 M KOH)": 0.098, "Hg/HgO (0.1 M NaOH)": 0.165}


@pytest.mark.parametrize(("name", "v_she"), sorted(EXPECTED_V_SHE.items()))
def test_every_reference_electrode_converts_to_rhe(name: str, v_she: float) -> None:
    ref = default_references().get(name)
    # no current, pH 0: E_RHE = E_meas + E_ref(SHE)
    assert physics.to_rhe(-1.0, 0.0, ref, 0.0, 298.15) == pytest.approx(-1.0 + v_she, abs=1e-12)
    # pH 7.2 adds 7.2 · 0.0591597 V = 0.42595 V
    assert physics.to_rhe(-1.0, 0.0, ref, 7.2, 298.15) == pytest.approx(-1.0 + v_she + 7.2 * NERNST_298, abs=1e-9)
    assert 7.2 * NERNST_298 == pytest.approx(0.42595, abs=1e-5)
    assert ref.source and ("doi" in ref.source or name == "SHE")


def test_rhe_reference_needs_no_ph_term_and_names_are_spelling_tolerant() -> None:
    refs = default_references()
    rhe = refs.get("RHE")
    for pH in (0.0, 7.0, 13.6):
        assert physics.to_rhe(-0.8, 0.0, rhe, pH, 298.15) == pytest.approx(-0.8, abs=1e-12)
    assert refs.get("ag/agcl saturated kcl").name == "Ag/AgCl (sat. KCl)"
    assert refs.get("Hg/HgO 1M KOH").potential_V_SHE == 0.098
    with pytest.raises(InputError, match="unknown reference electrode"):
        refs.get("Pt wire")


def test_user_reference_electrode_registers_with_temperature_coefficient() -> None:
    lib = ReferenceLibrary()
    ref = lib.register(ReferenceElectrode("Ag/AgCl (3.5 M KCl)", 0.205, "my calibration vs RHE, 2026", -7.3e-4))
    assert lib.get("Ag/AgCl 3.5 M KCl") is ref
    assert ref.potential_at_V_SHE(308.15, 7.0) == pytest.approx(0.205 - 7.3e-4 * 10)
    assert ReferenceElectrode.from_dict(ref.as_dict()) == ref
    with pytest.raises(InputError, match="already known"):
        lib.register(ReferenceElectrode("Ag/AgCl (3.5 M KCl)", 0.2, "x"))
    with pytest.raises(InputError, match="source"):
        lib.register(ReferenceElectrode("bare", 0.2, " "))


def test_ir_correction_sign_cathodic_and_anodic() -> None:
    she = default_references().get("SHE")
    # cathodic current (negative): the ohmic drop made E_meas more negative; corrected E is less negative
    assert physics.to_rhe(-1.0, -0.010, she, 0.0, 298.15, R_u_ohm=10.0) == pytest.approx(-0.9)
    # anodic current (positive): corrected E is less positive
    assert physics.to_rhe(1.5, 0.010, she, 0.0, 298.15, R_u_ohm=10.0) == pytest.approx(1.4)
    # 85 % compensated online: only the remaining 15 % is corrected afterwards
    assert physics.to_rhe(-1.0, -0.010, she, 0.0, 298.15, 10.0, 0.85) == pytest.approx(-0.985)
    assert physics.to_rhe(-1.0, -0.010, she, 0.0, 298.15, 10.0, 1.0) == pytest.approx(-1.0)


def test_tafel_fit_recovers_butler_volmer_slope_within_one_percent() -> None:
    alpha_c, alpha_a, t_k, j0 = 0.5, 0.5, 298.15, 1e-3  # mA cm-2
    f = F / (R * t_k)
    eta = np.linspace(-0.45, -0.02, 44)  # V; equilibrium at 0 V_RHE
    j = j0 * (np.exp(alpha_a * f * eta) - np.exp(-alpha_c * f * eta))  # full Butler-Volmer, cathodic < 0
    expected = math.log(10) * R * t_k / (alpha_c * F) * 1e3  # 118.32 mV/dec
    fit = fit_tafel(eta, j, "CO", window_V_RHE=(-0.45, -0.15))
    assert fit.slope_mV_dec == pytest.approx(expected, rel=0.01)
    assert fit.r_squared > 0.999 and fit.window_V_RHE == pytest.approx((-0.45, -0.15), abs=0.011)
    assert fit.log10_j0_mA_cm2 == pytest.approx(-3.0, abs=0.05)  # the line crosses 0 V_RHE at log10 j0
    # near equilibrium the back reaction bends the curve: the full range is no longer 118 mV/dec
    assert abs(fit_tafel(eta, j).slope_mV_dec - expected) > 0.01 * expected
    assert type(fit).from_dict(fit.as_dict()) == fit
    with pytest.raises(InputError, match="at least 3 points"):
        fit_tafel([-0.5, -0.6], [1.0, 2.0])


def test_tof_per_cluster_by_hand() -> None:
    # 1 mA cm-2 to CO (z = 2) on 100 ug cm-2 of a 7394.12 g/mol cluster
    product = 1e-3 / (2 * F)  # mol s-1 cm-2
    clusters = 100e-6 / 7394.124225  # mol cm-2
    assert physics.tof_per_s(-1.0, 2, 100.0, 7394.124225) == pytest.approx(product / clusters)
    assert physics.tof_per_s(-1.0, 2, 100.0, 7394.124225) == pytest.approx(0.3832, abs=1e-4)


def test_partial_current_from_the_seeds_fe_and_j() -> None:
    # the seed (Ghosh et al., doi:10.1039/d5nh00138b, ref. 28): FE 91.6 % HCOOH at 15.1 mA cm-2, -0.94 V_RHE
    assert physics.partial_current_mA_cm2({"HCOOH": 91.6}, -15.1)["HCOOH"] == pytest.approx(-13.8316)


def test_half_cell_energy_efficiency_by_hand() -> None:
    # CO: E° = -0.104 V_RHE (NBS 1982); FE 90 % at -0.5 V_RHE: 90·(1.229+0.104)/(1.229+0.5)
    from nanocat.chem.products import get_product

    e0 = get_product("CO").E0_V_RHE
    assert e0 == pytest.approx(-0.104, abs=0.002)
    assert physics.half_cell_energy_efficiency_percent(90.0, e0, -0.5) == pytest.approx(
        90 * (1.229 - e0) / 1.729)
