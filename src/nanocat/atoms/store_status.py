"""What a results store holds per cluster: done, failed and missing jobs (``nanocat status --db DB``).

A screen records its plan in the store's ase.db metadata (``nanocat_plans``): per cluster, the job keys it
needs for every engine of its policy, and whether the plan is complete (a bare cluster's adsorbate jobs are
known only once its clean structure has relaxed). :func:`store_status` reads that plan and the rows through
:class:`~nanocat.atoms.store.ResultStore`, so it works on any ase.db URL while a screen is still writing.
Per cluster it reports the engine the policy has reached (the last one with any row, the policy moving the whole
set forward at an SCF failure), and its planned jobs done, failed and not yet in the store.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ase.db

from nanocat.atoms.store import ResultStore, normalize_db_url, redact_url
from nanocat.errors import InputError

log = logging.getLogger(__name__)

#: ase.db metadata entry holding the plans of the screens written to a store.
PLAN_KEY = "nanocat_plans"
#: How long recording a plan retries a busy SQLite file, s.
PLAN_RETRY_S = 60.0


def record_plan(url: str, plans: Mapping[str, Sequence[Any]], engines: Sequence[Any], complete: bool) -> None:
    """Store each cluster's planned job keys (``plans``: cluster name -> RelaxJobs) for every engine of a policy.

    The plan merges into what the store already records for other clusters (several screens may share a store).
    """
    entry = {name: {"complete": bool(complete),
                    "engines": {engine.label: sorted({job.key(engine) for job in jobs}) for engine in engines}}
             for name, jobs in plans.items()}
    deadline = time.monotonic() + PLAN_RETRY_S
    while True:
        try:
            db = ase.db.connect(url, use_lock_file=False)
            metadata = db.metadata
            metadata[PLAN_KEY] = {**metadata.get(PLAN_KEY, {}), **entry}
            db.metadata = metadata
            return
        except sqlite3.OperationalError as exc:  # a busy file: a worker's result is being written
            if time.monotonic() > deadline:
                log.warning("could not record the screen plan in %s (%s); `nanocat status` will not know its "
                            "missing jobs", redact_url(url), exc)
                return
            time.sleep(0.2)


@dataclass(frozen=True)
class ClusterStatus:
    """Jobs of one cluster in a store: planned, done, failed (no finished row) and missing (no row at all)."""

    cluster: str
    method: str | None
    planned: int | None
    done: int
    failed: int
    missing: int | None
    plan_complete: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"cluster": self.cluster, "method": self.method, "planned": self.planned, "done": self.done,
                "failed": self.failed, "missing": self.missing, "plan_complete": self.plan_complete}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClusterStatus:
        """Inverse of :meth:`as_dict`."""
        return cls(**{k: data[k] for k in ("cluster", "method", "planned", "done", "failed", "missing",
                                          "plan_complete")})


@dataclass(frozen=True)
class StoreStatus:
    """Per-cluster job counts of a store (``db``: its URL, password hidden), plus rows no recorded plan names."""

    db: str
    clusters: tuple[ClusterStatus, ...]
    other_done: int
    other_failed: int

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"db": self.db, "clusters": [c.as_dict() for c in self.clusters], "other_done": self.other_done,
                "other_failed": self.other_failed}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoreStatus:
        """Inverse of :meth:`as_dict`."""
        return cls(str(data["db"]), tuple(ClusterStatus.from_dict(c) for c in data["clusters"]),
                   int(data["other_done"]), int(data["other_failed"]))


def store_status(url: str | Path) -> StoreStatus:
    """Done / failed / missing jobs per cluster of the store at ``url`` (an SQLite path or any ase.db URL)."""
    url = normalize_db_url(url)  # a postgresql:// URL that went through pathlib is no file path
    if "://" not in url and not Path(url).expanduser().is_file():
        raise InputError(f"--db {url!r}: no such results database")
    store = ResultStore(url)
    try:
        plans = dict(ase.db.connect(url, use_lock_file=False).metadata.get(PLAN_KEY, {}))
    except (sqlite3.Error, ValueError, AttributeError) as exc:  # a store without metadata support
        raise InputError(f"--db {redact_url(url)}: cannot read its metadata ({exc})") from exc
    state = store.job_states()  # key -> finished (True) or failed only (False)
    planned_keys: set[str] = set()
    clusters = []
    for name in sorted(plans):
        engines: dict[str, list[str]] = plans[name].get("engines", {})
        method = next((label for label, keys in reversed(list(engines.items())) if any(k in state for k in keys)),
                      next(iter(engines), None))
        keys = set(engines.get(method, [])) if method is not None else set()
        for other in engines.values():
            planned_keys.update(other)
        done = sum(1 for k in keys if state.get(k) is True)
        failed = sum(1 for k in keys if state.get(k) is False)
        clusters.append(ClusterStatus(name, method, len(keys), done, failed, len(keys) - done - failed,
                                      bool(plans[name].get("complete", False))))
    other = [ok for key, ok in state.items() if key not in planned_keys]
    return StoreStatus(redact_url(url), tuple(clusters), sum(other), len(other) - sum(other))
