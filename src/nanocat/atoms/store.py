"""Relaxation results and their cache: one ase.db row per finished job, written the moment it finishes.

Searchable key-value pairs of each row: ``key, system, site, adsorbate, orientation, kind, method,
converged, status`` ("done", "failed", or "superseded" for a failure later retried successfully) and
``nanocat_version``; the full :class:`JobResult` (settings, provenance, error text) sits in the row's
``data``; the final geometry is the row's Atoms with a
single-point calculator holding the energy (eV) and forces (eV/Å).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
import copy
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import ase.db
import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.db.sqlite import SQLite3Database
from ase.io.jsonio import decode, encode

from nanocat._version import __version__
from nanocat.errors import InputError

log = logging.getLogger(__name__)

#: How long a writer keeps retrying a locked SQLite file before giving up, s (ase.db itself waits 20 s).
LOCK_RETRY_S = 120.0


def atoms_to_json(atoms: Atoms) -> str:
    """Atoms (with constraints and info) as a JSON string (ase.io.jsonio; no pickle)."""
    return encode(atoms)


def atoms_from_json(text: str) -> Atoms:
    """Inverse of :func:`atoms_to_json`."""
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
    error_kind: str | None = None

    def __post_init__(self) -> None:
        if self.error_kind is None and self.error is not None:
            # rows written before error_kind existed: their error text began with the exception type
            kind = _legacy_error_kind(self.error)
            if kind is not None:
                object.__setattr__(self, "error_kind", kind)

    @property
    def ok(self) -> bool:
        """True when the job finished without error (its geometry may still be unconverged)."""
        return self.error is None and self.energy_eV is not None

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form; the geometry is an ase.io.jsonio string."""
        # not dataclasses.asdict: it would deep-copy the Atoms and any live calculator attached to them
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "atoms"}
        out["atoms"] = None if self.atoms is None else atoms_to_json(self.atoms)
        calc = self.atoms.calc if self.atoms is not None else None
        forces = calc.results.get("forces") if calc is not None else None
        out["forces"] = None if forces is None else np.asarray(forces, dtype=float).tolist()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        text = data.pop("atoms", None)
        forces = data.pop("forces", None)
        atoms = None if text is None else atoms_from_json(text)
        if atoms is not None and data.get("energy_eV") is not None:
            atoms.calc = SinglePointCalculator(
                atoms, energy=data["energy_eV"], forces=None if forces is None else np.asarray(forces)
            )
        return cls(**data, atoms=atoms)


def _legacy_error_kind(error: str) -> str | None:
    """error_kind of a result stored by nanocat 0.1, which recorded only ``"<ExceptionType>: message"``."""
    if error.startswith(("CalculationFailed", "SCFError")):
        return "scf"
    if error.startswith("not run"):
        return "not_run"
    return None


def _is_transient(exc: sqlite3.OperationalError) -> bool:
    """SQLite errors that a second try cures: a busy file, or two processes creating the tables at once."""
    text = str(exc).lower()
    return any(word in text for word in ("locked", "busy", "already exists", "no such table"))


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
        self.url = str(url)
        try:
            if "://" not in self.url:
                Path(self.url).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            # No ase lock file: a killed writer would leave it behind and block every later run. SQLite's own
            # locks die with their process; writes take SQLite's write lock instead (see write()).
            self._db = ase.db.connect(self.url, use_lock_file=False)
            _retry(f"open {self.url}", self._db.count)  # creates the tables now, outside any write transaction
        except ValueError as exc:  # ase: "No file extension or database type given"
            raise InputError(
                f"cannot open result database {self.url!r}: {exc}; use a file ending in .db (SQLite) "
                "or a postgresql:// URL"
            ) from exc
        except (OSError, sqlite3.Error) as exc:  # /proc/x.db, a read-only folder, a file that is not SQLite
            raise InputError(f"cannot open result database {self.url!r}: {exc} (choose a writable path with --db)") from exc

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
        record.pop("forces", None)
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
        data = {"result": replace(result, atoms=None, reused=False).as_dict()}  # geometry: the row itself
        return int(_retry(f"write {self.url}", self._write_once, atoms, kvp, data, result.ok))

    def _write_once(self, atoms: Atoms, kvp: dict[str, Any], data: dict[str, Any], ok: bool) -> int:
        """Check for a finished row and write ours in one transaction (SQLite: under its write lock)."""
        if not isinstance(self._db, SQLite3Database):  # server databases: check, then write
            return self._check_and_write(self._db, atoms, kvp, data, ok)
        with self._db as db:  # one connection; committed on exit, rolled back on error
            db.connection.execute("BEGIN IMMEDIATE")
            return self._check_and_write(db, atoms, kvp, data, ok)

    @staticmethod
    def _check_and_write(db: Any, atoms: Atoms, kvp: dict[str, Any], data: dict[str, Any], ok: bool) -> int:
        """Keep an existing finished row (another process won the race); else write, superseding failures."""
        for row in db.select(key=kvp["key"], status="done"):
            return int(row.id)
        row_id = int(db.write(atoms, key_value_pairs=kvp, data=data))
        if ok:
            for row in list(db.select(key=kvp["key"], status="failed")):
                db.update(row.id, status="superseded")
        return row_id

    def __iter__(self) -> Iterator[JobResult]:
        return iter(self.results())
