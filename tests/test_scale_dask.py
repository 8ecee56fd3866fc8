"""Dask executor: same results as local processes, a killed worker loses and duplicates nothing, clear errors."""

from __future__ import annotations

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
