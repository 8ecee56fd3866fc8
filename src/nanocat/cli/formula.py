"""CLI verbs of this group (filled in by the issue that owns them)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this group's verbs to the app."""
