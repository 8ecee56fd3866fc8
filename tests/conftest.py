"""Shared fixtures: the project's shared/ folder (DFT structures) and an isolated user data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared/ folder laid beside the checkout (override with NANOCAT_SHARED_DIR)."""
    env = os.environ.get("NANOCAT_SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def structures_dir() -> Path:
    """Folder of the shared DFT-optimised cluster structures (GPL-3.0, read by path, never copied)."""
    path = shared_dir() / "data" / "structures"
    if not path.is_dir():
        pytest.skip(f"shared structures not found at {path} (a bare clone; set NANOCAT_SHARED_DIR)")
    return path


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the real user data directory."""
    from nanocat.settings import get_settings

    monkeypatch.setenv("NANOCAT_DATA_DIR", str(tmp_path_factory.mktemp("nanocat-data")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
