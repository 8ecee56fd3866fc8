"""The chemist's own program as an engine: ``external`` never computes, it reads energies imported into the cache.

``nanocat screen TARGET --engine external --export DIR`` writes every job of the screen as a folder; the user
runs them with their own DFT code; ``nanocat import DIR --db DB`` stores the outputs under the jobs' keys;
the same screen then completes from the cache. Jobs without a stored result are *pending* (never failed).
See :mod:`nanocat.atoms.external` and docs/engines.md ("Your own DFT: the external round trip").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nanocat.atoms.engines.base import Engine, EngineSpec
from nanocat.errors import EngineError, InputError
from nanocat.thermo import get_preset

if TYPE_CHECKING:
    from ase.calculators.calculator import BaseCalculator

#: Method label of external results when the user does not name their method.
DEFAULT_EXTERNAL_LABEL = "external"


@dataclass(frozen=True)
class ExternalEngine(Engine):
    """Energies computed elsewhere (the user's DFT) and imported with ``nanocat import``; never computes.

    Parameters
    ----------
    label
        The user's method, stored as the method label of every imported energy and part of every cache key
        (``"PBE-D3/def2-TZVP (ORCA)"``): two methods never share cached energies.
    corrections
        Free-energy correction preset (``peterson2010``, the DFT-style ZPE/TS corrections, by default).
    """

    method: str = DEFAULT_EXTERNAL_LABEL
    corrections_preset: str = "peterson2010"

    def __post_init__(self) -> None:
        text = str(self.method).strip()
        if not text:
            raise InputError("engine 'external': label must not be empty (name your method, e.g. "
                             "label=\"PBE-D3/def2-TZVP (ORCA)\")")
        object.__setattr__(self, "method", text)
        get_preset(self.corrections_preset)  # an unknown preset fails now, naming the known ones

    @property
    def label(self) -> str:
        """The user's method label."""
        return self.method

    @property
    def computes(self) -> bool:
        """False: results come only from ``nanocat import``."""
        return False

    @property
    def corrections(self) -> str:
        """The correction preset chosen (``peterson2010`` by default)."""
        return self.corrections_preset

    @property
    def handles_charge(self) -> bool:
        """The user's program takes a net charge."""
        return True

    @property
    def handles_spin(self) -> bool:
        """The user's program takes a multiplicity (it must match the electron parity)."""
        return True

    def settings(self) -> dict[str, Any]:
        """Name, label and preset (in every cache key)."""
        return {"name": "external", "label": self.method, "corrections": self.corrections_preset}

    def spec(self) -> EngineSpec:
        """``external`` with its label (and preset when not the default)."""
        params: dict[str, Any] = {"label": self.method}
        if self.corrections_preset != "peterson2010":
            params["corrections"] = self.corrections_preset
        return EngineSpec("external", params)

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """Never: the external engine has no calculator (EngineError saying what to do instead)."""
        raise EngineError("engine 'external' does not compute: export the jobs with "
                          "`nanocat screen TARGET --engine external --export DIR`, run them with your own program, "
                          "then `nanocat import DIR --db DB`")


def external(label: str = DEFAULT_EXTERNAL_LABEL, corrections: str = "peterson2010") -> ExternalEngine:
    """The external engine: ``label`` names your method, ``corrections`` the free-energy preset."""
    return ExternalEngine(str(label), str(corrections))
