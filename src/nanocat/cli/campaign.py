"""CLI verbs of scale-out: ``nanocat campaign FILE.yaml`` and ``nanocat status --db DB``."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table
from nanocat.cli.screen import SCHEDULER_HELP, emit_campaign


def register(app: typer.Typer) -> None:
    """Attach ``campaign`` and ``status``."""

    @app.command()
    def campaign(
        file: Path = typer.Argument(..., help="Campaign YAML: `targets:` (built-in names or structure files, with "
                                              "charge and overrides) and shared settings."),
        workers: int | None = typer.Option(None, help="Parallel relaxations (overrides the file)."),
        scheduler: str | None = typer.Option(None, help=SCHEDULER_HELP + " Overrides the file."),
        db: str | None = typer.Option(None, help="ase.db file or URL (overrides the file; default OUT/screen.db)."),
        out: Path | None = typer.Option(None, help="Folder for report.html and results.json (overrides the file; "
                                                   "default nanocat-out/<file name>)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
        progress: bool = typer.Option(True, help="Show the progress bar on stderr."),
    ) -> None:
        """Screen every cluster of a campaign file as one job set: one progress bar, a ranking, one report."""
        from dataclasses import replace

        from nanocat.atoms.campaign import load_campaign
        from nanocat.report.campaign import run_campaign

        spec, folder = load_campaign(file)
        settings = spec.settings()
        if workers is not None:
            settings = replace(settings, workers=workers)
        targets = spec.structures(settings, folder)
        out_dir = out or (folder / spec.out if spec.out else Path("nanocat-out") / file.stem)
        store = db or (spec.db if spec.db is None or "://" in spec.db else str(folder / spec.db))
        results, report = run_campaign(targets, settings, out_dir, db=store, scheduler=scheduler or spec.scheduler,
                                       progress=progress, title=spec.title or f"nanocat campaign: {file.stem}")
        emit_campaign(results, report, as_json)

    @app.command()
    def status(
        db: str = typer.Option(..., help="ase.db file or URL of a screen or campaign (its --db)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """What a results store holds per cluster: done, failed and missing jobs (safe while a screen runs)."""
        from nanocat.atoms.store_status import store_status

        found = store_status(db)
        if as_json:
            emit_json(found.as_dict())
            return
        print_table(f"{found.db}: jobs per cluster", ["cluster", "engine", "planned", "done", "failed", "missing", "plan"],
                    [[c.cluster, c.method, c.planned, c.done, c.failed, c.missing,
                      "complete" if c.plan_complete else "adsorbates await relaxed hosts"] for c in found.clusters])
        if found.other_done or found.other_failed:
            typer.echo(f"rows of no recorded plan: {found.other_done} done, {found.other_failed} failed")
        if not found.clusters:
            typer.echo("no screen plan recorded in this store (written by nanocat before `status` existed?)")
