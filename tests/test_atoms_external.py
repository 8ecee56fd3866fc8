"""The chemist's own DFT, round trip: --engine external, --export, nanocat import, rerun from the cache.

"Another program" is ASE's EMT here: each exported job is relaxed with EMT from its job.json and its output
written as the user's program would (extxyz / .traj carrying the energy), so the screen from imported results
must reproduce the same screen run directly with --engine emt, ΔG for ΔG.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.cluster import Icosahedron
from ase.io import read, write

from nanocat.atoms.engines import EngineSpec, ExternalEngine, get_engine, single_point
from nanocat.atoms.external import (
    JOBS_FILE,
    export_jobs,
    import_results,
    job_ids,
)
from nanocat.atoms.screen_jobs import ScreenPlan
from nanocat.atoms.screening import ScreenResult, ScreenSettings, Screener, screen
from nanocat.atoms.store import ResultStore
from nanocat.atoms.structures import build_cluster
from nanocat.atoms.workflow import RelaxJob, relax, run_jobs
from nanocat.cli import main
from nanocat.errors import EngineError

SMALL = ["--adsorbates", "H,CO", "--max-sites", "1", "--orientations", "1", "--workers", "1", "--no-progress"]


def small_settings(engine: object) -> ScreenSettings:
    """Cu4 with H and CO on one site, one orientation (11 jobs: 1 clean, 8 gases, 2 adsorbates)."""
    return ScreenSettings(engine=engine, adsorbates=("H", "CO"), max_sites=1, n_orientations=1, workers=1,
                          sites_on="input")


def run_elsewhere(root: Path, dirs: list[str] | None = None, name: str = "final.extxyz") -> list[str]:
    """Play the user's program: relax each job (from its job.json) with EMT, write its output in its folder."""
    entries = json.loads((root / JOBS_FILE).read_text())
    done = []
    for entry in entries:
        if dirs is not None and entry["dir"] not in dirs:
            continue
        record = json.loads((root / entry["dir"] / "job.json").read_text())
        result = relax(RelaxJob.from_dict(record["job"]), "emt")
        write(root / entry["dir"] / name, result.atoms)
        done.append(entry["dir"])
    return done


def test_external_engine_never_computes_and_names_the_method() -> None:
    engine = get_engine("external", label="PBE-D3/def2-TZVP (ORCA)")
    assert isinstance(engine, ExternalEngine) and not engine.computes
    assert engine.label == "PBE-D3/def2-TZVP (ORCA)" and engine.corrections == "peterson2010"
    assert engine.spec().build() == engine
    assert get_engine("external").settings() != engine.settings()  # two methods never share cached energies
    with pytest.raises(EngineError, match="does not compute"):
        single_point(build_cluster("Cu4"), engine)


def test_jobs_without_results_are_pending_not_failed(tmp_path: Path) -> None:
    job = RelaxJob(build_cluster("Cu4"), system="Cu4", site="clean", adsorbate="", kind="clean")
    summary = run_jobs([job, job], "external", store=tmp_path / "x.db", progress=False)
    assert (summary.computed, summary.reused, summary.failed, summary.pending) == (0, 0, 0, 2)
    assert all(r.error_kind == "pending" and r.energy_eV is None for r in summary.results)
    assert len(ResultStore(tmp_path / "x.db")) == 0  # nothing stored: a later import fills the key
    assert summary.as_dict()["pending"] == 2 and type(summary).from_dict(summary.as_dict()) == summary


def test_round_trip_matches_the_same_screen_run_directly(tmp_path: Path) -> None:
    atoms = build_cluster("Cu4")
    db = tmp_path / "ext.db"
    plan = Screener(small_settings("external"), db, progress=False).plan(atoms, "Cu4")
    exported = export_jobs(plan, "external", tmp_path / "exp", "extxyz", store=ResultStore(db))
    assert len(exported.jobs) == exported.awaiting == 11
    listed = json.loads((tmp_path / "exp" / JOBS_FILE).read_text())
    assert {"id", "dir", "input", "charge", "multiplicity", "fixed_atoms"} <= set(listed[0])
    assert all((tmp_path / "exp" / e["input"]).is_file() for e in listed)  # paths relative to DIR

    run_elsewhere(tmp_path / "exp")
    first = import_results(tmp_path / "exp", db)
    assert (len(first.imported), len(first.skipped), first.rejected, first.pending) == (11, 0, (), ())
    again = import_results(tmp_path / "exp", db)
    assert (len(again.imported), len(again.skipped)) == (0, 11)
    assert len(ResultStore(db)) == 11

    result = screen(atoms, small_settings("external"), store=db, progress=False, name="Cu4")
    direct = screen(atoms, small_settings("emt"), store=tmp_path / "emt.db", progress=False, name="Cu4")
    assert (result.computed, result.failed, result.pending) == (0, 0, [])
    assert result.reused == direct.computed == 11
    assert [r.dG_eV for r in result.rows] == pytest.approx([r.dG_eV for r in direct.rows], abs=1e-9)
    assert all(r.dG_eV is not None for r in result.rows)
    assert result.predicted_product == direct.predicted_product
    assert result.method == "external"
    stored = ResultStore(db).get(result.rows[0].job_key)
    assert stored.settings["source"]["file"].endswith("final.extxyz") and len(stored.settings["source"]["md5"]) == 32
    assert ScreenResult.from_dict(result.as_dict()) == result


def test_half_filled_folder_imports_what_is_there_and_the_screen_lists_pending(tmp_path: Path) -> None:
    atoms = build_cluster("Cu4")
    db = tmp_path / "ext.db"
    plan = Screener(small_settings("external"), db, progress=False).plan(atoms, "Cu4")
    export_jobs(plan, "external", tmp_path / "exp", "extxyz")
    ads = [name for name, job in job_ids(plan.jobs, "external").values() if job.kind == "adsorbate"]
    filled = run_elsewhere(tmp_path / "exp", [d for d, _ in job_ids(plan.jobs, "external").values()
                                              if d != ads[1]])
    (tmp_path / "exp" / ads[1] / "INCAR").write_text("ENCUT = 400\n")  # inputs of a job not run yet: still pending
    summary = import_results(tmp_path / "exp", db)
    assert len(summary.imported) == len(filled) == 10 and summary.pending == (ads[1],) and not summary.rejected

    result = screen(atoms, small_settings("external"), store=db, progress=False, name="Cu4")
    assert (result.computed, result.reused, result.failed) == (0, 10, 0)
    assert [p["dir"] for p in result.pending] == [ads[1]] and result.pending[0]["adsorbate"] == "CO"
    rows = {r.adsorbate: r for r in result.rows}
    assert rows["H"].dG_eV is not None and rows["CO"].dG_eV is None
    assert (rows["CO"].n_pending, rows["CO"].n_failed) == (1, 0)
    assert result.predicted_product is not None  # reports what it can: H2 from H* alone
    assert any("await results" in n for n in result.notes)


def test_only_adsorbates_missing_vs_clean_missing(tmp_path: Path) -> None:
    atoms = build_cluster("Cu4")
    db = tmp_path / "ext.db"
    plan = Screener(small_settings("external"), db, progress=False).plan(atoms, "Cu4")
    export_jobs(plan, "external", tmp_path / "exp", "extxyz")
    run_elsewhere(tmp_path / "exp", [d for d, j in job_ids(plan.jobs, "external").values() if j.kind == "gas"])
    import_results(tmp_path / "exp", db)
    result = screen(atoms, small_settings("external"), store=db, progress=False, name="Cu4")
    assert result.hosts == [] and result.predicted_product is None and len(result.pending) == 3
    assert result.failed == 0 and "await results" in result.reason


def test_wrong_composition_reordered_and_energyless_outputs_are_rejected(tmp_path: Path) -> None:
    atoms = build_cluster("Cu4")
    db = tmp_path / "ext.db"
    plan = Screener(small_settings("external"), db, progress=False).plan(atoms, "Cu4")
    export_jobs(plan, "external", tmp_path / "exp", "extxyz")
    ids = {j.kind + j.adsorbate: d for d, j in job_ids(plan.jobs, "external").values()}
    wrong = build_cluster("Cu4") + Atoms("H", positions=[[0, 0, 6.0]])
    wrong.calc = SinglePointCalculator(wrong, energy=-1.0)
    write(tmp_path / "exp" / ids["clean"] / "final.extxyz", wrong)
    co = read(tmp_path / "exp" / ids["adsorbateCO"] / "input.extxyz")
    swapped = co[[*range(len(co) - 2), len(co) - 1, len(co) - 2]]  # C and O exchanged
    swapped.calc = SinglePointCalculator(swapped, energy=-2.0)
    write(tmp_path / "exp" / ids["adsorbateCO"] / "final.traj", swapped)
    write(tmp_path / "exp" / ids["gasCO2"] / "final.extxyz", read(tmp_path / "exp" / ids["gasCO2"] / "input.extxyz"))
    summary = import_results(tmp_path / "exp", db)
    reasons = {r.dir: r.reason for r in summary.rejected}
    assert set(reasons) == {ids["clean"], ids["adsorbateCO"], ids["gasCO2"]}
    assert "composition HCu4 differs from the job's Cu4" in reasons[ids["clean"]]
    assert "another order" in reasons[ids["adsorbateCO"]]
    assert "no energy" in reasons[ids["gasCO2"]]
    assert len(ResultStore(db)) == 0 and len(summary.pending) == 8


def test_interrupted_import_then_rerun_loses_nothing_and_duplicates_nothing(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    atoms = build_cluster("Cu4")
    db = tmp_path / "ext.db"
    export_jobs(Screener(small_settings("external"), db).plan(atoms, "Cu4"), "external", tmp_path / "exp")
    run_elsewhere(tmp_path / "exp")
    original = ResultStore.write
    calls = []

    def write_then_die(self: ResultStore, result: object) -> int:
        if len(calls) == 4:
            raise KeyboardInterrupt
        calls.append(1)
        return original(self, result)

    monkeypatch.setattr(ResultStore, "write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        import_results(tmp_path / "exp", db)
    monkeypatch.setattr(ResultStore, "write", original)
    assert len(ResultStore(db)) == 4
    rerun = import_results(tmp_path / "exp", db)
    assert (len(rerun.skipped), len(rerun.imported)) == (4, 7)
    assert len(ResultStore(db)) == 11 and len({r.key for r in ResultStore(db)}) == 11


def test_poscar_export_writes_selective_dynamics_for_fixed_atoms(tmp_path: Path) -> None:
    cluster = Icosahedron("Cu", noshells=3)  # 55 atoms: large, far atoms fixed
    cluster.info.update(charge=0, multiplicity=2)
    job = RelaxJob(cluster, system="Cu55", site="clean", adsorbate="", kind="clean", fix_radius_A=4.0,
                   fix_center_index=0, host="Cu55", multiplicity=2)
    plan = ScreenPlan("Cu55", (), (job,), (), ())
    fixed = job.fixed_indices()
    assert 0 < len(fixed) < len(cluster)
    summary = export_jobs(plan, "external", tmp_path / "vasp", "POSCAR")
    entry = summary.jobs[0]
    assert entry["input"] == "clean-Cu55/POSCAR" and entry["fixed_atoms"] == fixed and entry["multiplicity"] == 2
    text = (tmp_path / "vasp" / entry["input"]).read_text()
    assert "Selective dynamics" in text
    poscar = read(tmp_path / "vasp" / entry["input"], format="vasp")
    assert poscar.constraints[0].index.tolist() == fixed
    assert poscar.cell.volume > 0 and len(poscar) == 55  # a boxed cluster for a plane-wave code
    xyz = export_jobs(plan, "external", tmp_path / "xyz", "extxyz").jobs[0]
    back = read(tmp_path / "xyz" / xyz["input"])
    assert back.constraints[0].index.tolist() == fixed and np.allclose(back.positions, cluster.positions)


def test_cli_round_trip_flags_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, exp = str(tmp_path / "cache.db"), tmp_path / "exp"
    label = ["--engine-param", 'label="PBE (VASP)"']
    assert main(["screen", "Cu4", "--engine", "external", *label, "--export", str(exp), "--export-format",
                 "POSCAR", "--db", db, *SMALL]) == 0
    assert "11 await results" in capsys.readouterr().out
    assert (exp / "clean-Cu4" / "POSCAR").is_file()
    run_elsewhere(exp, name="relax.traj")
    assert main(["import", str(exp), "--db", db, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["imported"], document["skipped"], document["rejected"]) == (11, 0, [])
    assert main(["screen", "Cu4", "--engine", "external", *label, "--db", db, "--out", str(tmp_path / "out"),
                 "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"computed", "reused", "failed", "pending", "predicted_product", "rows", "hosts", "report"} <= set(result)
    assert (result["computed"], result["failed"], result["pending"]) == (0, 0, [])
    assert result["method"] == "PBE (VASP)" and Path(result["report"]).is_file()
    assert main(["import", str(exp), "--db", db]) == 0
    assert "skipped 11" in capsys.readouterr().out


@pytest.mark.parametrize("case", ["missing", "malformed", "no_jobs_file"])
def test_cli_import_bad_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    folder = tmp_path / "exp"
    if case != "missing":
        folder.mkdir()
    if case == "malformed":
        (folder / JOBS_FILE).write_text("{not json")
    assert main(["import", str(folder), "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(folder) in err and "Traceback" not in err


def test_cli_import_unopenable_db_and_export_without_external(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    exp = tmp_path / "exp"
    assert main(["screen", "Cu4", "--engine", "external", "--export", str(exp), *SMALL]) == 0
    capsys.readouterr()
    assert main(["import", str(exp), "--db", "/proc/x.db"]) == 2
    assert "cannot open result database" in capsys.readouterr().err
    assert main(["screen", "Cu4", "--engine", "emt", "--export", str(exp), *SMALL]) == 2
    assert "--export needs --engine external" in capsys.readouterr().err
    assert main(["screen", "Cu4", "--engine", "external", "--export", str(exp), "--export-format", "nosuch",
                 *SMALL]) == 2
    assert "ase.io cannot write it" in capsys.readouterr().err


def test_cli_screen_with_pending_jobs_lists_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu4", "--engine", "external", "--db", str(tmp_path / "x.db"), "--out",
                 str(tmp_path / "out"), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "11 pending" in out and "Cu4-s1-top-Cu-CO-o0" in out and "0 failed" in out


def test_engine_spec_of_external_round_trips_through_job_json(tmp_path: Path) -> None:
    spec = EngineSpec("external", {"label": "r2SCAN (VASP)"})
    plan = Screener(small_settings(spec)).plan(build_cluster("Cu4"), "Cu4")
    export_jobs(plan, spec, tmp_path / "exp")
    record = json.loads((tmp_path / "exp" / "clean-Cu4" / "job.json").read_text())
    assert record["engine"] == spec.as_dict() and record["method_label"] == "r2SCAN (VASP)"
    assert RelaxJob.from_dict(record["job"]).key(spec) == record["key"]


def orca_output(atoms: Atoms, energy_Eh: float) -> str:
    """The lines of an ORCA 5 output that ase.io's ``orca-output`` reader parses (as in ASE's own test file)."""
    coords = "\n".join(f"   {s:<2} {x:12.7f} {y:12.7f} {z:12.7f}" for s, (x, y, z)
                       in zip(atoms.get_chemical_symbols(), atoms.positions, strict=True))
    gradient = "\n".join(f"   {i}   {s}   :    0.000010000    0.000000000    0.000000000"
                         for i, s in enumerate(atoms.get_chemical_symbols(), start=1))
    return ("\n                                 *****************\n"
            "                                 * O   R   C   A *\n"
            "                                 *****************\n\n"
            "---------------------------------\nCARTESIAN COORDINATES (ANGSTROEM)\n"
            f"---------------------------------\n{coords}\n\n"
            "----------------------\nSHARK INTEGRAL PACKAGE\n----------------------\n\n"
            f"Number of atoms                             ...      {len(atoms)}\n\n"
            "------------------\nCARTESIAN GRADIENT\n------------------\n\n"
            f"{gradient}\n\n"
            "-------------------------   --------------------\n"
            f"FINAL SINGLE POINT ENERGY     {energy_Eh:.12f}\n"
            "-------------------------   --------------------\nORCA TERMINATED NORMALLY\n")


def test_an_orca_output_is_read_in_eV(tmp_path: Path) -> None:
    from ase.units import Hartree

    plan = Screener(small_settings("external")).plan(build_cluster("Cu4"), "Cu4")
    export_jobs(plan, "external", tmp_path / "exp", "xyz")  # plain xyz, what ORCA's `* xyzfile` reads
    folder = tmp_path / "exp" / "gas-H2O"
    water = read(folder / "input.xyz")
    (folder / "water.out").write_text(orca_output(water, -76.422436201230))
    (folder / "slurm-42.err").write_text("module loaded\n")  # not an output pattern: ignored
    summary = import_results(tmp_path / "exp", tmp_path / "x.db")
    assert summary.imported == ("gas-H2O",) and len(summary.pending) == 10
    stored = ResultStore(tmp_path / "x.db").results()[0]
    assert stored.energy_eV == pytest.approx(-76.422436201230 * Hartree, abs=1e-6)  # -2079.5604 eV
    assert stored.settings["source"]["format"] == "orca-output" and stored.converged


def test_an_unfinished_output_is_rejected_unless_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = Screener(small_settings("external")).plan(build_cluster("Cu4"), "Cu4")
    export_jobs(plan, "external", tmp_path / "exp")
    folder = tmp_path / "exp" / "clean-Cu4"
    running = read(folder / "input.extxyz")
    forces = np.zeros((len(running), 3))
    forces[1] = [0.0, 0.3, 0.4]  # 0.5 eV/Å: a relaxation still under way (the screen's fmax is 0.05 eV/Å)
    running.calc = SinglePointCalculator(running, energy=-3.0, forces=forces)
    write(folder / "relax.traj", running)
    db = str(tmp_path / "x.db")
    assert main(["import", str(tmp_path / "exp"), "--db", db, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["imported"] == 0 and document["rejected"][0]["dir"] == "clean-Cu4"
    assert "0.500 eV/Å is above the screen's fmax 0.05" in document["rejected"][0]["reason"]
    assert main(["import", str(tmp_path / "exp"), "--db", db, "--accept-unconverged", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["imported"], document["unconverged"]) == (1, ["clean-Cu4"])
    stored = ResultStore(db).results()[0]
    assert not stored.converged and stored.settings["final_fmax_eV_A"] == pytest.approx(0.5)
