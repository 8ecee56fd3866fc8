"""Shared output helpers for the CLI: one JSON document on stdout, or a rich table."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import typer


def _jsonable(obj: Any) -> Any:
    """Convert numpy scalars, NaN and paths into plain JSON values (NaN -> null)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if hasattr(obj, "item") and callable(obj.item):
        return _jsonable(obj.item())
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "__fspath__"):
        return str(obj)
    return obj


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    typer.echo(json.dumps(_jsonable(document), indent=2, ensure_ascii=False))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], fold: bool = False,
                whole: Sequence[str] = ()) -> None:
    """Print a readable table to stdout (values formatted, None shown as an en dash).

    ``fold`` wraps long cells onto more lines instead of cutting them with an ellipsis, so ids and formulas
    stay complete (and distinct) in an 80-column terminal; columns named in ``whole`` are not wrapped.
    """
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold" if fold else "ellipsis", no_wrap=column in whole)
    for row in rows:
        table.add_row(*("–" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v)) for v in row))
    Console(emoji=False).print(table)  # site labels like "s1:top(Cu)" are text, not emoji codes
