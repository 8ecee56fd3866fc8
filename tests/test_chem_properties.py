"""Property-based tests: any string gives a ClusterFormula or a FormulaError, never another exception;
generated formulas survive the string and dict round trips with the electron count of DESIGN.md section 3."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanocat.chem import VALENCE_ELECTRONS, ClusterFormula, default_library, parse_formula
from nanocat.errors import FormulaError

from test_chem_formula import SEED_FORMULAS

SETTINGS = settings(max_examples=int(os.environ.get("NANOCAT_HYPOTHESIS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMULA_ALPHABET = "[]()^{}+-−·.,0123456789 AuAgCuPdHClSRPETtBuC≡#OiMeDMBrI⁻²⁺₂₅ⁱ"
SEEDS = [row[0] for row in SEED_FORMULAS]


def _parse_or_error(text: str) -> None:
    try:
        result = parse_formula(text)
    except FormulaError as exc:
        assert str(exc)  # a message a chemist can read
        return
    assert isinstance(result, ClusterFormula)
    assert result.metals and all(n > 0 for n in result.metals.values())
    as_dict = result.as_dict()  # every derived quantity is computable or None, never an exception
    assert as_dict["charge"] == result.charge


@SETTINGS
@given(st.text(max_size=80))
def test_any_text(text: str) -> None:
    _parse_or_error(text)


@SETTINGS
@given(st.text(alphabet=FORMULA_ALPHABET, max_size=60))
def test_formula_like_text(text: str) -> None:
    _parse_or_error(text)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
        char = draw(st.sampled_from(FORMULA_ALPHABET))
        if op == "insert":
            text = text[:pos] + char + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + 1:]
        elif op == "replace":
            text = text[:pos] + char + text[pos + 1:]
        elif pos + 1 < len(text):
            text = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2:]
    return text


@SETTINGS
@given(mutated_seed())
def test_mutated_seed_formulas(text: str) -> None:
    _parse_or_error(text)


LIGAND_NAMES = [name for name in default_library().names() if name != "H"]


@st.composite
def cluster(draw: st.DrawFn) -> tuple[str, dict[str, int], dict[str, int], int, int]:
    metals = draw(st.dictionaries(st.sampled_from(sorted(VALENCE_ELECTRONS)), st.integers(1, 300),
                                  min_size=1, max_size=3))
    ligands = draw(st.dictionaries(st.sampled_from(LIGAND_NAMES), st.integers(1, 99), max_size=4))
    hydrides = draw(st.integers(0, 30))
    charge = draw(st.integers(-4, 4))
    body = "".join(f"{el}{n}" for el, n in metals.items()) + (f"H{hydrides}" if hydrides else "")
    body += "".join(f"({name}){n}" for name, n in ligands.items())
    sign = "+" if charge > 0 else "-"
    text = f"[{body}]" + ("" if charge == 0 else f"{abs(charge)}{sign}")
    return text, metals, ligands, hydrides, charge


@SETTINGS
@given(cluster())
def test_generated_formulas_round_trip(case) -> None:
    text, metals, ligands, hydrides, charge = case
    f = parse_formula(text)
    assert (f.metals, f.hydrides, f.charge) == (metals, hydrides, charge)
    assert {lc.ligand.name: lc.count for lc in f.ligands} == ligands
    library = default_library()
    n_x = hydrides + sum(library.get(name).electrons_withdrawn * n for name, n in ligands.items())
    assert f.electron_count == sum(VALENCE_ELECTRONS[el] * n for el, n in metals.items()) - n_x - charge
    assert ClusterFormula.from_dict(f.as_dict()) == f
    assert parse_formula(f.to_string()).as_dict() | {"formula": text} == f.as_dict()
    if f.composition is not None:
        assert f.composition.get("H", 0) >= hydrides
        assert f.molar_mass_g_mol > 0
