"""One settings object, read from ``NANOCAT_*`` environment variables through :func:`get_settings`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    """Per-user data directory (survives reinstalling the package)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("nanocat", appauthor=False))


class Settings(BaseSettings):
    """User-level settings; every field can be set as ``NANOCAT_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="NANOCAT_", extra="forbid")

    data_dir: Path = Field(default_factory=_default_data_dir, description="where user records live")
    user_db: Path | None = Field(default=None, description="SQLite file of user catalyst records")
    shared_dir: Path | None = Field(default=None, description="the project's shared/ folder (tests, benchmarks)")

    @property
    def user_db_path(self) -> Path:
        """SQLite file holding the user's own catalyst records."""
        return self.user_db if self.user_db is not None else self.data_dir / "catalysts.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment (call ``get_settings.cache_clear()`` after changing it)."""
    return Settings()
