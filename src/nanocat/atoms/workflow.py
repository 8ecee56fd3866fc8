"""Cached, resumable, parallel relaxations: RelaxJob -> relax -> JobResult, written to an ase.db at once.

Algorithm of :func:`run_jobs`:

1. Every job gets a key: a hash of its structure, labels, charge, multiplicity, engine spec (all SCF
   settings) and relaxation settings (:meth:`RelaxJob.key`).
2. Keys already finished in the store are reused, not recomputed. Keys stored as *failed* are reused too
   (an SCF that failed with fixed settings fails again) unless ``retry_failed=True``.
3. The rest run in worker processes (``concurrent.futures``, spawn start method, tblite single-threaded in
   each worker). Jobs and results cross the process boundary as JSON strings, never pickled objects.
4. The parent writes each result to the store the moment it arrives, so a killed run loses only the jobs
   that were running; rerunning the same call resumes where it stopped.

:func:`run_with_policy` applies an :class:`~nanocat.atoms.engines.EnginePolicy` to a whole job set: if the
SCF of one spec fails on any job (also mid-relaxation), the *whole set* moves to the next spec, so every
energy of one free-energy diagram comes from one method (DESIGN.md section 5); earlier attempts stay cached.

Relaxations use ASE's BFGS by default (FIRE and LBFGS on request); atoms farther than ``fix_radius_A``
from the site centre are held fixed with ``ase.constraints.FixAtoms``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
import copy
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from ase import Atoms
from ase.calculators.calculator import CalculationFailed

from nanocat.atoms.engines import EnginePolicy, EngineSpec, as_spec, check_system, engine_settings, get_calculator
from nanocat.atoms.store import JobResult, ResultStore, atoms_from_json, atoms_to_json
from nanocat.atoms.structures import structure_hash
from nanocat.errors import EngineError, InputError, NanocatError

__all__ = [
    "JobResult",
    "RelaxJob",
    "ResultStore",
    "RunSummary",
    "relax",
    "run_jobs",
    "run_with_policy",
    "structure_hash",
]

log = logging.getLogger(__name__)

JobKind = Literal["clean", "adsorbate", "gas"]
OptimizerName = Literal["BFGS", "FIRE", "LBFGS"]
_KINDS = ("clean", "adsorbate", "gas")
_OPTIMIZERS = ("BFGS", "FIRE", "LBFGS")
#: Thread variables pinned to 1 in worker processes (tblite uses OpenMP; numpy/scipy use OpenBLAS).
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class RelaxJob:
    """One relaxation to run: a structure, its labels, charge (e), multiplicity and relaxation settings.

    ``fmax_eV_A`` is the force criterion (eV/Å); ``max_steps`` the optimizer step limit (0 gives a single
    point). With ``fix_radius_A`` (Å), atoms farther than that from the centre (atom ``fix_center_index``
    or the point ``fix_center``, Å) stay fixed.
    """

    atoms: Atoms = field(compare=False)
    system: str
    site: str
    adsorbate: str
    orientation: int = 0
    kind: JobKind = "adsorbate"
    charge: int = 0
    multiplicity: int = 1
    fmax_eV_A: float = 0.05
    max_steps: int = 200
    fix_radius_A: float | None = None
    fix_center_index: int | None = None
    fix_center: tuple[float, float, float] | None = None
    optimizer: OptimizerName = "BFGS"

    def __post_init__(self) -> None:
        if not isinstance(self.atoms, Atoms):
            raise InputError(f"RelaxJob.atoms must be an ase.Atoms, got {type(self.atoms).__name__}")
        object.__setattr__(self, "atoms", self.atoms.copy())  # never share the caller's object
        if self.kind not in _KINDS:
            raise InputError(f"RelaxJob.kind must be one of {', '.join(_KINDS)}, got {self.kind!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise InputError(f"RelaxJob.optimizer must be one of {', '.join(_OPTIMIZERS)}, got {self.optimizer!r}")
        if not self.fmax_eV_A > 0:
            raise InputError(f"RelaxJob.fmax_eV_A must be > 0 eV/Å, got {self.fmax_eV_A}")
        if int(self.max_steps) < 0:
            raise InputError(f"RelaxJob.max_steps must be >= 0, got {self.max_steps}")
        if self.fix_center is not None:
            object.__setattr__(self, "fix_center", tuple(float(x) for x in self.fix_center))
        if self.fix_radius_A is not None:
            if not self.fix_radius_A > 0:
                raise InputError(f"RelaxJob.fix_radius_A must be > 0 Å, got {self.fix_radius_A}")
            if (self.fix_center_index is None) == (self.fix_center is None):
                raise InputError("RelaxJob with fix_radius_A needs exactly one of fix_center_index or fix_center")
        if self.fix_center_index is not None and not 0 <= self.fix_center_index < len(self.atoms):
            raise InputError(f"RelaxJob.fix_center_index {self.fix_center_index} is outside 0..{len(self.atoms) - 1}")

    def fixed_indices(self) -> list[int]:
        """Indices of atoms held fixed by ``fix_radius_A`` (empty without it)."""
        if self.fix_radius_A is None:
            return []
        center = (
            self.atoms.positions[self.fix_center_index]
            if self.fix_center_index is not None
            else np.asarray(self.fix_center, dtype=float)
        )
        distances = np.linalg.norm(self.atoms.positions - center, axis=1)
        return [int(i) for i in np.flatnonzero(distances > self.fix_radius_A)]

    def relax_settings(self) -> dict[str, Any]:
        """The relaxation settings that enter the cache key (fmax in eV/Å, radius in Å)."""
        return {
            "optimizer": self.optimizer,
            "fmax_eV_A": float(self.fmax_eV_A),
            "max_steps": int(self.max_steps),
            "fix_radius_A": self.fix_radius_A,
            "fix_center_index": self.fix_center_index,
            "fix_center": None if self.fix_center is None else list(self.fix_center),
        }

    def key(self, spec: EngineSpec | str) -> str:
        """Cache key: hash of structure, labels, charge, multiplicity, engine spec and relaxation settings."""
        document = {
            "structure": structure_hash(self.atoms, decimals=5),  # job keys: finer than the system label
            "system": self.system,
            "site": self.site,
            "adsorbate": self.adsorbate,
            "orientation": int(self.orientation),
            "kind": self.kind,
            "charge": int(self.charge),
            "multiplicity": int(self.multiplicity),
            "engine": as_spec(spec).as_dict(),
            "relax": self.relax_settings(),
        }
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32]

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the structure as an ase.io.jsonio string)."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "atoms"}
        out["atoms"] = atoms_to_json(self.atoms)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RelaxJob:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        return cls(atoms=atoms_from_json(data.pop("atoms")), **data)


def _optimizer(name: str) -> Callable[..., Any]:
    """The ASE optimizer class of that name."""
    from ase.optimize import BFGS, FIRE, LBFGS

    return {"BFGS": BFGS, "FIRE": FIRE, "LBFGS": LBFGS}[name]


def relax(job: RelaxJob, spec: EngineSpec | str) -> JobResult:
    """Relax one job with one engine spec; SCF failures and bad input become a failed JobResult."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.constraints import FixAtoms

    spec = as_spec(spec)
    key = job.key(spec)
    settings = {**engine_settings(spec, job.charge, job.multiplicity), "relax": job.relax_settings()}
    atoms = job.atoms.copy()
    fixed = job.fixed_indices()
    if fixed:
        atoms.set_constraint([*atoms.constraints, FixAtoms(indices=fixed)])
    settings["n_fixed"] = len(fixed)
    atoms.info["nanocat_relax"] = {"key": key, "method_label": spec.label, "system": job.system, "site": job.site}
    labels = dict(system=job.system, site=job.site, adsorbate=job.adsorbate, orientation=int(job.orientation))
    optimizer = None
    try:
        check_system(atoms, spec, job.charge, job.multiplicity)
        atoms.calc = get_calculator(spec, job.charge, job.multiplicity)
        optimizer = _optimizer(job.optimizer)(atoms, logfile=None)
        converged = bool(optimizer.run(fmax=job.fmax_eV_A, steps=int(job.max_steps)))
        energy = float(atoms.get_potential_energy())
        forces = atoms.get_forces()  # constrained: fixed atoms read zero
    except (CalculationFailed, NanocatError) as exc:
        n_steps = int(optimizer.nsteps) if optimizer is not None else 0
        log.warning("%s %s/%s failed after %d steps: %s", spec.label, job.system, job.site, n_steps, exc)
        atoms.calc = None
        return JobResult(
            key, **labels, kind=job.kind, energy_eV=None, method_label=spec.label, settings=settings,
            converged=False, n_steps=n_steps, error=f"{type(exc).__name__}: {exc}", atoms=atoms,
        )  # fmt: skip
    settings["final_fmax_eV_A"] = float(np.linalg.norm(forces, axis=1).max())
    # keep numbers, drop the live engine (tblite holds C handles that cannot be copied or sent)
    atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)
    return JobResult(
        key, **labels, kind=job.kind, energy_eV=energy, method_label=spec.label, settings=settings,
        converged=converged, n_steps=int(optimizer.nsteps), error=None, atoms=atoms,
    )  # fmt: skip


def _worker_init(threads: int) -> None:
    """Pin each worker's thread pools (a second guard; the environment at spawn time is the first)."""
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)


@contextmanager
def _thread_environment(threads: int) -> Iterator[None]:
    """Set the thread variables while worker processes are spawned, so they hold from the workers' start.

    numpy's OpenBLAS reads them when numpy is imported, before any initializer runs; with two BLAS threads
    per worker on a loaded 2-core machine one 165x165 BFGS eigh took 0.19 s instead of milliseconds.
    """
    saved = {var: os.environ.get(var) for var in _THREAD_VARS}
    os.environ.update({var: str(threads) for var in _THREAD_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _relax_payload(payload: str) -> str:
    """Worker entry point: JSON job + spec in, JSON result out (no pickled objects cross processes)."""
    document = json.loads(payload)
    result = relax(RelaxJob.from_dict(document["job"]), EngineSpec.from_dict(document["spec"]))
    return json.dumps(result.as_dict())


@dataclass(frozen=True)
class RunSummary:
    """What a :func:`run_jobs` call did: results in job order and how many were computed/reused/failed."""

    results: tuple[JobResult, ...]
    computed: int
    reused: int
    failed: int

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "results": [r.as_dict() for r in self.results],
            "computed": self.computed,
            "reused": self.reused,
            "failed": self.failed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        """Inverse of :meth:`as_dict`."""
        results = tuple(JobResult.from_dict(r) for r in data["results"])
        return cls(results, int(data["computed"]), int(data["reused"]), int(data["failed"]))


class _Progress:
    """A rich progress bar on stderr counting done / reused / failed (a no-op when disabled)."""

    def __init__(self, enabled: bool, total: int, reused: int, failed: int) -> None:
        self.counts = {"reused": reused, "failed": failed}
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("relaxations"), BarColumn(), MofNCompleteColumn(),
                TextColumn("reused {task.fields[reused]}  failed {task.fields[failed]}"), TimeElapsedColumn(),
                console=Console(stderr=True),
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("relax", total=total, completed=reused, **self.counts)

    def advance(self, failed: bool) -> None:
        """Count one finished job."""
        self.counts["failed"] += int(failed)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, **self.counts)

    def close(self) -> None:
        """Stop drawing."""
        if self._bar is not None:
            self._bar.stop()


def run_jobs(
    jobs: Sequence[RelaxJob],
    spec: EngineSpec | str,
    store: ResultStore | str | Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    retry_failed: bool = False,
    threads_per_worker: int = 1,
    stop_on_scf_failure: bool = False,
) -> RunSummary:
    """Relax every job with one engine spec, reusing and filling the store; results in job order.

    With ``stop_on_scf_failure`` the run ends at the first SCF failure (a policy will move the whole set to its
    next engine anyway); jobs not run then come back as failed results saying so, and are not stored.

    ``workers`` processes run at once (default ``os.cpu_count()``; 1 runs in this process with its own
    thread settings). ``store`` is a :class:`ResultStore`, a database path/URL, or None (no cache).
    ``retry_failed`` recomputes jobs whose stored result is a failure.
    """
    spec = as_spec(spec)
    if isinstance(store, str | Path):
        store = ResultStore(store)
    workers = int(workers) if workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}")
    keys = [job.key(spec) for job in jobs]
    done: dict[str, JobResult] = {}
    todo: dict[str, RelaxJob] = {}
    for key, job in zip(keys, jobs, strict=True):
        if key in done or key in todo:
            continue
        cached = store.get(key) if store is not None else None
        if cached is not None and (cached.ok or not retry_failed):
            done[key] = replace(cached, reused=True)
        else:
            todo[key] = job
    n_cached_failed = sum(1 for r in done.values() if not r.ok)
    bar = _Progress(progress, total=len(done) + len(todo), reused=len(done), failed=n_cached_failed)

    def finish(result: JobResult) -> None:
        if store is not None:
            store.write(result)
        done[result.key] = result
        bar.advance(failed=not result.ok)
        if stop_on_scf_failure and _scf_failed(result):
            raise _SCFStop(result.error)

    cached_scf = [r.error for r in done.values() if _scf_failed(r)]
    try:
        if stop_on_scf_failure and cached_scf:
            raise _SCFStop(cached_scf[0])
        if workers == 1 or len(todo) <= 1:
            for job in todo.values():
                finish(relax(job, spec))
        else:
            _run_parallel(todo, spec, min(workers, len(todo)), threads_per_worker, finish)
    except _SCFStop as stop:
        log.warning("%s: SCF failed (%s); the remaining %d jobs were not run", spec.label, stop,
                    len([k for k in todo if k not in done]))
        for key, job in todo.items():
            if key not in done:
                done[key] = JobResult(key, job.system, job.site, job.adsorbate, int(job.orientation), job.kind, None,
                                      spec.label, error=f"not run: another job's SCF failed with {spec.label}")
    finally:
        bar.close()
    computed = {k for k in todo if done[k].settings or done[k].atoms is not None}
    results, seen = [], set()
    for key in keys:
        result = done[key]
        if key in seen or key not in computed:
            result = replace(result, reused=True)
        seen.add(key)
        results.append(result)
    n_reused = sum(1 for r in results if r.reused)
    n_failed = sum(1 for r in results if not r.ok)
    log.info("run_jobs: %d computed, %d reused, %d failed (%s)", len(computed), n_reused, n_failed, spec.label)
    return RunSummary(tuple(results), computed=len(computed), reused=n_reused, failed=n_failed)


def _run_parallel(
    todo: dict[str, RelaxJob],
    spec: EngineSpec,
    workers: int,
    threads: int,
    finish: Callable[[JobResult], None],
) -> None:
    """Run jobs in spawned worker processes; ``finish`` is called in this process as each one ends."""
    import multiprocessing

    spec_dict = spec.as_dict()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(int(threads),),
    )
    try:
        with _thread_environment(threads):  # workers are spawned on submit (spawn start method)
            pending: set[Future[str]] = {
                executor.submit(_relax_payload, json.dumps({"job": job.as_dict(), "spec": spec_dict}))
                for job in todo.values()
            }
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                finish(JobResult.from_dict(json.loads(future.result())))
    except BrokenProcessPool as exc:
        _stop(executor)
        raise EngineError(
            "a relaxation worker process died (killed, out of memory, or a script that calls run_jobs with "
            "workers > 1 without an `if __name__ == \"__main__\":` guard); finished jobs are stored, "
            "rerun to resume"
        ) from exc
    except BaseException:
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


class _SCFStop(Exception):
    """Raised inside a run to stop it at the first SCF failure (``stop_on_scf_failure``)."""


def _scf_failed(result: JobResult) -> bool:
    """True when a job failed because an SCF did not converge (a reason to try the next engine)."""
    return result.error is not None and result.error.startswith(CalculationFailed.__name__)


def run_with_policy(
    jobs: Sequence[RelaxJob],
    policy: EnginePolicy | str,
    store: ResultStore | str | Path | None = None,
    **run_options: Any,
) -> tuple[EngineSpec, RunSummary]:
    """Relax all jobs with the first spec of ``policy`` whose SCF converges on every one of them.

    Returns that spec and its run. Jobs failing for other reasons (bad input) do not trigger a fallback. Every
    spec but the last stops at its first SCF failure, so a failing engine costs one failed job, not the set.
    The last spec keeps whatever converged (its failures are counted in the summary); EngineError, naming
    every spec tried and how many jobs its SCF failed on, only when it converged on none.
    ``run_options`` go to :func:`run_jobs` (``workers``, ``progress``, ``retry_failed``, ...).
    """
    if isinstance(policy, str):
        policy = EnginePolicy.from_name(policy)
    if isinstance(store, str | Path):
        store = ResultStore(store)
    tried = []
    for n, spec in enumerate(policy.specs):
        last = n == len(policy.specs) - 1
        summary = run_jobs(jobs, spec, store=store, stop_on_scf_failure=not last, **run_options)
        n_scf = sum(1 for r in summary.results if _scf_failed(r))
        if n_scf == 0 and not any(r.error and r.error.startswith("not run") for r in summary.results):
            return spec, summary
        if last and n_scf < len(jobs):
            # no engine left to move to: keep what converged, the failures are counted and stored with their error
            log.warning("%s: SCF failed on %d of %d jobs and no engine is left; those jobs count as failed",
                        spec.label, n_scf, len(jobs))
            return spec, summary
        tried.append(f"{spec.label}: SCF failed on {n_scf} of {len(jobs)} jobs"
                     + ("" if last else " (stopped at the first failure)"))
        log.warning("%s; moving the whole job set to the next engine of the policy", tried[-1])
    raise EngineError("no engine of the policy converged on every job; " + "; ".join(tried))
