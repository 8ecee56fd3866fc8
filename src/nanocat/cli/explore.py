"""`nanocat explore`: the explorer web page, written as a static site or served (thin layer over report.explorer)."""

from __future__ import annotations

from pathlib import Path

import typer

from nanocat.cli._output import emit_json, print_table


def explore(
    out: Path | None = typer.Option(None, "--out", help="Folder for the static site (default nanocat-out/explorer); "
                                                        "open its index.html from disk, no server needed."),
    serve: bool = typer.Option(False, "--serve", help="Serve the site on http://127.0.0.1:PORT until Ctrl-C."),
    port: int = typer.Option(8000, "--port", help="Port of --serve (0 picks a free one)."),
    db: list[str] | None = typer.Option(None, "--db", help="ase.db store of `nanocat screen --db` (file or URL); "
                                                          "repeatable. Its screens get their own pages."),
    result: list[Path] | None = typer.Option(None, "--result", help="`nanocat screen/demo/kinetics --json` output; "
                                                                   "repeatable."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document describing what was written."),
) -> None:
    """Explore the knowledge base and your screening and kinetics results in a web browser (works offline)."""
    from nanocat.errors import InputError
    from nanocat.report.explorer import build_site, collect, serve_explorer

    if port < 0 or port > 65535:
        raise InputError(f"--port must be 0-65535, got {port}")
    if as_json and serve:
        raise InputError("--json describes a static build; use it without --serve")
    inputs = collect(db or (), result or ())  # every input read (and checked) before anything is written
    for note in inputs.notes:
        typer.echo(f"note: {note}", err=True)
    if serve:
        def announce(url: str) -> None:
            typer.echo(f"nanocat explorer: {url}  (Ctrl-C to stop)")

        serve_explorer(inputs, port, out, announce)
        typer.echo("stopped", err=True)
        return
    site = build_site(out or Path("nanocat-out/explorer"), inputs)
    if as_json:
        emit_json(site.as_dict())
        return
    print_table("nanocat explorer", ["pages", "count"],
                [["catalysts", len(site.catalysts)], ["screens", len(site.screens)], ["kinetics", len(site.kinetics)]])
    typer.echo(f"open: {Path(site.index).resolve().as_uri()}")


def register(app: typer.Typer) -> None:
    """Attach `nanocat explore`."""
    app.command("explore")(explore)
