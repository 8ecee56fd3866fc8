"""The explorer: a web page over the knowledge base and any screening or kinetics results (static or served)."""

from nanocat.report.explorer.site import (
    ExplorerInputs,
    ExplorerSite,
    build_explorer,
    build_site,
    collect,
    make_server,
    serve_explorer,
)
from nanocat.report.explorer.sources import KineticsView, ScreenView, open_store, screens_from_store, views_from_json

__all__ = [
    "ExplorerInputs", "ExplorerSite", "KineticsView", "ScreenView", "build_explorer", "build_site", "collect",
    "make_server", "open_store", "screens_from_store", "serve_explorer", "views_from_json",
]
