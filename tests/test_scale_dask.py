"""Dask executor: same results as local processes, a killed worker loses and duplicates nothing, clear errors."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from nanocat.atoms.engines import EngineSpec
from nanocat.atoms.screening import Screener, ScreenSettings
from nanocat.atoms.store import ResultStore
from nanocat.atoms.structures import build_cluster
from nanocat.atoms.workflow import ProgressBar, RelaxJob, run_jobs
from nanocat.cli import main

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

from nanocat.atoms.executors import DaskExecutor, open_executor  # noqa: E402 - after the importorskip


def _kill_a_busy_worker(executor: DaskExecutor, store_url: str, n_rows: int, seen: dict[str, int]) -> None:
    """Once the store holds ``n_rows`` rows, SIGKILL a Dask worker process while it is running a job."""
    store = ResultStore(store_url)
    pids = executor.worker_pids()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [address for address, tasks in executor.client.processing().items() if tasks and address in pids]
        if busy and len(store) >= n_rows:
            seen["rows_at_kill"] = len(store)
            os.kill(pids[busy[0]], signal.SIGKILL)
            seen["killed"] = pids[busy[0]]
            return
        time.sleep(0.02)


def test_dask_screen_survives_a_killed_worker_and_writes_every_job_once(tmp_path: Path) -> None:
    """A worker process SIGKILLed mid-screen: its job reruns elsewhere; every job has exactly one row.

    The results equal a local run of the same jobs, and a rerun on the same cluster reuses every one.
    """
    settings = ScreenSettings(engine=EngineSpec("toy_engines:SlowEMT", {"delay_s": 0.003}), adsorbates=("H", "CO"),
                              n_orientations=1, fmax_eV_A=0.1, workers=2)
    atoms = build_cluster("Cu13")
    db = str(tmp_path / "dask.db")
    seen: dict[str, int] = {}
    with open_executor("local", workers=2) as executor:
        assert isinstance(executor, DaskExecutor)
        assert len(executor.worker_pids()) == 2
        killer = threading.Thread(target=_kill_a_busy_worker, args=(executor, db, 10, seen))
        killer.start()
        result = Screener(settings, db, progress=False, executor=executor).screen(atoms, "Cu13")
        killer.join()
        assert not psutil.pid_exists(seen["killed"]) or psutil.Process(seen["killed"]).status() == "zombie"
        again = Screener(settings, db, progress=False, executor=executor).screen(atoms, "Cu13")
    assert executor.client is None  # the client and the cluster it started are closed
    rows = list(ResultStore(db).results())
    keys = [r.key for r in rows]
    n_jobs = 1 + 8 + sum(r.n_tried for r in result.rows)  # clean + gas references + adsorbate relaxations
    assert seen["rows_at_kill"] < n_jobs  # the kill came before the end: jobs were still running
    assert len(keys) == len(set(keys)) == n_jobs and all(r.ok for r in rows)  # every job done exactly once
    assert result.failed == 0 and result.computed == n_jobs
    assert again.computed == 0 and again.reused == n_jobs

    local = Screener(replace(settings, workers=1), str(tmp_path / "local.db"), progress=False).screen(atoms, "Cu13")
    assert {(r.site, r.species): r.dG_eV for r in result.rows} == pytest.approx(
        {(r.site, r.species): r.dG_eV for r in local.rows}, abs=1e-8)
    assert sorted(r.key for r in ResultStore(str(tmp_path / "local.db")).results()) == sorted(keys)


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import nanocat.atoms.executors as executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    code = main(["screen", "Cu4", "--engine", "emt", "--adsorbates", "H", "--scheduler", "tcp://127.0.0.1:9",
                 "--out", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err


def test_bad_scheduler_address_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu4", "--engine", "emt", "--scheduler", "127.0.0.1:8786", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "expected tcp://HOST:PORT" in err


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from nanocat.errors import InputError

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(InputError, match=r'pip install "nanocat\[dask\]"'):
        DaskExecutor("local", workers=1).__enter__()


class _InterruptAfterFirst(ProgressBar):
    """A progress bar whose second finished job is a Ctrl-C (KeyboardInterrupt in the parent, mid-run)."""

    def advance(self, failed: bool) -> None:
        super().advance(failed)
        self.finished = getattr(self, "finished", 0) + 1
        if self.finished == 2:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_external_scheduler_runs_a_screen_and_survives_ctrl_c(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`--scheduler tcp://...` uses a running cluster; Ctrl-C cancels this run's jobs and leaves the cluster up."""
    slow = EngineSpec("toy_engines:SlowEMT", {"delay_s": 0.003})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert main(["screen", "Cu4", "--engine", "emt", "--adsorbates", "H", "--sites", "top", "--scheduler",
                     address, "--out", str(tmp_path / "o"), "--no-progress", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["failed"] == 0
        jobs = []
        for i in range(6):
            atoms = build_cluster("Cu13")
            atoms.rattle(0.05, seed=i)
            jobs.append(RelaxJob(atoms, "Cu13", f"r{i}", "", kind="clean", multiplicity=2, fmax_eV_A=0.01))
        with DaskExecutor(address) as executor:
            with pytest.raises(KeyboardInterrupt):
                run_jobs(jobs, slow, store=tmp_path / "i.db", progress=_InterruptAfterFirst(False), executor=executor)
            client = executor.client
            deadline = time.monotonic() + 30
            while any(client.processing().values()) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not any(client.processing().values())  # this run's jobs were cancelled
        assert executor.client is None
        with distributed.Client(address) as client:  # the external cluster is still up, with its workers
            assert len(client.scheduler_info()["workers"]) == 2
        stored = len(ResultStore(str(tmp_path / "i.db")))
        assert 2 <= stored < len(jobs)
        resumed = run_jobs(jobs, slow, store=tmp_path / "i.db", progress=False, workers=1)
        assert resumed.reused == stored and resumed.computed == len(jobs) - stored


def test_slurm_cluster_configuration_of_docs_scale_md() -> None:
    """The SLURMCluster of docs/scale.md, constructed (not submitted): its batch script runs one-thread workers."""
    jobqueue = pytest.importorskip("dask_jobqueue")
    cluster = jobqueue.SLURMCluster(
        queue="compute", account="chem123", cores=16, processes=16, memory="64GB", walltime="04:00:00",
        python="python",
        job_script_prologue=["source $HOME/venvs/nanocat/bin/activate",
                             "export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1"],
        job_extra_directives=["--exclusive"], scheduler_options={"dashboard_address": None},
    )
    try:
        script = cluster.job_script()
        assert cluster.scheduler_address.startswith("tcp://") and len(cluster.workers) == 0  # nothing submitted
        for line in ("#SBATCH -p compute", "#SBATCH -A chem123", "#SBATCH --cpus-per-task=16", "#SBATCH -t 04:00:00",
                     "#SBATCH --exclusive", "source $HOME/venvs/nanocat/bin/activate", "export OMP_NUM_THREADS=1"):
            assert line in script
        worker = script.strip().splitlines()[-1]
        assert worker.startswith("python -m distributed.cli.dask_worker " + cluster.scheduler_address)
        assert "--nthreads 1" in worker and "--nworkers 16" in worker
    finally:
        cluster.close()
