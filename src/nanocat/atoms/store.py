"""Relaxation results and their cache: one ase.db row per finished job, written the moment it finishes.

Searchable key-value pairs of each row: ``key, system, site, adsorbate, orientation, kind, method,
converged, status`` ("done" or "failed") and ``nanocat_version``; the full :class:`JobResult` (settings,
provenance, error text) sits in the row's ``data``; the final geometry is the row's Atoms with a
single-point calculator holding the energy (eV) and forces (eV/Å).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ase import Atoms

from nanocat._version import __version__
from nanocat.errors import InputError

log = logging.getLogger(__name__)

#: How long a writer keeps retrying a locked SQLite file before giving up, s (ase.db itself waits 20 s).
LOCK_RETRY_S = 120.0


def atoms_to_json(atoms: Atoms) -> str:
    """Atoms (with constraints and info) as a JSON string (ase.io.jsonio; no pickle)."""
    from ase.io.jsonio import encode

    return encode(atoms)


def atoms_from_json(text: str) -> Atoms:
    """Inverse of :func:`atoms_to_json`."""
    from ase.io.jsonio import decode

    atoms = decode(text)
    if not isinstance(atoms, Atoms):
        raise InputError("JSON document does not hold an ASE Atoms object")
    return atoms


@dataclass(frozen=True)
class JobResult:
    """Outcome of one relaxation: final energy (eV), geometry, method and settings, or the error."""

    key: str
    system: str
    site: str
    adsorbate: str
    orientation: int
    kind: str
    energy_eV: float | None
    method_label: str
    settings: dict[str, Any] = field(default_factory=dict)
    converged: bool = False
    n_steps: int = 0
    error: str | None = None
    atoms: Atoms | None = field(default=None, compare=False)
    reused: bool = False

    @property
    def ok(self) -> bool:
        """True when the job finished without error (its geometry may still be unconverged)."""
        return self.error is None and self.energy_eV is not None

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form; the geometry is an ase.io.jsonio string."""
        out = {k: v for k, v in asdict(self).items() if k != "atoms"}
        out["atoms"] = None if self.atoms is None else atoms_to_json(self.atoms)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        text = data.pop("atoms", None)
        return cls(**data, atoms=None if text is None else atoms_from_json(text))


def _is_transient(exc: sqlite3.OperationalError) -> bool:
    """SQLite errors that a second try cures: a busy file, or two processes creating the tables at once."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text or "already exists" in text


def _retry(action: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and retry on a transiently locked SQLite database (with jittered back-off)."""
    deadline = time.monotonic() + LOCK_RETRY_S
    delay = 0.05
    while True:
        try:
            return func(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not _is_transient(exc) or time.monotonic() > deadline:
                raise
            log.debug("%s: %s; retrying in %.2f s", action, exc, delay)
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2.0, 2.0)


class ResultStore:
    """Cache of :class:`JobResult` rows in an ase.db database (SQLite file, or a postgresql:// URL)."""

    def __init__(self, url: str | Path) -> None:
        import ase.db

        self.url = str(url)
        if "://" not in self.url:
            Path(self.url).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        self._db = ase.db.connect(self.url)

    def __repr__(self) -> str:
        return f"ResultStore({self.url!r})"

    def _rows(self, **selection: Any) -> list[Any]:
        """All rows matching key-value pairs (retried while the file is locked)."""
        return _retry(f"read {self.url}", lambda: list(self._db.select(**selection)))

    @staticmethod
    def _from_row(row: Any) -> JobResult:
        """Rebuild a JobResult from its row (geometry from the row, the rest from ``data``)."""
        record = dict(row.data["result"])
        record.pop("atoms", None)
        atoms = row.toatoms()
        if record.get("energy_eV") is None:
            atoms.calc = None
        return JobResult(**record, atoms=atoms)

    def get(self, key: str) -> JobResult | None:
        """The stored result of a job key (a finished row wins over a failed one), or None."""
        rows = self._rows(key=key)
        if not rows:
            return None
        done = [r for r in rows if r.get("status") == "done"]
        return self._from_row(max(done or rows, key=lambda r: r.id))

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return int(_retry(f"count {self.url}", self._db.count))

    def results(self, **selection: Any) -> list[JobResult]:
        """Every stored result, optionally filtered by key-value pairs (e.g. ``system="Cu13"``)."""
        return [self._from_row(row) for row in self._rows(**selection)]

    def write(self, result: JobResult) -> int:
        """Write one result now (never a second finished row for the same key); returns the row id."""
        from ase.calculators.singlepoint import SinglePointCalculator

        existing = self._rows(key=result.key, status="done")
        if existing:  # another process finished the same job meanwhile: keep its row
            return int(existing[0].id)
        atoms = result.atoms.copy() if result.atoms is not None else Atoms()
        if result.energy_eV is not None and len(atoms):
            calc = result.atoms.calc if result.atoms is not None else None
            forces = calc.results.get("forces") if calc is not None else None
            atoms.calc = SinglePointCalculator(atoms, energy=result.energy_eV, forces=forces)
        kvp = {
            "key": result.key,
            "system": result.system,
            "site": result.site,
            "adsorbate": result.adsorbate,
            "orientation": int(result.orientation),
            "kind": result.kind,
            "method": result.method_label,
            "converged": bool(result.converged),
            "status": "done" if result.ok else "failed",
            "nanocat_version": __version__,
        }
        record = replace(result, atoms=None, reused=False).as_dict()
        row_id = int(_retry(f"write {self.url}", self._db.write, atoms, key_value_pairs=kvp, data={"result": record}))
        if result.ok:
            stale = [r.id for r in self._rows(key=result.key, status="failed")]
            if stale:
                _retry(f"delete {self.url}", self._db.delete, stale)
        return row_id

    def __iter__(self) -> Iterator[JobResult]:
        return iter(self.results())
