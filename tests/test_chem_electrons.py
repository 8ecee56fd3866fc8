"""Superatom electron counting n = sum(v_M N_M) - N_X - q (DESIGN.md section 3)."""

from __future__ import annotations

import pytest

from nanocat.chem import VALENCE_ELECTRONS, superatom_electrons
from nanocat.errors import FormulaError


def test_valence_table_is_the_documented_one() -> None:
    assert VALENCE_ELECTRONS == {"Cu": 1, "Ag": 1, "Au": 1, "Pd": 0, "Pt": 0, "Zn": 2, "Cd": 2, "Hg": 2}


@pytest.mark.parametrize(("metals", "n_x", "charge", "n"), [
    ({"Au": 25}, 18, -1, 8),            # [Au25(SR)18]-
    ({"Au": 38}, 24, 0, 14),            # Au38(SR)24
    ({"Au": 144}, 60, 0, 84),           # Au144(SR)60
    ({"Cu": 25}, 22, 1, 2),             # [Cu25H22(PPh3)12]+: hydrides are X
    ({"Cu": 32}, 32, 0, 0),             # Cu32H20(S2P(OiPr)2)12
    ({"Pd": 1, "Au": 24}, 18, 0, 6),    # Pd1Au24(SR)18
    ({"Au": 25}, 7, 2, 16),             # [Au25(PPh3)10(SR)5Cl2]2+
    ({"Cd": 1, "Au": 24}, 18, 0, 8),    # CdAu24(SR)18: Cd gives two electrons
    ({"Pt": 1, "Au": 24}, 18, -2, 8),   # [PtAu24(SR)18]2-: closed 8-electron shell again
])
def test_counts(metals, n_x, charge, n) -> None:
    assert superatom_electrons(metals, n_x, charge) == n


def test_unknown_metal_needs_a_valence() -> None:
    with pytest.raises(FormulaError, match="Fe.*valences="):
        superatom_electrons({"Cu": 12, "Fe": 1}, 0, 0)
    assert superatom_electrons({"Cu": 12, "Fe": 1}, 0, 0, valences={"Fe": 2}) == 14


@pytest.mark.parametrize(("metals", "n_x", "charge"), [
    ({}, 0, 0), ({"Au": 0}, 0, 0), ({"Au": -2}, 0, 0), ({"Au": 25}, -1, 0), ({"Au": 25}, 1.5, 0),
    ({"Au": 25}, 18, True),
])
def test_bad_arguments(metals, n_x, charge) -> None:
    with pytest.raises(FormulaError):
        superatom_electrons(metals, n_x, charge)
