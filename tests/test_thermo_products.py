"""Products: balanced half-reactions and E° computed from NBS ΔfG°, against DESIGN.md §4."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from nanocat.chem.products import Product, ProductError, get_product, list_products, phase_change_eV
from nanocat.cli import main

# DESIGN.md §4 equilibrium potentials, V vs RHE
DESIGN_E0 = {
    "H2(g)": 0.00, "CO(g)": -0.10, "HCOOH(aq)": -0.11, "HCOOH(l)": -0.17, "CH4(g)": 0.17, "CH3OH(l)": 0.02,
    "CH3OH(aq)": 0.03, "C2H4(g)": 0.08, "C2H5OH(l)": 0.08, "C2H5OH(aq)": 0.09, "CH3CHO(l)": 0.05,
}


@pytest.mark.parametrize(("name", "e0"), sorted(DESIGN_E0.items()))
def test_equilibrium_potential_matches_design(name: str, e0: float) -> None:
    assert get_product(name).E0_V_RHE == pytest.approx(e0, abs=0.005)


@pytest.mark.parametrize(("name", "n_e", "n_co2", "n_h2o"), [
    ("H2(g)", 2, 0, 0), ("CO(g)", 2, 1, 1), ("HCOOH(aq)", 2, 1, 0), ("CH3OH(l)", 6, 1, 1), ("CH4(g)", 8, 1, 2),
    ("CH3CHO(l)", 10, 2, 3), ("C2H4(g)", 12, 2, 4), ("C2H5OH(aq)", 12, 2, 3),
])
def test_electron_counts(name: str, n_e: int, n_co2: int, n_h2o: int) -> None:
    p = get_product(name)
    assert (p.n_electrons, p.n_co2, p.n_h2o) == (n_e, n_co2, n_h2o)


@pytest.mark.parametrize("product", list_products(include_gas_of_liquids=True), ids=lambda p: p.name)
def test_half_reaction_balanced(product: Product) -> None:
    left = Counter({"C": product.n_co2, "O": 2 * product.n_co2, "H": product.n_electrons})
    right = product.species.elements() + Counter({"H": 2 * product.n_h2o, "O": product.n_h2o})
    assert +left == +right
    # formation free energy and E° are the same number: G_f = -n e E°
    assert product.formation_free_energy_eV == pytest.approx(-product.n_electrons * product.E0_V_RHE)


def test_default_phase_and_unknown() -> None:
    assert get_product("HCOOH").name == "HCOOH(aq)"
    assert get_product("CO").name == "CO(g)"
    with pytest.raises(ProductError, match="unknown product 'C3H7OH'"):
        get_product("C3H7OH")


def test_phase_change_is_vaporisation_free_energy() -> None:
    # methanol: ΔfG°(l) - ΔfG°(g) = -4.31 kJ/mol (NBS 1982) -> -0.045 eV
    assert phase_change_eV("CH3OH(g)", "CH3OH(l)") == pytest.approx(-0.0447, abs=1e-3)
    with pytest.raises(ProductError):
        phase_change_eV("CH3OH(g)", "CH3OH(s)")


def test_product_round_trip() -> None:
    p = get_product("C2H5OH(aq)")
    assert Product.from_dict(json.loads(json.dumps(p.as_dict()))) == p


def test_cli_products_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["products", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in doc}
    assert by_name["CH4(g)"]["n_electrons"] == 8
    assert by_name["CO(g)"]["E0_V_RHE"] == pytest.approx(-0.10, abs=0.005)
    assert {"name", "formula", "n_electrons", "E0_V_RHE"} <= set(doc[0])
