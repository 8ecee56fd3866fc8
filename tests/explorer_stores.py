"""Small real result stores for the explorer's tests: an EMT screen of Cu13, and a copy with failed/partial rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import ase.db

from nanocat.atoms import build_cluster
from nanocat.atoms.screening import ScreenResult, ScreenSettings, screen
from nanocat.atoms.store import JobResult, ResultStore

#: EMT is for plumbing only (DESIGN.md §5): milliseconds per relaxation, so a whole screen takes seconds.
EMT = ScreenSettings(engine="emt", adsorbates=("H", "CO", "COOH"), n_orientations=1, workers=1, max_steps=60)


def cu13_store(folder: Path) -> tuple[ScreenResult, Path]:
    """Screen Cu13 with EMT (H, CO, COOH) into ``folder/cu13.db``; return the result and the store."""
    db = folder / "cu13.db"
    return screen(build_cluster("Cu13"), EMT, store=db, progress=False, name="Cu13"), db


def broken_store(good: Path, folder: Path) -> Path:
    """A copy of ``good`` with partial and failed results: CO(g) gone, a failed and a pending host, failed rows."""
    db = folder / "broken.db"
    shutil.copyfile(good, db)
    con = ase.db.connect(str(db), use_lock_file=False)
    con.delete([row.id for row in con.select(kind="gas", adsorbate="CO")])
    store = ResultStore(db)
    cu4 = build_cluster("Cu4")
    store.write(JobResult("failed-clean", "deadbeefcafe", "clean", "", 0, "clean", None, "EMT",
                          {"corrections": "none", "charge": 0}, error="SCFError: no convergence", error_kind="scf",
                          atoms=cu4))
    store.write(JobResult("pending-clean", "0123456789ab", "clean", "", 0, "clean", None, "EMT",
                          {"corrections": "none", "charge": 0}, error="not run: awaiting import",
                          error_kind="pending", atoms=build_cluster("Cu13")))
    first = next(r for r in store.results(kind="adsorbate"))
    store.write(JobResult("failed-ads", first.system, first.site, first.adsorbate, 5, "adsorbate", None, "EMT",
                          {}, error="SCFError: diverged", error_kind="scf", atoms=first.atoms))
    return db
