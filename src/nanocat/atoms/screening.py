"""The main job: a cluster structure in, its computed CO2RR free-energy landscape and predicted product out.

Algorithm (each step's result is cached or recorded, so an interrupted screen resumes):

1. Take the engine policy of the settings (``auto``: GFN2 -> GFN2 @ 1000 K -> GFN1; or one engine of any kind,
   see :mod:`nanocat.atoms.engines`); the whole job set moves to the next engine at the first SCF failure, so
   every energy of a diagram comes from one engine (never mixed).
2. Relax the gas references (CO2, H2, H2O, CO, HCOOH, CH4, CH3OH, CH2O, and your own) and the host(s) with that
   engine. A bare cluster is its own host; a ligand-protected cluster gives one host per symmetry-unique ligand
   vacancy (one ligand removed, as the field models the dethiolated Au25 site).
3. Find the symmetry-unique adsorption sites of each host (on its relaxed geometry, or on the input geometry
   with ``sites_on="input"``); place every intermediate on every site in several orientations; relax them all
   in parallel (atoms far from the site fixed on large clusters).
4. Drop relaxations whose adsorbate rearranged (bonds broken or formed); keep the lowest energy per site and
   intermediate, and per intermediate the lowest over sites.
5. Free energies via :mod:`nanocat.thermo` (CHE, the engine's correction preset), limiting potentials, HER
   competition and the selectivity calls; the predicted product (:func:`nanocat.thermo.selectivity.predict`) is
   the one with the least negative limiting potential, H2 included.
6. With ``settings.refine``: single points of the geometries of every diagram with the refinement engine,
   and the same analysis at that level (:mod:`nanocat.atoms.refine`), side by side.

The settings live in :mod:`~nanocat.atoms.screen_settings`, hosts and jobs (and the plan of a screen) in
:mod:`~nanocat.atoms.screen_jobs`, the typed results in :mod:`~nanocat.atoms.screen_results`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ase import Atoms

from nanocat.atoms.engines import Engine, EnginePolicy
from nanocat.atoms.executors import Executor
from nanocat.atoms.external import analysable, pending_entries, pending_note
from nanocat.atoms.refine import Refinement, check_refine_engine, refine_screen
from nanocat.atoms.screen_jobs import (
    Host,
    ScreenPlan,
    adsorbate_jobs,
    build_hosts,
    clean_job,
    gas_jobs,
    plan_screen,
    prepare,
    relaxed_host,
    with_sites,
)
from nanocat.atoms.screen_results import (
    AdsorptionRow,
    HostResult,
    ScreenResult,
    adsorbate_state,
    analyse_host,
    host_rearrangement_note,
    host_rows,
)
from nanocat.atoms.screen_settings import (
    DEFAULT_ADSORBATES,
    GAS_REFERENCES,
    LARGE_CLUSTER_ATOMS,
    ScreenSettings,
)
from nanocat.atoms.store import JobResult, ResultStore
from nanocat.atoms.store_status import record_plan
from nanocat.atoms.workflow import ProgressBar, RelaxJob, RunSummary, run_with_policy
from nanocat.errors import InputError
from nanocat.thermo.selectivity import (
    Prediction,
    ProductCall,
    best_co2rr,
    chemical_step_threshold_eV,
    predict,
    product_calls,
)

__all__ = [
    "DEFAULT_ADSORBATES", "GAS_REFERENCES", "LARGE_CLUSTER_ATOMS", "AdsorptionRow", "HostResult", "Prediction",
    "ProductCall", "Refinement", "ScreenPlan", "ScreenResult", "ScreenSettings", "Screener", "adsorbate_state",
    "best_co2rr",
    "chemical_step_threshold_eV", "predict", "product_calls", "screen",
]

log = logging.getLogger(__name__)


@dataclass
class _Target:
    """One cluster of a screen in progress: its structure, settings, hosts, jobs, and its own counts and notes."""

    atoms: Atoms
    name: str
    settings: ScreenSettings
    hosts: list[Host]
    base_jobs: list[RelaxJob]
    ads_jobs: list[RelaxJob] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"computed": 0, "reused": 0, "failed": 0, "pending": 0})
    notes: list[str] = field(default_factory=list)


class Screener:
    """Screen clusters for CO2RR: settings in the constructor, the structure(s) to :meth:`screen` / :meth:`screen_many`.

    Parameters
    ----------
    settings : the recipe (engine policy, intermediates, sites, relaxation settings).
    store : an ase.db path/URL (SQLite by default) where every finished relaxation is written at once; a rerun
        reuses them. None keeps nothing (no resume).
    progress : one rich progress bar on stderr.
    executor : where relaxations run (:mod:`nanocat.atoms.executors`, e.g. an open DaskExecutor); None: local
        worker processes (``settings.workers``).
    """

    def __init__(self, settings: ScreenSettings | None = None, store: Any = None, progress: bool = True,
                 executor: Executor | None = None) -> None:
        self.settings = settings or ScreenSettings()
        self.store = ResultStore(store) if isinstance(store, str | os.PathLike) else store
        self.progress = progress
        self.executor = executor

    def plan(self, atoms: Atoms, name: str | None = None, engine: Any = None) -> ScreenPlan:
        """Every job the screen of ``atoms`` needs, labelled, without running any (see :class:`ScreenPlan`).

        ``plan.keys(engine)`` gives their cache keys for an engine. A bare cluster with ``sites_on="relaxed"``
        needs its relaxed geometry from the store first (else its adsorbate jobs are ``pending``).
        """
        return plan_screen(atoms, self.settings, name, engine, self.store)

    # -- the pipeline ----------------------------------------------------------------------------
    def screen(self, atoms: Atoms, name: str | None = None) -> ScreenResult:
        """Run the whole screen on ``atoms`` (not modified) and return its result."""
        return self.screen_many([(atoms, name, None)])[0]

    def screen_many(self, targets: Sequence[tuple[Atoms, str | None, ScreenSettings | None]]) -> list[ScreenResult]:
        """Screen many clusters as one job set (one progress bar); results in target order.

        Each target is ``(atoms, name, settings)``; settings None take the screener's. Every target shares the
        screener's engine policy (one method for the whole set, so clusters rank on one level of theory), its
        store, workers and executor. All clean and gas relaxations run together, then all adsorbate relaxations.
        """
        policy = self.settings.policy()
        state = [self._target(atoms, name, settings, policy) for atoms, name, settings in targets]
        names = [t.name for t in state]
        if len(set(names)) != len(names):
            raise InputError(f"clusters named twice in one screen: {sorted({n for n in names if names.count(n) > 1})}")
        with ProgressBar(bool(self.progress)) as bar:
            self._record(state, policy, complete=False)
            engine, base = self._run(state, "base_jobs", policy, bar)
            for target in state:
                target.hosts = self._sited(target, base, engine)
                target.ads_jobs = adsorbate_jobs(target.hosts, target.settings)
            self._record(state, policy, complete=True)
            engine_ads, ads = self._run(state, "ads_jobs", policy.after(engine), bar)
            if engine_ads != engine:  # one diagram never mixes methods: redo the references at the fallback level
                for target in state:
                    target.notes.append(f"{engine.label} failed on some adsorbate systems; everything recomputed "
                                        f"with {engine_ads.label}")
                engine, base = engine_ads, self._run(state, "base_jobs", policy.after(engine_ads), bar)[1]
        results = {r.key: r for r in (*base.results, *ads.results)}
        out = []
        for target in state:
            result = self._result(target, engine, results)
            refine_engine = target.settings.refine_engine()
            if refine_engine is not None:
                refinement = refine_screen(result, refine_engine, target.settings, lookup=results.get,
                                           store=self.store, workers=target.settings.workers, progress=self.progress,
                                           all_sites=target.settings.refine_all_sites, executor=self.executor)
                result = replace(result, refinement=refinement)
            out.append(result)
        return out

    # -- steps -----------------------------------------------------------------------------------
    def _target(self, atoms: Atoms, name: str | None, settings: ScreenSettings | None,
                policy: EnginePolicy) -> _Target:
        """A cluster prepared for the set: its hosts and clean/gas jobs; a refinement that cannot run stops here."""
        atoms, name = prepare(atoms, name)
        settings = settings or self.settings
        if settings.engine is not self.settings.engine and settings.policy() != policy:
            raise InputError(f"{name}: every cluster of one screen uses the same engine ({self.settings.engine!r}); "
                             f"got {settings.engine!r}")
        if not all(e.computes for e in policy.engines) and settings.sites_on != "input":
            # an imported-results engine relaxes nothing here: sites go on the input geometry (bring it optimised)
            settings = replace(settings, sites_on="input")
        refine_engine = settings.refine_engine()
        if refine_engine is not None:  # a refinement that cannot run stops the screen before any relaxation
            check_refine_engine(refine_engine, atoms, int(atoms.info["charge"]), int(atoms.info["multiplicity"]))
        hosts = build_hosts(atoms, name, settings)
        return _Target(atoms, name, settings, hosts, [clean_job(h, settings) for h in hosts] + gas_jobs(settings))

    def _record(self, state: Sequence[_Target], policy: EnginePolicy, complete: bool) -> None:
        """Record each cluster's planned job keys in the store, for ``nanocat status`` (no store: nothing)."""
        if self.store is None or not hasattr(self.store, "url"):
            return
        plans = {t.name: [*t.base_jobs, *t.ads_jobs] for t in state}
        record_plan(self.store.url, plans, policy.engines, complete=complete)

    def _run(self, state: Sequence[_Target], which: str, policy: EnginePolicy,
             bar: ProgressBar) -> tuple[Engine, RunSummary]:
        """Relax the ``which`` jobs of every target as one set with the policy's first converging engine."""
        jobs = [job for target in state for job in getattr(target, which)]
        engine, summary = run_with_policy(jobs, policy, store=self.store, workers=self.settings.workers,
                                          progress=bar, executor=self.executor)
        start = 0
        for target in state:  # each cluster counts its own jobs (a gas shared by two counts as reused the second time)
            part = summary.results[start:start + len(getattr(target, which))]
            start += len(part)
            pending = sum(1 for r in part if r.error_kind == "pending")
            target.counts["pending"] += pending
            target.counts["reused"] += sum(1 for r in part if r.reused)
            target.counts["failed"] += sum(1 for r in part if not r.ok) - pending
            target.counts["computed"] += sum(1 for r in part if not r.reused and r.error_kind not in ("not_run",
                                                                                                        "pending"))
            target.notes.extend(n for n in summary.notes if n not in target.notes)
        return engine, summary

    @staticmethod
    def _sited(target: _Target, run: RunSummary, engine: Engine) -> list[Host]:
        """Hosts with their sites; bare hosts first move to their relaxed geometry (unless ``sites_on="input"``)."""
        results = {r.key: r for r in run.results}
        out = []
        for host in target.hosts:
            if host.fix_center is None and target.settings.sites_on == "relaxed":
                host = relaxed_host(host, _clean_result(host, target.base_jobs, results, engine).atoms)
            out.append(with_sites(host, target.settings))
        return out

    @staticmethod
    def _result(target: _Target, engine: Engine, results: dict[str, JobResult]) -> ScreenResult:
        """Rows, host analyses and the prediction from the results of every job."""
        settings, atoms, hosts = target.settings, target.atoms, target.hosts
        base_jobs, ads_jobs = target.base_jobs, target.ads_jobs
        gas = [j for j in base_jobs if j.kind == "gas"]
        gas_eV = {f"{j.adsorbate}(g)": results[j.key(engine)].energy_eV for j in gas
                  if results[j.key(engine)].energy_eV is not None}
        corrections = settings.correction_set(engine.corrections)
        network = settings.network()
        species = {s.name: s.species for s in settings.adsorbate_specs()}
        pending = pending_entries([*base_jobs, *ads_jobs], results, engine)
        rows, host_results = [], []
        for host in hosts:
            if pending and not analysable(host, base_jobs, results, engine, gas_eV):
                continue  # its clean structure or a reference gas awaits its result: nothing to reference
            clean = _clean_result(host, base_jobs, results, engine)
            host_rows_ = host_rows(host, float(clean.energy_eV), gas_eV, engine, species, ads_jobs, results,
                                   corrections)
            rows.extend(host_rows_)
            note = host_rearrangement_note(host.name, host_rows_)
            if note and note not in target.notes:
                target.notes.append(note)
            host_results.append(analyse_host(host, float(clean.energy_eV), clean.key, gas_eV, engine.label,
                                             host_rows_, corrections, settings.products, network))
        notes = list(target.notes)
        if pending:
            notes.append(pending_note(pending, len(hosts) - len(host_results)))
        prediction = (max(host_results, key=lambda h: h.score_V_RHE).prediction if host_results
                      else Prediction(None, f"{len(pending)} jobs await results: import them with `nanocat import`"))
        return ScreenResult(
            name=target.name, formula=atoms.get_chemical_formula(), charge=int(atoms.info["charge"]),
            multiplicity=int(atoms.info["multiplicity"]), n_atoms=len(atoms), method=engine.label,
            engine_settings=engine.settings(), hosts=host_results, rows=rows,
            settings=replace(settings, corrections=settings.corrections or engine.corrections).as_dict(),
            prediction=prediction, notes=notes, gas_energies_eV=gas_eV,
            gas_keys={f"{j.adsorbate}(g)": j.key(engine) for j in gas}, pending=pending,
            **{k: v for k, v in target.counts.items() if k != "pending"})


def _clean_result(host: Host, jobs: Sequence[RelaxJob], results: dict[str, JobResult], engine: Engine) -> JobResult:
    """The relaxed clean structure of a host; InputError when it could not be relaxed."""
    job = next(j for j in jobs if j.kind == "clean" and j.host == host.name)
    result = results[job.key(engine)]
    if result.energy_eV is None:
        raise InputError(f"the clean structure {host.name} could not be relaxed: {result.error}")
    return result


def screen(atoms: Atoms, settings: ScreenSettings | None = None, store: Any = None, progress: bool = True,
           name: str | None = None, refine: Any = None, executor: Executor | None = None) -> ScreenResult:
    """Screen one cluster (see :class:`Screener`); ``store`` is the ase.db path that makes it resumable.

    ``refine`` (an engine name, spec, Engine or calculator) overrides ``settings.refine``.
    """
    settings = settings or ScreenSettings()
    if refine is not None:
        settings = replace(settings, refine=refine)
    return Screener(settings, store, progress, executor).screen(atoms, name)
