"""What the explorer shows besides the knowledge base: screens rebuilt from ase.db stores, screen and kinetics JSON.

A store (``nanocat screen --db``) holds one row per relaxation, not the screen's result: the screen is rebuilt
here per (host structure, method) from its finished rows, the same way :mod:`nanocat.atoms.screen_results`
does it (lowest intact energy per site and intermediate, adsorbate and catalyst rearrangements excluded, CHE
free energies with the engine's correction preset). Failed, partial and pending rows never stop the rebuild:
what cannot be analysed is shown as a note. A store does not keep each job's initial geometry: the adsorbate's
own template stands in for its initial bonds (see :func:`_adsorbate_state`).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ase.db
from ase import Atoms

from nanocat._version import __version__
from nanocat.atoms.reconstruction import host_change
from nanocat.atoms.adsorbates import AdsorbateSpec
from nanocat.atoms.screen_results import AdsorptionRow, ScreenResult, adsorbate_state, analyse_rows
from nanocat.atoms.screen_settings import ScreenSettings
from nanocat.atoms.store import JobResult, ResultStore, atoms_from_json, atoms_to_json
from nanocat.errors import InputError, NanocatError
from nanocat.kinetics.results import KineticsResult
from nanocat.thermo import FreeEnergyAnalysis, formation_energies_from_electronic
from nanocat.thermo.selectivity import predict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreenView:
    """One screened host as the explorer shows it: diagrams, ΔG per site (eV), geometry and sites (Å).

    ``analysis`` is None when the rows do not allow one (clean structure or gas references failed or
    pending); ``notes`` then say why. ``n_done``/``n_failed``/``n_pending`` count the relaxations behind it.
    """

    slug: str
    name: str
    source: str
    method: str
    formula: str
    charge: int
    analysis: FreeEnergyAnalysis | None
    predicted_product: str | None
    reason: str
    rows: tuple[AdsorptionRow, ...] = ()
    sites: tuple[dict[str, Any], ...] = ()
    atoms: Atoms | None = field(default=None, compare=False)
    n_done: int = 0
    n_failed: int = 0
    n_pending: int = 0
    notes: tuple[str, ...] = ()
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (geometry as an ase.io.jsonio string)."""
        return {"slug": self.slug, "name": self.name, "source": self.source, "method": self.method,
                "formula": self.formula, "charge": self.charge,
                "analysis": None if self.analysis is None else self.analysis.as_dict(),
                "predicted_product": self.predicted_product, "reason": self.reason,
                "rows": [r.as_dict() for r in self.rows], "sites": [dict(s) for s in self.sites],
                "atoms": None if self.atoms is None else atoms_to_json(self.atoms), "n_done": self.n_done,
                "n_failed": self.n_failed, "n_pending": self.n_pending, "notes": list(self.notes),
                "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreenView:
        """Inverse of :meth:`as_dict`."""
        d = dict(data)
        d["analysis"] = None if d.get("analysis") is None else FreeEnergyAnalysis.from_dict(d["analysis"])
        d["rows"] = tuple(AdsorptionRow.from_dict(r) for r in d.get("rows", ()))
        d["sites"] = tuple(d.get("sites", ()))
        d["atoms"] = None if d.get("atoms") is None else atoms_from_json(d["atoms"])
        d["notes"] = tuple(d.get("notes", ()))
        return cls(**d)


@dataclass(frozen=True)
class KineticsView:
    """One microkinetic sweep (``nanocat kinetics --json``) with where it came from."""

    slug: str
    name: str
    source: str
    result: KineticsResult

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"slug": self.slug, "name": self.name, "source": self.source, "result": self.result.as_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KineticsView:
        """Inverse of :meth:`as_dict`."""
        return cls(data["slug"], data["name"], data["source"], KineticsResult.from_dict(data["result"]))


def slugify(text: str, taken: set[str] | None = None) -> str:
    """A file-name-safe stem of ``text``, made unique against ``taken`` (which it extends)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.") or "item"
    slug, n = stem, 2
    while taken is not None and slug.lower() in taken:
        slug, n = f"{stem}-{n}", n + 1
    if taken is not None:
        taken.add(slug.lower())
    return slug


def open_store(url: str | Path) -> ResultStore:
    """Open an existing result store read-only in spirit: a missing file or one that is not an ase.db -> InputError."""
    text = str(url)
    if "://" not in text:
        path = Path(text).expanduser()
        if not path.is_file():
            raise InputError(f"--db {text}: no such file (give an ase.db written by `nanocat screen --db`)")
        try:  # never let ase add its tables to someone else's SQLite file
            with sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True) as con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.Error as exc:
            raise InputError(f"--db {text}: not an ase.db database ({exc})") from exc
        if "systems" not in tables:
            raise InputError(f"--db {text}: not an ase.db database (SQLite file without ase's 'systems' table)")
    return ResultStore(text)


def store_results(store: ResultStore) -> list[JobResult]:
    """Every nanocat relaxation row of a store; rows another program wrote are skipped with a warning."""
    try:
        return store.results()
    except (KeyError, TypeError) as exc:  # an ase.db whose rows carry no nanocat JobResult in `data`
        log.warning("%s: rows without nanocat results (%s); nothing to show from it", store.url, exc)
        return []


def screens_from_store(store: ResultStore | str | Path, taken: set[str] | None = None) -> list[ScreenView]:
    """One :class:`ScreenView` per (host structure, method) found in an ase.db store (opened, or its URL)."""
    store = store if isinstance(store, ResultStore) else open_store(store)
    results = store_results(store)
    taken = set() if taken is None else taken
    names = _planned_names(store.url)
    views = []
    for method in sorted({r.method_label for r in results}):
        mine = [r for r in results if r.method_label == method]
        gases = {r.adsorbate: r for r in _finished_first(r for r in mine if r.kind == "gas")}
        for systems in _host_groups(mine):
            rows = [r for r in mine if r.kind in ("clean", "adsorbate") and r.system in systems]
            views.append(_rebuild(store.url, method, rows, gases, taken, names))
    return views


def _planned_names(url: str) -> dict[str, str]:
    """Job key -> the cluster name the screen gave it (from the plans screens record in the store), if any."""
    from nanocat.atoms.store_status import PLAN_KEY

    try:
        plans = ase.db.connect(url, use_lock_file=False).metadata.get(PLAN_KEY, {})
    except Exception as exc:  # noqa: BLE001  (a store without readable metadata: fall back to formulas)
        log.info("no screen plans in %s (%s): screens are named by formula", url, exc)
        return {}
    return {key: str(name) for name, plan in plans.items()
            for keys in (plan.get("engines") or {}).values() for key in keys}


def _host_groups(results: Sequence[JobResult]) -> list[set[str]]:
    """The ``system`` labels of each host: its clean job's, and its relaxed geometry's (which its adsorbate jobs carry).

    A bare host's adsorbates go on its relaxed geometry, whose structure hash (with the job's charge and
    multiplicity) becomes their ``system``; a vacancy host keeps its input geometry's. Adsorbate rows no clean
    row claims form groups of their own.
    """
    from nanocat.atoms.structures import structure_hash

    groups: list[set[str]] = []
    claimed: set[str] = set()
    for clean in _finished_first(r for r in results if r.kind == "clean"):
        systems = {clean.system}
        if clean.ok and clean.atoms is not None:
            relaxed = clean.atoms.copy()
            relaxed.set_constraint()
            relaxed.info = {"charge": int(clean.settings.get("charge", 0)),
                            "multiplicity": clean.settings.get("multiplicity")}
            systems.add(structure_hash(relaxed))
        if clean.system in claimed:
            continue
        claimed |= systems
        groups.append(systems)
    groups.extend({s} for s in sorted({r.system for r in results if r.kind == "adsorbate"} - claimed))
    return groups


def _finished_first(results: Any) -> list[JobResult]:
    """Results ordered so that, per key, a finished one comes last (dict() then keeps it)."""
    return sorted(results, key=lambda r: r.ok)


def _rebuild(source: str, method: str, rows: Sequence[JobResult], gases: Mapping[str, JobResult],
             taken: set[str], names: Mapping[str, str] | None = None) -> ScreenView:
    """Rebuild one host's free-energy analysis from its store rows; anything missing becomes a note."""
    clean = next((r for r in rows if r.kind == "clean" and r.ok), None)
    system = (clean or rows[0]).system
    clean_any = clean or next((r for r in rows if r.kind == "clean"), None)
    ads = [r for r in rows if r.kind == "adsorbate"]
    pending = [r for r in rows if r.error_kind == "pending"]
    failed = [r for r in rows if not r.ok and r.error_kind != "pending"]
    atoms = clean.atoms if clean is not None else (clean_any.atoms if clean_any is not None else None)
    formula = atoms.get_chemical_formula() if atoms is not None and len(atoms) else system[:8]
    charge = int((clean_any.settings if clean_any else {}).get("charge", 0))
    notes: list[str] = []
    base = dict(source=source, method=method, formula=formula, charge=charge, n_done=sum(r.ok for r in rows),
                n_failed=len(failed), n_pending=len(pending))
    label = (names or {}).get(clean_any.key if clean_any is not None else "", formula)  # the screen's own name
    name = f"{label} ({method})"
    slug = slugify(f"{label}-{method}-{system[:6]}", taken)
    sites = _sites_from_rows(ads, atoms)
    if clean is None:
        why = "pending" if clean_any is not None and clean_any.error_kind == "pending" else "failed or missing"
        error = f": {clean_any.error}" if clean_any is not None and clean_any.error else ""
        notes.append(f"clean structure {why}{error}; no free energies")
        return ScreenView(slug, name, analysis=None, predicted_product=None, reason=notes[0], sites=sites,
                          atoms=atoms, notes=tuple(notes), **base)
    preset = str(clean.settings.get("corrections") or "none")
    try:
        settings = ScreenSettings(adsorbates=tuple(sorted({r.adsorbate for r in ads})) or ("H",))
        gas_eV = {f"{name_}(g)": r.energy_eV for name_, r in gases.items() if r.ok}
        missing = [g for g in settings.gas_specs() if f"{g.name}(g)" not in gas_eV]
        if missing:
            notes.append("gas references without energy: " + ", ".join(g.name for g in missing))
        specs = {s.name: s for s in settings.adsorbate_specs()}
        corrections = settings.correction_set(preset)
        table = _adsorption_rows(clean, ads, specs, gas_eV, corrections, method)
        analysis, _ = analyse_rows(float(clean.energy_eV), table, gas_eV, corrections, method, settings.products,
                                   settings.network())
    except (NanocatError, KeyError, ValueError) as exc:
        notes.append(f"no free-energy analysis from these rows: {exc}")
        return ScreenView(slug, name, analysis=None, predicted_product=None, reason=notes[-1], sites=sites,
                          atoms=atoms, notes=tuple(notes), **base)
    n_host = sum(r.n_host_rearranged for r in table)
    n_broken = sum(r.n_rearranged for r in table) - n_host
    if n_host:
        notes.append(f"{n_host} relaxations in which the catalyst itself rearranged are excluded")
    if n_broken:
        notes.append(f"{n_broken} relaxations in which the adsorbate rearranged or desorbed are excluded")
    if pending:
        notes.append(f"{len(pending)} relaxations await imported results")
    prediction = predict(analysis)
    return ScreenView(slug, name, analysis=analysis, predicted_product=prediction.product, reason=prediction.reason,
                      rows=tuple(table), sites=sites, atoms=atoms, notes=tuple(notes), **base)


def _adsorbate_state(final: Atoms, n_host_atoms: int, spec: AdsorbateSpec) -> str:
    """:func:`adsorbate_state` of a stored relaxation, its initial bonds taken from the adsorbate's own geometry.

    Placements keep the spec's atom order after the host's atoms, and the bonds inside an adsorbate do not depend
    on where or how it was placed, so the template stands in for the initial geometry the store does not keep.
    """
    template = spec.geometry()
    if final.get_chemical_symbols()[n_host_atoms:] != template.get_chemical_symbols():
        return "unknown"
    initial = final.copy()
    positions = initial.get_positions()
    positions[n_host_atoms:] = template.get_positions() + positions[n_host_atoms:].mean(axis=0)
    initial.set_positions(positions)
    return adsorbate_state(initial, final, range(n_host_atoms, len(final)))


def _adsorption_rows(clean: JobResult, ads: Sequence[JobResult], specs: Mapping[str, AdsorbateSpec],
                     gas_eV: Mapping[str, float], corrections: Any, method: str) -> list[AdsorptionRow]:
    """Lowest intact energy per (site, intermediate) with its formation ΔG (eV), rearrangements excluded."""
    species = {name: spec.species for name, spec in specs.items()}
    offsets = formation_energies_from_electronic(float(clean.energy_eV), dict.fromkeys(species.values(), 0.0),
                                                 gas_eV, corrections, method)
    n_host_atoms = len(clean.atoms)
    groups: dict[tuple[str, str], list[JobResult]] = {}
    for r in ads:
        groups.setdefault((r.site, r.adsorbate), []).append(r)
    out = []
    for (site, adsorbate), tried in sorted(groups.items()):
        ok, n_host, n_broken = [], 0, 0
        for r in tried:
            if not r.ok or r.atoms is None or len(r.atoms) < n_host_atoms:
                continue
            if _adsorbate_state(r.atoms, n_host_atoms, specs[adsorbate]) != "intact":
                n_broken += 1
                continue
            if host_change(clean.atoms, r.atoms[:n_host_atoms], range(n_host_atoms)).reconstructed:
                n_host += 1
                continue
            ok.append((float(r.energy_eV), r.orientation, r.key))
        n_pending = sum(r.error_kind == "pending" for r in tried)
        n_failed = sum(not r.ok and r.error_kind != "pending" for r in tried)
        energy, orientation, key = min(ok) if ok else (None, None, None)
        sp = species[adsorbate]
        dG = None if energy is None else energy + offsets.get(sp)
        out.append(AdsorptionRow(clean.system, site, adsorbate, sp, energy, dG, orientation, len(tried),
                                 n_host + n_broken, n_failed, key, n_host, (), n_pending))
    return out


def _sites_from_rows(ads: Sequence[JobResult], host: Atoms | None) -> tuple[dict[str, Any], ...]:
    """Site markers (id and the centroid of the host atoms nearest the adsorbate's first atom, Å)."""
    if host is None or not len(host):
        return ()
    import numpy as np

    n = len(host)
    sites: dict[str, dict[str, Any]] = {}
    for r in ads:
        if r.site in sites or r.atoms is None or len(r.atoms) <= n:
            continue
        anchor = r.atoms.positions[n]
        d = np.linalg.norm(host.positions - anchor, axis=1)
        parts = r.site.split(":")  # "s2:bridge:Cu-Cu"
        k = {"top": 1, "bridge": 2, "hollow": 3}.get(parts[1] if len(parts) > 1 else "", 1)
        nearest = np.argsort(d)[:k]
        sites[r.site] = {"id": r.site, "label": ":".join(parts[1:]) or r.site,
                         "position": host.positions[nearest].mean(axis=0).round(4).tolist()}
    return tuple(sites[k] for k in sorted(sites))


def views_from_json(path: str | Path, stores: Sequence[ResultStore] = (), taken: set[str] | None = None
                    ) -> tuple[list[ScreenView], list[KineticsView]]:
    """Screens and kinetics sweeps of a JSON file (screen, demo or kinetics ``--json`` output)."""
    path = Path(path)
    taken = set() if taken is None else taken
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"--result {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"--result {path}: not a JSON document ({exc})") from exc
    docs = doc.get("results") if isinstance(doc, dict) and isinstance(doc.get("results"), list) else [doc]
    screens, sweeps = [], []
    for i, d in enumerate(docs):
        if isinstance(d, dict) and "hosts" in d and "rows" in d:
            try:
                result = ScreenResult.from_dict(d)
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"--result {path}: screen result #{i + 1} is malformed ({exc})") from exc
            screens.append(_from_screen(result, str(path), stores, taken))
        elif isinstance(d, dict) and "potential_V" in d and "fe_percent" in d:
            try:
                result_k = KineticsResult.from_dict(d)
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"--result {path}: kinetics result is malformed ({exc})") from exc
            name = Path(result_k.source).name if result_k.source else path.stem
            sweeps.append(KineticsView(slugify(f"kinetics-{path.stem}", taken), name, str(path), result_k))
        else:
            raise InputError(f"--result {path}: neither a `nanocat screen --json` nor a `nanocat kinetics --json` "
                             "document (no 'hosts'/'rows' or 'potential_V'/'fe_percent' keys)")
    return screens, sweeps


def _from_screen(result: ScreenResult, source: str, stores: Sequence[ResultStore], taken: set[str]) -> ScreenView:
    """A ScreenView of a screen result's best host (geometry from a given store when it holds the clean row)."""
    name = f"{result.name} ({result.method})"
    base = dict(source=source, method=result.method, formula=result.formula, charge=result.charge,
                n_done=result.computed + result.reused, n_failed=result.failed, n_pending=len(result.pending),
                notes=tuple(result.notes))
    slug = slugify(f"{result.name}-{result.method}", taken)
    if not result.hosts:
        return ScreenView(slug, name, analysis=None, predicted_product=None, reason=result.reason, **base)
    host = result.best_host
    atoms = None
    for store in stores:
        found = store.get(host.clean_key) if host.clean_key else None
        if found is not None and found.atoms is not None:
            atoms = found.atoms
            break
    rows = tuple(r for r in result.rows if r.host == host.name)
    sites = tuple({"id": s.get("id"), "label": s.get("label", s.get("id")), "position": list(s.get("position", ()))}
                  for s in host.sites)
    return ScreenView(slug, name, analysis=host.analysis, predicted_product=result.predicted_product,
                      reason=result.reason, rows=rows, sites=sites, atoms=atoms, **base)
