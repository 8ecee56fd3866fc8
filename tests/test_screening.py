"""The main job: screening pipeline, resume, prediction logic, report and CLI (EMT for plumbing, GFN1 for physics)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import ase.db
import numpy as np
import pytest
from ase import Atoms

from nanocat.atoms import build_cluster, read_structure
from nanocat.atoms.screen_jobs import build_hosts
from nanocat.atoms.screening import ScreenResult, Screener, ScreenSettings, adsorbate_state, screen
from nanocat.chem.products import get_product
from nanocat.cli import main
from nanocat.thermo import FormationEnergies, FreeEnergyAnalysis, ProductResult, Step
from nanocat.thermo.selectivity import chemical_step_threshold_eV, predict

EMT = ScreenSettings(engine="emt", adsorbates=("H", "CO"), n_orientations=1, workers=1, max_steps=60)


@pytest.fixture(scope="module")
def cu13_emt(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreenResult, Path]:
    """One EMT screen of Cu13 with H and CO, and its database."""
    db = tmp_path_factory.mktemp("screen") / "cu13.db"
    return screen(build_cluster("Cu13"), EMT, store=db, progress=False), db


def test_cu13_has_one_top_bridge_and_hollow_class(cu13_emt: tuple[ScreenResult, Path]) -> None:
    result, _ = cu13_emt
    host = result.best_host
    assert [s["kind"] for s in host.sites] == ["top", "bridge", "hollow"]
    assert [len(s["equivalent"]) for s in host.sites] == [12, 30, 20]
    assert host.n_site_candidates == 62  # 59 relaxations per intermediate saved by symmetry
    assert {(r.site.split(":")[1], r.adsorbate) for r in result.rows} == {
        (k, a) for k in ("top", "bridge", "hollow") for a in ("H", "CO")}


def test_counts_and_method_recorded(cu13_emt: tuple[ScreenResult, Path]) -> None:
    result, db = cu13_emt
    n_gas, n_clean = 8, 1
    assert result.method == "EMT" and result.failed == 0
    assert result.computed == n_gas + n_clean + sum(r.n_tried for r in result.rows)
    with ase.db.connect(db) as con:
        assert con.count() == result.computed
        assert {row.method for row in con.select()} == {"EMT"}


def test_rerun_reuses_everything(cu13_emt: tuple[ScreenResult, Path]) -> None:
    result, db = cu13_emt
    again = screen(build_cluster("Cu13"), EMT, store=db, progress=False)
    assert again.computed == 0 and again.reused == result.computed
    assert [r.energy_eV for r in again.rows] == [r.energy_eV for r in result.rows]


def test_interrupted_screen_resumes_without_loss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nanocat.atoms.workflow as workflow

    real_relax, calls = workflow.relax, []

    def dying_relax(job, spec):  # noqa: ANN001, ANN202 - the signature of workflow.relax
        if len(calls) == 12:
            raise KeyboardInterrupt
        calls.append(job.site)
        return real_relax(job, spec)

    db = tmp_path / "killed.db"
    monkeypatch.setattr(workflow, "relax", dying_relax)
    with pytest.raises(KeyboardInterrupt):
        screen(build_cluster("Cu13"), EMT, store=db, progress=False)
    with ase.db.connect(db) as con:
        assert con.count() == 12  # every relaxation finished before the interrupt is on disk
    monkeypatch.setattr(workflow, "relax", real_relax)
    resumed = screen(build_cluster("Cu13"), EMT, store=db, progress=False)
    total = 8 + 1 + sum(r.n_tried for r in resumed.rows)
    assert resumed.reused == 12 and resumed.computed == total - 12
    with ase.db.connect(db) as con:
        assert con.count() == total


def test_json_round_trip(cu13_emt: tuple[ScreenResult, Path]) -> None:
    result, _ = cu13_emt
    document = json.loads(json.dumps(result.as_dict()))
    assert ScreenResult.from_dict(document) == result


def test_threshold_from_transition_state_theory() -> None:
    # k_B T ln(k_B T / h) at 298.15 K and 1 s^-1 (Eyring)
    assert chemical_step_threshold_eV() == pytest.approx(0.757, abs=0.002)
    assert chemical_step_threshold_eV(rate_per_s=1e3) < chemical_step_threshold_eV()


def _analysis(products: list[ProductResult], her_ul: float | None) -> FreeEnergyAnalysis:
    """A hand-made analysis: products with given U_L (V_RHE) and HER."""
    her = ProductResult("H2(g)", her_ul is not None, limiting_potential_V_RHE=her_ul,
                        steps=(Step("*", "H*", -her_ul if her_ul is not None else 0.0, True, n_electrons=1),))
    return FreeEnergyAnalysis(0.0, {p.product: p for p in products}, her, [], FormationEnergies({}, "test", "none"))


def _product(name: str, ul: float, uphill: float | None = None, n: int = 2) -> ProductResult:
    blocking = (Step("a", "b", uphill, False),) if uphill else ()
    steps = tuple(Step(f"s{i}", f"s{i + 1}", 0.0, True, n_electrons=1) for i in range(n))
    return ProductResult(name, True, steps=steps, limiting_potential_V_RHE=ul, potential_determining_step="x",
                         uphill_chemical_steps=blocking, E0_V_RHE=get_product(name).E0_V_RHE)


def test_predict_least_negative_limiting_potential_wins() -> None:
    prediction = predict(_analysis([_product("CO(g)", -0.5), _product("HCOOH(aq)", -0.3)], her_ul=-0.6))
    assert prediction.product == "HCOOH" and "-0.30" in prediction.reason and "HER needs -0.60" in prediction.reason
    assert prediction.call("CO").limiting_potential_V_RHE == -0.5 and prediction.call("H2").complete
    assert type(prediction).from_dict(prediction.as_dict()) == prediction


def test_predict_blocks_products_behind_uphill_chemical_steps() -> None:
    prediction = predict(_analysis([_product("CO(g)", -0.1, uphill=1.2), _product("CH4(g)", -0.6, n=8)], her_ul=-0.9))
    assert prediction.product == "CH4" and "CO(g) (+1.20 eV)" in prediction.reason
    assert prediction.call("CO").blocked and not prediction.call("CO").open


def test_predict_her_when_it_is_easier() -> None:
    prediction = predict(_analysis([_product("CO(g)", -0.8)], her_ul=-0.2))
    assert prediction.product == "H2" and "HER U_L = -0.20" in prediction.reason


def test_predict_fewer_electrons_win_a_tie() -> None:
    prediction = predict(_analysis([_product("CH4(g)", -0.4, n=8), _product("CO(g)", -0.4, n=2)], her_ul=-0.9))
    assert prediction.product == "CO"


def test_predict_nothing_without_energies() -> None:
    prediction = predict(_analysis([ProductResult("CO(g)", False)], her_ul=None))
    assert prediction.product is None


def test_adsorbate_state_classifies_geometries() -> None:
    cluster = Atoms("Cu", positions=[[0, 0, 0]])
    co = cluster + Atoms("CO", positions=[[0, 0, 1.9], [0, 0, 3.05]])
    assert adsorbate_state(co, co, [1, 2]) == "intact"
    broken = co.copy()
    broken.positions[2] = [0, 0, 6.0]
    assert adsorbate_state(co, broken, [1, 2]) == "rearranged"
    gone = co.copy()
    gone.positions[1:] += [0, 0, 8.0]
    assert adsorbate_state(co, gone, [1, 2]) == "desorbed"


def test_protected_cluster_gives_one_host_per_thiolate_class(structures_dir: Path) -> None:
    au25 = read_structure(structures_dir / "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz", charge=-1)
    hosts = build_hosts(au25, "Au25", ScreenSettings(engine="gfn1"))
    assert len(hosts) == 2  # 12 core-staple S and 6 staple-staple S: two inequivalent dethiolated sites
    for host in hosts:
        assert len(host.atoms) == len(au25) - 5  # one S-CH3 removed as a neutral radical
        assert host.atoms.info["charge"] == -1 and host.fix_center is not None


def test_unknown_adsorbate_is_a_clear_error() -> None:
    from nanocat.errors import InputError

    with pytest.raises(InputError, match="unknown adsorbate"):
        Screener(replace(EMT, adsorbates=("CO", "XYZ")))


def test_gfn1_on_cu4_binds_co_and_h(tmp_path: Path) -> None:
    """Real xTB end to end on the smallest built-in cluster: CO and H bind, the method is recorded."""
    settings = ScreenSettings(engine="gfn1", adsorbates=("H", "CO"), site_kinds=("top",), n_orientations=1,
                              workers=1, fmax_eV_A=0.1)
    result = screen(build_cluster("Cu4"), settings, store=tmp_path / "cu4.db", progress=False)
    assert result.method.startswith("GFN1-xTB") and result.failed == 0
    descriptors = result.best_host.analysis.energies.descriptors_eV
    assert descriptors["dE_CO_eV"] < -0.3  # CO chemisorbs on Cu (DFT on small Cu clusters: about -1 eV)
    assert np.isfinite(descriptors["dE_H_eV"])
    assert result.predicted_product is not None


def test_cli_screen_json_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["screen", "Cu13", "--engine", "emt", "--adsorbates", "H,CO", "--orientations", "1", "--workers", "1",
                 "--sites", "top", "--out", str(tmp_path), "--json", "--no-progress"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert {"computed", "reused", "failed", "predicted_product", "hosts", "rows", "report"} <= set(document)
    html = Path(document["report"]).read_text()
    assert "data:image/png;base64," in html and "<table>" in html and "src=\"http" not in html


def test_cli_screen_bad_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu999"]) == 2
    assert "neither a structure file nor a built-in cluster" in capsys.readouterr().err


def test_demo_plumbing_with_emt(tmp_path: Path) -> None:
    """The demo's own code path (screen, rank, report, ref-126 comparison) on Cu13 with EMT, in seconds."""
    from nanocat.report.demo import ch4_comparison, run_demo

    settings = replace(EMT, adsorbates=("H", "COOH", "CO"), site_kinds=("top",))
    results, report = run_demo(tmp_path, workers=1, progress=False, settings=settings, clusters=("Cu13",))
    assert report.exists() and (tmp_path / "results.json").exists() and (tmp_path / "screen.db").exists()
    assert "Knowledge base (seed ref 126)" in ch4_comparison(results) and "0.33 eV" in ch4_comparison(results)


@pytest.mark.slow
def test_demo_end_to_end_with_gfn1(tmp_path: Path) -> None:
    """The real demo (about 6 min on 2 cores): four clusters, one method, every relaxation accounted for."""
    from nanocat.report.demo import DEMO_CLUSTERS, run_demo

    results, report = run_demo(tmp_path, progress=False)
    assert [r.name for r in results] == list(DEMO_CLUSTERS) and report.exists()
    assert {r.method for r in results} == {"GFN1-xTB(Tel=300K)"}
    assert all(r.predicted_product in {"CO", "HCOOH", "CH4", "CH3OH", "H2"} for r in results)
