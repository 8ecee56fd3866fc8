"""Free-energy diagrams: the sum rule on every route, hand-worked U_L/PDS, partial sets, HER, selectivity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nanocat.chem.network import default_network
from nanocat.chem.products import get_product, list_products
from nanocat.errors import InputError
from nanocat.thermo import FormationEnergies, FreeEnergyAnalysis, analyze, load_energies, plot_diagram
from nanocat.thermo.diagram import EnergyResolver, _evaluate

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def synthetic() -> FormationEnergies:
    """Hand-made energies (tests/data/thermo_synthetic.csv)."""
    return load_energies(DATA / "thermo_synthetic.csv")


def _random_full_set(seed: int) -> FormationEnergies:
    """Arbitrary G_f for every adsorbate of the network (any values obey the sum rule)."""
    rng = np.random.default_rng(seed)
    ads = [s.name for s in default_network().species if s.phase == "ads"]
    return FormationEnergies({n: float(rng.uniform(-1.5, 1.5)) for n in ads})


@pytest.mark.parametrize("product", [p.name for p in list_products(include_gas_of_liquids=True)])
def test_sum_rule_every_route(product: str) -> None:
    fe = _random_full_set(7)
    res = EnergyResolver(fe)
    expected = -get_product(product).n_electrons * get_product(product).E0_V_RHE
    routes = default_network().routes(product)
    for route in routes:
        steps, _, missing = _evaluate(route, res, 0.0)
        assert not missing
        assert sum(s.dG_U0_eV for s in steps) == pytest.approx(expected, abs=1e-9), route.steps


@pytest.mark.parametrize(("liquid", "vapour"), [("CH3OH(l)", "CH3OH(g)"), ("HCOOH(aq)", "HCOOH(g)"),
                                                ("C2H5OH(aq)", "C2H5OH(g)")])
def test_sum_rule_with_computed_gas_reference(liquid: str, vapour: str) -> None:
    # a consistent set that gives the product as a computed vapour: the liquid follows by the NBS phase change
    base = _random_full_set(3)
    g = dict(base.G_eV)
    g[vapour] = get_product(vapour).formation_free_energy_eV
    fe = FormationEnergies(g)
    r = analyze(fe, products=[liquid]).products[liquid]
    assert r.complete and "phase change" in r.product_energy_source
    assert sum(s.dG_U0_eV for s in r.steps) == pytest.approx(-get_product(liquid).n_electrons *
                                                            get_product(liquid).E0_V_RHE, abs=1e-9)


def test_hand_worked_synthetic(synthetic: FormationEnergies) -> None:
    an = analyze(synthetic)
    co = an.products["CO(g)"]
    assert co.limiting_potential_V_RHE == pytest.approx(-0.40)
    assert co.potential_determining_step == "CO2(g) -> COOH*"
    assert co.overpotential_V == pytest.approx(-0.104 + 0.40, abs=1e-3)
    assert [s.dG_eV for s in co.steps] == pytest.approx([0.40, -0.50, 0.2079 + 0.10], abs=1e-3)
    assert [s.from_state for s in co.uphill_chemical_steps] == ["CO*"]  # desorption 0.208 - (-0.10) = +0.31 eV uphill
    hcooh = an.products["HCOOH(aq)"]
    assert hcooh.limiting_potential_V_RHE == pytest.approx(-0.30)
    assert hcooh.path == ("CO2(g)", "OCHO*", "HCOOH(aq)")
    ch4 = an.products["CH4(g)"]
    assert ch4.limiting_potential_V_RHE == pytest.approx(-0.70)
    assert ch4.potential_determining_step == "CO* -> CHO*"
    assert ch4.path[:7] == ("CO2(g)", "COOH*", "CO*", "CHO*", "CH2O*", "OCH3*", "CH4(g) + O*")
    assert an.her.limiting_potential_V_RHE == pytest.approx(-0.10)
    assert an.her.potential_determining_step == "* -> H*"
    assert an.product("CO") is co and an.product("H2") is an.her
    with pytest.raises(InputError, match="not analysed"):
        analyze(synthetic, products=["CO"]).product("CH4")


def test_partial_set_names_missing_species(synthetic: FormationEnergies) -> None:
    an = analyze(synthetic, products=["C2H4", "C2H5OH"])
    for r in an.products.values():
        assert not r.complete and r.limiting_potential_V_RHE is None
        assert r.missing_species and "HCCO*" in r.missing_species
    empty = analyze(FormationEnergies({}), products=["CH4"]).products["CH4(g)"]
    assert not empty.complete and "CO*" in empty.missing_species


def test_potential_shifts_electrochemical_steps_only(synthetic: FormationEnergies) -> None:
    u = -0.5
    co = analyze(synthetic, potential_V_RHE=u).products["CO(g)"]
    for s in co.steps:
        assert s.dG_eV == pytest.approx(s.dG_U0_eV + s.n_electrons * u)
    # at U_L every electrochemical step is downhill or flat
    at_ul = analyze(synthetic, potential_V_RHE=co.limiting_potential_V_RHE).products["CO(g)"]
    assert max(s.dG_eV for s in at_ul.steps if s.electrochemical) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(("dg_h", "ul"), [(0.25, -0.25), (-0.30, -0.30), (0.0, 0.0)])
def test_her_limiting_potential_is_minus_abs_dGH(dg_h: float, ul: float) -> None:
    her = analyze(FormationEnergies({"H*": dg_h}), products=[]).her
    assert her.limiting_potential_V_RHE == pytest.approx(ul)
    assert not her.uphill_chemical_steps  # strong H binding: the Heyrovsky route, not an uphill Tafel step


def test_selectivity_calls(synthetic: FormationEnergies) -> None:
    calls = {c.question: c for c in analyze(synthetic, potential_V_RHE=-0.5).selectivity}
    first = calls["CO vs HCOOH vs H2 (first protonation)"]
    assert first.answer == "H2" and first.reason == "H2: H* is 0.20 eV below OCHO*"
    assert first.numbers["dG_COOH_eV"] == pytest.approx(0.40)
    release = calls["CO release vs further reduction"]
    # desorption +0.31 eV vs CO* -> CHO* 0.70 - 0.50 = +0.20 eV at -0.5 V
    assert release.answer == "beyond CO"
    assert calls["C1 vs C2 (CO* coupling vs hydrogenation)"].answer is None
    g = dict(synthetic.G_eV, **{"OCCO*": -0.05, "OCHO*": 0.50, "H*": 0.45})
    calls2 = {c.question: c for c in analyze(FormationEnergies(g), potential_V_RHE=0.0).selectivity}
    assert calls2["C1 vs C2 (CO* coupling vs hydrogenation)"].answer == "C2"  # +0.15 eV vs +0.70 eV
    first2 = calls2["CO vs HCOOH vs H2 (first protonation)"]
    assert first2.answer == "CO" and first2.reason == "CO: COOH* is 0.05 eV below H*"
    assert calls2["CO release vs further reduction"].answer == "CO"  # +0.31 eV vs +0.70 eV at 0 V


def test_analysis_round_trip(synthetic: FormationEnergies) -> None:
    an = analyze(synthetic, potential_V_RHE=-0.3)
    assert FreeEnergyAnalysis.from_dict(json.loads(json.dumps(an.as_dict()))) == an


def test_plot_diagram(synthetic: FormationEnergies, tmp_path: Path) -> None:
    other = FormationEnergies(dict(synthetic.G_eV, **{"COOH*": 0.2, "CO*": -0.3}))
    out = plot_diagram({"A": analyze(synthetic), "B": analyze(other)}, tmp_path / "fed.png", products=["CO", "CH4"])
    assert out.is_file() and out.read_bytes()[:4] == b"\x89PNG"


def test_hand_worked_c2h4_via_co_dimerisation(synthetic: FormationEnergies) -> None:
    # route: 2CO2 -> COOH* (+0.40) -> CO* (-0.50) -> COOH* (+0.40) -> 2CO* (-0.50) -> OCCO* (chemical, -0.05)
    # -> OCCOH* (+0.55) -> CCO* (-0.60) -> HCCO* (-0.30) -> H2CCO* (-0.40) -> CH2CHO* (-0.20)
    # -> C2H4(g) + O* -> + OH* -> C2H4(g); COCHO* and CO2* are absent, so this is the only complete route
    g = dict(synthetic.G_eV, **{"OCCO*": -0.25, "OCCOH*": 0.30, "CCO*": -0.30, "HCCO*": -0.60,
                                 "H2CCO*": -1.00, "CH2CHO*": -1.20})
    r = analyze(FormationEnergies(g), products=["C2H4"]).products["C2H4(g)"]
    assert r.complete and r.n_complete_routes == 1
    assert r.limiting_potential_V_RHE == pytest.approx(-0.55)
    assert r.potential_determining_step == "OCCO* -> OCCOH*"
    assert r.overpotential_V == pytest.approx(0.0792 + 0.55, abs=1e-3)
    assert r.path[:6] == ("2CO2(g)", "CO2(g) + COOH*", "CO* + CO2(g)", "CO* + COOH*", "2CO*", "OCCO*")
    assert [s.dG_U0_eV for s in r.steps][:6] == pytest.approx([0.40, -0.50, 0.40, -0.50, -0.05, 0.55])
    assert not r.uphill_chemical_steps


def test_screening_partial_set() -> None:
    # the adsorbates a quick screening computes: CO and HCOOH complete, CH4/CH3OH need CH2O* (named, not invented)
    names = ["H*", "COOH*", "OCHO*", "CO*", "CHO*", "COH*", "OCH3*", "O*", "OH*"]
    an = analyze(FormationEnergies({n: 0.1 * i - 0.3 for i, n in enumerate(names)}))
    assert an.products["CO(g)"].complete and an.products["HCOOH(aq)"].complete and an.her.complete
    ch4 = an.products["CH4(g)"]
    assert not ch4.complete and ch4.limiting_potential_V_RHE is None and len(ch4.missing_species) == 1
    assert set(an.products) == {"CO(g)", "HCOOH(aq)", "CH4(g)", "CH3OH(aq)", "C2H4(g)", "C2H5OH(aq)", "CH3CHO(l)"}
