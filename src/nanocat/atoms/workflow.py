"""Cached, resumable, parallel relaxations: RelaxJob -> relax -> JobResult, written to an ase.db at once.

Algorithm of :func:`run_jobs`:

1. Every job gets a key: a hash of its structure, labels, charge, multiplicity, engine settings
   (:meth:`Engine.settings`, e.g. every SCF setting) and relaxation settings (:meth:`RelaxJob.key`).
2. Keys already finished in the store are reused, not recomputed. Keys stored as *failed* are reused too
   (an SCF that failed with fixed settings fails again) unless ``retry_failed=True``.
3. Every system is checked by the engine and one calculator built before any work (bad input stops the
   run at once). The rest run on an executor (:mod:`nanocat.atoms.executors`: local worker processes by
   default, or a Dask cluster), whose workers rebuild the engine from its importable spec (:meth:`Engine.spec`);
   jobs, specs and results cross the process boundary as JSON strings, never pickled objects.
4. The parent writes each result to the store the moment it arrives, so a killed run loses only the jobs
   that were running; rerunning the same call resumes where it stopped. A job an executor delivers twice (a
   Dask worker died after finishing it and the job was rerun elsewhere) is written once.

:func:`run_with_policy` applies an :class:`~nanocat.atoms.engines.EnginePolicy` to a whole job set: if the
SCF of one engine fails on any job (also mid-relaxation), the *whole set* moves to the next engine, so every
energy of one free-energy diagram comes from one method (DESIGN.md section 5); earlier attempts stay cached.
It is the only place a fallback happens. SCF failure is recognised by exception type
(``CalculationFailed``/``SCFError``) and recorded as ``JobResult.error_kind == "scf"``.

Relaxations use ASE's BFGS by default (FIRE and LBFGS on request); atoms farther than ``fix_radius_A``
from the site centre are held fixed with ``ase.constraints.FixAtoms``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import copy
import os
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from ase import Atoms
from ase.calculators.calculator import CalculationFailed
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixAtoms
from ase.optimize import BFGS, FIRE, LBFGS

from nanocat.atoms.engines import (
    Engine,
    EnginePolicy,
    EngineSpec,
    calculation_errors,
    checked_energy,
    engine_settings,
    resolve_engine,
)
from nanocat.atoms.executors import Executor, LocalProcesses
from nanocat.atoms.store import JobResult, ResultStore, atoms_from_json, atoms_to_json
from nanocat.atoms.structures import structure_hash
from nanocat.errors import EngineError, InputError

__all__ = [
    "JobResult",
    "ProgressBar",
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


@dataclass(frozen=True)
class RelaxJob:
    """One relaxation to run: a structure, its labels, charge (e), multiplicity and relaxation settings.

    ``fmax_eV_A`` is the force criterion (eV/Å); ``max_steps`` the optimizer step limit (0 gives a single
    point). With ``fix_radius_A`` (Å), atoms farther than that from the centre (atom ``fix_center_index``
    or the point ``fix_center``, Å) stay fixed. ``host`` (the name of the screened host) and
    ``adsorbate_indices`` (the adsorbate's atoms in ``atoms``) are labels the job carries for whoever reads
    its result; they do not enter the key.
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
    host: str = ""
    adsorbate_indices: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "adsorbate_indices", tuple(int(i) for i in self.adsorbate_indices))
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
        if any(not 0 <= i < len(self.atoms) for i in self.adsorbate_indices):
            raise InputError(f"RelaxJob.adsorbate_indices {list(self.adsorbate_indices)} reach outside the structure")

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

    def key(self, engine: Engine | Any) -> str:
        """Cache key: hash of structure, labels, charge, multiplicity, engine settings and relaxation settings."""
        document = {
            "structure": structure_hash(self.atoms, decimals=5),  # job keys: finer than the system label
            "system": self.system,
            "site": self.site,
            "adsorbate": self.adsorbate,
            "orientation": int(self.orientation),
            "kind": self.kind,
            "charge": int(self.charge),
            "multiplicity": int(self.multiplicity),
            "engine": resolve_engine(engine).settings(),
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
    return {"BFGS": BFGS, "FIRE": FIRE, "LBFGS": LBFGS}[name]


def relax(job: RelaxJob, engine: Engine | Any) -> JobResult:
    """Relax one job with one engine; a failed calculation (SCF) becomes a failed JobResult.

    ``CalculationFailed``/``SCFError`` give ``error_kind="scf"`` (the fallback policy's signal). A system the
    engine cannot treat raises EngineError/InputError before any step; any other calculator exception raises
    EngineError (see :func:`~nanocat.atoms.engines.calculation_errors`): nothing is stored for it.
    """
    engine = resolve_engine(engine)
    key = job.key(engine)
    settings = {**engine_settings(engine, job.charge, job.multiplicity), "relax": job.relax_settings()}
    atoms = job.atoms.copy()
    fixed = job.fixed_indices()
    if fixed:
        atoms.set_constraint([*atoms.constraints, FixAtoms(indices=fixed)])
    settings["n_fixed"] = len(fixed)
    label = engine.label
    atoms.info["nanocat_relax"] = {"key": key, "method_label": label, "system": job.system, "site": job.site}
    labels = dict(system=job.system, site=job.site, adsorbate=job.adsorbate, orientation=int(job.orientation))
    what = f"{job.kind} job {job.system}/{job.site}/{job.adsorbate or '-'} ({atoms.get_chemical_formula()})"
    engine.check_system(atoms, job.charge, job.multiplicity)
    atoms.calc = engine.calculator(job.charge, job.multiplicity)
    optimizer, forces = None, None
    try:
        with calculation_errors(engine, what):
            if int(job.max_steps) == 0:  # a single point: the energy alone (DFT forces would double its cost)
                converged = True
            else:
                optimizer = _optimizer(job.optimizer)(atoms, logfile=None)
                converged = bool(optimizer.run(fmax=job.fmax_eV_A, steps=int(job.max_steps)))
            energy = checked_energy(engine, atoms.get_potential_energy(), what)
            if int(job.max_steps) > 0:
                forces = atoms.get_forces()  # constrained: fixed atoms read zero
    except CalculationFailed as exc:  # SCFError is a subclass; tblite raises CalculationFailed
        n_steps = int(optimizer.nsteps) if optimizer is not None else 0
        log.warning("%s %s/%s failed after %d steps: %s", label, job.system, job.site, n_steps, exc)
        atoms.calc = None
        return JobResult(
            key, **labels, kind=job.kind, energy_eV=None, method_label=label, settings=settings,
            converged=False, n_steps=n_steps, error=f"{type(exc).__name__}: {exc}", error_kind="scf", atoms=atoms,
        )  # fmt: skip
    settings["final_fmax_eV_A"] = None if forces is None else float(np.linalg.norm(forces, axis=1).max())
    # keep numbers, drop the live engine (tblite holds C handles that cannot be copied or sent)
    atoms.calc = SinglePointCalculator(atoms, energy=energy, **({} if forces is None else {"forces": forces}))
    return JobResult(
        key, **labels, kind=job.kind, energy_eV=energy, method_label=label, settings=settings,
        converged=converged, n_steps=0 if optimizer is None else int(optimizer.nsteps), error=None, atoms=atoms,
    )  # fmt: skip


@lru_cache(maxsize=4)
def _worker_engine(spec_json: str) -> Engine:
    """The engine of a spec, built once per worker process (a plugin may load a model when built)."""
    return EngineSpec.from_dict(json.loads(spec_json)).build()


def _relax_payload(payload: str) -> str:
    """Worker entry point: JSON job + engine spec in, JSON result out (no pickled objects cross processes)."""
    document = json.loads(payload)
    engine = _worker_engine(json.dumps(document["engine"], sort_keys=True))
    return json.dumps(relax(RelaxJob.from_dict(document["job"]), engine).as_dict())


@dataclass(frozen=True)
class RunSummary:
    """What a :func:`run_jobs` call did: results in job order and how many were computed/reused/failed/pending.

    ``pending`` counts jobs an engine that does not compute (``external``) has no imported result for yet;
    they are not failures (``failed`` excludes them) and their results carry ``error_kind == "pending"``.
    """

    results: tuple[JobResult, ...]
    computed: int
    reused: int
    failed: int
    notes: tuple[str, ...] = ()
    pending: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {
            "results": [r.as_dict() for r in self.results],
            "computed": self.computed,
            "reused": self.reused,
            "failed": self.failed,
            "notes": list(self.notes),
            "pending": self.pending,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        """Inverse of :meth:`as_dict`."""
        results = tuple(JobResult.from_dict(r) for r in data["results"])
        return cls(results, int(data["computed"]), int(data["reused"]), int(data["failed"]),
                   tuple(data.get("notes", ())), int(data.get("pending", 0)))


class ProgressBar:
    """One rich progress bar on stderr counting done / reused / failed, shared by several runs (no-op when disabled).

    :func:`run_jobs` adds its jobs to a bar it is given (``progress=bar``) and leaves it open, so a screen of many
    clusters, in several phases, shows one bar; use it as a context manager to close it.
    """

    def __init__(self, enabled: bool = True, label: str = "relaxations") -> None:
        self.counts = {"reused": 0, "failed": 0}
        self._bar: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn(label), BarColumn(), MofNCompleteColumn(),
                TextColumn("reused {task.fields[reused]}  failed {task.fields[failed]}"), TimeElapsedColumn(),
                console=Console(stderr=True),
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task(label, total=0, completed=0, **self.counts)

    def add(self, total: int, reused: int = 0, failed: int = 0) -> None:
        """Add ``total`` jobs, of which ``reused`` come from the store already finished (``failed`` of them failed)."""
        self.counts["reused"] += int(reused)
        self.counts["failed"] += int(failed)
        if self._bar is not None:
            task = self._bar.tasks[0]
            self._bar.update(self._task, total=(task.total or 0) + int(total), advance=int(reused), **self.counts)

    def advance(self, failed: bool) -> None:
        """Count one finished job."""
        self.counts["failed"] += int(failed)
        if self._bar is not None:
            self._bar.update(self._task, advance=1, **self.counts)

    def close(self) -> None:
        """Stop drawing."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _precheck(jobs: Sequence[RelaxJob], engine: Engine) -> None:
    """Check every system and build one calculator before any work, so bad input stops the run at once."""
    seen: set[tuple[int, int]] = set()
    for job in jobs:
        engine.check_system(job.atoms, job.charge, job.multiplicity)
        seen.add((int(job.charge), int(job.multiplicity)))
    for charge, multiplicity in sorted(seen):  # a factory that raises says so before the first job
        engine.calculator(charge, multiplicity)


def run_jobs(
    jobs: Sequence[RelaxJob],
    engine: Engine | Any,
    store: ResultStore | str | Path | None = None,
    workers: int | None = None,
    progress: bool | ProgressBar = True,
    retry_failed: bool = False,
    threads_per_worker: int = 1,
    stop_on_scf_failure: bool = False,
    executor: Executor | None = None,
) -> RunSummary:
    """Relax every job with one engine, reusing and filling the store; results in job order.

    With ``stop_on_scf_failure`` the run ends at the first SCF failure (a policy will move the whole set to its
    next engine anyway); jobs not run then come back as failed results with ``error_kind="not_run"``, and are
    not stored.

    ``workers`` processes run at once (default ``os.cpu_count()``; 1 runs in this process with its own
    thread settings). Workers rebuild the engine from :meth:`Engine.spec`; an engine without one (a calculator
    instance) runs in this process, with a warning and a note in the summary. ``store`` is a
    :class:`ResultStore`, a database path/URL, or None (no cache). ``retry_failed`` recomputes jobs whose
    stored result is a failure. Bad input (an element or charge the engine cannot treat, a factory that
    raises, a calculator that returns no energy) raises EngineError/InputError; results stored before stay.

    ``executor`` runs the jobs elsewhere (a :class:`~nanocat.atoms.executors.DaskExecutor`; ``workers`` is then
    the cluster's business); None runs them in ``workers`` local processes. Each result is written once, by this
    process, as it arrives. ``progress`` is a flag or a :class:`ProgressBar` shared with other runs.
    """
    engine = resolve_engine(engine)
    if isinstance(store, str | Path):
        store = ResultStore(store)
    workers = int(workers) if workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"workers must be >= 1, got {workers}")
    keys = [job.key(engine) for job in jobs]
    done: dict[str, JobResult] = {}
    todo: dict[str, RelaxJob] = {}
    stored = store.get_many(keys) if store is not None else {}
    for key, job in zip(keys, jobs, strict=True):
        if key in done or key in todo:
            continue
        cached = stored.get(key)
        if cached is not None and (cached.ok or not retry_failed):
            done[key] = replace(cached, reused=True)
        else:
            todo[key] = job
    notes: list[str] = []
    if not engine.computes:  # results only come from `nanocat import`: missing jobs wait, nothing runs or is stored
        for job in todo.values():
            engine.check_system(job.atoms, job.charge, job.multiplicity)
        done.update({key: _pending_result(key, job, engine) for key, job in todo.items()})
        todo = {}
    if todo:
        _precheck(list(todo.values()), engine)
    spec = engine.spec()
    if spec is None and (workers > 1 or executor is not None) and len(todo) > 1:
        note = (f"engine {engine.label!r} cannot be rebuilt in another process (a calculator instance or a local "
                "factory): its relaxations ran one at a time in this process; give an importable factory "
                "(module:callable) to run them in parallel")
        log.warning(note)
        notes.append(note)
        workers, executor = 1, None
    n_cached_failed = sum(1 for r in done.values() if not r.ok and r.error_kind != "pending")
    own_bar = not isinstance(progress, ProgressBar)
    bar = ProgressBar(bool(progress)) if own_bar else progress
    bar.add(len(done) + len(todo), reused=len(done), failed=n_cached_failed)

    def finish(result: JobResult) -> None:
        if result.key in done:  # a job an executor ran twice (a worker died after finishing it): written once
            return
        if store is not None:
            store.write(result)
        done[result.key] = result
        bar.advance(failed=not result.ok)
        if stop_on_scf_failure and result.error_kind == "scf":
            raise _SCFStop(result.error)

    cached_scf = [r.error for r in done.values() if r.error_kind == "scf"]
    try:
        if stop_on_scf_failure and cached_scf:
            raise _SCFStop(cached_scf[0])
        if executor is None and (workers == 1 or len(todo) <= 1):
            for job in todo.values():
                finish(relax(job, engine))
        elif todo:
            runner = executor or LocalProcesses(min(workers, len(todo)), threads_per_worker)
            spec_dict = spec.as_dict()
            payloads = {key: json.dumps({"job": job.as_dict(), "engine": spec_dict}) for key, job in todo.items()}
            with closing(runner.run(_relax_payload, payloads)) as stream:
                for _, text in stream:
                    finish(JobResult.from_dict(json.loads(text)))
    except _SCFStop as stop:
        log.warning("%s: SCF failed (%s); the remaining %d jobs were not run", engine.label, stop,
                    len([k for k in todo if k not in done]))
        for key, job in todo.items():
            if key not in done:
                done[key] = JobResult(key, job.system, job.site, job.adsorbate, int(job.orientation), job.kind, None,
                                      engine.label, error=f"not run: another job's SCF failed with {engine.label}",
                                      error_kind="not_run")
    finally:
        if own_bar:
            bar.close()
    computed = {k for k in todo if done[k].error_kind != "not_run"}
    results, seen = [], set()
    for key in keys:
        result = done[key]
        if key in seen or key not in computed:
            result = replace(result, reused=result.error_kind not in ("not_run", "pending"))
        seen.add(key)
        results.append(result)
    n_reused = sum(1 for r in results if r.reused)
    n_pending = sum(1 for r in results if r.error_kind == "pending")
    n_failed = sum(1 for r in results if not r.ok) - n_pending
    log.info("run_jobs: %d computed, %d reused, %d failed, %d pending (%s)", len(computed), n_reused, n_failed,
             n_pending, engine.label)
    return RunSummary(tuple(results), computed=len(computed), reused=n_reused, failed=n_failed, notes=tuple(notes),
                      pending=n_pending)


def _pending_result(key: str, job: RelaxJob, engine: Engine) -> JobResult:
    """The placeholder of a job an engine that does not compute has no result for yet (not stored, not failed)."""
    return JobResult(key, job.system, job.site, job.adsorbate, int(job.orientation), job.kind, None, engine.label,
                     error=f"pending: no result imported yet for this {job.kind} job ({engine.label})",
                     error_kind="pending")


class _SCFStop(Exception):
    """Raised inside a run to stop it at the first SCF failure (``stop_on_scf_failure``)."""


def run_with_policy(
    jobs: Sequence[RelaxJob],
    policy: EnginePolicy | Any,
    store: ResultStore | str | Path | None = None,
    **run_options: Any,
) -> tuple[Engine, RunSummary]:
    """Relax all jobs with the first engine of ``policy`` whose SCF converges on every one of them.

    This is nanocat's one fallback implementation. Returns that engine and its run. Jobs failing for other
    reasons do not trigger a fallback (bad input raises). Every engine but the last stops at its first SCF
    failure, so a failing engine costs one failed job, not the set. The last engine keeps whatever converged
    (its failures are counted in the summary); EngineError, naming every engine tried and how many jobs its
    SCF failed on, only when it converged on none. ``policy`` is an EnginePolicy or anything
    :meth:`EnginePolicy.from_engine` takes (``"auto"``, a name, an Engine, a calculator).
    ``run_options`` go to :func:`run_jobs` (``workers``, ``progress``, ``retry_failed``, ...).
    """
    policy = EnginePolicy.from_engine(policy)
    if isinstance(store, str | Path):
        store = ResultStore(store)
    tried = []
    for n, engine in enumerate(policy.engines):
        last = n == len(policy.engines) - 1
        summary = run_jobs(jobs, engine, store=store, stop_on_scf_failure=not last, **run_options)
        n_scf = sum(1 for r in summary.results if r.error_kind == "scf")
        if n_scf == 0 and not any(r.error_kind == "not_run" for r in summary.results):
            return engine, summary
        if last and n_scf < len(jobs):
            # no engine left to move to: keep what converged, the failures are counted and stored with their error
            log.warning("%s: SCF failed on %d of %d jobs and no engine is left; those jobs count as failed",
                        engine.label, n_scf, len(jobs))
            return engine, summary
        tried.append(f"{engine.label}: SCF failed on {n_scf} of {len(jobs)} jobs"
                     + ("" if last else " (stopped at the first failure)"))
        log.warning("%s; moving the whole job set to the next engine of the policy", tried[-1])
    raise EngineError("no engine of the policy converged on every job; " + "; ".join(tried))
