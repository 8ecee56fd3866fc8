"""Cluster formula parsing: every formula of the seed review (Ghosh et al., doi:10.1039/d5nh00138b,
sections 2.1-2.3), its ASCII/Unicode spellings, charges, counter-ions, composition and mass, bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
from ase.data import atomic_masses, atomic_numbers

from conftest import REPO_ROOT
from nanocat.chem import ClusterFormula, parse_formula
from nanocat.errors import DataError, FormulaError

# (formula as printed in the seed, metals, {ligand: count}, hydrides, charge)
SEED_FORMULAS = [
    ("[Au25(PET)18]-", {"Au": 25}, {"PET": 18}, 0, -1),
    ("Au25(SC6H13)18", {"Au": 25}, {"SC6H13": 18}, 0, 0),
    ("Au38(SC6H13)24", {"Au": 38}, {"SC6H13": 24}, 0, 0),
    ("Au144(SC6H13)60", {"Au": 144}, {"SC6H13": 60}, 0, 0),
    ("[Au25(p-MBA)18]-", {"Au": 25}, {"p-MBA": 18}, 0, -1),
    ("[Au25(PPh3)10(PET)5Cl2]2+", {"Au": 25}, {"PPh3": 10, "PET": 5, "Cl": 2}, 0, 2),
    ("[Ag25(SPhMe2)18]-", {"Ag": 25}, {"SPhMe2": 18}, 0, -1),
    ("[Cu32H20(S2P(OiPr)2)12]", {"Cu": 32}, {"S2P(OiPr)2": 12}, 20, 0),
    ("[Cu25H22(PPh3)12]Cl", {"Cu": 25}, {"PPh3": 12}, 22, 1),
    ("[Cu26H11(DPPE)3(CF3CO2)8(CH3O)2(tBuC≡C)4]+", {"Cu": 26},
     {"DPPE": 3, "CF3CO2": 8, "CH3O": 2, "tBuC≡C": 4}, 11, 1),
    ("[Cu14(PET)3(PPh3)8H10]+", {"Cu": 14}, {"PET": 3, "PPh3": 8}, 10, 1),
    ("[Cu14(CHT)3(PPh3)8H10]+", {"Cu": 14}, {"CHT": 3, "PPh3": 8}, 10, 1),
    ("[Cu18H2(PTT)15(PPh3)6]", {"Cu": 18}, {"PTT": 15, "PPh3": 6}, 2, 0),
    ("[Cu58H20(Spr)36(PPh3)8]2+", {"Cu": 58}, {"SPr": 36, "PPh3": 8}, 20, 2),
    ("[Cu58H20(Spr)36(PPh3)7]2+", {"Cu": 58}, {"SPr": 36, "PPh3": 7}, 20, 2),
    ("[Cu58H20(SEt)36(PPh3)6]2+", {"Cu": 58}, {"SEt": 36, "PPh3": 6}, 20, 2),
    ("[Cu6(MBD)6]", {"Cu": 6}, {"MBD": 6}, 0, 0),
    ("Pd1Au24(PET)18", {"Pd": 1, "Au": 24}, {"PET": 18}, 0, 0),
    ("[Ag15Cu6(C≡CR)18(DPPE)2]-", {"Ag": 15, "Cu": 6}, {"C≡CR": 18, "DPPE": 2}, 0, -1),
    ("[Au15Cu4(DPPM)6Cl4(C≡CR)1]2+", {"Au": 15, "Cu": 4}, {"DPPM": 6, "Cl": 4, "C≡CR": 1}, 0, 2),
    ("[Au8Cu1(SAdm)4(Dppm)3Cl]2+", {"Au": 8, "Cu": 1}, {"SAdm": 4, "DPPM": 3, "Cl": 1}, 0, 2),
    ("[Au8Ag1(SAdm)4(Dppm)3Cl]2+", {"Au": 8, "Ag": 1}, {"SAdm": 4, "DPPM": 3, "Cl": 1}, 0, 2),
    ("[Au25(SePh)18]-", {"Au": 25}, {"SePh": 18}, 0, -1),
    ("[Au25(Nap-S)18]-", {"Au": 25}, {"Nap-S": 18}, 0, -1),
]


@pytest.mark.parametrize(("text", "metals", "ligands", "hydrides", "charge"), SEED_FORMULAS)
def test_seed_formulas_parse(text, metals, ligands, hydrides, charge) -> None:
    f = parse_formula(text)
    assert f.text == text
    assert f.metals == metals
    assert list(f.metals) == list(metals)  # order of appearance
    assert {lc.ligand.name: lc.count for lc in f.ligands} == ligands
    assert f.hydrides == hydrides
    assert f.charge == charge


# DESIGN.md section 3 examples (exact), plus counts derived by hand from the same rule
@pytest.mark.parametrize(("text", "n"), [
    ("[Au25(SR)18]-", 8), ("Au38(SR)24", 14), ("Au144(SR)60", 84), ("[Cu25H22(PPh3)12]+", 2),
    ("Cu32H20(S2P(OiPr)2)12", 0), ("[Cu6(MBD)6]", 0), ("Pd1Au24(SR)18", 6), ("[Au25(PPh3)10(SR)5Cl2]2+", 16),
    ("[Cu58H20(SPr)36(PPh3)8]2+", 58 - 20 - 36 - 2),
    ("[Cu18H2(PTT)15(PPh3)6]", 1),  # the seed: "a central Cu(0) atom"
    ("[Cu26H11(DPPE)3(CF3CO2)8(CH3O)2(tBuC≡C)4]+", 26 - 11 - 8 - 2 - 4 - 1),
    ("[Ag25(SPhMe2)18]-", 8), ("[Ag15Cu6(C≡CR)18(DPPE)2]-", 21 - 18 + 1),
    ("[Au8Cu1(SAdm)4(Dppm)3Cl]2+", 9 - 5 - 2),
])
def test_electron_counts(text, n) -> None:
    assert parse_formula(text).electron_count == n


def test_salt_takes_charge_from_counter_ion() -> None:
    f = parse_formula("[Cu25H22(PPh3)12]Cl")
    assert (f.charge, f.counter_ions, f.charge_source, f.electron_count) == (1, ("Cl",), "counter_ions", 2)
    assert f.composition is not None and "Cl" not in f.composition  # counter-ion is not part of the cluster ion
    assert parse_formula("[Na][Au25(PET)18]").counter_ions == ("Na",)
    g = parse_formula("[TOA][Au25(PET)18]")
    assert (g.charge, g.counter_ions, g.electron_count) == (-1, ("TOA",), 8)
    assert parse_formula("[Au25(PET)18](SbF6)2").charge == 2
    assert parse_formula("[Au25(PET)18]2Cl").charge == 2
    assert parse_formula("[Cu25H22(PPh3)12]+Cl").charge == 1
    assert parse_formula("[Au25(PET)18]-[XYZ]").counter_ions == ("XYZ",)  # unknown ion, explicit charge
    assert parse_formula("[Au25(PET)18]-TOA+").counter_ions == ("TOA",)  # the ion's own charge written
    assert parse_formula("[Au25(PET)18]-[N(C8H17)4]").charge == -1


def test_hydrides_written_anywhere_are_hydrides() -> None:
    a, b, c = (parse_formula(t) for t in ("[Cu14(PET)3(PPh3)8H10]+", "[Cu14H10(PET)3(PPh3)8]+",
                                          "[Cu14(PET)3(PPh3)8(H)10]+"))
    assert a.hydrides == b.hydrides == c.hydrides == 10
    assert a.ligands == b.ligands == c.ligands
    assert all(lc.ligand.name != "H" for lc in a.ligands)


@pytest.mark.parametrize("variant", [
    "[Au25(PET)18]-", "[Au25(PET)18]^-", "[Au25(PET)18]1-", "[Au25(PET)18]-1", "[Au25(PET)18]^{-}",
    "[Au25(PET)18]⁻", "[Au25(PET)18]−", "[Au₂₅(PET)₁₈]⁻", "Au25(PET)18-", "Au25(PET)18^-", "Au25(PET)18−1",
    "Au25(PET)18⁻", " [ Au25 (PET) 18 ] - ", "[Au25(SCH2CH2Ph)18]-", "[Au25(pet)18]-",
])
def test_spellings_of_one_cluster_agree(variant) -> None:
    f = parse_formula(variant)
    assert (f.metals, f.charge, f.electron_count) == ({"Au": 25}, -1, 8)
    assert [(lc.ligand.name, lc.count) for lc in f.ligands] == [("PET", 18)]


@pytest.mark.parametrize(("text", "charge"), [
    ("[Au25(PET)18]2+", 2), ("[Au25(PET)18]+2", 2), ("[Au25(PET)18]^2+", 2), ("[Au25(PET)18]^{2+}", 2),
    ("[Au25(PET)18]²⁺", 2), ("[Au25(PET)18]+", 1), ("[Au25(PET)18]0", 0), ("[Au25(PET)18]", 0),
    ("Au25(PET)18+2", 2), ("Au25(PET)18²⁻", -2), ("Au25(PET)18^2-", -2), ("Au25(PET)18", 0),
])
def test_charge_spellings(text, charge) -> None:
    f = parse_formula(text)
    assert f.charge == charge
    assert f.ligands[0].count == 18  # "182-" never eats the ligand count


@pytest.mark.parametrize(("a", "b"), [
    ("[Cu26H11(DPPE)3(CF3CO2)8(CH3O)2(tBuC≡C)4]+", "[Cu26H11(DPPE)3(CF3CO2)8(CH3O)2(tBuCC)4]^+"),
    ("[Ag15Cu6(C≡CR)18(DPPE)2]-", "[Ag15Cu6(CCR)18(DPPE)2]^-"),
    ("[Cu32H20(S2P(OiPr)2)12]", "[Cu₃₂H₂₀(S₂P(OⁱPr)₂)₁₂]"),
    ("[Cu58H20(SPr)36(PPh3)8]2+", "[Cu58H20(Spr)36(PPh3)8]^2+"),
    ("[Au8Cu1(SAdm)4(DPPM)3Cl]2+", "[Au8Cu1(SAdm)4(Dppm)3Cl]²⁺"),
])
def test_ascii_and_unicode_forms_are_the_same_cluster(a, b) -> None:
    fa, fb = parse_formula(a), parse_formula(b)
    assert fa.to_string() == fb.to_string()
    assert fa.as_dict() | {"formula": None} == fb.as_dict() | {"formula": None}


def test_composition_matches_shared_structures(structures_dir) -> None:
    from ase.io import read

    cases = {
        "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz": "[Au25(SCH3)18]-",
        "NC_Database__fully_protected__au25_pet18_-1_opt.xyz": "[Au25(PET)18]-",
        "NC_Database__fully_protected__au38_pet24q_opt.xyz": "Au38(PET)24",
        "NC_Database__fully_protected__au28_tbbt20_opt.xyz": "Au28(S-C6H4-tBu)20",
        "NC_Database__other__Ag25_methylthiol.xyz": "[Ag25(SMe)18]-",
        "NC_Database__other__PdAu24.xyz": "Pd1Au24(SCH3)18",
        "NC_Database__other__Au24Pd.xyz": "Pd1Au24(PET)18",
        "NC_Database__sch3_protected__102_44_cp2k_opt.xyz": "Au102(SCH3)44",
        "NC_Database__sch3_protected__146_57_cp2k_opt.xyz": "Au146(SCH3)57",
    }
    for name, text in cases.items():
        atoms = read(structures_dir / name)
        f = parse_formula(text)
        assert f.composition == dict(Counter(atoms.get_chemical_symbols())), name
        assert f.molar_mass_g_mol == pytest.approx(float(atoms.get_masses().sum()), rel=1e-12), name


def test_au25_composition_and_molar_mass() -> None:
    f = parse_formula("[Au25(SCH3)18]-")
    assert f.composition == {"Au": 25, "C": 18, "H": 54, "S": 18}
    pet = parse_formula("[Au25(PET)18]-")
    expected = sum(atomic_masses[atomic_numbers[el]] * n for el, n in {"Au": 25, "S": 18, "C": 144, "H": 162}.items())
    assert pet.molar_mass_g_mol == pytest.approx(expected)
    assert 7390 < pet.molar_mass_g_mol < 7398  # ≈ 7394 g/mol, as quoted for [Au25(PET)18]-


def test_generic_ligand_has_no_composition() -> None:
    f = parse_formula("[Ag15Cu6(C≡CR)18(DPPE)2]-")
    assert f.composition is None and f.molar_mass_g_mol is None
    assert f.electron_count == 4


@pytest.mark.parametrize(("text", "states"), [
    ("[Cu25H22(PPh3)12]+", {"Cu(0)": 2, "Cu(I)": 23}),
    ("[Cu6(MBD)6]", {"Cu(0)": 0, "Cu(I)": 6}),
    ("[Cu32H20(S2P(OiPr)2)12]", {"Cu(0)": 0, "Cu(I)": 32}),
    ("[Cu18H2(PTT)15(PPh3)6]", {"Cu(0)": 1, "Cu(I)": 17}),
    ("Pd1Au24(PET)18", {"Au(0)": 6, "Au(I)": 18, "Pd(0)": 1}),
    ("[Ag15Cu6(C≡CR)18(DPPE)2]-", None),  # Ag/Cu split not fixed by counting
    ("[Cu6(SR)8]", None),  # n = -2: beyond Cu(I)
])
def test_formal_oxidation_states(text, states) -> None:
    assert parse_formula(text).formal_oxidation_states == states


def test_unknown_metal_valence_is_a_clear_error() -> None:
    f = parse_formula("Cu12Fe")
    assert f.metals == {"Cu": 12, "Fe": 1}
    with pytest.raises(FormulaError, match="Fe"):
        _ = f.electron_count
    assert f.as_dict()["electron_count"] is None


@pytest.mark.parametrize(("text", "match"), [
    ("[Au25(PETT)18]-", "close matches: .*PET"),
    ("[Au25(PET)18", "unbalanced"),
    ("Au25(PET18]-", "unbalanced|unmatched"),
    ("[(PET)18]-", "no metal"),
    ("", "empty"),
    ("[Au25(PET)0]-", "count 0"),
    ("[Au0(PET)18]", "count 0"),
    ("[Au25()18]", "empty parentheses"),
    ("[Au25(PET)18]2+Cl", "not balanced"),
    ("[Au25(PET)18]XYZ", "counter-ion"),
    ("[TOA(][Au25(PET)18]-", "unreadable counter-ion"),
    ("[Au25(PET)18]-[]", "unreadable counter-ion"),
    ("Cu25H22(PPh3)12Q", "not an element"),
    ("[Au25(PET)18][Ag25(SPhMe2)18]", "more than one cluster"),
    ("[Na][TOA]", "no cluster"),
    ("[Au25Q(PET)18]", "not an element"),
    ("[Au25C(PET)18]", "bare 'C'"),
    ("[Au25(PET)18]-" + "x" * 600, "longer than"),
    ("Au" + "(" * 20 + "PET" + ")" * 20, "nested"),
    ("[Au9999999(PET)18]", "digits"),
])
def test_bad_formulas_raise_formula_error(text, match) -> None:
    with pytest.raises(FormulaError, match=match):
        parse_formula(text)


def test_non_string_is_formula_error() -> None:
    with pytest.raises(FormulaError):
        parse_formula(25)  # type: ignore[arg-type]


@pytest.mark.parametrize("row", SEED_FORMULAS, ids=[r[0] for r in SEED_FORMULAS])
def test_dict_and_string_round_trip(row) -> None:
    f = parse_formula(row[0])
    assert ClusterFormula.from_dict(f.as_dict()) == f
    again = parse_formula(f.to_string())
    assert again.as_dict() | {"formula": None} == f.as_dict() | {"formula": None}
    assert hash(f) == hash(ClusterFormula.from_dict(f.as_dict()))


def test_as_dict_has_the_design_keys() -> None:
    d = parse_formula("[Au25(PET)18]-").as_dict()
    assert {"formula", "charge", "metals", "ligands", "hydrides", "electron_count", "composition"} <= set(d)
    assert d["ligands"] == [{"name": "PET", "count": 18, "kind": "X", "anchor": ["S"]}]


def test_from_dict_rejects_inconsistent_record() -> None:
    with pytest.raises(DataError, match="charge"):
        ClusterFormula.from_dict({"formula": "[Au25(PET)18]-", "charge": 0})
    with pytest.raises(DataError):
        ClusterFormula.from_dict({"charge": 0})


def test_import_chem_is_light() -> None:
    code = ("import sys, nanocat.chem; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'tblite', 'ase', 'scipy') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"
