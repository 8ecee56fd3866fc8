"""The user's own study files, kept in SQLite at ``get_settings().user_db_path``.

The YAML text is stored as given and re-validated on every load, so records written by an older nanocat
are checked by the current schema; the file lives in the user data directory and survives reinstalling.
This module only stores and reads; :func:`nanocat.data.store.add_user_file` validates before storing.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime

from nanocat.data.validate import read_study
from nanocat.errors import DataError
from nanocat.settings import get_settings

log = logging.getLogger(__name__)

_SCHEMA = """CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY, source_name TEXT NOT NULL, yaml TEXT NOT NULL, added_utc TEXT NOT NULL)"""


def _connect(create: bool) -> sqlite3.Connection | None:
    """Open the user database (None if it does not exist and ``create`` is false)."""
    path = get_settings().user_db_path
    if not path.exists() and not create:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
        conn.execute(_SCHEMA)
    except (OSError, sqlite3.Error) as exc:
        raise DataError(f"cannot open the user database {path}: {exc}") from None
    return conn


def user_entries() -> list[tuple]:
    """The user's studies as validated (study, located document, 'user') entries."""
    conn = _connect(create=False)
    if conn is None:
        return []
    with closing(conn):
        rows = conn.execute("SELECT id, source_name, yaml FROM studies ORDER BY added_utc, id").fetchall()
    entries = []
    for study_id, source_name, text in rows:
        study, doc = read_study(f"user-db:{study_id} (from {source_name})", text=text)
        entries.append((study, doc, "user"))
    return entries


def store_user_text(study_id: str, source_name: str, text: str) -> None:
    """Keep one validated study file's YAML text (replacing an earlier one with the same id)."""
    conn = _connect(create=True)
    with closing(conn), conn:  # type: ignore[arg-type]  # create=True always opens
        conn.execute("INSERT OR REPLACE INTO studies (id, source_name, yaml, added_utc) VALUES (?, ?, ?, ?)",
                     (study_id, source_name, text, datetime.now(UTC).isoformat()))
    log.info("stored study %s in %s", study_id, get_settings().user_db_path)
