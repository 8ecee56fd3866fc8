"""Workflow: job keys, relaxation, the ase.db cache, resume after a kill, parallel and concurrent writers."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import ase.db
import numpy as np
import pytest
from ase.build import molecule
from ase.cluster import Icosahedron

from nanocat.atoms.engines import EnginePolicy, EngineSpec, XTBEngine
from nanocat.atoms.workflow import (
    JobResult,
    RelaxJob,
    ResultStore,
    RunSummary,
    relax,
    run_jobs,
    run_with_policy,
    structure_hash,
)
from nanocat.errors import InputError

SRC = Path(__file__).resolve().parents[1] / "src"

#: Experimental CO bond length, Å: K. P. Huber and G. Herzberg, Molecular Spectra and Molecular Structure
#: IV. Constants of Diatomic Molecules (Van Nostrand Reinhold, New York, 1979).
CO_BOND_EXP_A = 1.1283


def cu_jobs(n: int, size: int = 2, seed0: int = 0, optimizer: str = "BFGS") -> list[RelaxJob]:
    """n rattled Cu icosahedra as clean-cluster jobs (EMT-ready: neutral, even multiplicity for Cu13)."""
    jobs = []
    for i in range(n):
        atoms = Icosahedron("Cu", size)
        atoms.rattle(0.08, seed=seed0 + i)
        jobs.append(
            RelaxJob(atoms, f"Cu{len(atoms)}", f"site{i}", "none", kind="clean", multiplicity=2, optimizer=optimizer)
        )
    return jobs


def db_integrity(path: Path) -> str:
    """SQLite's own integrity verdict on a database file."""
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


# --- jobs and keys ------------------------------------------------------------------------------------


def test_job_copies_atoms_and_validates() -> None:
    atoms = molecule("CO")
    job = RelaxJob(atoms, "gas", "gas", "CO", kind="gas")
    atoms.positions[0] += 1.0
    assert not np.allclose(job.atoms.positions, atoms.positions)
    with pytest.raises(InputError, match="kind"):
        RelaxJob(atoms, "x", "y", "z", kind="slab")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="fix_center"):
        RelaxJob(atoms, "x", "y", "z", fix_radius_A=3.0)
    with pytest.raises(InputError, match="fix_center_index"):
        RelaxJob(atoms, "x", "y", "z", fix_radius_A=3.0, fix_center_index=7)
    with pytest.raises(InputError, match="fmax"):
        RelaxJob(atoms, "x", "y", "z", fmax_eV_A=0.0)
    with pytest.raises(InputError, match="optimizer"):
        RelaxJob(atoms, "x", "y", "z", optimizer="SD")  # type: ignore[arg-type]


def test_key_is_stable_and_sensitive() -> None:
    job = cu_jobs(1)[0]
    spec = EngineSpec("gfn2")
    assert job.key(spec) == RelaxJob.from_dict(job.as_dict()).key(spec)
    assert job.key(spec) == job.key("gfn2")
    other = {
        job.key(EngineSpec("gfn2", electronic_temperature_K=1000.0)),
        job.key(EngineSpec("gfn2", mixer_damping=0.2)),
        job.key("gfn1"),
        RelaxJob(job.atoms, job.system, "other", "none", kind="clean").key(spec),
        RelaxJob(job.atoms, job.system, job.site, "none", kind="clean", orientation=1).key(spec),
        RelaxJob(job.atoms, job.system, job.site, "none", kind="clean", fmax_eV_A=0.02).key(spec),
        RelaxJob(job.atoms, job.system, job.site, "none", kind="clean", multiplicity=4).key(spec),
        cu_jobs(1, seed0=5)[0].key(spec),
    }
    assert job.key(spec) not in other and len(other) == 8
    # the xTB settings document is the one nanocat 0.1 keyed its cache with, so old caches still hit
    assert XTBEngine("gfn2").settings() == {"name": "gfn2", "electronic_temperature_K": 300.0, "max_iterations": 250,
                                            "mixer_memory": 250, "mixer_damping": 0.4, "accuracy": 1.0,
                                            "initial_guess": "sad"}
    moved = job.atoms.copy()
    moved.positions[0, 0] += 1e-3
    assert structure_hash(moved) != structure_hash(job.atoms)


def test_fix_radius_freezes_far_atoms() -> None:
    atoms = Icosahedron("Cu", 3)  # 55 atoms
    atoms.rattle(0.05, seed=3)
    job = RelaxJob(atoms, "Cu55", "top0", "none", kind="clean", multiplicity=2, fix_radius_A=4.0, fix_center_index=54)
    fixed = job.fixed_indices()
    assert 0 < len(fixed) < 55 and 54 not in fixed
    result = relax(job, "emt")
    assert result.ok and result.converged and result.settings["n_fixed"] == len(fixed)
    assert np.allclose(result.atoms.positions[fixed], job.atoms.positions[fixed])
    moved = np.linalg.norm(result.atoms.positions - job.atoms.positions, axis=1)
    assert moved.max() > 1e-3  # the free ones did relax


def test_gfn2_relaxes_co_to_the_experimental_bond_length() -> None:
    result = relax(RelaxJob(molecule("CO"), "gas", "gas", "CO", kind="gas", fmax_eV_A=0.01), "gfn2")
    assert result.ok and result.converged and result.method_label == "GFN2-xTB(Tel=300K)"
    assert result.atoms.get_distance(0, 1) == pytest.approx(CO_BOND_EXP_A, abs=0.02)
    assert result.atoms.info["nanocat_relax"]["method_label"] == result.method_label


def test_scf_failure_during_relaxation_is_a_failed_result() -> None:
    result = relax(RelaxJob(molecule("CO"), "gas", "gas", "CO", kind="gas"), EngineSpec("gfn2", max_iterations=1))
    assert not result.ok and result.energy_eV is None
    assert result.error_kind == "scf"  # recognised by exception type (tblite raises CalculationFailed)
    assert "SCF not converged" in result.error
    assert result.method_label == "GFN2-xTB(Tel=300K)"


def test_result_and_summary_round_trip() -> None:
    result = relax(cu_jobs(1)[0], "emt")
    back = JobResult.from_dict(result.as_dict())
    assert back == result
    assert np.allclose(back.atoms.positions, result.atoms.positions)
    summary = RunSummary((result,), computed=1, reused=0, failed=0)
    assert RunSummary.from_dict(summary.as_dict()) == summary


# --- cache and resume ---------------------------------------------------------------------------------


def test_rows_are_searchable_and_complete(tmp_path: Path) -> None:
    db_path = tmp_path / "screen.db"
    summary = run_jobs(cu_jobs(3), "emt", store=db_path, workers=1, progress=False)
    assert (summary.computed, summary.reused, summary.failed) == (3, 0, 0)
    db = ase.db.connect(db_path)
    rows = list(db.select(system="Cu13", kind="clean", method="EMT", converged=True))
    assert len(rows) == 3
    row = db.get(key=summary.results[1].key)
    assert row.site == "site1" and row.status == "done" and row.nanocat_version
    assert row.energy == pytest.approx(summary.results[1].energy_eV)
    assert row.data["result"]["settings"]["engine"]["name"] == "emt"


def test_rerun_reuses_and_resumes(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "screen.db")
    jobs = cu_jobs(5)
    first = run_jobs(jobs[:2], "emt", store=store, workers=1, progress=False)
    assert first.computed == 2
    second = run_jobs(jobs, "emt", store=store, workers=1, progress=False)
    assert (second.computed, second.reused, second.failed) == (3, 2, 0)
    assert [r.reused for r in second.results] == [True, True, False, False, False]
    assert second.results[0].energy_eV == pytest.approx(first.results[0].energy_eV)
    assert len(store) == 5
    third = run_jobs(jobs, "emt", store=store, workers=1, progress=False)
    assert (third.computed, third.reused) == (0, 5)
    # a different engine is a different job (same geometry and labels)
    morse = EngineSpec("ase.calculators.morse:MorsePotential", epsilon=0.5, r0=2.5, rho0=4.0)
    assert run_jobs(jobs[:1], morse, store=store, workers=1, progress=False).computed == 1


def test_store_refuses_a_name_ase_db_cannot_open(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no_extension"):
        ResultStore(tmp_path / "no_extension")


def test_no_jobs_is_an_empty_summary(tmp_path: Path) -> None:
    summary = run_jobs([], "emt", store=tmp_path / "e.db", workers=2, progress=False)
    assert (summary.results, summary.computed, summary.reused, summary.failed) == ((), 0, 0, 0)
    with pytest.raises(InputError, match="workers"):
        run_jobs(cu_jobs(1), "emt", workers=0, progress=False)


def test_duplicate_jobs_in_one_call_run_once(tmp_path: Path) -> None:
    job = cu_jobs(1)[0]
    summary = run_jobs([job, job], "emt", store=tmp_path / "d.db", workers=1, progress=False)
    assert summary.computed == 1 and summary.results[1].reused
    assert summary.results[0].energy_eV == summary.results[1].energy_eV


def test_failed_job_is_recorded_and_not_retried_unless_asked(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "f.db")
    broken = XTBEngine("gfn2", max_iterations=1)  # the SCF cannot converge in one iteration
    jobs = [RelaxJob(molecule(m), "gas", "gas", m, kind="gas", max_steps=2) for m in ("H2", "CO")]
    summary = run_jobs(jobs, broken, store=store, workers=1, progress=False)
    assert (summary.computed, summary.failed) == (2, 2)
    failed = summary.results[1]
    assert not failed.ok and failed.error_kind == "scf" and "SCF" in failed.error
    assert store.get(failed.key).error == failed.error
    assert store.get(failed.key).error_kind == "scf"
    assert len(list(ase.db.connect(store.url).select(status="failed"))) == 2
    again = run_jobs(jobs, broken, store=store, workers=1, progress=False)
    assert (again.computed, again.reused, again.failed) == (0, 2, 2)
    retried = run_jobs(jobs[1:], broken, store=store, workers=1, progress=False, retry_failed=True)
    assert (retried.computed, retried.reused, retried.failed) == (1, 0, 1)
    assert len(list(ase.db.connect(store.url).select(status="failed"))) == 3  # every attempt kept


def test_get_many_matches_get_key_by_key(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "m.db")
    job = cu_jobs(1)[0]
    ok = relax(job, "emt")
    failed = dataclasses.replace(ok, key="other", atoms=None, energy_eV=None, error="InjectedError: test")
    store.write(failed)
    store.write(ok)
    found = store.get_many([ok.key, "other", "absent", ok.key])
    assert set(found) == {ok.key, "other"}  # a key with no row is left out, a repeated one looked up once
    assert found[ok.key].energy_eV == store.get(ok.key).energy_eV and found["other"].error == "InjectedError: test"


def test_job_states_agree_with_the_stored_results(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "s.db")
    ok = relax(cu_jobs(1)[0], "emt")
    failed = dataclasses.replace(ok, atoms=None, energy_eV=None, error="InjectedError: test")
    store.write(failed)
    store.write(ok)  # supersedes the failed row of its key
    store.write(dataclasses.replace(failed, key="only-failed"))
    assert store.job_states() == {ok.key: True, "only-failed": False}
    assert store.job_states() == {r.key: store.get(r.key).ok for r in store.results()}


def test_old_rows_without_error_kind_still_load(tmp_path: Path) -> None:
    # nanocat 0.1 stored failures with the exception type only in the error text
    store = ResultStore(tmp_path / "old.db")
    ok = relax(cu_jobs(1)[0], "emt")
    legacy = ok.as_dict()
    legacy.pop("error_kind")
    legacy.update(energy_eV=None, error="CalculationFailed: SCF not converged in 250 cycles", atoms=None)
    old = JobResult.from_dict(legacy)
    assert old.error_kind == "scf"
    store.write(old)
    assert store.get(ok.key).error_kind == "scf"
    assert JobResult.from_dict({**legacy, "error": "not run: another job's SCF failed"}).error_kind == "not_run"
    assert JobResult.from_dict({**legacy, "error": "ValueError: x"}).error_kind is None


def test_successful_retry_supersedes_the_failed_row(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.db")
    job = cu_jobs(1)[0]
    ok = relax(job, "emt")
    failed = dataclasses.replace(ok, atoms=None, energy_eV=None, error="InjectedError: test")
    store.write(failed)
    assert run_jobs([job], "emt", store=store, workers=1, progress=False).failed == 1
    summary = run_jobs([job], "emt", store=store, workers=1, progress=False, retry_failed=True)
    assert summary.computed == 1 and summary.results[0].ok
    statuses = sorted(row.status for row in ase.db.connect(store.url).select(key=ok.key))
    assert statuses == ["done", "superseded"]
    assert store.get(ok.key).ok


def test_progress_bar_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_jobs(cu_jobs(2), "emt", store=tmp_path / "p.db", workers=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "relaxations" in captured.err and "2/2" in captured.err


# --- processes ----------------------------------------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import sys
    from ase.cluster import Icosahedron
    from nanocat.atoms.workflow import RelaxJob, run_jobs

    db, n, size, workers, reverse = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    jobs = []
    for i in range(n):
        atoms = Icosahedron("Cu", size)
        atoms.rattle(0.08, seed=i)
        jobs.append(RelaxJob(atoms, f"Cu{len(atoms)}", f"site{i}", "none", kind="clean", multiplicity=2,
                             optimizer="FIRE" if size > 2 else "BFGS"))
    if reverse == "1":
        jobs.reverse()
    summary = run_jobs(jobs, "emt", store=db, workers=workers, progress=False)
    print(summary.computed, summary.reused, summary.failed)
    """
)


def start_runner(
    tmp_path: Path, db: Path, n: int, size: int, workers: int = 1, reverse: bool = False
) -> subprocess.Popen:
    """Start run_jobs over n EMT Cu jobs in a separate Python process."""
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    args = [sys.executable, str(script), str(db), str(n), str(size), str(workers), "1" if reverse else "0"]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_run_resumes_without_loss_or_recomputation(tmp_path: Path) -> None:
    db_path = tmp_path / "kill.db"
    n = 12
    proc = start_runner(tmp_path, db_path, n, size=3)  # Cu55, FIRE: EMT relaxations of ~0.1-0.3 s each
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db_path.exists() and len(ResultStore(db_path)) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the runner finished before it could be killed"
    assert db_integrity(db_path) == "ok"
    n_saved = len(ResultStore(db_path))
    assert 2 <= n_saved < n
    jobs = cu_jobs(n, size=3, optimizer="FIRE")
    summary = run_jobs(jobs, "emt", store=db_path, workers=1, progress=False)
    assert (summary.reused, summary.computed, summary.failed) == (n_saved, n - n_saved, 0)
    assert len(ResultStore(db_path)) == n


def test_two_processes_share_one_database(tmp_path: Path) -> None:
    db_path = tmp_path / "shared.db"
    n = 16
    procs = [start_runner(tmp_path, db_path, n, size=2, reverse=r) for r in (False, True)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    computed = [int(out.split()[0]) for out, _ in outputs]
    assert sum(computed) >= n  # every job computed by at least one of them
    assert db_integrity(db_path) == "ok"
    db = ase.db.connect(db_path)
    keys = [row.key for row in db.select(status="done")]
    assert len(set(keys)) == n
    assert len(keys) == n  # a finished job is never written twice
    assert run_jobs(cu_jobs(n), "emt", store=db_path, workers=1, progress=False).computed == 0


def test_parallel_workers_match_serial(tmp_path: Path) -> None:
    jobs = cu_jobs(4)
    serial = run_jobs(jobs, "emt", store=tmp_path / "s.db", workers=1, progress=False)
    parallel = run_jobs(jobs, "emt", store=tmp_path / "p.db", workers=2, progress=False)
    assert parallel.computed == 4
    assert [r.key for r in parallel.results] == [r.key for r in serial.results]
    assert np.allclose([r.energy_eV for r in parallel.results], [r.energy_eV for r in serial.results], atol=1e-8)
    assert all(r.settings["omp_num_threads"] == "1" for r in parallel.results)
    assert len(ResultStore(tmp_path / "p.db")) == 4


def test_parallel_xtb_workers(tmp_path: Path) -> None:
    jobs = [RelaxJob(molecule(m), "gas", "gas", m, kind="gas", max_steps=5) for m in ("CO", "H2", "CO2")]
    summary = run_jobs(jobs, "gfn1", store=tmp_path / "x.db", workers=2, progress=False)
    assert (summary.computed, summary.failed) == (3, 0)
    assert {r.method_label for r in summary.results} == {"GFN1-xTB(Tel=300K)"}
    stored = ResultStore(tmp_path / "x.db").get(summary.results[0].key)
    assert stored.energy_eV == pytest.approx(summary.results[0].energy_eV)
    assert stored.atoms.get_forces().shape == (2, 3)


def test_policy_moves_the_whole_job_set_to_one_method(tmp_path: Path) -> None:
    broken = XTBEngine("gfn2", max_iterations=1)
    policy = EnginePolicy((broken, XTBEngine("gfn1")))
    jobs = [
        RelaxJob(molecule("CO"), "gas", "gas", "CO", kind="gas", max_steps=3),
        RelaxJob(molecule("H2"), "gas", "gas", "H2", kind="gas", max_steps=3),
    ]
    store = ResultStore(tmp_path / "policy.db")
    spec, summary = run_with_policy(jobs, policy, store=store, workers=1, progress=False)
    assert spec == XTBEngine("gfn1")
    assert {r.method_label for r in summary.results} == {"GFN1-xTB(Tel=300K)"}
    assert all(r.settings["engine"]["max_iterations"] == 250 for r in summary.results)
    assert summary.failed == 0
    # the first spec stops at its first SCF failure: one failed row recorded, the second job never run with it
    assert len(list(ase.db.connect(store.url).select(status="failed"))) == 1
    spec_again, again = run_with_policy(jobs, policy, store=store, workers=1, progress=False)
    assert spec_again == spec and again.computed == 0  # the cached failure moves straight on, nothing recomputed


def test_policy_error_when_no_spec_converges() -> None:
    from nanocat.errors import EngineError

    policy = EnginePolicy((EngineSpec("gfn2", max_iterations=1), EngineSpec("gfn1", max_iterations=1)))
    jobs = [RelaxJob(molecule("CO"), "gas", "gas", "CO", kind="gas")]
    with pytest.raises(EngineError, match="GFN2-xTB.*1 of 1.*GFN1-xTB"):
        run_with_policy(jobs, policy, workers=1, progress=False)
