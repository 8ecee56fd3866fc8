"""CLI of the external round trip: ``nanocat screen ... --engine external --export DIR`` and ``nanocat import``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from nanocat.cli._output import emit_json, print_table

EXPORT_HELP = ("With --engine external: write every job of the screen as one folder per job under this folder "
               "(input structure, job.json) plus jobs.json, and exit; run them with your own program, then "
               "`nanocat import DIR --db DB`.")
EXPORT_FORMAT_HELP = ("ase.io format of the exported input structures: POSCAR, extxyz (default), cif, "
                      "gaussian-in, espresso-in, ... (anything ase.io writes).")


def is_external(engine: Any) -> bool:
    """True when the --engine choice (``"auto"`` or an EngineSpec) is an engine that never computes."""
    return not isinstance(engine, str) and not engine.build().computes


def export_screen(atoms: Any, settings: Any, name: str, export: Path, export_format: str, db: str | None,
                  as_json: bool) -> None:
    """Plan the screen, write its jobs under ``export``, say how many await results."""
    from nanocat.atoms.external import export_jobs
    from nanocat.atoms.screening import Screener
    from nanocat.errors import InputError

    if not is_external(settings.engine):
        raise InputError("--export needs --engine external (the jobs are keyed by the engine that reads them back)")
    screener = Screener(settings, str(db) if db is not None else None, progress=False)
    plan = screener.plan(atoms, name=name)
    summary = export_jobs(plan, settings.engine, export, export_format, store=screener.store)
    if as_json:
        emit_json(summary.as_dict())
        return
    typer.echo(f"exported {len(summary.jobs)} jobs ({summary.format}) to {summary.directory}; "
               f"{summary.awaiting} await results. Run them with your own program (one folder each, output "
               f"next to the input), then: nanocat import {summary.directory} --db DB")


def print_pending(result: Any) -> None:
    """The jobs of a screen that await imported results (none printed when there are none)."""
    if result.pending:
        print_table(f"{result.name}: {len(result.pending)} jobs await results (not failed)",
                    ["job folder", "kind", "host", "site", "adsorbate", "orientation"],
                    [[p["dir"], p["kind"], p["host"], p["site"], p["adsorbate"], p["orientation"]]
                     for p in result.pending])


def register(app: typer.Typer) -> None:
    """Attach ``import``."""

    @app.command("import")
    def import_(
        directory: Path = typer.Argument(..., help="Folder written by `nanocat screen ... --engine external "
                                                   "--export DIR`, with your outputs in the job folders."),
        db: str = typer.Option(..., help="ase.db file or postgresql:// URL of the screen's cache (the same --db as "
                                         "the screen)."),
        accept_unconverged: bool = typer.Option(False, "--accept-unconverged",
                                                help="Also import outputs whose forces exceed the screen's --fmax."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Import finished outputs (OUTCAR, vasprun.xml, .out/.log, .traj, extxyz) of exported jobs into the cache."""
        from nanocat.atoms.external import import_results
        from nanocat.atoms.store import redact_url

        summary = import_results(directory, str(db), accept_unconverged)
        if as_json:
            emit_json(summary.as_dict())
            return
        typer.echo(f"imported {len(summary.imported)}, skipped {len(summary.skipped)} (already in {redact_url(db)}), "
                   f"rejected {len(summary.rejected)}, pending {len(summary.pending)} (no output yet)")
        if summary.rejected:
            print_table("rejected", ["dir", "reason"], [[r.dir, r.reason] for r in summary.rejected])
        if summary.unconverged:
            typer.echo(f"note: forces above the job's fmax in {', '.join(summary.unconverged)} (imported anyway)")
