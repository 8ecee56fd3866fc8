"""``nanocat analyze``: table and JSON output, bad input -> exit 2."""

from __future__ import annotations

import json

import pytest

import nanocat.cli as cli
from nanocat.cli import analyze


@pytest.fixture(autouse=True)
def _registered() -> None:
    """Attach the verb if the lead has not wired it into cli/__init__ yet."""
    names = {c.name for c in cli.app.registered_commands}
    if "analyze" not in names:
        analyze.register(cli.app)


def test_analyze_builtin_json(capsys) -> None:
    assert cli.main(["analyze", "Cu12Co", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["structure"]["name"] == "Cu12Co" and doc["structure"]["multiplicity"] == 2
    assert doc["site_search"] == {"n_candidates": 62, "n_unique": 13, "dedup_method": "geometry"}
    assert any(s["label"] == "top:Co" and len(s["equivalent"]) == 1 for s in doc["sites"])
    assert doc["analysis"]["implied_formula"] == "CoCu12"


def test_analyze_shared_au25_table(capsys, structures_dir) -> None:
    path = structures_dir / "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz"
    assert cli.main(["analyze", str(path), "--charge", "-1"]) == 0
    out = capsys.readouterr().out
    assert "Au25(SCH3)18" in out and "6 × Au2(SR)3" in out and "13 (1 interior + 12 shell)" in out
    assert "4 of 36 candidates" in out


def test_analyze_bad_input_exits_2(capsys, tmp_path) -> None:
    bad = tmp_path / "broken.xyz"
    bad.write_text("3\n\nCu 0 0 0\nCu 0.1 0 0\nCu 5 5 5\n")
    assert cli.main(["analyze", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "broken.xyz" in err and "overlapping" in err and err.count("\n") == 1
    assert cli.main(["analyze", "Cu99"]) == 2
    assert "unknown built-in cluster" in capsys.readouterr().err
