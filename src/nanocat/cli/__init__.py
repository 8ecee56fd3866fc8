"""The ``nanocat`` command line: a thin typer layer over the Python API (no logic of its own).

Each verb group lives in its own module with a ``register(app)`` function; :func:`main` turns every
:class:`~nanocat.errors.NanocatError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import logging
import sys

import typer

from nanocat._version import __version__
from nanocat.errors import NanocatError

app = typer.Typer(
    name="nanocat",
    help="Atomically precise nanocluster catalysts for CO2 electroreduction.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    """Print the version and exit."""
    if value:
        typer.echo(f"nanocat {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Show the version and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    """nanocat: knowledge base, chemistry, thermodynamics and xTB screening of nanocluster catalysts."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def _register_all() -> None:
    """Attach every verb group to the app (modules import their heavy libraries lazily)."""
    from nanocat.cli import (analyze, campaign, catalysts, cell, db, experiment, explore, external, formula, kinetics,
                             screen, thermo)

    for module in (formula, catalysts, thermo, kinetics, analyze, screen, campaign, external, experiment, cell, explore,
                   db):
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, mapping nanocat errors to exit code 2."""
    try:
        app(args=argv, prog_name="nanocat")  # standalone: usage errors print and exit 2 by themselves
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except NanocatError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted: finished results are saved; rerun the same command to resume", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
