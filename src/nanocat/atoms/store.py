"""Relaxation results and their cache: one ase.db row per finished job, written the moment it finishes.

Searchable key-value pairs of each row: ``key, system, site, adsorbate, orientation, kind, method,
converged, status`` ("done", "failed", or "superseded" for a failure later retried successfully) and
``nanocat_version``; the full :class:`JobResult` (settings, provenance, error text) sits in the row's
``data``; the final geometry is the row's Atoms with a
single-point calculator holding the energy (eV) and forces (eV/Å).

The same store lives in an SQLite file or in a PostgreSQL database (``postgresql://user:pw@host/db``, the
``[postgres]`` extra) that many machines write at once. Either way the database itself keeps one finished row per
key: SQLite serialises writers under its write lock; PostgreSQL has a unique partial index on the key of finished
rows and serialises the writers of one key with a transaction-scoped advisory lock. :func:`copy_store` moves rows
between the two.
"""

from __future__ import annotations

import copy
import logging
import os
import random
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import ase.db
import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io.jsonio import decode, encode

from nanocat._version import __version__
from nanocat.errors import InputError, StoreError

log = logging.getLogger(__name__)

#: How long a writer keeps retrying a locked SQLite file before giving up, s (ase.db itself waits 20 s).
LOCK_RETRY_S = 120.0

#: URL schemes ase.db reads as PostgreSQL.
POSTGRES_SCHEMES = ("postgresql", "postgres")

#: How long opening a PostgreSQL store waits for the server to answer, s.
POSTGRES_CONNECT_TIMEOUT_S = 10

#: First key of nanocat's PostgreSQL advisory locks (second key: the job key's hash, or 0 for the schema).
_PG_LOCK_SPACE = 0x6E63  # "nc"

#: One finished row per job key in an SQLite store, enforced by SQLite itself (as _PG_INDEXES on PostgreSQL).
_SQLITE_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS nanocat_one_done_row_per_key ON systems "
    "(json_extract(key_value_pairs, '$.key')) WHERE json_extract(key_value_pairs, '$.status') = 'done'"
)

#: One finished row per job key, enforced by PostgreSQL itself (the same index guards every writer).
_PG_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS nanocat_one_done_row_per_key ON systems ((key_value_pairs->>'key')) "
    "WHERE key_value_pairs->>'status' = 'done'",
    "CREATE INDEX IF NOT EXISTS nanocat_key ON systems ((key_value_pairs->>'key'))",
)


def normalize_db_url(url: str | Path) -> str:
    """A --db value as text: a file path, or a PostgreSQL URL (repairing the ``postgresql:/`` that Path makes)."""
    text = str(url)
    for scheme in POSTGRES_SCHEMES:
        # pathlib collapses "//", so a URL that went through a typer Path option arrives as "postgresql:/u@h/db"
        if text.startswith(f"{scheme}:/") and not text.startswith(f"{scheme}://"):
            return f"{scheme}://{text[len(scheme) + 2:]}"
    return text


def is_postgres_url(url: str | Path) -> bool:
    """True when a --db value names a PostgreSQL database rather than an SQLite file."""
    scheme, sep, _ = normalize_db_url(url).partition("://")
    return bool(sep) and scheme.lower() in POSTGRES_SCHEMES


def redact_url(url: str | Path) -> str:
    """A database URL fit for messages and logs: its password replaced by ``***``."""
    text = normalize_db_url(url)
    if "://" not in text:
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


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


def _is_transient(exc: BaseException) -> bool:
    """Database errors that a second try cures: a busy SQLite file or two processes creating its tables at once;
    on PostgreSQL another writer that just won the same key, a deadlock victim, or a dropped connection."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(word in text for word in ("locked", "busy", "already exists", "no such table"))
    psycopg2 = sys.modules.get("psycopg2")
    if psycopg2 is None:
        return False
    from psycopg2 import errors as pg_errors
    from psycopg2.extensions import TransactionRollbackError

    return isinstance(exc, pg_errors.UniqueViolation | TransactionRollbackError | psycopg2.OperationalError)


def _retry(action: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func`` and retry on a transient database error (with jittered back-off) for up to LOCK_RETRY_S."""
    deadline = time.monotonic() + LOCK_RETRY_S
    delay = 0.05
    while True:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not _is_transient(exc):
                raise
            if time.monotonic() > deadline:
                if isinstance(exc, sqlite3.Error):
                    raise
                raise StoreError(f"{action}: the database kept failing for {LOCK_RETRY_S:.0f} s: "
                                 f"{_first_line(exc)}") from exc
            log.debug("%s: %s; retrying in %.2f s", action, exc, delay)
            time.sleep(delay * (1.0 + random.random()))
            delay = min(delay * 2.0, 2.0)


def _first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text (psycopg2 adds multi-line details)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


_POSTGRES_CLASS: type | None = None

#: PostgreSQL connections a forked process inherited from its parent: never used, never closed.
_INHERITED_CONNECTIONS: list[Any] = []


def _postgres_class() -> type:
    """ase's PostgreSQL backend, fixed for concurrent writers (imported on first use: the [postgres] extra)."""
    global _POSTGRES_CLASS
    if _POSTGRES_CLASS is not None:
        return _POSTGRES_CLASS
    try:
        import psycopg2

        try:
            from ase_db_backends import postgresql as backend  # ase >= 3.26 moved it out of ase
        except ImportError:
            from ase.db import postgresql as backend  # type: ignore[no-redef]
    except ImportError as exc:
        raise InputError(f"a postgresql:// --db needs psycopg2 and ase-db-backends ({exc}): "
                         "pip install 'nanocat[postgres]'") from exc

    from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_UNKNOWN

    class _Connection(backend.Connection):  # type: ignore[misc,name-defined]
        """ase's psycopg2 wrapper, kept open between operations, plus the rollback that ``with db:`` calls."""

        def rollback(self) -> None:
            """Abandon the open transaction."""
            self.con.rollback()

        def close(self) -> None:
            """End any open transaction but keep the connection (ase closes after every operation; a new one costs
            the server a process, ~10 ms, which made a resume's lookups 15 ms each)."""
            if not self.con.closed and self.con.get_transaction_status() != TRANSACTION_STATUS_IDLE:
                try:
                    self.con.rollback()
                except psycopg2.Error:
                    pass  # broken: _connect replaces it

    class NanocatPostgreSQL(backend.PostgreSQLDatabase):  # type: ignore[misc,name-defined]
        """ase's PostgreSQL database with session-safe row ids, one reused connection per process and thread, and a
        connect timeout."""

        plain_connection = backend.Connection

        def _connect(self) -> Any:
            owner = (os.getpid(), threading.get_ident())
            cache = self.__dict__.setdefault("_connections", {})
            con = cache.get(owner)
            if con is not None and not con.con.closed \
                    and con.con.get_transaction_status() != TRANSACTION_STATUS_UNKNOWN:
                con.close()  # ends a transaction an error left open
                return con
            for other in list(cache):
                if other[0] != owner[0]:
                    # inherited through fork: closing it would end the parent's session (libpq says goodbye on
                    # the shared socket), so keep it referenced and untouched
                    _INHERITED_CONNECTIONS.append(cache.pop(other))
            con = _Connection(psycopg2.connect(self.filename, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S))
            cache[owner] = con
            return con

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            # ase's version leaves self.connection set when the rollback itself fails (the server is gone),
            # and every later `with db:` then fails its "connection is None" assertion: always let go of it
            con, self.connection = self.connection, None
            try:
                if exc_type is None:
                    con.commit()
                else:
                    con.rollback()
            except psycopg2.Error:
                if exc_type is None:
                    raise  # a failed commit: the write is retried (its key lock and check make that safe)
            finally:
                try:
                    con.close()
                except psycopg2.Error:
                    pass  # already closed by the server

        def get_last_id(self, cur: Any) -> int:
            # ase reads systems_id_seq.last_value, which is global: with concurrent writers it can be another
            # session's row, and ase would file this row's key-value pairs under that id. currval is per session.
            cur.execute("SELECT currval('systems_id_seq')")
            return int(cur.fetchone()[0])

    _POSTGRES_CLASS = NanocatPostgreSQL
    return NanocatPostgreSQL


def _open_postgres(url: str) -> Any:
    """Connect, and create ase's tables and nanocat's indexes once (under an advisory lock: many workers open at once)."""
    cls = _postgres_class()
    import psycopg2

    db = cls(url)
    try:
        # a connection of its own, really closed at the end: that is what releases the session lock below
        con = cls.plain_connection(psycopg2.connect(url, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S))
    except psycopg2.Error as exc:  # unreachable host, refused port, bad password, unknown database, malformed URL
        raise InputError(f"cannot open result database {redact_url(url)}: {_first_line(exc)} "
                         "(check host, port, user, password and database name in --db)") from exc
    try:
        cur = con.cursor()
        # session lock: held until close, across the commit ase makes after creating its tables
        cur.execute("SELECT pg_advisory_lock(%s, 0)", (_PG_LOCK_SPACE,))
        db._initialize(con)
        for statement in _PG_INDEXES:
            cur.execute(statement)
        con.commit()
    except psycopg2.IntegrityError as exc:  # an older store that already holds two finished rows for one key
        raise InputError(f"result database {redact_url(url)} holds two finished rows for one job key; "
                         f"copy it with `nanocat db copy` to a new database first ({_first_line(exc)})") from exc
    except psycopg2.Error as exc:  # no permission to create tables, a read-only replica, ...
        raise InputError(f"cannot prepare result database {redact_url(url)}: {_first_line(exc)}") from exc
    finally:
        con.close()
    return db


class ResultStore:
    """Cache of :class:`JobResult` rows in an ase.db database (SQLite file, or a postgresql:// URL)."""

    def __init__(self, url: str | Path) -> None:
        self.url = normalize_db_url(url)
        self.postgres = is_postgres_url(self.url)
        if self.postgres:
            self._db = _open_postgres(self.url)
            return
        try:
            if "://" not in self.url:
                Path(self.url).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
            # No ase lock file: a killed writer would leave it behind and block every later run. SQLite's own
            # locks die with their process; writes take SQLite's write lock instead (see write()).
            self._db = ase.db.connect(self.url, use_lock_file=False)
            _retry(f"open {self.url}", self._db.count)  # creates the tables now, outside any write transaction
            _retry(f"open {self.url}", self._sqlite_unique_index)
        except ValueError as exc:  # ase: "No file extension or database type given"
            raise InputError(
                f"cannot open result database {self.url!r}: {exc}; use a file ending in .db (SQLite) "
                "or a postgresql:// URL"
            ) from exc
        except (OSError, sqlite3.Error) as exc:  # /proc/x.db, a read-only folder, a file that is not SQLite
            raise InputError(f"cannot open result database {self.url!r}: {exc} (choose a writable path with --db)") from exc

    def _sqlite_unique_index(self) -> None:
        """Add the one-finished-row-per-key index to an SQLite store (an old store with duplicates goes without)."""
        with sqlite3.connect(self._db.filename, timeout=20) as con:
            try:
                con.execute(_SQLITE_INDEX)
            except sqlite3.IntegrityError:
                log.warning("%s holds two finished rows for one job key; no unique index added", self.url)
            except sqlite3.OperationalError as exc:
                if _is_transient(exc):
                    raise
                log.warning("%s: no unique index (%s); writes stay serialised by SQLite's lock", self.url, exc)
        con.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # workers get the URL and reconnect: a live connection does not pickle
        return (type(self), (self.url,))

    def __repr__(self) -> str:
        return f"ResultStore({redact_url(self.url)!r})"

    def _rows(self, **selection: Any) -> list[Any]:
        """All rows matching key-value pairs, oldest first (retried while the database is busy)."""
        # sorted: PostgreSQL returns an updated row wherever it now lies; SQLite happens to return id order
        return _retry(f"read {redact_url(self.url)}", lambda: list(self._db.select(sort="id", **selection)))

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

    def get_many(self, keys: Iterable[str]) -> dict[str, JobResult]:
        """The stored result (as :meth:`get`) of every key that has one, looked up over one database connection."""
        # ase opens a new connection for every query outside `with db:`; a resume's lookups took 5x longer so
        with self._db:
            found = {key: self.get(key) for key in dict.fromkeys(keys)}
        return {key: result for key, result in found.items() if result is not None}

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return int(_retry(f"count {redact_url(self.url)}", self._db.count))

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
        return _retry(f"write {redact_url(self.url)}", self._write_once, atoms, kvp, data, result.ok)[0]

    def _write_once(self, atoms: Atoms | Any, kvp: dict[str, Any], data: dict[str, Any], ok: bool) -> tuple[int, bool]:
        """Check for a finished row and write ours in one transaction that no other writer of the key can interleave."""
        with self._db as db:  # one connection; committed on exit, rolled back on error
            if self.postgres:
                # same-key writers queue here; the unique index backs this up against any writer that does not
                db.connection.cursor().execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                               (_PG_LOCK_SPACE, kvp["key"]))
            else:
                db.connection.execute("BEGIN IMMEDIATE")
            return self._check_and_write(db, atoms, kvp, data, ok)

    @staticmethod
    def _check_and_write(db: Any, atoms: Atoms | Any, kvp: dict[str, Any], data: dict[str, Any],
                         ok: bool) -> tuple[int, bool]:
        """Keep an existing finished row (another process won the race); else write, superseding failures.

        Returns the row id and whether a row was written."""
        for row in db.select(key=kvp["key"], status="done"):
            return int(row.id), False
        row_id = int(db.write(atoms, key_value_pairs=kvp, data=data))
        if ok:
            for row in list(db.select(key=kvp["key"], status="failed")):
                db.update(row.id, status="superseded")
        return row_id, True

    def job_states(self) -> dict[str, bool]:
        """Every stored job key -> whether it has a finished row (False: failed rows only), from the searchable
        key-value pairs alone (no geometry or data decoded)."""
        state: dict[str, bool] = {}
        for row in _retry(f"read {redact_url(self.url)}", lambda: list(self._db.select(include_data=False))):
            state[row.key] = state.get(row.key, False) or row.get("status") == "done"
        return state

    def unique_ids(self) -> set[str]:
        """ase's unique_id of every row (what :func:`copy_store` compares)."""
        return {row.unique_id for row in _retry(f"read {redact_url(self.url)}",
                                                lambda: list(self._db.select(include_data=False)))}

    def copy_row(self, row: Any) -> bool:
        """Add one ase.db row of another store as it is (unique_id, key-value pairs, data, atoms); False when this
        store already holds a finished row for its key."""
        kvp = dict(row.key_value_pairs)
        if "key" not in kvp:
            raise InputError(f"row {row.id} has no job key: not a nanocat result store")
        ok = kvp.get("status") == "done"
        if not ok:
            # a failed/superseded row lands as it is; a finished one goes through the one-per-key write
            return bool(_retry(f"write {redact_url(self.url)}",
                               lambda: self._db.write(row, key_value_pairs=kvp, data=row.data)))
        return _retry(f"write {redact_url(self.url)}", self._write_once, row, kvp, row.data, True)[1]

    def __iter__(self) -> Iterator[JobResult]:
        return iter(self.results())


@dataclass(frozen=True)
class CopySummary:
    """What :func:`copy_store` did: rows copied, rows the destination already had, rows it kept its own of."""

    source: str
    destination: str
    copied: int
    already_present: int
    kept_existing: int

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (URLs with their password redacted)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CopySummary:
        """Inverse of :meth:`as_dict`."""
        return cls(**data)


def copy_store(source: ResultStore | str | Path, destination: ResultStore | str | Path) -> CopySummary:
    """Copy every row of one result store into another (SQLite file ↔ PostgreSQL URL), keeping rows as they are.

    Idempotent: a row the destination already holds (same ase unique_id) is skipped, and so is a finished row
    for a job key the destination has already finished (its own row is kept: one finished row per key)."""
    if not isinstance(source, ResultStore) and not is_postgres_url(source) and not Path(source).expanduser().exists():
        raise InputError(f"db copy: source database {source} does not exist")
    src = source if isinstance(source, ResultStore) else ResultStore(source)
    if not isinstance(destination, ResultStore) and normalize_db_url(destination) == src.url:
        raise InputError(f"db copy: source and destination are the same database ({redact_url(src.url)})")
    dst = destination if isinstance(destination, ResultStore) else ResultStore(destination)
    present = dst.unique_ids()
    copied = already = kept = 0
    for row in src._rows():
        if row.unique_id in present:
            already += 1
        elif dst.copy_row(row):
            copied += 1
            present.add(row.unique_id)
        else:
            kept += 1
    log.info("copied %d rows from %s to %s", copied, redact_url(src.url), redact_url(dst.url))
    return CopySummary(redact_url(src.url), redact_url(dst.url), copied, already, kept)
