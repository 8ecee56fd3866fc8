"""`nanocat catalysts ...`: JSON shapes (DESIGN.md §2), export, add, plot, bad input -> exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from nanocat.cli import main

MEASUREMENT_KEYS = {"product", "fe_percent", "potential_V_RHE", "current_density_mA_cm2", "cell", "electrolyte", "doi"}


def _json(capsys, argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_list_json_filters(capsys) -> None:
    doc = _json(capsys, ["catalysts", "list", "--metal", "Cu", "--product", "CH4", "--json"])
    ids = {d["id"] for d in doc}
    assert {"Cu6", "Cu38", "Cu1-MWCNT", "Cu-NC-cuprophilic"} <= ids
    assert all({"id", "formula", "metals"} <= set(d) for d in doc)
    assert all("Cu" in d["metals"] for d in doc)


def test_list_table(capsys) -> None:
    assert main(["catalysts", "list", "--metal", "Pd"]) == 0
    out = capsys.readouterr().out
    assert "Pd1Au24" in out and "Cu6" not in out


def test_show_json_shape(capsys) -> None:
    doc = _json(capsys, ["catalysts", "show", "Cu14-CHT", "--json"])
    assert doc["id"] == "Cu14-CHT" and doc["formula"] == "[Cu14(CHT)3(PPh3)8H10]+"
    assert doc["metals"] == {"Cu": 14} and doc["hydrides"]["count"] == 10
    assert all(MEASUREMENT_KEYS <= set(m) for m in doc["measurements"])
    fe = {m["product"]: (m["fe_percent"], m["potential_V_RHE"]) for m in doc["measurements"]}
    assert fe == {"HCOOH": (31, -1.2), "CO": (8, -1.2)}
    m = doc["measurements"][0]
    assert m["doi"] is None and m["current_density_mA_cm2"] is None  # null where not reported
    assert m["quoted_from_doi"] == "10.1039/d5nh00138b" and m["seed_ref"] == 103


def test_show_table_and_unknown_id(capsys) -> None:
    assert main(["catalysts", "show", "Cu26"]) == 0
    assert "1.35 eV" in capsys.readouterr().out
    assert main(["catalysts", "show", "Cu99"]) == 2
    assert "unknown catalyst id 'Cu99'" in capsys.readouterr().err


def test_export_csv_and_json(capsys, tmp_path: Path) -> None:
    assert main(["catalysts", "export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 26 and {"id", "product", "fe_percent", "potential_V_RHE", "doi"} <= set(rows[0])
    out = tmp_path / "kb.json"
    assert main(["catalysts", "export", "--format", "json", "--out", str(out)]) == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert len(records) == 64 and all(MEASUREMENT_KEYS <= set(m) for r in records for m in r["measurements"])
    assert main(["catalysts", "export", "--format", "xlsx"]) == 2


def test_add_then_list_show_export(capsys, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("""\
id: mine
title: "my Ag cluster"
citations: [{authors: "Me", journal: "notebook", year: 2026, pages: "p. 3"}]
catalysts: [{id: MyAg25, kind: cluster, formula: "[Ag25(SPhMe2)18]-"}]
measurements: [{catalyst: MyAg25, product: CO, fe_percent: 60, potential_V_RHE: -0.9}]
""", encoding="utf-8")
    assert _json(capsys, ["catalysts", "add", str(path), "--json"])["added"] == ["MyAg25"]
    listed = _json(capsys, ["catalysts", "list", "--metal", "Ag", "--json"])
    sources = {d["id"]: d["source"] for d in listed}
    assert (sources["MyAg25"], sources["Ag25"]) == ("user", "curated")
    shown = _json(capsys, ["catalysts", "show", "MyAg25", "--json"])
    assert shown["measurements"][0]["fe_percent"] == 60 and shown["electron_count"] == 8
    assert main(["catalysts", "export", "--format", "csv"]) == 0
    assert "MyAg25" in capsys.readouterr().out


def test_bad_yaml_exits_2_with_file_and_line(capsys, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: broken\ncitations: [\n", encoding="utf-8")
    assert main(["catalysts", "add", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}:") and "YAML syntax error" in err and len(err.splitlines()) == 1
    path.write_text("id: x\ntitle: bad FE\ncitations: [{authors: Me, journal: nb, year: 2026, pages: '1'}]\n"
                    "catalysts: [{id: X1, kind: cluster, formula: '[Au25(PET)18]-'}]\n"
                    "measurements:\n  - {catalyst: X1, product: CO, fe_percent: 101}\n", encoding="utf-8")
    assert main(["catalysts", "add", str(path)]) == 2
    assert f"{path}:6: field measurements.0.fe_percent" in capsys.readouterr().err
    assert main(["catalysts", "add", str(tmp_path / "missing.yaml")]) == 2


def test_plot_writes_png(capsys, tmp_path: Path) -> None:
    out = tmp_path / "fig.png"
    assert main(["catalysts", "plot", "shingyouchi2024-cu14", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    height, width = imread(out).shape[:2]
    assert abs(width / 300 - 3.4) < 0.05  # single journal column at 300 dpi
    assert main(["catalysts", "plot", "kim2020-au25-gde", "--out", str(out)]) == 2
    assert "no FE measurements to plot" in capsys.readouterr().err


def test_studies_json(capsys) -> None:
    doc = _json(capsys, ["catalysts", "studies", "--json"])
    assert len(doc) == 38 and {"id", "seed_refs", "citation", "doi"} <= set(doc[0])
