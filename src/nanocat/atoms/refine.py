"""Refinement (e.g. DFT//xTB): single points of a screen's relaxed geometries with a second engine.

Relaxing a 13-atom cluster with every intermediate costs hours with DFT on a laptop and seconds with xTB, so
the screen relaxes with its own engine and the refinement recomputes, with the refinement engine, single
points of:

- the gas references and the clean host(s);
- per host, the configuration of each intermediate the screen's diagram uses (the lowest-energy site and
  orientation), or, with ``all_sites``, the best configuration on every site.

Every geometry comes from the screen's results under the key recorded on it (``AdsorptionRow.job_key``,
``HostResult.clean_key``, ``ScreenResult.gas_keys``). The single points are :class:`~nanocat.atoms.workflow.RelaxJob`
s with ``max_steps=0`` and the labels of the relaxation they refine, run through
:func:`~nanocat.atoms.workflow.run_jobs`: their keys hold the refinement engine's settings, so they are
cached and resumable exactly like relaxations.

Free energies at the refined level use the refinement engine's own correction preset (``peterson2010`` for
DFT and MLIPs; ``xtb`` with its gas anchoring only when the refinement engine is itself xTB), plus the
corrections carried by user adsorbates and gases. A system whose refinement fails (SCF) stays unrefined and
is left out of the refined diagram: one diagram never mixes levels, so a product whose route needs it is
incomplete at the refined level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nanocat.atoms.engines import Engine
from nanocat.atoms.store import JobResult, ResultStore
from nanocat.atoms.executors import Executor
from nanocat.atoms.workflow import RelaxJob, run_jobs
from nanocat.errors import InputError
from nanocat.thermo import (
    FreeEnergyAnalysis,
    analyze,
    formation_energies_from_electronic,
)
from nanocat.thermo.che import REQUIRED_GASES
from nanocat.thermo.selectivity import Prediction, best_co2rr, predict

if TYPE_CHECKING:
    from nanocat.atoms.screen_results import ScreenResult
    from nanocat.atoms.screen_settings import ScreenSettings

log = logging.getLogger(__name__)

RowStatus = Literal["refined", "failed"]


@dataclass(frozen=True)
class RefinedRow:
    """One refined configuration: its formation ΔG (eV, 0 V_RHE) at the refined and at the screening level.

    ``screen_key`` is the key of the relaxation whose geometry was refined, ``key`` that of the single point;
    ``status`` is ``"failed"`` (``dG_eV`` None, ``error`` says why) when the refinement engine failed on it.
    """

    host: str
    site: str
    adsorbate: str
    species: str
    energy_eV: float | None
    dG_eV: float | None
    dG_screen_eV: float | None
    screen_key: str
    key: str
    status: RowStatus = "refined"
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RefinedRow:
        """Inverse of :meth:`as_dict`."""
        return cls(**data)


@dataclass(frozen=True)
class RefinedHost:
    """One host at the refined level: clean energy (eV), analysis (None when its references failed), prediction.

    ``unrefined`` names the species whose refinement failed (left out of the refined diagram); ``error`` says
    why there is no analysis at all.
    """

    name: str
    clean_energy_eV: float | None
    clean_key: str
    analysis: FreeEnergyAnalysis | None
    unrefined: tuple[str, ...] = ()
    error: str | None = None

    @property
    def prediction(self) -> Prediction:
        """The predicted product of this host at the refined level."""
        if self.analysis is None:
            return Prediction(None, f"not refined: {self.error}")
        return predict(self.analysis)

    @property
    def score_V_RHE(self) -> float:
        """U_L (V_RHE) of the host's best open CO2RR product at the refined level; -inf when none."""
        best = None if self.analysis is None else best_co2rr(self.analysis)
        return -np.inf if best is None else float(best.limiting_potential_V_RHE)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (with the prediction, for readers of the JSON)."""
        return {"name": self.name, "clean_energy_eV": self.clean_energy_eV, "clean_key": self.clean_key,
                "analysis": None if self.analysis is None else self.analysis.as_dict(),
                "unrefined": list(self.unrefined), "error": self.error,
                "prediction": self.prediction.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RefinedHost:
        """Inverse of :meth:`as_dict`."""
        analysis = data.get("analysis")
        return cls(data["name"], data.get("clean_energy_eV"), data["clean_key"],
                   None if analysis is None else FreeEnergyAnalysis.from_dict(analysis),
                   tuple(data.get("unrefined", ())), data.get("error"))


@dataclass(frozen=True)
class Refinement:
    """A screen recomputed at a second level: engine, per-host analyses, per-row ΔG at both levels, work done."""

    method: str
    engine_settings: dict[str, Any]
    corrections: str
    hosts: list[RefinedHost]
    rows: list[RefinedRow]
    computed: int
    reused: int
    failed: int
    all_sites: bool = False
    gas_energies_eV: dict[str, float] = field(default_factory=dict)
    gas_keys: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def best_host(self) -> RefinedHost:
        """The host whose refined CO2RR product has the least negative U_L."""
        return max(self.hosts, key=lambda h: h.score_V_RHE)

    @property
    def prediction(self) -> Prediction:
        """The predicted product at the refined level (best host)."""
        return self.best_host.prediction

    @property
    def predicted_product(self) -> str | None:
        """``"CO"``, ``"H2"``, ... at the refined level, or None."""
        return self.prediction.product

    @property
    def reason(self) -> str:
        """Why, in words."""
        return self.prediction.reason

    def host(self, name: str) -> RefinedHost:
        """The refined host of that name."""
        for h in self.hosts:
            if h.name == name:
                return h
        raise InputError(f"refinement has no host {name!r} ({', '.join(h.name for h in self.hosts)})")

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the ``"refinement"`` document of ``nanocat screen --refine ... --json``)."""
        return {"method": self.method, "engine_settings": self.engine_settings, "corrections": self.corrections,
                "all_sites": self.all_sites, "hosts": [h.as_dict() for h in self.hosts],
                "rows": [r.as_dict() for r in self.rows], "predicted_product": self.predicted_product,
                "reason": self.reason, "prediction": self.prediction.as_dict(), "computed": self.computed,
                "reused": self.reused, "failed": self.failed, "gas_energies_eV": dict(self.gas_energies_eV),
                "gas_keys": dict(self.gas_keys), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Refinement:
        """Inverse of :meth:`as_dict` (derived fields are recomputed)."""
        return cls(data["method"], dict(data["engine_settings"]), data["corrections"],
                   [RefinedHost.from_dict(h) for h in data["hosts"]], [RefinedRow.from_dict(r) for r in data["rows"]],
                   int(data["computed"]), int(data["reused"]), int(data["failed"]), bool(data.get("all_sites", False)),
                   dict(data.get("gas_energies_eV", {})), dict(data.get("gas_keys", {})), list(data.get("notes", [])))


def single_point_job(relaxed: JobResult, host: str = "") -> RelaxJob:
    """A single-point job (``max_steps=0``) on a relaxation's final geometry, with that relaxation's labels."""
    if relaxed.atoms is None or not relaxed.ok:
        raise InputError(f"relaxation {relaxed.key} ({relaxed.kind} {relaxed.system}/{relaxed.site}) has no "
                         "geometry to refine")
    atoms = relaxed.atoms.copy()
    atoms.set_constraint()  # single points: nothing moves, and the key should not depend on constraints
    atoms.calc = None
    charge = int(relaxed.settings.get("charge", atoms.info.get("charge", 0)))
    multiplicity = int(relaxed.settings.get("multiplicity", atoms.info.get("multiplicity", 1)))
    # only what the key should see: a geometry read back from the store carries no other info
    atoms.info = {"charge": charge, "multiplicity": multiplicity}
    return RelaxJob(atoms, system=relaxed.system, site=relaxed.site, adsorbate=relaxed.adsorbate,
                    orientation=int(relaxed.orientation), kind=relaxed.kind, charge=charge,  # type: ignore[arg-type]
                    multiplicity=multiplicity, max_steps=0, host=host)


def check_refine_engine(engine: Engine, atoms: Any, charge: int, multiplicity: int) -> None:
    """Stop before any relaxation when the refinement engine cannot treat the cluster (elements, charge, spin)."""
    engine.check_system(atoms, charge, multiplicity)
    engine.calculator(charge, multiplicity)  # a factory that raises says so now, not after the screen


def _geometry(lookup: Callable[[str], JobResult | None], key: str | None, what: str) -> JobResult:
    """The relaxation stored under ``key``; InputError naming ``what`` when it is missing."""
    found = lookup(key) if key else None
    if found is None or not found.ok:
        raise InputError(f"refinement: no relaxed geometry of {what} (key {key}); rerun the screen with the same "
                         "--db so that its relaxations are in the cache")
    return found


def refine_screen(result: ScreenResult, engine: Engine, settings: ScreenSettings,
                  lookup: Callable[[str], JobResult | None] | None = None, store: ResultStore | None = None,
                  workers: int | None = None, progress: bool = True, all_sites: bool = False,
                  executor: Executor | None = None) -> Refinement:
    """Recompute a screen's diagram(s) with single points of ``engine`` on its relaxed geometries (eV, V_RHE).

    ``lookup`` finds a relaxation by key (default ``store.get``); ``store`` caches the single points (None:
    nothing cached). ``all_sites`` refines the best configuration on every site, not only the one each
    diagram uses; each refined diagram then takes the lowest refined energy per intermediate. ``executor`` runs
    the single points elsewhere (see :func:`~nanocat.atoms.workflow.run_jobs`).
    """
    if lookup is None:
        if store is None:
            raise InputError("refinement needs the screen's relaxed geometries: give a store or a lookup")
        lookup = store.get
    diagram_site = {(h.name, species): site for h in result.hosts for species, site in h.best_species_site.items()}
    selected = [r for r in result.rows if r.job_key is not None
                and (all_sites or diagram_site.get((r.host, r.species)) == r.site)]
    gas_jobs = {name: single_point_job(_geometry(lookup, key, name)) for name, key in result.gas_keys.items()}
    clean_jobs = {h.name: single_point_job(_geometry(lookup, h.clean_key, f"host {h.name}"), h.name)
                  for h in result.hosts}
    row_jobs = [single_point_job(_geometry(lookup, r.job_key, f"{r.species} on {r.host} {r.site}"), r.host)
                for r in selected]
    jobs = [*gas_jobs.values(), *clean_jobs.values(), *row_jobs]
    summary = run_jobs(jobs, engine, store=store, workers=workers, progress=progress, executor=executor)
    done = {r.key: r for r in summary.results}

    def energy(job: RelaxJob) -> JobResult:
        return done[job.key(engine)]

    gas_eV = {name: float(energy(j).energy_eV) for name, j in gas_jobs.items() if energy(j).ok}
    failed_gases = sorted(set(gas_jobs) - set(gas_eV))
    # the refinement engine's own preset: a `corrections` override of the screen fits the screening engine
    corrections = replace(settings, corrections=None).correction_set(engine.corrections)
    network, products, method = settings.network(), settings.products, engine.label
    species = sorted({r.species for r in result.rows})
    notes = [f"{engine.label} failed on gas reference(s) {', '.join(failed_gases)}: left out at the refined level"
             ] if failed_gases else []
    hosts, rows = [], []
    for host in result.hosts:
        clean = energy(clean_jobs[host.name])
        host_rows = [(r, j) for r, j in zip(selected, row_jobs, strict=True) if r.host == host.name]
        error = None
        offsets = None
        if not clean.ok:
            error = f"{engine.label} failed on the clean host: {clean.error}"
        elif missing := [g for g in REQUIRED_GASES if g not in gas_eV]:
            error = f"{engine.label} failed on the gas reference(s) {', '.join(missing)}"
        else:
            # G_f is E + (a constant per species): one call with E = 0 gives every constant
            offsets = formation_energies_from_electronic(float(clean.energy_eV), dict.fromkeys(species, 0.0),
                                                         gas_eV, corrections, method)
        refined: list[RefinedRow] = []
        for row, job in host_rows:
            sp = energy(job)
            dG = None if (offsets is None or not sp.ok) else float(sp.energy_eV) + float(offsets.get(row.species))
            refined.append(RefinedRow(row.host, row.site, row.adsorbate, row.species, sp.energy_eV, dG, row.dG_eV,
                                      str(row.job_key), sp.key, "refined" if sp.ok else "failed", sp.error))
        rows.extend(refined)
        unrefined = tuple(sorted({r.species for r in refined if r.status == "failed"}
                                 - {r.species for r in refined if r.status == "refined"}))
        analysis = None
        if offsets is not None:
            best: dict[str, float] = {}
            for r in refined:
                if r.energy_eV is not None and (r.species not in best or r.energy_eV < best[r.species]):
                    best[r.species] = float(r.energy_eV)
            fe = formation_energies_from_electronic(float(clean.energy_eV), best, gas_eV, corrections, method)
            analysis = analyze(fe, 0.0, list(products), network)
        if unrefined:
            errors = sorted({str(r.error) for r in refined if r.species in unrefined})
            notes.append(f"{host.name}: {engine.label} failed on {', '.join(unrefined)} ({'; '.join(errors)}): "
                         "left out of the refined diagram (routes through them are incomplete at that level)")
        hosts.append(RefinedHost(host.name, clean.energy_eV, clean.key, analysis, unrefined, error))
    return Refinement(method, engine.settings(), corrections.name, hosts, rows, summary.computed, summary.reused,
                      summary.failed, all_sites, gas_eV, {n: energy(j).key for n, j in gas_jobs.items()},
                      [*summary.notes, *notes])


__all__ = ["RefinedHost", "RefinedRow", "Refinement", "check_refine_engine", "refine_screen", "single_point_job"]
