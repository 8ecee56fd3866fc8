"""Campaigns: many clusters screened as one job set (``nanocat screen A B C`` and ``nanocat campaign FILE.yaml``).

A campaign file is YAML: a list of ``targets`` (built-in cluster names or structure files, each with its charge
and optional overrides of the shared settings) and the shared settings (engine, intermediates, sites, workers,
db, scheduler, output folder)::

    engine: gfn1
    adsorbates: [H, COOH, OCHO, CO]
    site_elements: [Fe, Co, Ni]
    orientations: 1
    fmax: 0.1
    workers: 2
    db: campaign.db              # or postgresql://user:pw@host/db
    scheduler: local             # or tcp://HOST:PORT; omit for local processes
    targets:
      - Cu13
      - Cu12Co
      - {structure: au25.xyz, charge: -1, max_sites: 2}

Relative paths (structures, ``db``, ``out``) are read from the campaign file's folder. Every target shares one
engine, so the ranking compares one level of theory. The file is validated by pydantic (unknown fields are
errors); a bad file raises InputError naming the file and the field.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from ase import Atoms
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nanocat.atoms.engines import EngineSpec
from nanocat.atoms.screen_settings import ScreenSettings
from nanocat.atoms.structures import BUILTIN_CLUSTERS, build_cluster, read_structure
from nanocat.errors import InputError

__all__ = ["Campaign", "CampaignTarget", "load_campaign", "resolve_structure"]


def resolve_structure(target: str, charge: int = 0, multiplicity: int | None = None,
                      base_dir: str | Path | None = None) -> tuple[Atoms, str]:
    """A built-in cluster by name, or a structure file read with ase.io (relative to ``base_dir``); and its name."""
    if target in BUILTIN_CLUSTERS:
        return build_cluster(target, charge=charge, multiplicity=multiplicity), target
    path = Path(target).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    if path.exists():
        return read_structure(path, charge=charge, multiplicity=multiplicity), path.stem
    raise InputError(f"{target!r} is neither a structure file nor a built-in cluster "
                     f"({', '.join(sorted(BUILTIN_CLUSTERS))})")


class _Overrides(BaseModel):
    """Screen settings a target may override (None: the campaign's)."""

    model_config = ConfigDict(extra="forbid")

    adsorbates: list[str] | None = None
    sites: list[str] | None = None
    site_elements: list[str] | None = None
    orientations: int | None = Field(None, ge=1)
    max_sites: int | None = Field(None, ge=1)
    fmax: float | None = Field(None, gt=0)

    def apply(self, settings: ScreenSettings) -> ScreenSettings:
        """``settings`` with the fields this object sets."""
        changes = {"adsorbates": self.adsorbates, "site_kinds": self.sites, "site_elements": self.site_elements,
                   "n_orientations": self.orientations, "max_sites": self.max_sites, "fmax_eV_A": self.fmax}
        return replace(settings, **{k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()
                                    if v is not None})


class CampaignTarget(_Overrides):
    """One cluster of a campaign: a built-in name or structure file, its charge (e), multiplicity, overrides."""

    structure: str
    name: str | None = None
    charge: int = 0
    multiplicity: int | None = Field(None, ge=1)


class Campaign(_Overrides):
    """A campaign: targets and the settings they share (see the module docstring for the YAML form)."""

    targets: list[CampaignTarget] = Field(min_length=1)
    engine: str = "auto"
    engine_params: dict[str, Any] = Field(default_factory=dict)
    workers: int | None = Field(None, ge=1)
    db: str | None = None
    out: str | None = None
    scheduler: str | None = None
    title: str | None = None

    @field_validator("targets", mode="before")
    @classmethod
    def _plain_names(cls, value: Any) -> Any:
        """A bare string target is a built-in name or a file."""
        if isinstance(value, list):
            return [{"structure": v} if isinstance(v, str) else v for v in value]
        return value

    def settings(self, base: ScreenSettings | None = None) -> ScreenSettings:
        """The shared screen settings: ``base`` (default :class:`ScreenSettings`) with this campaign's fields."""
        settings = base or ScreenSettings()
        if self.engine.strip().lower() != "auto" or self.engine_params:
            settings = replace(settings, engine=EngineSpec(self.engine, dict(self.engine_params)))
        if self.workers is not None:
            settings = replace(settings, workers=self.workers)
        return self.apply(settings)

    def structures(self, settings: ScreenSettings,
                   base_dir: str | Path | None = None) -> list[tuple[Atoms, str, ScreenSettings]]:
        """Every target as ``(atoms, name, settings)``, its overrides applied to ``settings``."""
        out = []
        for n, target in enumerate(self.targets, start=1):
            try:
                atoms, name = resolve_structure(target.structure, target.charge, target.multiplicity, base_dir)
                out.append((atoms, target.name or name, target.apply(settings)))
            except InputError as exc:
                raise InputError(f"target {n} ({target.structure}): {exc}") from None
        return out


def load_campaign(path: str | Path) -> tuple[Campaign, Path]:
    """Read and validate a campaign YAML file; returns it and its folder (for relative paths)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read campaign file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with `targets:` and shared settings")
    try:
        return Campaign.model_validate(data), path.resolve().parent
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InputError(f"{path}: {where}: {first['msg']}{more}") from None
