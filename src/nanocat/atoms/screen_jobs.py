"""Hosts and relaxation jobs of a screen, and its plan: every job it needs, known before any is run.

A *host* is a structure adsorbates go on: the bare cluster itself, or the protected cluster with one ligand
removed (one host per symmetry-unique ligand vacancy, as the field models the dethiolated Au25 site). Every
job carries its own labels (host, site id, adsorbate, orientation, the adsorbate's atom indices), so results
are read by their job, never by list position.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ase import Atoms

from nanocat.atoms.adsorbates import adsorbate_candidates
from nanocat.atoms.analysis import analyze_structure
from nanocat.atoms.engines import Engine, resolve_engine
from nanocat.atoms.screen_settings import LARGE_CLUSTER_ATOMS, ScreenSettings
from nanocat.atoms.sites import Site, SiteFinder, site_structure
from nanocat.atoms.store import ResultStore
from nanocat.atoms.structures import lowest_multiplicity, structure_hash
from nanocat.atoms.workflow import RelaxJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Host:
    """A structure adsorbates go on, its sites, and where its relaxation is centred (vacancy hosts).

    ``parent`` is the protected cluster a vacancy host was cut from (its sites refer to the parent);
    ``fix_center`` (Å) is the vacancy, around which large clusters relax.
    """

    name: str
    description: str
    atoms: Atoms = field(compare=False)
    fix_center: tuple[float, float, float] | None = None
    parent: Atoms | None = field(default=None, compare=False)
    sites: tuple[Site, ...] = ()
    n_candidates: int = 0

    @property
    def system(self) -> str:
        """The host's structure hash (the ``system`` label of its jobs)."""
        return structure_hash(self.atoms)

    def site_ids(self) -> list[str]:
        """``s<n>:<label>`` of every site, in order (the ``site`` label of adsorbate jobs)."""
        return [site_id(n, s) for n, s in enumerate(self.sites, start=1)]


def site_id(n: int, site: Site) -> str:
    """The id of the n-th site of a host (1-based): ``s1:top(Cu)``."""
    return f"s{n}:{site.label}"


def prepare(atoms: Atoms, name: str | None = None) -> tuple[Atoms, str]:
    """A copy of the structure with charge and multiplicity (lowest allowed unless given) in info, and its name."""
    atoms = atoms.copy()
    name = name or str(atoms.info.get("name") or atoms.get_chemical_formula())
    charge = int(atoms.info.get("charge", 0))
    multiplicity = int(atoms.info.get("multiplicity") or lowest_multiplicity(atoms, charge))
    atoms.info.update(charge=charge, multiplicity=multiplicity)
    return atoms, name


def is_protected(atoms: Atoms) -> bool:
    """True when the structure carries ligands other than hydrides (thiolates, phosphines, alkynyls, halides)."""
    return any(lig.kind != "hydride" for lig in analyze_structure(atoms).ligands)


def build_hosts(atoms: Atoms, name: str, settings: ScreenSettings) -> list[Host]:
    """The bare cluster itself, or one host per symmetry-unique ligand vacancy of a protected cluster."""
    if not is_protected(atoms):
        return [Host(name, "bare cluster", atoms)]
    finder = SiteFinder(kinds=("vacancy",))
    vacancies = finder.find(atoms)
    if settings.max_sites is not None:
        vacancies = vacancies[: settings.max_sites]
    hosts = []
    for n, site in enumerate(vacancies, start=1):
        host_atoms = site_structure(atoms, site)
        hosts.append(Host(f"{name}-vac{n}", f"{site.label}: {host_atoms.info.get('removed_formula')} removed "
                          f"({site.n_equivalent} equivalent)", host_atoms, tuple(float(x) for x in site.position),
                          parent=atoms, sites=(site,), n_candidates=finder.n_candidates))
    return hosts


def _fix(settings: ScreenSettings, atoms: Atoms, center: Sequence[float] | None) -> dict[str, Any]:
    """RelaxJob arguments holding atoms far from ``center`` fixed, on clusters above LARGE_CLUSTER_ATOMS."""
    if center is None or len(atoms) <= LARGE_CLUSTER_ATOMS:
        return {}
    return {"fix_radius_A": settings.fix_radius_A, "fix_center": tuple(float(x) for x in center)}


def clean_job(host: Host, settings: ScreenSettings) -> RelaxJob:
    """Relaxation job of a host's clean structure (far atoms fixed on large clusters)."""
    return RelaxJob(host.atoms, system=host.system, site="clean", adsorbate="", kind="clean",
                    charge=int(host.atoms.info.get("charge", 0)),
                    multiplicity=int(host.atoms.info.get("multiplicity", 1)), fmax_eV_A=settings.fmax_eV_A,
                    max_steps=settings.max_steps, optimizer=settings.optimizer, host=host.name,
                    **_fix(settings, host.atoms, host.fix_center))


def gas_jobs(settings: ScreenSettings) -> list[RelaxJob]:
    """Relaxations of the gas references at the same level."""
    jobs = []
    for gas in settings.gas_specs():
        mol = gas.molecule()
        jobs.append(RelaxJob(mol, system="gas", site="gas", adsorbate=gas.name, kind="gas", charge=0,
                             multiplicity=gas.multiplicity, fmax_eV_A=settings.fmax_eV_A,
                             max_steps=settings.max_steps, optimizer=settings.optimizer))
    return jobs


def with_sites(host: Host, settings: ScreenSettings) -> Host:
    """The host with its symmetry-unique sites (bare hosts; vacancy hosts keep their vacancy site).

    Sites are filtered to ``site_elements`` (when any matches) and capped at ``max_sites``.
    """
    if host.sites:
        return host
    finder = SiteFinder(kinds=settings.site_kinds)
    sites = finder.find(host.atoms)
    wanted = set(settings.site_elements)
    near = [s for s in sites if wanted & set(s.elements)]
    if wanted and near:
        sites = near
    if settings.max_sites is not None:
        sites = sites[: settings.max_sites]
    return replace(host, sites=tuple(sites), n_candidates=finder.n_candidates)


def relaxed_host(host: Host, relaxed: Atoms) -> Host:
    """A bare host moved to its relaxed geometry (info kept), sites to be found again."""
    out = relaxed.copy()
    out.set_constraint()
    out.info = {**host.atoms.info, "relaxed": True}
    return replace(host, atoms=out, sites=(), n_candidates=0)


def adsorbate_jobs(hosts: Sequence[Host], settings: ScreenSettings) -> list[RelaxJob]:
    """Every orientation of every intermediate on every site of every host, as labelled relaxation jobs."""
    jobs = []
    for host in hosts:
        parent = host.parent if host.parent is not None else host.atoms
        system = host.system
        for sid, site in zip(host.site_ids(), host.sites, strict=True):
            center = host.fix_center if host.fix_center is not None else site.position
            for spec in settings.adsorbate_specs():
                for orientation, cand in enumerate(adsorbate_candidates(parent, site, spec, settings.n_orientations)):
                    jobs.append(RelaxJob(
                        cand, system=system, site=sid, adsorbate=spec.name, orientation=orientation,
                        kind="adsorbate", charge=int(cand.info.get("charge", 0)),
                        multiplicity=int(cand.info.get("multiplicity", 1)), fmax_eV_A=settings.fmax_eV_A,
                        max_steps=settings.max_steps, optimizer=settings.optimizer, host=host.name,
                        adsorbate_indices=tuple(cand.info["adsorbate_indices"]), **_fix(settings, cand, center)))
    return jobs


@dataclass(frozen=True)
class ScreenPlan:
    """Every relaxation a screen needs, labelled, before any is run.

    ``pending`` names hosts whose adsorbate jobs cannot be planned yet: a bare cluster screened with
    ``sites_on="relaxed"`` places its adsorbates on its relaxed geometry, which the store does not hold yet
    (relax the clean jobs first, or plan with ``sites_on="input"``).
    """

    name: str
    hosts: tuple[Host, ...]
    clean_jobs: tuple[RelaxJob, ...]
    gas_jobs: tuple[RelaxJob, ...]
    adsorbate_jobs: tuple[RelaxJob, ...]
    pending: tuple[str, ...] = ()

    @property
    def jobs(self) -> tuple[RelaxJob, ...]:
        """Clean, gas and adsorbate jobs, in that order."""
        return (*self.clean_jobs, *self.gas_jobs, *self.adsorbate_jobs)

    @property
    def complete(self) -> bool:
        """True when every job of the screen is planned (nothing waits for a relaxed host)."""
        return not self.pending

    def keys(self, engine: Any) -> dict[str, RelaxJob]:
        """Cache key -> job, for one engine (a name, EngineSpec, Engine or calculator); duplicates collapse."""
        engine = resolve_engine(engine)
        return {job.key(engine): job for job in self.jobs}


def plan_screen(atoms: Atoms, settings: ScreenSettings, name: str | None = None, engine: Engine | Any = None,
                store: ResultStore | None = None) -> ScreenPlan:
    """The jobs a screen of ``atoms`` runs (see :class:`ScreenPlan`); nothing is computed.

    With ``sites_on="relaxed"`` a bare host's adsorbate jobs need its relaxed geometry: it is read from
    ``store`` under ``engine`` (default: the policy's first engine) when there, else the host is pending.
    """
    atoms, name = prepare(atoms, name)
    hosts = build_hosts(atoms, name, settings)
    cleans = [clean_job(h, settings) for h in hosts]
    ready, pending = [], []
    engine = resolve_engine(engine) if engine is not None else settings.policy().engines[0]
    if not engine.computes:  # imported results only (external): nothing relaxes here, sites go on the input
        settings = replace(settings, sites_on="input")
    for host, job in zip(hosts, cleans, strict=True):
        if host.fix_center is None and settings.sites_on == "relaxed":
            cached = store.get(job.key(engine)) if store is not None else None
            if cached is None or not cached.ok:
                pending.append(host.name)
                continue
            host = relaxed_host(host, cached.atoms)
        ready.append(with_sites(host, settings))
    planned = {h.name: h for h in ready}
    hosts = [planned.get(h.name, h) for h in hosts]
    return ScreenPlan(name, tuple(hosts), tuple(cleans), tuple(gas_jobs(settings)),
                      tuple(adsorbate_jobs(ready, settings)), tuple(pending))
