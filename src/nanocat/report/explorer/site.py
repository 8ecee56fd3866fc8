"""Build the explorer as a static site (works from file://) and serve it with the standard library's server."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from nanocat._version import __version__
from nanocat.data import CatalystRecord
from nanocat.errors import InputError
from nanocat.report.explorer import pages
from nanocat.report.explorer.catalog import catalogue, catalyst_row
from nanocat.report.explorer.sources import (
    KineticsView,
    ScreenView,
    open_store,
    screens_from_store,
    slugify,
    views_from_json,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExplorerSite:
    """What a build wrote: the index page and the pages of every catalyst, screen and kinetics sweep."""

    out_dir: str
    index: str
    catalysts: tuple[str, ...]
    screens: tuple[str, ...] = ()
    kinetics: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    nanocat_version: str = __version__

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (what ``nanocat explore --json`` prints)."""
        return {"out_dir": self.out_dir, "index": self.index, "n_catalysts": len(self.catalysts),
                "catalysts": list(self.catalysts), "screens": list(self.screens), "kinetics": list(self.kinetics),
                "notes": list(self.notes), "nanocat_version": self.nanocat_version}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExplorerSite:
        """Inverse of :meth:`as_dict`."""
        return cls(data["out_dir"], data["index"], tuple(data["catalysts"]), tuple(data.get("screens", ())),
                   tuple(data.get("kinetics", ())), tuple(data.get("notes", ())),
                   data.get("nanocat_version", __version__))


@dataclass(frozen=True)
class ExplorerInputs:
    """Everything the pages show: knowledge-base records, screens and kinetics sweeps (read before writing)."""

    records: tuple[CatalystRecord, ...]
    screens: tuple[ScreenView, ...] = ()
    kinetics: tuple[KineticsView, ...] = ()
    notes: tuple[str, ...] = field(default=())


def collect(stores: Sequence[str | Path] = (), results: Sequence[str | Path] = ()) -> ExplorerInputs:
    """Read the knowledge base, every store and every result file (bad input raises InputError before any write)."""
    taken: set[str] = set()
    screens: list[ScreenView] = []
    sweeps: list[KineticsView] = []
    opened = [open_store(s) for s in stores]  # each store opened once: its screens and result files' geometry
    for store in opened:
        screens.extend(screens_from_store(store, taken))
    for path in results:
        s, k = views_from_json(path, opened, taken)
        screens.extend(s)
        sweeps.extend(k)
    notes = tuple(f"{s.name}: {n}" for s in screens for n in s.notes)
    return ExplorerInputs(tuple(catalogue()), tuple(screens), tuple(sweeps), notes)


def _plotly_js() -> Path:
    """plotly.min.js as shipped inside the plotly package (no CDN)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():
        raise InputError(f"plotly.min.js is missing from the installed plotly package ({path}); reinstall plotly")
    return path


def _matches(view: ScreenView) -> list[CatalystRecord]:
    """Knowledge-base clusters of the screened composition (the screening report's matcher)."""
    from nanocat.report.screening import matching_records, metal_composition

    if view.atoms is None:
        return []
    metals = metal_composition(view.atoms)
    return matching_records(metals, view.charge) if metals else []


def build_site(out_dir: str | Path, inputs: ExplorerInputs) -> ExplorerSite:
    """Write the explorer under ``out_dir`` (index.html, catalyst/, screen/, kinetics/, assets/)."""
    out = Path(out_dir)
    for sub in ("assets", "catalyst", "screen", "kinetics"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    static = resources.files("nanocat.report.explorer") / "static"
    for name in ("explorer.js", "explorer.css"):
        (out / "assets" / name).write_text((static / name).read_text(encoding="utf-8"), encoding="utf-8")
    plotly_js = _plotly_js()
    target = out / "assets" / "plotly.min.js"
    if not target.is_file() or target.stat().st_size != plotly_js.stat().st_size:
        shutil.copyfile(plotly_js, target)

    taken: set[str] = set()
    slugs = {r.id: slugify(r.id, taken) for r in inputs.records}
    hrefs = {rid: f"../catalyst/{slug}.html" for rid, slug in slugs.items()}
    matches = {v.slug: _matches(v) for v in inputs.screens}
    screens_of: dict[str, list[ScreenView]] = {}
    for view in inputs.screens:
        for record in matches[view.slug]:
            screens_of.setdefault(record.id, []).append(view)
    rows = [catalyst_row(r, f"catalyst/{slugs[r.id]}.html") for r in inputs.records]
    options = {
        "metal": sorted({m for row in rows for m in row["metals"]}),
        "product": sorted({p for row in rows for p in row["products"]}),
        "cell": sorted({c for row in rows for c in row["cells"]}),
        "hydrides": sorted({row["hydrides"] for row in rows}),
        "model": ["experiment", "computed"],
    }
    data = {"catalysts": rows, "nanocat_version": __version__}
    # a script, not a JSON file: browsers refuse fetch() of file:// URLs; "</" escaped so no text closes the tag
    (out / "assets" / "data.js").write_text(
        "window.NANOCAT_DATA = " + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + ";\n",
        encoding="utf-8")
    for record in inputs.records:
        _write(out / "catalyst" / f"{slugs[record.id]}.html", pages.catalyst_page(record, screens_of.get(record.id, [])))
    for view in inputs.screens:
        _write(out / "screen" / f"{view.slug}.html", pages.screen_page(view, matches[view.slug], hrefs))
    for sweep in inputs.kinetics:
        _write(out / "kinetics" / f"{sweep.slug}.html", pages.kinetics_page(sweep))
    index = _write(out / "index.html", pages.index_page(len(rows), inputs.screens, inputs.kinetics, options))
    return ExplorerSite(str(out), str(index), tuple(r.id for r in inputs.records),
                        tuple(v.slug for v in inputs.screens), tuple(k.slug for k in inputs.kinetics), inputs.notes)


def build_explorer(out_dir: str | Path, stores: Sequence[str | Path] = (),
                   results: Sequence[str | Path] = ()) -> ExplorerSite:
    """Read the knowledge base, stores and result files, and write the static explorer under ``out_dir``."""
    return build_site(out_dir, collect(stores, results))


def _write(path: Path, text: str) -> Path:
    """Write a page atomically (a half-written page never replaces a good one)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files of one folder; requests logged at debug level instead of printed."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's signature)
        log.debug("%s " + format, self.address_string(), *args)


def make_server(directory: str | Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A ThreadingHTTPServer serving ``directory`` (port 0 picks a free one); InputError if the port is taken."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    try:
        return http.server.ThreadingHTTPServer((host, int(port)), handler)
    except OSError as exc:
        raise InputError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc})") from exc


def serve_explorer(inputs: ExplorerInputs, port: int = 8000, out_dir: str | Path | None = None,
                   announce: Callable[[str], None] = print) -> None:
    """Build the site (in ``out_dir`` or a temporary folder) and serve it until Ctrl-C; ``announce`` gets the URL."""
    with tempfile.TemporaryDirectory(prefix="nanocat-explorer-") as tmp:
        site = build_site(out_dir or tmp, inputs)
        server = make_server(site.out_dir, port)
        try:
            announce(f"http://{server.server_address[0]}:{server.server_address[1]}/index.html")
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
