"""Refinement (DFT//xTB): single points of a screen's geometries with a second engine, both levels side by side."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nanocat.atoms import build_cluster
from nanocat.atoms.engines import EngineSpec, get_engine
from nanocat.atoms.refine import Refinement, refine_screen
from nanocat.atoms.screening import ScreenResult, ScreenSettings, screen
from nanocat.atoms.store import ResultStore
from nanocat.cli import main
from nanocat.thermo import get_preset
from nanocat.thermo.selectivity import product_calls

EMT = ScreenSettings(engine="emt", adsorbates=("H", "CO"), n_orientations=1, max_sites=1, workers=1, max_steps=60)
#: A refinement engine that differs from EMT everywhere and runs in milliseconds (any element).
MORSE = EngineSpec("ase.calculators.morse:MorsePotential", {"epsilon": 0.4, "r0": 2.2, "rho0": 4.0})
GASES = 8  # CO2, H2, H2O, CO, HCOOH, CH4, CH3OH, CH2O


@pytest.fixture(scope="module")
def refined(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreenResult, Path]:
    """An EMT screen of Cu4 (H, CO; one site) refined with a Morse potential, and its database."""
    db = tmp_path_factory.mktemp("refine") / "screen.db"
    return screen(build_cluster("Cu4"), replace(EMT, refine=MORSE), store=db, progress=False), db


def test_refines_hosts_gases_and_the_diagrams_configurations(refined: tuple[ScreenResult, Path]) -> None:
    result, db = refined
    ref = result.refinement
    assert ref is not None and ref.method == "MorsePotential(epsilon=0.4, r0=2.2, rho0=4.0)"
    assert ref.corrections == "peterson2010"  # the refinement engine's own preset (MorsePotential: not xTB)
    assert ref.computed == GASES + 1 + 2 and ref.reused == 0 and ref.failed == 0
    store = ResultStore(db)
    host = result.hosts[0]
    by_species = {r.species: r for r in ref.rows}
    assert set(by_species) == {"H*", "CO*"}
    for row in ref.rows:  # each refined row is the configuration the screen's diagram uses
        screen_row = next(r for r in result.rows if r.job_key == row.screen_key)
        assert host.best_species_site[row.species] == screen_row.site and row.dG_screen_eV == screen_row.dG_eV
        sp, relaxed = store.get(row.key), store.get(row.screen_key)
        assert sp.method_label == ref.method and sp.settings["relax"]["max_steps"] == 0
        assert (sp.atoms.positions == relaxed.atoms.positions).all()  # same geometry, other engine
        assert sp.energy_eV == row.energy_eV and abs(sp.energy_eV - relaxed.energy_eV) > 0.1
    assert set(ref.gas_keys) == set(result.gas_keys) and ref.host(host.name).clean_key in store


def test_side_by_side_numbers_equal_hand_computed(refined: tuple[ScreenResult, Path]) -> None:
    """ΔG(H*) = E(Cu4H) − E(Cu4) − ½G(H2) + ΔZPE−TΔS(H*);
    ΔG(CO*) = E(Cu4CO) − E(Cu4) + ΔZPE−TΔS(CO*) − G(CO2) − G(H2) + G(H2O(l)); gases corrected."""
    result, db = refined
    ref, store = result.refinement, ResultStore(db)
    e = {name: store.get(key).energy_eV for name, key in ref.gas_keys.items()}
    clean = store.get(ref.hosts[0].clean_key).energy_eV
    rows = {r.species: r for r in ref.rows}
    c = get_preset("peterson2010")
    g_h2 = e["H2(g)"] + c.get("H2(g)").total_eV
    g_co2 = e["CO2(g)"] + c.get("CO2(g)").total_eV
    g_h2o_l = e["H2O(g)"] + c.get("H2O(l)").total_eV
    dG_H = rows["H*"].energy_eV - clean + c.get("H*").total_eV - 0.5 * g_h2
    dG_CO = rows["CO*"].energy_eV - clean + c.get("CO*").total_eV - g_co2 - g_h2 + g_h2o_l
    assert rows["H*"].dG_eV == pytest.approx(dG_H, abs=1e-9)
    assert rows["CO*"].dG_eV == pytest.approx(dG_CO, abs=1e-9)
    fe = ref.hosts[0].analysis.energies.G_eV
    assert fe["H*"] == pytest.approx(dG_H, abs=1e-9) and fe["CO*"] == pytest.approx(dG_CO, abs=1e-9)
    # HER at the refined level: U_L = -|ΔG(H*)| (both steps H+ + e- -> H*, H* + H+ + e- -> H2)
    her = product_calls(ref.hosts[0].analysis)["H2"]
    assert her.limiting_potential_V_RHE == pytest.approx(-abs(dG_H), abs=1e-9)
    # the screening level is untouched by the refinement
    assert rows["H*"].dG_screen_eV == next(r.dG_eV for r in result.rows if r.species == "H*")


def test_rerun_reuses_every_single_point(refined: tuple[ScreenResult, Path]) -> None:
    result, db = refined
    again = screen(build_cluster("Cu4"), replace(EMT, refine=MORSE), store=db, progress=False)
    assert again.computed == 0 and again.refinement.computed == 0
    assert again.refinement.reused == result.refinement.computed
    assert again.refinement.as_dict()["rows"] == result.refinement.as_dict()["rows"]


def test_other_refine_settings_are_new_keys(refined: tuple[ScreenResult, Path]) -> None:
    _, db = refined
    other = replace(MORSE, params={**MORSE.params, "epsilon": 0.5})
    again = screen(build_cluster("Cu4"), replace(EMT, refine=other), store=db, progress=False)
    assert again.computed == 0 and again.refinement.computed == GASES + 3 and again.refinement.reused == 0


def test_resume_after_interruption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nanocat.atoms import workflow

    db = tmp_path / "killed.db"
    screen(build_cluster("Cu4"), EMT, store=db, progress=False)  # the screen itself is done and cached
    real_relax, calls = workflow.relax, []

    def dying_relax(job, engine):
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(job.key(engine))
        return real_relax(job, engine)

    monkeypatch.setattr(workflow, "relax", dying_relax)
    with pytest.raises(KeyboardInterrupt):
        screen(build_cluster("Cu4"), replace(EMT, refine=MORSE), store=db, progress=False)
    monkeypatch.setattr(workflow, "relax", real_relax)
    resumed = screen(build_cluster("Cu4"), replace(EMT, refine=MORSE), store=db, progress=False)
    assert resumed.computed == 0
    assert resumed.refinement.reused == 5 and resumed.refinement.computed == GASES + 3 - 5


def test_all_sites_refines_every_site(tmp_path: Path) -> None:
    settings = replace(EMT, max_sites=None, refine=MORSE, refine_all_sites=True)
    result = screen(build_cluster("Cu4"), settings, store=tmp_path / "all.db", progress=False)
    ref = result.refinement
    assert len(result.hosts[0].sites) > 1 and ref.all_sites
    assert {(r.site, r.species) for r in ref.rows} == {(r.site, r.species) for r in result.rows if r.job_key}
    best_H = min(r.energy_eV for r in ref.rows if r.species == "H*")  # the refined diagram: lowest refined energy
    assert ref.hosts[0].analysis.energies.G_eV["H*"] == pytest.approx(
        min(r.dG_eV for r in ref.rows if r.species == "H*"))
    assert best_H == min(r.energy_eV for r in ref.rows if r.species == "H*")


def test_scf_failure_leaves_the_species_unrefined(refined: tuple[ScreenResult, Path]) -> None:
    """An SCF failure on CO* leaves CO* out of the refined diagram, marked; CO becomes incomplete there."""
    result, db = refined
    engine = get_engine("toy_engines:SCFFailsOnCuC")
    ref = refine_screen(result, engine, ScreenSettings(adsorbates=("H", "CO")), store=ResultStore(db),
                        workers=1, progress=False)
    rows = {r.species: r for r in ref.rows}
    assert rows["CO*"].status == "failed" and rows["CO*"].dG_eV is None and "SCF" in rows["CO*"].error
    assert rows["CO*"].dG_screen_eV is not None  # the screening number stays, next to the missing one
    assert rows["H*"].status == "refined" and rows["H*"].dG_eV is not None
    host = ref.hosts[0]
    assert host.unrefined == ("CO*",) and "CO*" not in host.analysis.energies.G_eV
    co = product_calls(host.analysis)["CO"]
    assert not co.complete and co.limiting_potential_V_RHE is None
    assert ref.failed == 1 and any("CO*" in n for n in ref.notes)


def test_json_round_trip_and_contract(refined: tuple[ScreenResult, Path]) -> None:
    result, _ = refined
    document = json.loads(json.dumps(result.as_dict()))
    assert ScreenResult.from_dict(document).as_dict() == document
    ref = document["refinement"]
    assert {"method", "hosts", "rows", "predicted_product", "reason", "computed", "reused", "failed"} <= set(ref)
    assert {"host", "site", "species", "dG_eV", "dG_screen_eV"} <= set(ref["rows"][0])
    assert Refinement.from_dict(ref).as_dict() == ref
    assert ScreenSettings.from_dict(result.settings).refine == MORSE


def test_refine_keyword_without_a_store(refined: tuple[ScreenResult, Path]) -> None:
    """screen(..., refine=...) with no database: geometries from memory, same numbers as the cached run."""
    result, _ = refined
    again = screen(build_cluster("Cu4"), EMT, store=None, progress=False, refine=MORSE)
    assert again.refinement.computed == GASES + 3
    assert [r.dG_eV for r in again.refinement.rows] == pytest.approx([r.dG_eV for r in result.refinement.rows])


def test_screen_without_refine_has_null_refinement(tmp_path: Path) -> None:
    result = screen(build_cluster("Cu4"), EMT, store=tmp_path / "plain.db", progress=False)
    assert result.refinement is None and result.as_dict()["refinement"] is None


def test_cli_refine_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # two workers: single points go through the JSON round trip to worker processes, keys must survive it
    args = ["screen", "Cu4", "--engine", "emt", "--adsorbates", "H,CO", "--max-sites", "1", "--orientations", "1",
            "--workers", "2", "--out", str(tmp_path), "--no-progress", "--refine",
            "ase.calculators.morse:MorsePotential", "--refine-param", "epsilon=0.4", "--refine-param", "r0=2.2",
            "--refine-param", "rho0=4.0"]
    assert main([*args, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    ref = document["refinement"]
    assert ref["method"] == "MorsePotential(epsilon=0.4, r0=2.2, rho0=4.0)" and ref["computed"] == GASES + 3
    html = Path(document["report"]).read_text()
    assert "Refinement: MorsePotential" in html and "U_L MorsePotential" in html
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "EMT vs MorsePotential" in out and "refinement single points: 0 computed, 11 reused" in out
    assert "predicted at EMT:" in out


@pytest.mark.parametrize(("extra", "message"), [
    (["--refine", "nosuchengine"], "nosuchengine"),
    (["--refine", "auto"], "not auto"),
    (["--refine-param", "x=1"], "need --refine"),
    (["--refine", "toy_engines:raising_factory"], "licence server"),
    (["--refine", "toy_engines:NoOxygenEMT", "--refine-param", "oops"], "--refine-param 'oops'"),
])
def test_cli_bad_refine_engine_stops_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      extra: list[str], message: str) -> None:
    db = tmp_path / "never.db"
    code = main(["screen", "Cu4", "--engine", "emt", "--adsorbates", "H", "--max-sites", "1", "--workers", "1",
                 "--db", str(db), "--out", str(tmp_path), "--no-progress", *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not db.exists() or ResultStore(db).__len__() == 0  # no relaxation ran


def test_refine_engine_that_cannot_do_the_cluster_stops_before_any_relaxation(tmp_path: Path) -> None:
    """EMT has no net charge: refining an anion with it stops before the (GFN1) screen starts."""
    from nanocat.errors import NanocatError

    db = tmp_path / "never.db"
    with pytest.raises(NanocatError, match="charge"):
        screen(build_cluster("Cu4", charge=-1), replace(EMT, engine="gfn1", refine="emt"), store=db, progress=False)
    assert not db.exists() or len(ResultStore(db)) == 0


@pytest.mark.slow
def test_cu4_gfn1_refined_with_pbe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DFT//xTB end to end: GFN1 relaxations of Cu4 + H, COOH, OCHO, CO, PBE/def2-SVP single points (PySCF)."""
    pytest.importorskip("pyscf")
    from ase.units import Hartree
    from test_atoms_pyscf import _direct

    start = time.perf_counter()
    code = main(["screen", "Cu4", "--engine", "gfn1", "--refine", "pyscf", "--refine-param", "smearing_Ha=0.005",
                 "--adsorbates", "H,COOH,OCHO,CO", "--max-sites", "1", "--orientations", "1", "--json",
                 "--no-progress", "--out", str(tmp_path), "--db", str(tmp_path / "screen.db")])
    wall_s = time.perf_counter() - start
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    result = ScreenResult.from_dict(document)
    ref = result.refinement
    assert ref.method == "PBE/def2-SVP(PySCF,DF)+smear(0.005Ha)" and ref.corrections == "peterson2010"
    assert ref.failed == 0 and ref.computed == GASES + 1 + 4
    # one refined single point against PySCF called by hand on the same geometry (1e-5 Ha)
    stored = ResultStore(tmp_path / "screen.db").get(ref.gas_keys["CO(g)"])
    mf = _direct(stored.atoms, smearing_Ha=0.005)
    assert stored.energy_eV / Hartree == pytest.approx(mf.e_zero, abs=1e-5)
    rows = {r.species: r for r in ref.rows}
    assert set(rows) == {"H*", "COOH*", "OCHO*", "CO*"}
    # physical sanity at PBE: H and CO bind on Cu clusters within a few tenths of an eV to ~1 eV of 0
    assert -1.0 < rows["H*"].dG_eV < 1.0 and -2.0 < rows["CO*"].dG_eV < 1.0
    assert all(-3.0 < r.dG_eV < 3.0 for r in ref.rows)
    assert ref.predicted_product in {"CO", "HCOOH", "CH4", "CH3OH", "H2"}
    screen_calls, pbe_calls = product_calls(result.best_host.analysis), product_calls(ref.best_host.analysis)
    lines = [f"wall time {wall_s:.0f} s; screen {result.method}, refinement {ref.method}"]
    lines += [f"{r.species:7s} dG {result.method} {r.dG_screen_eV:+.2f}  {ref.method} {r.dG_eV:+.2f} eV"
              for r in ref.rows]
    for name in ("CO", "HCOOH", "CH4", "CH3OH", "H2"):
        a, b = screen_calls[name], pbe_calls[name]
        lines.append(f"U_L {name:6s} {a.limiting_potential_V_RHE} {a.potential_determining_step} | "
                     f"{b.limiting_potential_V_RHE} {b.potential_determining_step}")
    lines.append(f"predicted: {result.predicted_product} (GFN1) / {ref.predicted_product} (PBE): {ref.reason}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_kinetics_reads_the_refined_level_of_a_screen(refined: tuple[ScreenResult, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`nanocat kinetics RESULT --level refined` models the refined free energies, not the screening level."""
    from nanocat.kinetics.readers import model_from_screen

    result, _ = refined
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result.as_dict()), encoding="utf-8")
    screen_model = model_from_screen(path, ("CO",), level="screen")
    refined_model = model_from_screen(path, ("CO",), level="refined")
    refined_G = refined_model.as_dict()["free_energies_eV"]
    screen_G = screen_model.as_dict()["free_energies_eV"]
    h = next(k for k in refined_G if k.startswith("H_") and not k.endswith("_g"))  # H* (no COOH*: HER only)
    rows = {r.species: r for r in result.refinement.rows}
    assert refined_G[h] == pytest.approx(rows["H*"].dG_eV, abs=1e-9)
    assert screen_G[h] == pytest.approx(rows["H*"].dG_screen_eV, abs=1e-9)
    assert refined_G[h] != pytest.approx(screen_G[h], abs=1e-3)
    assert main(["kinetics", str(path), "--level", "refined", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(doc["converged"]) and "H2" in doc["fe_percent"] and len(doc["potential_V"]) == 61
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({**result.as_dict(), "refinement": None}), encoding="utf-8")
    assert main(["kinetics", str(plain), "--level", "refined"]) == 2
    assert "no refinement" in capsys.readouterr().err
