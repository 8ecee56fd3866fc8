"""``nanocat formula`` and ``nanocat ligands``: table by default, exactly one JSON document with --json."""

from __future__ import annotations

import json

from nanocat.chem import default_library, parse_formula
from nanocat.cli import main


def test_formula_json_is_the_design_record(capsys) -> None:
    assert main(["formula", "[Cu25H22(PPh3)12]Cl", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == parse_formula("[Cu25H22(PPh3)12]Cl").as_dict()
    assert (doc["charge"], doc["metals"], doc["hydrides"], doc["electron_count"]) == (1, {"Cu": 25}, 22, 2)
    assert doc["ligands"] == [{"name": "PPh3", "count": 12, "kind": "L", "anchor": ["P"]}]
    assert doc["composition"] == {"Cu": 25, "C": 216, "H": 202, "P": 12}


def test_formula_json_generic_ligand_gives_null_composition(capsys) -> None:
    assert main(["formula", "[Ag15Cu6(CCR)18(DPPE)2]^-", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["composition"] is None and doc["electron_count"] == 4


def test_formula_table(capsys) -> None:
    assert main(["formula", "[Au25(PET)18]-"]) == 0
    out = capsys.readouterr().out
    assert "superatom electrons" in out and "PET" in out and "7394.12" in out


def test_bad_formula_exits_2_with_one_line(capsys) -> None:
    assert main(["formula", "[Au25(PETT)18]-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "PETT" in lines[0] and "PET" in lines[0]


def test_ligand_file_option(tmp_path, capsys) -> None:
    path = tmp_path / "l.yaml"
    path.write_text("ligands:\n  - {name: SQZ, kind: X, anchor: [S], composition: SC2H5O}\n", encoding="utf-8")
    assert main(["formula", "[Au25(SQZ)18]-", "--json", "--ligand-file", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["electron_count"] == 8
    assert "SQZ" not in default_library()


def test_ligands_listing(capsys) -> None:
    assert main(["ligands", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in doc] == default_library().names()
    assert main(["ligands"]) == 0
    assert "DPPE" in capsys.readouterr().out


def test_metal_without_valence_is_shown_not_fatal(capsys) -> None:
    assert main(["formula", "Cu12Fe"]) == 0
    out = capsys.readouterr().out
    assert "no superatom valence for Fe" in out
    assert main(["formula", "Cu12Fe", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["electron_count"] is None
