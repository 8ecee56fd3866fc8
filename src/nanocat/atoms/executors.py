"""Where relaxations run: local worker processes (the default) or a Dask cluster.

An executor takes JSON payloads (one per job key) and a worker function, and yields ``(key, result JSON)`` as
each job finishes; the caller (:func:`~nanocat.atoms.workflow.run_jobs`) writes each result to the store the
moment it arrives. Only strings cross to the workers: a job as JSON, its engine as an importable spec
(:class:`~nanocat.atoms.engines.EngineSpec`), never a pickled live calculator.

* :class:`LocalProcesses` — a ``concurrent.futures`` pool of spawned processes, one per run (nothing to start).
* :class:`DaskExecutor` — a ``distributed.Client`` on a running scheduler (``tcp://HOST:PORT``; SLURM/PBS
  clusters through dask-jobqueue, see docs/scale.md) or on a ``distributed.LocalCluster`` it starts
  (``"local"``) and closes. A worker that dies mid-job has its job rescheduled on another worker by the Dask
  scheduler (its ``allowed-failures`` setting); Ctrl-C cancels this run's futures and closes the client,
  leaving an external cluster running.

:func:`open_executor` turns the ``--scheduler`` option into one of them (None: local processes per run).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import uuid4

from nanocat.errors import EngineError, InputError, NanocatError

log = logging.getLogger(__name__)

#: Thread variables pinned in worker processes (tblite uses OpenMP; numpy/scipy use OpenBLAS).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: How long a client waits for a scheduler before calling it unreachable, s.
CONNECT_TIMEOUT_S = 10.0
#: Times the Dask scheduler reruns a task whose worker died before giving up on it (KilledWorker).
ALLOWED_FAILURES = 3
DASK_EXTRA_HINT = 'Dask is not installed: pip install "nanocat[dask]"'

Worker = Callable[[str], str]


class Executor(Protocol):
    """Runs worker calls on JSON payloads and yields ``(key, result)`` as each finishes."""

    def run(self, fn: Worker, payloads: dict[str, str]) -> Iterator[tuple[str, str]]:
        """Run ``fn(payload)`` for every key; yield results in completion order (close to cancel the rest)."""
        ...


def worker_init(threads: int) -> None:
    """Pin each worker's thread pools (a second guard; the environment at spawn time is the first)."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)


@contextmanager
def thread_environment(threads: int) -> Iterator[None]:
    """Set the thread variables while worker processes are spawned, so they hold from the workers' start.

    numpy's OpenBLAS reads them when numpy is imported, before any initializer runs; with two BLAS threads
    per worker on a loaded 2-core machine one 165x165 BFGS eigh took 0.19 s instead of milliseconds.
    """
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update({var: str(threads) for var in THREAD_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


class LocalProcesses:
    """Spawned worker processes on this machine (``workers`` at once, ``threads`` threads each)."""

    def __init__(self, workers: int, threads: int = 1) -> None:
        self.workers = int(workers)
        self.threads = int(threads)

    def run(self, fn: Worker, payloads: dict[str, str]) -> Iterator[tuple[str, str]]:
        """Yield ``(key, fn(payload))`` as each process finishes; closing ends running workers."""
        executor = ProcessPoolExecutor(
            max_workers=max(1, min(self.workers, len(payloads))),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker_init,
            initargs=(self.threads,),
        )
        try:
            with thread_environment(self.threads):  # workers are spawned on submit (spawn start method)
                pending: dict[Future[str], str] = {executor.submit(fn, p): k for k, p in payloads.items()}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in [f for f in pending if f in finished]:  # in submission order: reproducible errors
                    yield pending.pop(future), future.result()
        except BrokenProcessPool as exc:
            _stop(executor)
            raise EngineError(
                "a relaxation worker process died (killed, out of memory, or a script that calls run_jobs with "
                "workers > 1 without an `if __name__ == \"__main__\":` guard); finished jobs are stored, "
                "rerun to resume"
            ) from exc
        except BaseException:  # also GeneratorExit (the caller stopped early) and KeyboardInterrupt
            _stop(executor)
            raise
        executor.shutdown(wait=True)


def _stop(executor: ProcessPoolExecutor) -> None:
    """Cancel pending jobs and end running workers (finished results are already stored).

    Without terminating them the interpreter would wait at exit for the running relaxations; the
    executor has no public way to do this.
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def _distributed() -> Any:
    """The ``distributed`` module, or InputError naming the extra that installs it."""
    try:
        import distributed
    except ImportError as exc:
        raise InputError(DASK_EXTRA_HINT) from exc
    return distributed


class DaskExecutor:
    """Jobs as Dask futures on a scheduler at ``address`` (``tcp://HOST:PORT``), or on a LocalCluster (``"local"``).

    ``workers`` (local only) is the number of worker processes, one thread each. Use as a context manager:
    entering connects (or starts the local cluster), leaving closes the client and the cluster it started.
    """

    def __init__(self, address: str, workers: int | None = None, threads: int = 1) -> None:
        address = str(address).strip()
        if address != "local" and "://" not in address:
            raise InputError(f"--scheduler {address!r}: expected tcp://HOST:PORT (a running Dask scheduler) or "
                             "'local' (start a Dask LocalCluster here)")
        self.address = address
        self.workers = int(workers) if workers is not None else (os.cpu_count() or 1)
        if self.workers < 1:
            raise InputError(f"workers must be >= 1, got {self.workers}")
        self.threads = int(threads)
        self.client: Any = None
        self._cluster: Any = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"

    def __enter__(self) -> DaskExecutor:
        distributed = _distributed()
        import dask

        if not log.isEnabledFor(logging.INFO):  # Dask's own INFO lines (scheduler start, comms) unless nanocat -v
            logging.getLogger("distributed").setLevel(logging.WARNING)
        config = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                  # the nanny's default also sets MALLOC_TRIM_THRESHOLD_=65536, which made tblite's many
                  # allocations slow: one Cu13 GFN1 relaxation took 4.3-5.1 s in a worker instead of 2.5-2.9 s
                  "distributed.nanny.pre-spawn-environ": {var: str(self.threads) for var in THREAD_VARS}}
        with dask.config.set(config):
            if self.address == "local":
                with thread_environment(self.threads):  # inherited by the spawned worker processes
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                        silence_logs=logging.ERROR)  # fmt: skip
                self.client = distributed.Client(self._cluster)
            else:
                try:
                    self.client = distributed.Client(self.address, timeout=CONNECT_TIMEOUT_S)
                except (OSError, TimeoutError) as exc:
                    raise InputError(f"cannot reach the Dask scheduler at {self.address} within "
                                     f"{CONNECT_TIMEOUT_S:.0f} s ({type(exc).__name__}); start it (`dask scheduler`) "
                                     "or use --scheduler local") from None
        log.info("Dask client on %s", self.client.scheduler.address)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client, and the LocalCluster if this executor started it (an external cluster keeps running)."""
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def worker_pids(self) -> dict[str, int]:
        """Process id of every worker (address -> pid), e.g. to watch or kill one."""
        return dict(self.client.run(os.getpid))

    def run(self, fn: Worker, payloads: dict[str, str]) -> Iterator[tuple[str, str]]:
        """Submit every payload as a future; yield ``(key, result)`` as they complete; closing cancels the rest."""
        if self.client is None:
            raise RuntimeError("DaskExecutor.run outside its `with` block")
        distributed = _distributed()
        from distributed.scheduler import KilledWorker

        tag = uuid4().hex[:8]  # task keys are global on a shared scheduler: never collide with another run's
        futures = {self.client.submit(fn, payload, key=f"nanocat-relax-{key}-{tag}", pure=False): key
                   for key, payload in payloads.items()}
        try:
            for future in distributed.as_completed(futures):
                try:
                    text = future.result()
                except distributed.client.FutureCancelledError as exc:
                    raise EngineError(f"Dask cancelled job {futures[future]} (scheduler restarted?); finished "
                                      "jobs are stored, rerun to resume") from exc
                except KilledWorker:
                    raise EngineError(f"job {futures[future]}: every Dask worker that ran it died (the scheduler's "
                                      "allowed-failures; out of memory?); finished jobs are stored, rerun to resume"
                                      ) from None
                except NanocatError:
                    raise  # bad input found on the worker: the same one-line error as in a local run
                except Exception as exc:  # e.g. a worker without nanocat or the engine's package
                    raise EngineError(f"a Dask worker failed on job {futures[future]}: {type(exc).__name__}: {exc} "
                                      "(are nanocat and the engine's package installed on every worker?)") from exc
                yield futures[future], text
        finally:
            unfinished = [f for f in futures if not f.done()]
            if unfinished:
                self.client.cancel(unfinished)


@contextmanager
def open_executor(scheduler: str | None, workers: int | None = None, threads: int = 1) -> Iterator[Executor | None]:
    """The executor of a ``--scheduler`` value: None (local processes, chosen per run), ``local`` or ``tcp://...``."""
    if scheduler is None or not str(scheduler).strip():
        yield None
        return
    with DaskExecutor(str(scheduler), workers, threads) as executor:
        yield executor
