"""CLI: nanocat fed (table, --json, --plot) and bad input exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanocat.cli import main

DATA = Path(__file__).parent / "data"


def test_fed_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fed", str(DATA / "thermo_synthetic.csv"), "--json", "--potential", "-0.5"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by = {p["product"]: p for p in doc["products"]}
    assert by["CH4(g)"]["limiting_potential_V_RHE"] == pytest.approx(-0.70)
    assert by["CH4(g)"]["potential_determining_step"] == "CO* -> CHO*"
    assert {"from", "to", "dG_eV"} <= set(by["CO(g)"]["steps"][0])
    assert by["C2H4(g)"]["complete"] is False
    assert doc["her"]["limiting_potential_V_RHE"] == pytest.approx(-0.10)
    assert len(doc["selectivity"]) == 3 and doc["potential_V_RHE"] == -0.5


def test_fed_table_product_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "fed.png"
    assert main(["fed", str(DATA / "thermo_synthetic.csv"), "--product", "CO", "--product", "HCOOH",
                 "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "CO(g)" in text and "HCOOH(aq)" in text and "CH4(g)" not in text
    assert out.is_file()


def test_fed_catmap_with_surface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fed", str(DATA / "catmap_energies.txt"), "--surface", "Cu", "--json", "--product", "CO"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["products"][0]["complete"] is True and doc["corrections"] == "peterson2010"


def test_fed_bad_input_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("species,G_eV\nCO*,oops\n")
    assert main(["fed", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, line 2" in err and err.count("\n") == 1
    assert main(["fed", str(DATA / "thermo_synthetic.csv"), "--product", "C9H20"]) == 2
