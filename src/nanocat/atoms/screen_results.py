"""Typed results of a screen, and how they are built from relaxation results (read by job key, not position).

- :class:`AdsorptionRow`: the best intact relaxation of one intermediate on one site, with its ΔG (eV).
- :class:`HostResult`: one host with its :class:`~nanocat.thermo.FreeEnergyAnalysis` (from the lowest
  energy of each intermediate over its sites) and its :class:`~nanocat.thermo.selectivity.Prediction`.
- :class:`ScreenResult`: everything one screen found; ``as_dict()`` is what ``nanocat screen --json`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import covalent_radii
from ase.neighborlist import natural_cutoffs, neighbor_list

from nanocat._version import __version__
from nanocat.atoms.engines import Engine
from nanocat.atoms.reconstruction import host_change
from nanocat.atoms.refine import Refinement
from nanocat.atoms.screen_jobs import Host
from nanocat.atoms.store import JobResult
from nanocat.atoms.workflow import RelaxJob
from nanocat.chem.network import ReactionNetwork
from nanocat.thermo import CorrectionSet, FreeEnergyAnalysis, analyze, formation_energies_from_electronic
from nanocat.thermo.plausibility import PlausibilityFlag, check_formation_energies, summarize_flags
from nanocat.thermo.selectivity import Prediction, best_co2rr, predict


@dataclass(frozen=True)
class AdsorptionRow:
    """Best relaxation of one intermediate on one site: electronic energy (eV) and formation ΔG (eV, U = 0 V_RHE).

    ``job_key`` is the cache key of that relaxation (its geometry is in the store under it), None when none
    stayed intact. ``n_rearranged`` counts every relaxation that did not stay intact; ``n_host_rearranged`` those
    of them in which the *catalyst* rebuilt itself (more than 10 % of its bonds changed,
    :func:`~nanocat.atoms.reconstruction.host_change`): their energy measures an isomerisation of the host, not
    adsorption, so they are never used. ``flags`` mark a ΔG outside its cited plausible window. ``n_pending``
    counts its jobs that await imported results (external engine; not failed).
    """

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
    job_key: str | None = None
    n_host_rearranged: int = 0
    flags: tuple[PlausibilityFlag, ...] = ()
    n_pending: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = {k: v for k, v in asdict(self).items() if k != "flags"}
        out["flags"] = [f.as_dict() for f in self.flags]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdsorptionRow:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        data["flags"] = tuple(PlausibilityFlag.from_dict(f) for f in data.get("flags", ()))
        return cls(**data)


@dataclass(frozen=True)
class HostResult:
    """One host (the bare cluster, or the cluster with one ligand removed) and its free-energy analysis."""

    name: str
    description: str
    clean_energy_eV: float
    sites: list[dict[str, Any]]
    n_site_candidates: int
    analysis: FreeEnergyAnalysis
    best_species_site: dict[str, str]
    clean_key: str | None = None
    flags: tuple[PlausibilityFlag, ...] = ()

    @property
    def prediction(self) -> Prediction:
        """The predicted product of this host and why, warned by every implausible ΔG its diagram uses."""
        prediction = predict(self.analysis)
        if not self.flags:
            return prediction
        return replace(prediction, reason=f"{prediction.reason}; {summarize_flags(self.flags)}",
                       warnings=(*prediction.warnings, *(f.message for f in self.flags)))

    @property
    def score_V_RHE(self) -> float:
        """U_L (V_RHE) of the host's best open CO2RR product; -inf when none is open."""
        best = best_co2rr(self.analysis)
        return -np.inf if best is None else float(best.limiting_potential_V_RHE)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the analysis as its own JSON document)."""
        return {"name": self.name, "description": self.description, "clean_energy_eV": self.clean_energy_eV,
                "sites": self.sites, "n_site_candidates": self.n_site_candidates,
                "analysis": self.analysis.as_dict(), "best_species_site": dict(self.best_species_site),
                "clean_key": self.clean_key, "flags": [f.as_dict() for f in self.flags]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        data["analysis"] = FreeEnergyAnalysis.from_dict(data["analysis"])
        data["flags"] = tuple(PlausibilityFlag.from_dict(f) for f in data.get("flags", ()))
        return cls(**data)


@dataclass(frozen=True)
class ScreenResult:
    """Everything one screen found, with its inputs, engine and nanocat version (JSON round-trips).

    ``gas_energies_eV`` are the gas references' electronic energies and ``gas_keys`` their cache keys (with
    each row's ``job_key`` and each host's ``clean_key``: where a refinement finds every geometry).
    ``pending`` lists the jobs that await imported results (external engine): ``{"id", "dir", "kind", "host",
    "site", "adsorbate", "orientation", "key"}``, ``dir`` being the job's folder in an export; they are not
    failures, and a host whose clean structure or reference gases are pending is not analysed (absent from
    ``hosts``; with none analysed the prediction is None).
    ``refinement`` holds the same diagrams recomputed with a second engine (``ScreenSettings.refine``).
    """

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
    prediction: Prediction
    computed: int
    reused: int
    failed: int
    nanocat_version: str = __version__
    notes: list[str] = field(default_factory=list)
    gas_energies_eV: dict[str, float] = field(default_factory=dict)
    gas_keys: dict[str, str] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    refinement: Refinement | None = None

    @property
    def predicted_product(self) -> str | None:
        """The predicted product (``"CO"``, ``"H2"``, ...) of the best host, or None."""
        return self.prediction.product

    @property
    def reason(self) -> str:
        """Why, in words."""
        return self.prediction.reason

    @property
    def best_host(self) -> HostResult:
        """The host whose predicted CO2RR product has the least negative limiting potential."""
        return max(self.hosts, key=lambda h: h.score_V_RHE)

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (what ``nanocat screen --json`` prints)."""
        return {"name": self.name, "formula": self.formula, "charge": self.charge, "multiplicity": self.multiplicity,
                "n_atoms": self.n_atoms, "method": self.method, "engine_settings": self.engine_settings,
                "settings": self.settings, "hosts": [h.as_dict() for h in self.hosts],
                "rows": [r.as_dict() for r in self.rows], "predicted_product": self.predicted_product,
                "reason": self.reason, "prediction": self.prediction.as_dict(), "computed": self.computed,
                "reused": self.reused, "failed": self.failed, "nanocat_version": self.nanocat_version,
                "notes": list(self.notes), "gas_energies_eV": dict(self.gas_energies_eV),
                "gas_keys": dict(self.gas_keys), "pending": [dict(p) for p in self.pending],
                "refinement": None if self.refinement is None else self.refinement.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreenResult:
        """Inverse of :meth:`as_dict` (documents without ``prediction`` rebuild it from product and reason)."""
        data = dict(data)
        data.pop("report", None)  # `nanocat screen --json` adds the report's path beside the result
        product, reason = data.pop("predicted_product", None), data.pop("reason", "")
        data["prediction"] = (Prediction.from_dict(data["prediction"]) if "prediction" in data
                              else Prediction(product, reason))
        data["hosts"] = [HostResult.from_dict(h) for h in data["hosts"]]
        data["rows"] = [AdsorptionRow.from_dict(r) for r in data["rows"]]
        refinement = data.pop("refinement", None)
        return cls(**data, refinement=None if refinement is None else Refinement.from_dict(refinement))


def adsorbate_state(initial: Atoms, final: Atoms, adsorbate_indices: Sequence[int]) -> str:
    """``"intact"``, ``"rearranged"`` (bonds inside the adsorbate changed) or ``"desorbed"`` (no contact left)."""
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
    radii = covalent_radii[final.numbers]
    d = np.linalg.norm(final.positions[idx][:, None, :] - final.positions[host][None, :, :], axis=2)
    contact = d < 1.3 * (radii[idx][:, None] + radii[host][None, :])
    return "intact" if contact.any() else "desorbed"


def host_rows(host: Host, clean_eV: float, gas_eV: Mapping[str, float], engine: Engine,
              species: Mapping[str, str], jobs: Sequence[RelaxJob], results: Mapping[str, JobResult],
              corrections: CorrectionSet) -> list[AdsorptionRow]:
    """Lowest intact relaxation per site and intermediate of one host, with its formation ΔG (eV).

    ``species`` maps adsorbate name -> thermo species; ``results`` are keyed by job key, so every result is
    read through the job (host, site, adsorbate, initial geometry, adsorbate atoms) that asked for it.
    """
    by_site: dict[tuple[str, str], list[tuple[RelaxJob, JobResult]]] = {}
    for job in jobs:
        if job.host == host.name and job.kind == "adsorbate":
            by_site.setdefault((job.site, job.adsorbate), []).append((job, results[job.key(engine)]))
    method = engine.label
    # G_f is E + (a constant per species): one call with E = 0 gives every constant
    offsets = formation_energies_from_electronic(clean_eV, dict.fromkeys(species.values(), 0.0), gas_eV,
                                                 corrections, method)
    rows = []
    for sid, site in zip(host.site_ids(), host.sites, strict=True):
        for adsorbate, sp in species.items():
            tried = by_site.get((sid, adsorbate), [])
            waiting = [r for _, r in tried if r.error_kind == "pending"]
            failed = [r for _, r in tried if r.energy_eV is None and r.error_kind != "pending"]
            ok, n_host = [], 0
            for job, r in tried:
                if r.energy_eV is None or adsorbate_state(job.atoms, r.atoms, job.adsorbate_indices) != "intact":
                    continue
                host_atoms = [i for i in range(len(job.atoms)) if i not in set(job.adsorbate_indices)]
                if host_change(job.atoms, r.atoms, host_atoms).reconstructed:
                    n_host += 1
                    continue
                ok.append((r.energy_eV, r.orientation, r.key))
            energy, orientation, key = min(ok) if ok else (None, None, None)
            dG = None if energy is None else energy + offsets.get(sp)
            flags = () if dG is None else check_formation_energies({sp: dG}, list(site.elements))
            rows.append(AdsorptionRow(host.name, sid, adsorbate, sp, energy, dG, orientation, len(tried),
                                      len(tried) - len(failed) - len(waiting) - len(ok), len(failed), key, n_host,
                                      flags, len(waiting)))
    return rows


def analyse_rows(clean_eV: float, rows: Sequence[AdsorptionRow], gas_eV: Mapping[str, float], corrections: CorrectionSet,
                 method: str, products: Sequence[str], network: ReactionNetwork,
                 ) -> tuple[FreeEnergyAnalysis, dict[str, AdsorptionRow]]:
    """Free-energy analysis (eV, U = 0 V_RHE) from the lowest-energy row of each intermediate, and those rows."""
    best: dict[str, AdsorptionRow] = {}
    for row in rows:
        if row.energy_eV is not None and (row.species not in best or row.energy_eV < best[row.species].energy_eV):
            best[row.species] = row
    fe = formation_energies_from_electronic(clean_eV, {s: r.energy_eV for s, r in best.items()}, gas_eV,
                                            corrections, method)
    return analyze(fe, 0.0, list(products), network), best


def analyse_host(host: Host, clean_eV: float, clean_key: str | None, gas_eV: Mapping[str, float], method: str,
                 rows: Sequence[AdsorptionRow], corrections: CorrectionSet, products: Sequence[str],
                 network: ReactionNetwork) -> HostResult:
    """Free-energy analysis of a host from the lowest energy of each intermediate over its sites."""
    analysis, best = analyse_rows(clean_eV, rows, gas_eV, corrections, method, products, network)
    sites = [{**_plain(s.as_dict()), "id": sid} for sid, s in zip(host.site_ids(), host.sites, strict=True)]
    flags = tuple(f for r in best.values() for f in r.flags)
    return HostResult(host.name, host.description, clean_eV, sites, host.n_candidates, analysis,
                      {s: r.site for s, r in best.items()}, clean_key, flags)


def host_rearrangement_note(host: str, rows: Sequence[AdsorptionRow]) -> str | None:
    """A note when relaxations rebuilt the catalyst itself (those energies are excluded), else None."""
    n_host = sum(r.n_host_rearranged for r in rows)
    if not n_host:
        return None
    n_tried = sum(r.n_tried for r in rows)
    return (f"{host}: in {n_host} of {n_tried} relaxations the catalyst itself rearranged (more than 10 % of its "
            "bonds changed), so the input structure is not this engine's minimum; those energies measure the "
            "isomerisation, not adsorption, and are excluded")


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively, so that a result equals its own JSON round trip."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
