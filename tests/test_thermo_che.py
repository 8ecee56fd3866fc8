"""CHE formation energies and correction presets (Peterson 2010; IdealGasThermo gases vs NBS entropies)."""

from __future__ import annotations

import json

import pytest
from scipy.constants import physical_constants

from nanocat.errors import EnergyInputError
from nanocat.thermo import CorrectionSet, FormationEnergies, formation_energies_from_electronic, get_preset
from nanocat.thermo.corrections import adsorbate_correction

F = physical_constants["Faraday constant"][0]
# standard entropies at 298.15 K, 1 bar, J mol-1 K-1 (NBS tables, Wagman et al. 1982)
NBS_S = {"CO2(g)": 213.74, "CO(g)": 197.674, "H2(g)": 130.684, "H2O(g)": 188.825, "CH4(g)": 186.264,
         "HCOOH(g)": 248.7, "CH3OH(g)": 239.81, "C2H4(g)": 219.56}

GAS = {"CO2(g)": -23.05, "H2(g)": -6.77, "H2O(g)": -14.22, "CO(g)": -14.80}
CLEAN = -100.0
ADS = {"CO*": -115.10, "COOH*": -125.70, "H*": -103.62}


@pytest.mark.parametrize(("name", "s_nbs"), sorted(NBS_S.items()))
def test_gas_entropy_matches_nbs(name: str, s_nbs: float) -> None:
    ts = get_preset("xtb").get(name).ts_eV
    assert ts * F / 298.15 == pytest.approx(s_nbs, abs=1.2)


def test_liquid_water_reference_is_vapour_at_0035_bar() -> None:
    c = get_preset("peterson2010").get("H2O(l)")
    assert c.ts_eV == pytest.approx(0.67, abs=0.01)  # Peterson 2010's TS of H2O at 0.035 bar


def test_presets_carry_design_numbers() -> None:
    p, x = get_preset("peterson2010"), get_preset("xtb")
    assert p.get("COOH*").total_eV == pytest.approx(0.62 - 0.19 - 0.25)
    assert p.get("OH*").solvation_eV == -0.50 and x.get("OH*").solvation_eV == 0.0
    assert p.get("CO2(g)").gas_fix_eV == 0.45 and x.get("CO2(g)").gas_fix_eV == 0.0
    assert p.get("HCOOH(g)").gas_fix_eV == 0.45
    assert get_preset("xtb+solvation").get("CO*").solvation_eV == -0.10
    assert "10.1039/c0ee00071j" in p.get("CHO*").source
    with pytest.raises(EnergyInputError, match="unknown correction preset"):
        get_preset("b3lyp")


def test_formation_energy_is_reaction_free_energy() -> None:
    fe = formation_energies_from_electronic(CLEAN, ADS, GAS, "peterson2010", method="test")
    c = get_preset("peterson2010")
    g = {k: v + c.get(k).total_eV for k, v in GAS.items()}
    g_h2o_l = GAS["H2O(g)"] + c.get("H2O(l)").total_eV
    # CO2(g) + * + 2(H+ + e-) -> CO* + H2O(l) at 0 V_RHE
    expected_co = (ADS["CO*"] - CLEAN + c.get("CO*").total_eV) + g_h2o_l - g["CO2(g)"] - g["H2(g)"]
    assert fe.G_eV["CO*"] == pytest.approx(expected_co)
    # * + (H+ + e-) -> H*
    assert fe.G_eV["H*"] == pytest.approx(ADS["H*"] - CLEAN + c.get("H*").total_eV - 0.5 * g["H2(g)"])
    # H2O(g) at 1 bar vs liquid: kT ln(1/0.035) = 0.086 eV; NBS ΔfG°(g) - ΔfG°(l) = 0.089 eV
    assert fe.G_eV["H2O(g)"] == pytest.approx(0.0887, abs=0.005)
    assert fe.descriptors_eV["dE_CO_eV"] == pytest.approx(ADS["CO*"] - CLEAN - GAS["CO(g)"])
    assert fe.descriptors_eV["dE_H_eV"] == pytest.approx(ADS["H*"] - CLEAN - 0.5 * GAS["H2(g)"])
    assert fe.method == "test" and "COOH*" in fe.sources


def test_gas_correction_changes_co2_referenced_energies() -> None:
    pet = formation_energies_from_electronic(CLEAN, ADS, GAS, "peterson2010")
    xtb = formation_energies_from_electronic(CLEAN, ADS, GAS, "xtb-raw")
    # +0.45 eV on CO2 lowers every carbon species referenced to it by 0.45 eV (plus solvation differences)
    assert pet.G_eV["CO(g)"] - xtb.G_eV["CO(g)"] == pytest.approx(-0.45)
    assert pet.G_eV["H*"] == pytest.approx(xtb.G_eV["H*"])


def test_missing_reference_and_correction_errors() -> None:
    with pytest.raises(EnergyInputError, match="H2O\\(g\\)"):
        formation_energies_from_electronic(CLEAN, ADS, {"CO2(g)": -23.0, "H2(g)": -6.8})
    with pytest.raises(EnergyInputError, match="no ZPE/TS for 'CHOH\\*'"):
        formation_energies_from_electronic(CLEAN, {"CHOH*": -120.0}, GAS)
    fe = formation_energies_from_electronic(CLEAN, {"CHOH*": -120.0}, GAS, missing_corrections="zero")
    assert "CHOH*" in fe.G_eV
    with pytest.raises(EnergyInputError, match="must be an adsorbate"):
        formation_energies_from_electronic(CLEAN, {"CO(g)": -14.0}, GAS)
    with pytest.raises(EnergyInputError, match="not a number"):
        formation_energies_from_electronic(CLEAN, {"CO*": "n/a"}, GAS)  # type: ignore[dict-item]


def test_adsorbate_correction_from_frequencies() -> None:
    c = adsorbate_correction([1000.0])
    assert c.zpe_eV == pytest.approx(0.5 * 0.123984, rel=1e-4)  # ½hν, 1000 cm-1 = 0.124 eV
    assert 0 < c.ts_eV < 0.01
    with pytest.raises(EnergyInputError):
        adsorbate_correction([-50.0, 300.0])


def test_round_trips() -> None:
    fe = formation_energies_from_electronic(CLEAN, ADS, GAS)
    assert FormationEnergies.from_dict(json.loads(json.dumps(fe.as_dict()))) == fe
    cs = get_preset("peterson2010")
    assert CorrectionSet.from_dict(json.loads(json.dumps(cs.as_dict()))) == cs


def test_xtb_anchoring_puts_every_gas_at_its_nbs_reaction_free_energy() -> None:
    """With H2/H2O/CO anchors, gas products sit exactly at the NBS values, whatever the engine's CO2 error."""
    from nanocat.chem.products import get_product

    skewed = {**GAS, "CO2(g)": GAS["CO2(g)"] - 2.0, "HCOOH(g)": -31.0, "CH4(g)": -24.0}  # an engine eV off
    fe = formation_energies_from_electronic(CLEAN, ADS, skewed, "xtb")
    # exact up to water's vapour-liquid step (IdealGasThermo 0.086 eV vs NBS 0.089 eV)
    for name in ("CO(g)", "HCOOH(g)", "CH4(g)"):
        assert fe.G_eV[name] == pytest.approx(get_product(name).formation_free_energy_eV, abs=0.006)
    # the anchors are used as computed: the CO binding energy (CO* -> CO(g)) is the engine's own
    raw = formation_energies_from_electronic(CLEAN, ADS, skewed, "xtb-raw")
    assert fe.G_eV["CO(g)"] - fe.G_eV["CO*"] == pytest.approx(raw.G_eV["CO(g)"] - raw.G_eV["CO*"])
    assert "NBS" in fe.sources["CO2(g)"]


def test_anchoring_needs_its_anchor_energies() -> None:
    gas = {k: v for k, v in GAS.items() if k != "CO(g)"}
    with pytest.raises(EnergyInputError, match="CO\\(g\\)"):
        formation_energies_from_electronic(CLEAN, ADS, gas, "xtb")
