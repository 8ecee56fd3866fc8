"""Single source of the package version (recorded in every result nanocat writes)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("nanocat")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.1.0"
