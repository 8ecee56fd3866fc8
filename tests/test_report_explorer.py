"""The explorer's data and pages without a browser: knowledge-base rows, stores (also broken ones), JSON results, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explorer_stores import broken_store, cu13_store
from nanocat.atoms.screening import ScreenResult
from nanocat.cli import main
from nanocat.data import get_catalyst, load_catalysts
from nanocat.report.explorer import ScreenView, build_explorer, screens_from_store, views_from_json
from nanocat.report.explorer.catalog import catalyst_row, fe_interval_percent
from nanocat.report.explorer.pages import catalyst_page
from nanocat.report.explorer.site import ExplorerSite


@pytest.fixture(scope="module")
def cu13(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreenResult, Path]:
    """A real EMT screen of Cu13 and its store."""
    return cu13_store(tmp_path_factory.mktemp("explorer"))


def _data(site: ExplorerSite) -> dict:
    """The JSON document inside assets/data.js."""
    text = (Path(site.out_dir) / "assets" / "data.js").read_text(encoding="utf-8")
    return json.loads(re.match(r"window\.NANOCAT_DATA = (.*);\s*$", text, re.S).group(1))


def _min_fe_filter(rows: list[dict], metal: str, product: str, min_fe: float) -> list[str]:
    """The index page's filter, in Python: one measurement of that product whose FE interval starts >= min_fe."""
    return sorted(r["id"] for r in rows if metal in r["metals"] and any(
        m["product"] == product and m["fe_low"] >= min_fe for m in r["measurements"]))


def test_site_holds_every_catalyst_with_a_page(tmp_path: Path) -> None:
    site = build_explorer(tmp_path / "site")
    rows = _data(site)["catalysts"]
    assert len(rows) == len(load_catalysts()) == 64 == len(site.catalysts)
    for row in rows:
        assert (tmp_path / "site" / row["href"]).is_file()
    assert (tmp_path / "site" / "assets" / "plotly.min.js").stat().st_size > 1_000_000  # the real bundle, offline
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "cdn" not in index.lower() and "https://" not in index.split("<footer>")[0]


def test_fe_bounds_are_intervals() -> None:
    cu32 = get_catalyst("Cu32")
    hcooh = [m for m in cu32.measurements if m.product == "HCOOH"]
    assert [m.fe_bound for m in hcooh] == ["lower"] and fe_interval_percent(hcooh[0]) == (80.0, 100.0)
    row = catalyst_row(cu32, "catalyst/Cu32.html")
    assert row["best"].startswith(">80") and row["model"] == "experiment"


def test_cu_hcooh_fe_80_gives_cu32_and_the_two_ditetrahedra(tmp_path: Path) -> None:
    rows = _data(build_explorer(tmp_path / "site"))["catalysts"]
    assert _min_fe_filter(rows, "Cu", "HCOOH", 80) == ["Cu32", "Cu8-II", "Cu8-III"]


def test_catalyst_page_has_doi_links_and_chemistry(tmp_path: Path) -> None:
    build_explorer(tmp_path / "site")
    page = (tmp_path / "site" / "catalyst" / "Cu32.html").read_text(encoding="utf-8")
    assert "superatom electrons" in page and "FE (%)" in page and "Plotly.newPlot" in page
    assert "Citations" in page and "Tang" in page  # the study's authors
    # DOIs: the knowledge base fills them where verified (issue 9); a record carrying one links to doi.org
    au25 = get_catalyst("Au25-PET")
    doi = "10.1021/ja309652y"
    record = au25.model_copy(update={"measurements": [m.model_copy(update={"doi": doi}) for m in au25.measurements]})
    assert f'<a href="https://doi.org/{doi}">' in catalyst_page(record, [])


def test_store_screen_matches_the_screen_itself(cu13: tuple[ScreenResult, Path]) -> None:
    result, db = cu13
    views = screens_from_store(db)
    assert len(views) == 1
    view = views[0]
    own = result.best_host.analysis
    assert view.formula == "Cu13" and view.method == "EMT" and view.n_failed == 0
    assert view.analysis.her.limiting_potential_V_RHE == pytest.approx(own.her.limiting_potential_V_RHE, abs=1e-9)
    for name, product in own.products.items():
        assert view.analysis.products[name].limiting_potential_V_RHE == pytest.approx(
            product.limiting_potential_V_RHE, abs=1e-9) if product.complete else True
    assert view.predicted_product == result.predicted_product
    own_rows = {(r.site, r.adsorbate): r for r in result.rows}
    assert set(own_rows) == {(r.site, r.adsorbate) for r in view.rows}
    for row in view.rows:  # every ΔG, and which relaxations were left out, as the screen itself had them
        mine = own_rows[(row.site, row.adsorbate)]
        assert (row.dG_eV is None) == (mine.dG_eV is None) and row.n_rearranged == mine.n_rearranged
        if row.dG_eV is not None:
            assert row.dG_eV == pytest.approx(mine.dG_eV, abs=1e-9)
    assert any(r.n_rearranged for r in view.rows)  # EMT's COOH falls apart on Cu13: the check is exercised
    assert len(view.sites) == len(result.best_host.sites) and len(view.atoms) == 13


def test_screen_view_round_trip(cu13: tuple[ScreenResult, Path]) -> None:
    view = screens_from_store(cu13[1])[0]
    again = ScreenView.from_dict(json.loads(json.dumps(view.as_dict())))
    assert again == view and again.atoms.get_chemical_formula() == "Cu13"


def test_store_with_failed_and_partial_rows(cu13: tuple[ScreenResult, Path], tmp_path: Path) -> None:
    db = broken_store(cu13[1], tmp_path)
    views = {v.formula: v for v in screens_from_store(db)}
    assert set(views) == {"Cu4", "Cu13"}
    failed = views["Cu4"]
    assert failed.analysis is None and "failed" in failed.reason and failed.n_failed == 1
    cu13_view = next(v for v in screens_from_store(db) if v.formula == "Cu13" and v.analysis is not None)
    assert any("CO" in n for n in cu13_view.notes)  # the deleted gas reference is named
    assert not cu13_view.analysis.products["CO(g)"].complete  # CO(g) has no energy: CO cannot be analysed
    pending = [v for v in screens_from_store(db) if v.n_pending]
    assert pending and pending[0].analysis is None and "pending" in pending[0].reason
    site = build_explorer(tmp_path / "site", stores=[db])
    assert len(site.screens) == 3
    for slug in site.screens:
        assert "<h1>" in (tmp_path / "site" / "screen" / f"{slug}.html").read_text(encoding="utf-8")


def test_screen_and_kinetics_json(cu13: tuple[ScreenResult, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    result, db = cu13
    screen_json = tmp_path / "screen.json"
    screen_json.write_text(json.dumps(result.as_dict()), encoding="utf-8")
    data = Path(__file__).parent / "data" / "thermo_synthetic.csv"
    assert main(["kinetics", str(data), "--mechanism", "CO,HCOOH", "--points", "5", "--json"]) == 0
    kinetics_json = tmp_path / "kinetics.json"
    kinetics_json.write_text(capsys.readouterr().out, encoding="utf-8")
    screens, sweeps = views_from_json(screen_json)
    assert screens[0].analysis is not None and screens[0].atoms is None  # no store given: no geometry
    assert main(["explore", "--out", str(tmp_path / "site"), "--db", str(db), "--result", str(screen_json),
                 "--result", str(kinetics_json), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_catalysts"] == 64 and len(doc["screens"]) == 2 and len(doc["kinetics"]) == 1
    page = (tmp_path / "site" / "screen" / f"{doc['screens'][1]}.html").read_text(encoding="utf-8")
    assert "Cu13" in page and "Measured vs computed" in page and "scatter3d" in page  # geometry found in the store


@pytest.mark.parametrize("content", [b"just text\n", b"SQLite format 3\x00" + b"\x00" * 200])
def test_not_an_ase_db_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(content)
    assert main(["explore", "--out", str(tmp_path / "site"), "--db", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not an ase.db" in err and "notes.db" in err
    assert not (tmp_path / "site").exists()  # nothing written on bad input


def test_sqlite_file_of_another_program_is_rejected_untouched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    assert main(["explore", "--out", str(tmp_path / "site"), "--db", str(other)]) == 2
    assert "not an ase.db" in capsys.readouterr().err and other.read_bytes() == before


def test_bad_result_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.json").write_text('{"a": 1}', encoding="utf-8")
    (tmp_path / "y.json").write_text("{", encoding="utf-8")
    for name in ("x.json", "y.json", "missing.json"):
        assert main(["explore", "--out", str(tmp_path / "site"), "--result", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and name in err
    assert main(["explore", "--db", str(tmp_path / "nothing.db")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_explorer_site_round_trip(tmp_path: Path) -> None:
    site = build_explorer(tmp_path / "s")
    assert ExplorerSite.from_dict(json.loads(json.dumps(site.as_dict()))) == site


def test_serve_on_a_taken_port_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nanocat.report.explorer import make_server

    server = make_server(tmp_path, 0)
    try:
        port = server.server_address[1]
        assert main(["explore", "--serve", "--port", str(port), "--out", str(tmp_path / "site")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"--port {port}" in err
    finally:
        server.server_close()


def test_ase_db_of_another_program_gives_no_screens(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import ase.db
    from ase.build import molecule

    plain = tmp_path / "plain.db"
    ase.db.connect(str(plain)).write(molecule("H2O"), foo=1)
    assert screens_from_store(plain) == []
    assert "rows without nanocat results" in caplog.text


def test_store_screen_takes_the_name_its_screen_gave(cu13: tuple[ScreenResult, Path], tmp_path: Path) -> None:
    import shutil

    import ase.db

    from nanocat.atoms.store_status import PLAN_KEY

    db = tmp_path / "renamed.db"
    shutil.copyfile(cu13[1], db)
    con = ase.db.connect(str(db), use_lock_file=False)
    meta = con.metadata
    assert set(meta[PLAN_KEY]) == {"Cu13"}  # the screen recorded its plan under its own name
    meta[PLAN_KEY] = {"Cu13-icosahedron": meta[PLAN_KEY]["Cu13"]}
    con.metadata = meta
    view = screens_from_store(db)[0]
    assert view.name == "Cu13-icosahedron (EMT)" and view.formula == "Cu13"  # formula still matches catalysts
