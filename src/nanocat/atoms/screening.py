"""The main job: a cluster structure in, its computed CO2RR free-energy landscape and predicted product out.

Algorithm (each step's result is cached or recorded, so an interrupted screen resumes):

1. Take the engine policy of the settings (``auto``: GFN2 -> GFN2 @ 1000 K -> GFN1; or one engine of any kind,
   see :mod:`nanocat.atoms.engines`); the whole job set moves to the next engine at the first SCF failure, so
   every energy of a diagram comes from one engine (never mixed).
2. Relax the gas references (CO2, H2, H2O, CO, HCOOH, CH4, CH3OH) and the host(s) with that engine. A bare cluster
   is its own host; a ligand-protected cluster gives one host per symmetry-unique ligand vacancy (one ligand
   removed, as the field models the dethiolated Au25 site).
3. Find the symmetry-unique adsorption sites of each host; place every intermediate on every site in several
   orientations; relax them all in parallel (atoms far from the site fixed on large clusters).
4. Drop relaxations whose adsorbate rearranged (bonds broken or formed); keep the lowest energy per site and
   intermediate, and per intermediate the lowest over sites.
5. Free energies via :mod:`nanocat.thermo` (CHE, the engine's correction preset), limiting potentials, HER
   competition and the selectivity calls; the predicted product is the one with the least negative limiting
   potential, H2 included.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from ase import Atoms

from nanocat._version import __version__
from nanocat.errors import InputError

log = logging.getLogger(__name__)

#: Intermediates placed by default: the C1 network to CO, HCOOH, CH4 and CH3OH, plus H* for HER.
DEFAULT_ADSORBATES: tuple[str, ...] = ("H", "COOH", "OCHO", "CO", "CHO", "COH", "CH2O", "OCH3", "O", "OH")
#: Gas-phase references computed at the same level as the adsorbates.
GAS_REFERENCES: tuple[str, ...] = ("CO2", "H2", "H2O", "CO", "HCOOH", "CH4", "CH3OH", "CH2O")
#: Clusters with more atoms than this relax only atoms within ``fix_radius_A`` of the site.
LARGE_CLUSTER_ATOMS = 40


@dataclass(frozen=True)
class ScreenSettings:
    """Recipe of a screen: engine policy, intermediates, site kinds and relaxation settings (Å, eV).

    ``engine`` is ``"auto"`` (GFN2 -> GFN2 @ 1000 K -> GFN1), an engine name or ``module:callable``, an
    :class:`~nanocat.atoms.engines.EngineSpec` (name + parameters), an :class:`~nanocat.atoms.engines.Engine`,
    an :class:`~nanocat.atoms.engines.EnginePolicy`, or an ASE calculator instance. ``corrections`` None takes
    the engine's own preset (``xtb`` for xTB, ``peterson2010`` otherwise).
    """

    engine: Any = "auto"
    adsorbates: tuple[str, ...] = DEFAULT_ADSORBATES
    site_kinds: tuple[str, ...] = ("top", "bridge", "hollow")
    n_orientations: int = 2
    fmax_eV_A: float = 0.05
    max_steps: int = 300
    fix_radius_A: float = 6.0
    optimizer: str = "LBFGS"
    corrections: str | None = None
    products: tuple[str, ...] = ("CO", "HCOOH", "CH4", "CH3OH")
    site_elements: tuple[str, ...] = ()
    max_sites: int | None = None
    workers: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form of the settings (the engine as its name, its spec, or its label if not rebuildable)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["engine"] = _engine_json(self.engine)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScreenSettings:
        """Inverse of :meth:`as_dict` (an engine that could not be rebuilt comes back as its label only)."""
        data = dict(data)
        engine = data.get("engine", "auto")
        if isinstance(engine, dict):
            from nanocat.atoms.engines import EnginePolicy, EngineSpec

            if "engines" in engine:
                data["engine"] = EnginePolicy.from_dict(engine)
            elif "name" in engine:
                data["engine"] = EngineSpec.from_dict(engine)
            else:
                raise InputError(f"screen settings: engine {engine.get('label')!r} was a calculator instance and "
                                 "cannot be rebuilt from JSON; pass the engine again")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _engine_json(engine: Any) -> Any:
    """JSON form of ScreenSettings.engine: a name stays a name; specs, engines and policies become dicts."""
    from nanocat.atoms.engines import EnginePolicy, EngineSpec, resolve_engine

    if isinstance(engine, str):
        return engine
    if isinstance(engine, EngineSpec | EnginePolicy):
        return engine.as_dict()
    built = resolve_engine(engine)
    spec = built.spec()
    return spec.as_dict() if spec is not None else {"label": built.label}


@dataclass(frozen=True)
class AdsorptionRow:
    """Best relaxation of one intermediate on one site: electronic energy (eV) and formation ΔG (eV, U = 0 V_RHE)."""

    host: str
    site: str
    adsorbate: str
    species: str
    energy_eV: float | None
    dG_eV: float | None
    orientation: int | None
    n_tried: int
    n_rearranged: int
    n_failed: int

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class HostResult:
    """One host (the bare cluster, or the cluster with one ligand removed) and its free-energy analysis."""

    name: str
    description: str
    clean_energy_eV: float
    sites: list[dict[str, Any]]
    n_site_candidates: int
    analysis: dict[str, Any]
    best_species_site: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class ScreenResult:
    """Everything one screen found, with its inputs, engine and nanocat version (JSON round-trips)."""

    name: str
    formula: str
    charge: int
    multiplicity: int
    n_atoms: int
    method: str
    engine_settings: dict[str, Any]
    settings: dict[str, Any]
    hosts: list[HostResult]
    rows: list[AdsorptionRow]
    predicted_product: str | None
    reason: str
    computed: int
    reused: int
    failed: int
    nanocat_version: str = __version__
    notes: list[str] = field(default_factory=list)

    @property
    def best_host(self) -> HostResult:
        """The host whose predicted CO2RR product has the least negative limiting potential."""
        return max(self.hosts, key=_host_score)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (what ``nanocat screen --json`` prints)."""
        data = asdict(self)
        data["hosts"] = [h.as_dict() for h in self.hosts]
        data["rows"] = [r.as_dict() for r in self.rows]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScreenResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        data["hosts"] = [HostResult(**h) for h in data["hosts"]]
        data["rows"] = [AdsorptionRow(**r) for r in data["rows"]]
        return cls(**data)


def _host_score(host: HostResult) -> float:
    """U_L (V_RHE) of a host's best open CO2RR product; -inf when none is open."""
    best = best_co2rr(host)
    return -np.inf if best is None else float(best.limiting_potential_V_RHE)


def chemical_step_threshold_eV(temperature_K: float = 298.15, rate_per_s: float = 1.0) -> float:
    """Largest uphill chemical step (eV) that still turns over ``rate_per_s`` by transition-state theory.

    k = (k_B T / h) exp(-ΔG / k_B T)  =>  ΔG = k_B T ln(k_B T / (h k)); 0.757 eV at 298.15 K and 1 s⁻¹.
    """
    from scipy.constants import Boltzmann, Planck, electron_volt

    kT = Boltzmann * temperature_K
    return float(kT / electron_volt * np.log(kT / (Planck * rate_per_s)))


def adsorbate_state(initial: Atoms, final: Atoms, adsorbate_indices: Sequence[int]) -> str:
    """``"intact"``, ``"rearranged"`` (bonds inside the adsorbate changed) or ``"desorbed"`` (no contact left)."""
    from ase.neighborlist import natural_cutoffs, neighbor_list

    idx = [int(i) for i in adsorbate_indices]
    if not idx:
        return "intact"

    def bonds(atoms: Atoms) -> set[tuple[int, int]]:
        first, second = neighbor_list("ij", atoms, natural_cutoffs(atoms, mult=1.15))
        inside = set(idx)
        return {(int(a), int(b)) for a, b in zip(first, second, strict=True)
                if a < b and a in inside and b in inside}

    if bonds(initial) != bonds(final):
        return "rearranged"
    host = [i for i in range(len(final)) if i not in set(idx)]
    if not host:
        return "intact"
    from ase.data import covalent_radii

    radii = covalent_radii[final.numbers]
    d = np.linalg.norm(final.positions[idx][:, None, :] - final.positions[host][None, :, :], axis=2)
    contact = d < 1.3 * (radii[idx][:, None] + radii[host][None, :])
    return "intact" if contact.any() else "desorbed"


@dataclass
class _Host:
    """A structure adsorbates go on: its clean relaxation job, its sites and their candidate jobs."""

    name: str
    description: str
    atoms: Atoms
    fix_center: tuple[float, float, float] | None
    parent: Atoms | None = None  # the protected cluster a vacancy host was cut from (sites refer to it)
    sites: list[Any] = field(default_factory=list)
    n_candidates: int = 0


def _is_protected(atoms: Atoms) -> bool:
    """True when the structure carries ligands other than hydrides (thiolates, phosphines, alkynyls, halides)."""
    from nanocat.atoms.analysis import analyze_structure

    return any(lig.kind != "hydride" for lig in analyze_structure(atoms).ligands)


class Screener:
    """Screen clusters for CO2RR: settings in the constructor, the structure to :meth:`screen`.

    Parameters
    ----------
    settings : the recipe (engine policy, intermediates, sites, relaxation settings).
    store : an ase.db path/URL (SQLite by default) where every finished relaxation is written at once; a rerun
        reuses them. None keeps nothing (no resume).
    progress : rich progress bars on stderr.
    """

    def __init__(self, settings: ScreenSettings | None = None, store: Any = None, progress: bool = True) -> None:
        from nanocat.atoms.workflow import ResultStore

        self.settings = settings or ScreenSettings()
        unknown = [a for a in self.settings.adsorbates if a not in _adsorbate_names()]
        if unknown:
            raise InputError(f"unknown adsorbate(s) {unknown}; known: {', '.join(_adsorbate_names())}")
        self.store = ResultStore(store) if isinstance(store, str | os.PathLike) else store
        self.progress = progress
        self._counts = {"computed": 0, "reused": 0, "failed": 0}
        self._notes: list[str] = []

    # -- the pipeline ----------------------------------------------------------------------------
    def screen(self, atoms: Atoms, name: str | None = None) -> ScreenResult:
        """Run the whole screen on ``atoms`` (not modified) and return its result."""
        from nanocat.atoms.engines import EnginePolicy

        atoms = atoms.copy()
        name = name or str(atoms.info.get("name") or atoms.get_chemical_formula())
        charge = int(atoms.info.get("charge", 0))
        multiplicity = int(atoms.info.get("multiplicity") or _lowest_multiplicity(atoms, charge))
        atoms.info.update(charge=charge, multiplicity=multiplicity)
        self._counts = {"computed": 0, "reused": 0, "failed": 0}
        policy = EnginePolicy.from_engine(self.settings.engine)
        self._notes = []
        notes = self._notes

        hosts = self._hosts(atoms, name)
        gas_jobs = self._gas_jobs()
        base_jobs = [self._clean_job(h) for h in hosts] + gas_jobs
        engine, base = self._run(base_jobs, policy)
        clean_results = dict(zip((h.name for h in hosts), base.results[: len(hosts)], strict=True))
        for host in hosts:
            relaxed = clean_results[host.name]
            if relaxed.energy_eV is None:
                raise InputError(f"the clean structure {host.name} could not be relaxed: {relaxed.error}")
            if host.fix_center is None:  # bare cluster: sites of the relaxed cluster
                host.atoms = _with_info(relaxed.atoms, host.atoms)
            self._find_sites(host)
        ads_jobs, meta = self._adsorbate_jobs(hosts)
        engine_ads, ads = self._run(ads_jobs, policy.after(engine))
        if engine_ads != engine:  # one diagram never mixes methods: redo the references at the fallback level
            notes.append(f"{engine.label} failed on some adsorbate systems; everything recomputed with "
                         f"{engine_ads.label}")
            engine, base = engine_ads, self._run(base_jobs, policy.after(engine_ads))[1]
            clean_results = dict(zip((h.name for h in hosts), base.results[: len(hosts)], strict=True))
        gas_eV = {f"{j.adsorbate}(g)": r.energy_eV for j, r in zip(gas_jobs, base.results[len(hosts):], strict=True)
                  if r.energy_eV is not None}
        rows, host_results = [], []
        corrections = self.settings.corrections or engine.corrections
        for host in hosts:
            clean_eV = float(clean_results[host.name].energy_eV)
            host_rows = self._rows(host, clean_eV, gas_eV, engine.label, ads.results, meta, corrections)
            rows.extend(host_rows)
            host_results.append(self._analyse(host, clean_eV, gas_eV, engine.label, host_rows, corrections))
        predicted, reason = predict(max(host_results, key=_host_score))
        return ScreenResult(
            name=name, formula=atoms.get_chemical_formula(), charge=charge, multiplicity=multiplicity,
            n_atoms=len(atoms), method=engine.label, engine_settings=engine.settings(),
            settings=self.settings.as_dict(),
            hosts=host_results, rows=rows, predicted_product=predicted, reason=reason, notes=notes, **self._counts)

    # -- steps -----------------------------------------------------------------------------------
    def _run(self, jobs: list[Any], policy: Any) -> tuple[Any, Any]:
        """Relax jobs with the first engine of ``policy`` that converges on all of them; count the work."""
        from nanocat.atoms.workflow import run_with_policy

        engine, summary = run_with_policy(jobs, policy, store=self.store, workers=self.settings.workers,
                                          progress=self.progress)
        for key in self._counts:
            self._counts[key] += int(getattr(summary, key))
        self._notes.extend(n for n in summary.notes if n not in self._notes)
        return engine, summary

    def _hosts(self, atoms: Atoms, name: str) -> list[_Host]:
        """The bare cluster itself, or one host per symmetry-unique ligand vacancy of a protected cluster."""
        from nanocat.atoms.sites import SiteFinder, site_structure

        if not _is_protected(atoms):
            return [_Host(name, "bare cluster", atoms, None)]
        finder = SiteFinder(kinds=("vacancy",))
        vacancies = finder.find(atoms)
        if self.settings.max_sites is not None:
            vacancies = vacancies[: self.settings.max_sites]
        hosts = []
        for n, site in enumerate(vacancies, start=1):
            host_atoms = site_structure(atoms, site)
            host = _Host(f"{name}-vac{n}", f"{site.label}: {host_atoms.info.get('removed_formula')} removed "
                         f"({site.n_equivalent} equivalent)", host_atoms, tuple(site.position), parent=atoms)
            host.sites, host.n_candidates = [site], finder.n_candidates
            hosts.append(host)
        return hosts

    def _clean_job(self, host: _Host) -> Any:
        """Relaxation job of a host's clean structure (far atoms fixed on large clusters)."""
        from nanocat.atoms.structures import structure_hash
        from nanocat.atoms.workflow import RelaxJob

        fix = self._fix(host.atoms, host.fix_center)
        return RelaxJob(host.atoms, system=structure_hash(host.atoms), site="clean", adsorbate="", kind="clean",
                        charge=int(host.atoms.info.get("charge", 0)),
                        multiplicity=int(host.atoms.info.get("multiplicity", 1)),
                        fmax_eV_A=self.settings.fmax_eV_A, max_steps=self.settings.max_steps,
                        optimizer=self.settings.optimizer, **fix)

    def _fix(self, atoms: Atoms, center: Sequence[float] | None) -> dict[str, Any]:
        """RelaxJob arguments holding atoms far from ``center`` fixed, on clusters above LARGE_CLUSTER_ATOMS."""
        if center is None or len(atoms) <= LARGE_CLUSTER_ATOMS:
            return {}
        return {"fix_radius_A": self.settings.fix_radius_A, "fix_center": tuple(float(x) for x in center)}

    def _gas_jobs(self) -> list[Any]:
        """Relaxations of the gas references at the same level."""
        from nanocat.atoms.adsorbates import gas_molecule
        from nanocat.atoms.workflow import RelaxJob

        jobs = []
        for gas in GAS_REFERENCES:
            mol = gas_molecule(gas)
            jobs.append(RelaxJob(mol, system="gas", site="gas", adsorbate=gas, kind="gas", charge=0,
                                 multiplicity=int(mol.info["multiplicity"]), fmax_eV_A=self.settings.fmax_eV_A,
                                 max_steps=self.settings.max_steps, optimizer=self.settings.optimizer))
        return jobs

    def _find_sites(self, host: _Host) -> None:
        """Symmetry-unique sites of a bare host, filtered to ``site_elements`` and capped at ``max_sites``."""
        from nanocat.atoms.sites import SiteFinder

        if host.sites:
            return
        finder = SiteFinder(kinds=self.settings.site_kinds)
        sites = finder.find(host.atoms)
        wanted = set(self.settings.site_elements)
        near = [s for s in sites if wanted & set(s.elements)]
        if wanted and near:
            sites = near
        if self.settings.max_sites is not None:
            sites = sites[: self.settings.max_sites]
        host.sites, host.n_candidates = sites, finder.n_candidates

    def _adsorbate_jobs(self, hosts: list[_Host]) -> tuple[list[Any], list[dict[str, Any]]]:
        """Every orientation of every intermediate on every site of every host, as relaxation jobs."""
        from nanocat.atoms.adsorbates import adsorbate_candidates
        from nanocat.atoms.structures import structure_hash
        from nanocat.atoms.workflow import RelaxJob

        jobs, meta = [], []
        for host in hosts:
            parent = host.parent if host.parent is not None else host.atoms
            system = structure_hash(host.atoms)
            for n, site in enumerate(host.sites, start=1):
                site_id = f"s{n}:{site.label}"
                center = host.fix_center if host.fix_center is not None else site.position
                for adsorbate in self.settings.adsorbates:
                    candidates = adsorbate_candidates(parent, site, adsorbate, self.settings.n_orientations)
                    for orientation, cand in enumerate(candidates):
                        jobs.append(RelaxJob(
                            cand, system=system, site=site_id, adsorbate=adsorbate, orientation=orientation,
                            kind="adsorbate", charge=int(cand.info.get("charge", 0)),
                            multiplicity=int(cand.info.get("multiplicity", 1)), fmax_eV_A=self.settings.fmax_eV_A,
                            max_steps=self.settings.max_steps, optimizer=self.settings.optimizer,
                            **self._fix(cand, center)))
                        meta.append({"host": host.name, "site": site_id, "adsorbate": adsorbate,
                                     "initial": cand, "indices": list(cand.info["adsorbate_indices"])})
        return jobs, meta

    def _rows(self, host: _Host, clean_eV: float, gas_eV: dict[str, float], method: str,
              results: Sequence[Any], meta: Sequence[dict[str, Any]], corrections: str) -> list[AdsorptionRow]:
        """Lowest intact relaxation per site and intermediate of one host, with its formation ΔG (eV)."""
        from nanocat.atoms.adsorbates import ADSORBATE_SPECIES
        from nanocat.thermo import formation_energies_from_electronic

        by_site: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {}
        for m, r in zip(meta, results, strict=True):
            if m["host"] == host.name:
                by_site.setdefault((m["site"], m["adsorbate"]), []).append((m, r))
        # G_f is E + (a constant per species): one call with E = 0 gives every constant
        species_of = {a: ADSORBATE_SPECIES[a] for a in self.settings.adsorbates}
        offsets = formation_energies_from_electronic(clean_eV, {s: 0.0 for s in species_of.values()}, gas_eV,
                                                     corrections, method)
        rows = []
        for n, site in enumerate(host.sites, start=1):
            site_id = f"s{n}:{site.label}"
            for adsorbate in self.settings.adsorbates:
                tried = by_site.get((site_id, adsorbate), [])
                failed = [r for _, r in tried if r.energy_eV is None]
                ok = [(r.energy_eV, r.orientation) for m, r in tried if r.energy_eV is not None
                      and adsorbate_state(m["initial"], r.atoms, m["indices"]) == "intact"]
                n_bad = len(tried) - len(failed) - len(ok)
                species = species_of[adsorbate]
                energy, orientation = min(ok) if ok else (None, None)
                dG = None if energy is None else energy + offsets.get(species)
                rows.append(AdsorptionRow(host.name, site_id, adsorbate, species, energy, dG, orientation,
                                          len(tried), n_bad, len(failed)))
        return rows

    def _analyse(self, host: _Host, clean_eV: float, gas_eV: dict[str, float], method: str,
                 rows: Sequence[AdsorptionRow], corrections: str) -> HostResult:
        """Free-energy analysis of a host from the lowest energy of each intermediate over its sites."""
        from nanocat.thermo import analyze, formation_energies_from_electronic

        best: dict[str, AdsorptionRow] = {}
        for row in rows:
            if row.energy_eV is not None and (row.species not in best or row.energy_eV < best[row.species].energy_eV):
                best[row.species] = row
        fe = formation_energies_from_electronic(clean_eV, {s: r.energy_eV for s, r in best.items()}, gas_eV,
                                                corrections, method)
        analysis = analyze(fe, 0.0, list(self.settings.products))
        # through JSON so tuples become lists and the result equals its own round trip
        sites = json.loads(json.dumps([{**s.as_dict(), "id": f"s{n}:{s.label}"}
                                       for n, s in enumerate(host.sites, start=1)]))
        return HostResult(host.name, host.description, clean_eV, sites, host.n_candidates, analysis.as_dict(),
                          {s: r.site for s, r in best.items()})


@dataclass(frozen=True)
class ProductCall:
    """One product on one host: U_L (V_RHE), PDS, and whether an uphill chemical step (eV) blocks it."""

    product: str
    limiting_potential_V_RHE: float | None
    potential_determining_step: str | None
    blocking_step_eV: float
    complete: bool

    @property
    def blocked(self) -> bool:
        """True when a chemical step is too uphill to turn over at room temperature."""
        return self.blocking_step_eV > chemical_step_threshold_eV()

    @property
    def open(self) -> bool:
        """Complete and not blocked."""
        return self.complete and not self.blocked


def product_calls(analysis: dict[str, Any]) -> dict[str, ProductCall]:
    """Every product of a host's analysis (HER as ``"H2"``) keyed by its name without phase."""
    out = {}
    for p in [*analysis.get("products", []), {**analysis.get("her", {}), "product": "H2(g)"}]:
        worst = max((s["dG_eV"] for s in p.get("uphill_chemical_steps", []) if p.get("product") != "H2(g)"),
                    default=0.0)
        complete = bool(p.get("complete")) and p.get("limiting_potential_V_RHE") is not None
        out[_plain_product(p["product"])] = ProductCall(
            p["product"], p.get("limiting_potential_V_RHE") if complete else None,
            p.get("potential_determining_step"), float(worst), complete)
    return out


def best_co2rr(host: HostResult) -> ProductCall | None:
    """The open CO2RR product with the least negative U_L (fewer electrons on a tie), or None."""
    calls = [c for name, c in product_calls(host.analysis).items() if name != "H2" and c.open]
    steps = {p["product"]: _n_electrons(p) for p in host.analysis.get("products", [])}
    return max(calls, key=lambda c: (c.limiting_potential_V_RHE, -steps.get(c.product, 0)), default=None)


def predict(host: HostResult) -> tuple[str | None, str]:
    """Predicted product of a host and the reason in words, from its limiting potentials (V_RHE).

    CO2RR products whose best route needs an uphill chemical step above :func:`chemical_step_threshold_eV`
    (e.g. CO* bound too strongly to leave) are blocked; among the rest the least negative U_L wins (fewer
    electrons on a tie); H2 wins when HER's U_L is less negative than every CO2RR product's.
    """
    calls = product_calls(host.analysis)
    her = calls.get("H2")
    her_ul = her.limiting_potential_V_RHE if her is not None and her.complete else None
    co2rr = {k: c for k, c in calls.items() if k != "H2"}
    blocked = [c for c in co2rr.values() if c.complete and c.blocked]
    best = best_co2rr(host)
    if best is None:
        if her_ul is not None:
            n_missing = sum(not c.complete for c in co2rr.values())
            return "H2", (f"no CO2 reduction route is open ({len(blocked)} blocked, {n_missing} missing "
                          f"intermediates); HER U_L = {her_ul:+.2f} V_RHE")
        return None, "not enough intermediates converged to evaluate any product"
    ul = best.limiting_potential_V_RHE
    others = sorted((c for c in co2rr.values() if c.open and c.product != best.product),
                    key=lambda c: -c.limiting_potential_V_RHE)
    runner = f"; next {others[0].product} at {others[0].limiting_potential_V_RHE:+.2f} V" if others else ""
    text = f"{best.product}: U_L = {ul:+.2f} V_RHE (PDS {best.potential_determining_step}){runner}"
    if blocked:
        text += "; blocked by an uphill chemical step: " + ", ".join(
            f"{c.product} (+{c.blocking_step_eV:.2f} eV)" for c in blocked)
    if her_ul is not None and her_ul > ul:
        return "H2", f"HER U_L = {her_ul:+.2f} V_RHE is less negative than the best CO2RR route, {text}"
    if her_ul is not None:
        text += f"; HER needs {her_ul:+.2f} V_RHE"
    return _plain_product(best.product), text


def _n_electrons(product: dict[str, Any]) -> int:
    """Electrons along a product's route (tie-breaker: fewer first)."""
    return sum(int(s.get("n_electrons", 0)) for s in product.get("steps", []))


def _plain_product(name: str) -> str:
    """Product name without its phase tag: ``"HCOOH(aq)" -> "HCOOH"``."""
    return name.split("(")[0]


def _with_info(relaxed: Atoms, original: Atoms) -> Atoms:
    """Relaxed geometry carrying the original's info (name, charge, multiplicity, provenance)."""
    out = relaxed.copy()
    out.set_constraint()
    out.info = {**original.info, **{"relaxed": True}}
    return out


def _lowest_multiplicity(atoms: Atoms, charge: int) -> int:
    """Lowest spin multiplicity allowed by the electron count's parity."""
    from nanocat.atoms.structures import lowest_multiplicity

    return lowest_multiplicity(atoms, charge)


def _adsorbate_names() -> tuple[str, ...]:
    """Names of the adsorbates nanocat can place."""
    from nanocat.atoms.adsorbates import ADSORBATES

    return tuple(ADSORBATES)


def screen(atoms: Atoms, settings: ScreenSettings | None = None, store: Any = None, progress: bool = True,
           name: str | None = None) -> ScreenResult:
    """Screen one cluster (see :class:`Screener`); ``store`` is the ase.db path that makes it resumable."""
    return Screener(settings, store, progress).screen(atoms, name)
