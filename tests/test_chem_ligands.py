"""Ligand library: built-in entries, alias tolerance, donor-pattern classification, user ligands (Python, YAML)."""

from __future__ import annotations

import pytest

from nanocat.chem import Ligand, LigandLibrary, classify_ligand, default_library, parse_formula
from nanocat.errors import DataError, FormulaError, InputError

# name -> (kind, anchor, denticity, elemental composition of the bound ligand)
BUILT_IN = {
    "PET": ("X", ("S",), 1, {"C": 8, "H": 9, "S": 1}),
    "SCH3": ("X", ("S",), 1, {"C": 1, "H": 3, "S": 1}),
    "SC6H13": ("X", ("S",), 1, {"C": 6, "H": 13, "S": 1}),
    "SPr": ("X", ("S",), 1, {"C": 3, "H": 7, "S": 1}),
    "SEt": ("X", ("S",), 1, {"C": 2, "H": 5, "S": 1}),
    "PTT": ("X", ("S",), 1, {"C": 7, "H": 7, "S": 1}),
    "CHT": ("X", ("S",), 1, {"C": 6, "H": 11, "S": 1}),
    "SAdm": ("X", ("S",), 1, {"C": 10, "H": 15, "S": 1}),
    "SPhMe2": ("X", ("S",), 1, {"C": 8, "H": 9, "S": 1}),
    "p-MBA": ("X", ("S",), 1, {"C": 7, "H": 5, "O": 2, "S": 1}),
    "Nap-S": ("X", ("S",), 1, {"C": 10, "H": 7, "S": 1}),
    "SePh": ("X", ("Se",), 1, {"C": 6, "H": 5, "Se": 1}),
    "PPh3": ("L", ("P",), 1, {"C": 18, "H": 15, "P": 1}),
    "DPPE": ("L", ("P", "P"), 2, {"C": 26, "H": 24, "P": 2}),
    "DPPM": ("L", ("P", "P"), 2, {"C": 25, "H": 22, "P": 2}),
    "CF3CO2": ("X", ("O",), 2, {"C": 2, "F": 3, "O": 2}),
    "CH3O": ("X", ("O",), 1, {"C": 1, "H": 3, "O": 1}),
    "S2P(OiPr)2": ("X", ("S", "S"), 2, {"C": 6, "H": 14, "O": 2, "P": 1, "S": 2}),
    "MBD": ("X", ("S", "N"), 2, {"C": 7, "H": 5, "N": 2, "S": 1}),
    "tBuC≡C": ("X", ("C",), 1, {"C": 6, "H": 9}),
    "Cl": ("X", ("Cl",), 1, {"Cl": 1}),
    "Br": ("X", ("Br",), 1, {"Br": 1}),
    "I": ("X", ("I",), 1, {"I": 1}),
    "H": ("X", ("H",), 1, {"H": 1}),
}
GENERIC = {"SR": ("X", "S"), "SeR": ("X", "Se"), "C≡CR": ("X", "C"), "PR3": ("L", "P"), "RCO2": ("X", "O")}


@pytest.mark.parametrize("name", list(BUILT_IN))
def test_built_in_ligands(name) -> None:
    kind, anchor, denticity, elements = BUILT_IN[name]
    lig = default_library().get(name)
    assert (lig.name, lig.kind, lig.anchor, lig.denticity) == (name, kind, anchor, denticity)
    assert lig.elements() == elements
    assert lig.electrons_withdrawn == (1 if kind == "X" else 0)
    assert lig.generic is False and lig.description


@pytest.mark.parametrize("name", list(GENERIC))
def test_generic_ligands_have_unknown_composition(name) -> None:
    lig = default_library().get(name)
    assert (lig.kind, lig.anchor[0], lig.composition, lig.generic) == (*GENERIC[name], None, True)


@pytest.mark.parametrize(("spelling", "name"), [
    ("Spr", "SPr"), ("SPR", "SPr"), ("Dppm", "DPPM"), ("dppm", "DPPM"), ("CCR", "C≡CR"), ("C#CR", "C≡CR"),
    ("tBuCC", "tBuC≡C"), ("pMBA", "p-MBA"), ("p‐MBA", "p-MBA"), ("Nap", "Nap-S"), ("SMe", "SCH3"),
    ("S₂P(OⁱPr)₂", "S2P(OiPr)2"), ("SCH2CH2Ph", "PET"), ("P(C6H5)3", "PPh3"), ("TFA", "CF3CO2"),
    ("S-C6H4-tBu", "TBBT"), ("OMe", "CH3O"),
])
def test_aliases_case_and_unicode(spelling, name) -> None:
    assert default_library().get(spelling).name == name


@pytest.mark.parametrize(("text", "kind", "anchor", "denticity", "klass", "composition"), [
    ("PMe2Ph", "L", ("P",), 1, "phosphine", {"C": 8, "H": 11, "P": 1}),
    ("PEt3", "L", ("P",), 1, "phosphine", {"C": 6, "H": 15, "P": 1}),
    ("P(C6H4F)3", "L", ("P",), 1, "phosphine", {"C": 18, "H": 12, "F": 3, "P": 1}),
    ("SC12H25", "X", ("S",), 1, "thiolate", {"C": 12, "H": 25, "S": 1}),
    ("SC6H4-iPr", "X", ("S",), 1, "thiolate", {"C": 9, "H": 11, "S": 1}),
    ("PhCH2S", "X", ("S",), 1, "thiolate", {"C": 7, "H": 7, "S": 1}),
    ("SPhtBu2", "X", ("S",), 1, "thiolate", None),  # ring substitution hides the H count
    ("SeC6H4CH3", "X", ("Se",), 1, "selenolate", {"C": 7, "H": 7, "Se": 1}),
    ("C≡CC6H4F", "X", ("C",), 1, "alkynyl", {"C": 8, "H": 4, "F": 1}),
    ("CCC6H3(CF3)2", "X", ("C",), 1, "alkynyl", {"C": 10, "H": 3, "F": 6}),
    ("S2CNEt2", "X", ("S", "S"), 2, "dithiocarbamate", {"C": 5, "H": 10, "N": 1, "S": 2}),
    ("S2CN(C2H5)2", "X", ("S", "S"), 2, "dithiocarbamate", {"C": 5, "H": 10, "N": 1, "S": 2}),
    ("S2P(OEt)2", "X", ("S", "S"), 2, "dithiophosphate", {"C": 4, "H": 10, "O": 2, "P": 1, "S": 2}),
    ("C6H5CO2", "X", ("O",), 2, "carboxylate", {"C": 7, "H": 5, "O": 2}),
    ("CH3CH2COO", "X", ("O",), 2, "carboxylate", {"C": 3, "H": 5, "O": 2}),
    ("OtBu", "X", ("O",), 1, "alkoxide", {"C": 4, "H": 9, "O": 1}),
    ("NEt3", "L", ("N",), 1, "amine", {"C": 6, "H": 15, "N": 1}),
])
def test_donor_pattern_classification(text, kind, anchor, denticity, klass, composition) -> None:
    lig = classify_ligand(text)
    assert lig is not None
    assert (lig.kind, lig.anchor, lig.denticity) == (kind, anchor, denticity)
    assert lig.description.startswith(klass)
    assert lig.elements() == composition
    assert lig.generic is (composition is None)
    assert default_library().get(text) == lig  # not in the library: get() falls back to the pattern


@pytest.mark.parametrize("text", ["CCH3", "CS", "PhMe", "CH3CO", "PPh2", "Xyz", "S", "(", "S2", "P(Ph)4", "C≡C"])
def test_unrecognisable_patterns_are_not_guessed(text) -> None:
    assert classify_ligand(text) is None


def test_unknown_ligand_error_lists_close_matches() -> None:
    with pytest.raises(FormulaError) as info:
        default_library().get("DPPP")
    assert "DPPE" in str(info.value) and "DPPM" in str(info.value)


def test_classified_ligand_in_a_formula() -> None:
    f = parse_formula("[Au25(SC12H25)18]-")
    assert f.electron_count == 8
    assert f.composition == {"Au": 25, "C": 216, "H": 450, "S": 18}
    g = parse_formula("[Au11(PMe2Ph)10Cl2]+")
    assert (g.electron_count, g.ligands[0].ligand.kind) == (8, "L")


def test_register_from_python() -> None:
    lib = default_library().copy()
    lig = Ligand(name="SBB", kind="X", anchor=("S",), composition="SCH2C6H4C4H9", aliases=("BBS",),
                 description="4-tert-butylbenzylthiolate")
    lib.register(lig)
    assert lib.get("sbb") is lig and lib.get("BBS") is lig and "SBB" in lib
    f = parse_formula("[Au25(SBB)18]-", lib)
    assert f.electron_count == 8 and f.composition["C"] == 11 * 18
    assert "SBB" not in default_library()  # the copy is independent
    with pytest.raises(FormulaError):
        parse_formula("[Au25(SBB)18]-")


def test_register_conflicts() -> None:
    lib = default_library().copy()
    with pytest.raises(InputError, match="already"):
        lib.register(Ligand(name="pet", kind="X", anchor="S"))
    with pytest.raises(InputError, match="clashes"):
        lib.register(Ligand(name="NEW", kind="X", anchor="S", aliases=("SMe",)))
    with pytest.raises(InputError, match="clashes"):
        lib.register(Ligand(name="PET", kind="X", anchor="S", aliases=("SMe",)), replace=True)
    assert lib.get("PET").composition == "SCH2CH2C6H5"  # a failed replace leaves the library as it was
    lib.register(Ligand(name="PET", kind="X", anchor="S", composition="SC8H9"), replace=True)
    assert lib.get("PET").composition == "SC8H9" and len(lib) == len(default_library())


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"kind": "Z", "anchor": "S"}, "kind"),
    ({"kind": "X", "anchor": "Qq"}, "anchor"),
    ({"kind": "X", "anchor": ()}, "anchor"),
    ({"kind": "L", "anchor": "P", "electrons_withdrawn": 1}, "electrons_withdrawn"),
    ({"kind": "X", "anchor": "S", "electrons_withdrawn": 0}, "electrons_withdrawn"),
    ({"kind": "X", "anchor": ("S", "S"), "denticity": 1}, "denticity"),
    ({"kind": "X", "anchor": "S", "composition": "C6H5"}, "not in composition"),
    ({"kind": "X", "anchor": "S", "composition": "SR"}, "unspecified"),
    ({"kind": "X", "anchor": "S", "composition": "S(("}, "cannot read"),
    ({"kind": "X", "anchor": "S", "aliases": ("",)}, "aliases"),
])
def test_invalid_ligand_definitions(kwargs, match) -> None:
    with pytest.raises(InputError, match=match):
        Ligand(name="BAD", **kwargs)


def test_ligand_dict_round_trip() -> None:
    for lig in default_library():
        assert Ligand.from_dict(lig.as_dict()) == lig
    with pytest.raises(InputError, match="unknown field"):
        Ligand.from_dict({"name": "A", "kind": "X", "anchor": "S", "colour": "red"})


def test_load_yaml(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("ligands:\n"
                    "  - {name: SBut, kind: X, anchor: [S], composition: SC4H9, aliases: [SBu]}\n"
                    "  - {name: Xantphos, kind: L, anchor: [P, P], denticity: 2, composition: C39H32OP2}\n",
                    encoding="utf-8")
    lib = default_library().copy()
    added = lib.load_yaml(path)
    assert [lig.name for lig in added] == ["SBut", "Xantphos"]
    f = parse_formula("[Au25(SBu)18]-", lib)
    assert f.composition == {"Au": 25, "C": 72, "H": 162, "S": 18}


@pytest.mark.parametrize(("content", "match"), [
    ("ligands: [", "not valid YAML"),
    ("ligands: 3", "list of ligands"),
    ("ligands:\n  - 3\n", "entry 1 is not a mapping"),
    ("ligands:\n  - {name: Q, kind: X}\n", r"entry 1 \('Q'\).*missing"),
    ("ligands:\n  - {name: PET, kind: X, anchor: S}\n", "already"),
])
def test_load_yaml_errors_name_file_and_entry(tmp_path, content, match) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=match) as info:
        default_library().copy().load_yaml(path)
    assert "bad.yaml" in str(info.value)
    with pytest.raises(DataError, match="cannot read"):
        default_library().copy().load_yaml(tmp_path / "missing.yaml")


def test_user_ligand_file_in_data_dir_is_loaded(tmp_path, monkeypatch) -> None:
    from nanocat.settings import get_settings

    monkeypatch.setenv("NANOCAT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    (tmp_path / "ligands.yaml").write_text("ligands:\n  - {name: SQZ, kind: X, anchor: S}\n", encoding="utf-8")
    default_library.cache_clear()
    try:
        assert default_library().get("SQZ").kind == "X"
    finally:
        default_library.cache_clear()  # the next test rebuilds it from its own (empty) data dir


def test_library_names_and_iteration() -> None:
    lib = default_library()
    names = lib.names()
    assert len(names) == len(lib) == len(set(names))
    assert set(BUILT_IN) | set(GENERIC) <= set(names)
    assert [lig.name for lig in lib] == names
    assert LigandLibrary().names() == []
