"""Reaction network: species parsing, balanced steps, routes from CO2 to every product."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from nanocat.chem.network import NetworkError, ReactionNetwork, Step, default_network
from nanocat.chem.products import list_products
from nanocat.chem.species import SpeciesError, parse_species
from nanocat.cli import main


@pytest.mark.parametrize(("name", "phase", "composition"), [
    ("COOH*", "ads", {"C": 1, "O": 2, "H": 1}), ("*", "site", {}), ("CO(g)", "g", {"C": 1, "O": 1}),
    ("HCOOH(aq)", "aq", {"C": 1, "O": 2, "H": 2}), ("H2O(l)", "l", {"H": 2, "O": 1}),
    ("OCCOH*", "ads", {"C": 2, "O": 2, "H": 1}), ("CH3CH2O*", "ads", {"C": 2, "H": 5, "O": 1}),
])
def test_parse_species(name: str, phase: str, composition: dict[str, int]) -> None:
    sp = parse_species(name)
    assert sp.phase == phase
    assert dict(sp.composition) == composition


@pytest.mark.parametrize("bad", ["COOH", "CO(s)", "Xx*", "co*", "", "C-O*"])
def test_parse_species_rejects(bad: str) -> None:
    with pytest.raises(SpeciesError):
        parse_species(bad)


@pytest.mark.parametrize("step", default_network().steps, ids=lambda s: s.equation)
def test_every_builtin_step_is_balanced(step: Step) -> None:
    left = Counter({"H": step.n_electrons})
    right: Counter[str] = Counter()
    for s in step.reactants:
        left.update(s.elements())
    for s in step.products:
        right.update(s.elements())
    assert +left == +right, "elements"
    assert sum(s.adsorbed for s in step.reactants) == sum(s.adsorbed for s in step.products), "sites"
    # charge: every species is neutral, so protons must equal electrons; Step.parse enforces it
    assert Step.parse(step.equation) == Step.parse(step.equation)


@pytest.mark.parametrize(("text", "match"), [
    ("COOH* + H+ + e- -> CO*", "elements differ"),
    ("CO* -> CO(g)", "sites"),
    ("CO* + H+ -> CHO*", "charge"),
    ("CO* + H+ + e- CHO*", "exactly one '->'"),
])
def test_unbalanced_user_step_is_refused(text: str, match: str) -> None:
    with pytest.raises(NetworkError, match=match):
        ReactionNetwork([]).add_step(text)


@pytest.mark.parametrize("product", [p.name for p in list_products(include_gas_of_liquids=True)])
def test_every_product_is_reachable_with_clean_sites(product: str) -> None:
    routes = default_network().routes(product)
    assert routes
    for route in routes:
        final = route.states()[-1]
        assert final == Counter({product: 1})


def test_c2_route_makes_two_co_before_coupling() -> None:
    routes = default_network().routes("C2H4(g)")
    via_dimer = [r for r in routes if any(s.label == "CO dimerisation" for s in r.steps)]
    assert via_dimer
    states = via_dimer[0].states()
    assert states[0] == Counter({"CO2(g)": 2})
    assert Counter({"CO*": 2}) in states


def test_user_species_and_steps_extend_the_network() -> None:
    net = ReactionNetwork(default_network().steps)
    with pytest.raises(NetworkError, match="no step"):
        net.routes("C2H6(g)")
    net.add_step("CH3* + CH3* -> C2H6(g) + 2*", "methyl coupling")  # a new species through the user's step
    routes = net.routes("C2H6(g)")
    assert routes and all(r.states()[-1] == Counter({"C2H6(g)": 1}) for r in routes)
    assert all(r.states()[0] == Counter({"CO2(g)": 2}) for r in routes)
    assert "C2H6(g)" in net.graph()


def test_network_round_trip() -> None:
    net = default_network()
    again = ReactionNetwork.from_dict(json.loads(json.dumps(net.as_dict())))
    assert again.steps == net.steps


def test_cli_network_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(s["equation"] == "CO* + CO* -> OCCO* + *" for s in doc["steps"])
