"""Run a campaign (many clusters, one job set) and write its one HTML report: the demo and `nanocat campaign`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ase import Atoms

from nanocat.atoms.executors import open_executor
from nanocat.atoms.screening import ScreenResult, Screener, ScreenSettings
from nanocat.report.screening import write_screen_report


def run_campaign(targets: Sequence[tuple[Atoms, str, ScreenSettings | None]], settings: ScreenSettings,
                 out_dir: str | Path, db: str | Path | None = None, scheduler: str | None = None,
                 progress: bool = True, title: str | None = None,
                 intro: str | Callable[[list[ScreenResult]], str] = "") -> tuple[list[ScreenResult], Path | None]:
    """Screen every target as one job set into ``db`` (default OUT/screen.db); returns results and the report.

    ``scheduler`` is None (local processes), ``"local"`` (a Dask LocalCluster of ``settings.workers``) or a
    ``tcp://HOST:PORT`` Dask scheduler. The report (None while no cluster has a diagram, e.g. external results
    pending) ranks the clusters and holds each one's diagrams; ``intro`` is its opening text, or a function of
    the results giving it.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = str(db) if db is not None else str(out / "screen.db")
    with open_executor(scheduler, settings.workers) as executor:
        results = Screener(settings, store, progress, executor).screen_many(targets)
    if not any(r.hosts for r in results):
        return results, None
    structures = {name: atoms for atoms, name, _ in targets}
    title = title or f"nanocat campaign: {', '.join(structures)}"
    text = intro(results) if callable(intro) else intro
    return results, write_screen_report([r for r in results if r.hosts], out, structures, title=title, intro=text)
