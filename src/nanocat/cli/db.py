"""CLI of result databases: ``nanocat db copy SRC DST`` between SQLite files and PostgreSQL URLs."""

from __future__ import annotations

import typer

from nanocat.cli._output import emit_json, print_table

DB_HELP = ("SQLite file (.db) or PostgreSQL URL (postgresql://user:pw@host:port/dbname, needs the [postgres] extra) "
           "of a screen's result store.")


def register(app: typer.Typer) -> None:
    """Attach the ``db`` group (``db copy``)."""
    group = typer.Typer(help="Result databases: copy a screen's results between SQLite and PostgreSQL.",
                        no_args_is_help=True)

    @group.command("copy")
    def copy(
        source: str = typer.Argument(..., help=f"Database to read. {DB_HELP}"),
        destination: str = typer.Argument(..., help=f"Database to add the rows to (created if new). {DB_HELP}"),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Copy every result row (geometry, energies, keys, data) from SOURCE into DESTINATION; rerunning is safe."""
        from nanocat.atoms.store import copy_store

        summary = copy_store(source, destination)
        if as_json:
            emit_json(summary.as_dict())
            return
        print_table(f"db copy {summary.source} -> {summary.destination}", ["rows", "count"],
                    [["copied", summary.copied], ["already in destination", summary.already_present],
                     ["destination kept its own finished row", summary.kept_existing]])

    app.add_typer(group, name="db")
