"""Built-in engines: GFN1/GFN2-xTB through tblite, and ASE's EMT toy potential (plumbing tests only).

On metal clusters two xTB settings can converge to solutions 0.7 eV apart (DESIGN.md section 5), so every
SCF setting of :class:`XTBEngine` is part of its settings, hence of every cache key and every stored energy.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from nanocat.atoms.engines.base import Engine, EngineSpec, package_version
from nanocat.errors import EngineError, InputError

if TYPE_CHECKING:
    from ase.calculators.calculator import BaseCalculator

log = logging.getLogger(__name__)

_TBLITE_METHODS = {"gfn2": "GFN2-xTB", "gfn1": "GFN1-xTB"}
#: tblite's own default: mixer memory 0 means "as many vectors as max_iterations" (the 2000-iteration trap).
_DEFAULT_MIXER_MEMORY = 250


def _default_single_thread() -> None:
    """Run tblite on one OpenMP thread unless the user set OMP_NUM_THREADS (must precede its import).

    Measured on a shared 2-core machine: a Cu13 + COOH single point took 0.15-0.3 s on one thread but
    1.6-7.5 s on two busy-waiting OpenMP threads when other processes competed for the cores.
    """
    if "OMP_NUM_THREADS" in os.environ:
        return
    if "tblite" in sys.modules:
        log.debug("tblite already imported; OMP_NUM_THREADS can no longer be chosen for this process")
        return
    os.environ["OMP_NUM_THREADS"] = "1"
    log.info("OMP_NUM_THREADS was unset: running tblite single-threaded (set it to use more threads)")


@dataclass(frozen=True)
class XTBEngine(Engine):
    """GFN1- or GFN2-xTB (tblite) with fixed SCF settings (temperatures in K, accuracy dimensionless).

    Parameters
    ----------
    name
        ``"gfn2"`` or ``"gfn1"``.
    electronic_temperature_K
        Fermi smearing temperature of the xTB SCF, K.
    max_iterations
        Maximum SCF iterations.
    mixer_memory
        Broyden history vectors; always set explicitly because tblite's default (0) means
        ``max_iterations`` vectors, which made 2000 iterations on Au13 take 814 s (DESIGN.md section 5).
    mixer_damping
        Broyden mixer damping (tblite default 0.4).
    accuracy
        tblite numerical accuracy (1.0 is tblite's default; smaller is tighter).
    initial_guess
        Wavefunction guess: "sad", "eeq" or "eeqbc".
    """

    name: str = "gfn2"
    electronic_temperature_K: float = 300.0
    max_iterations: int = 250
    mixer_memory: int = _DEFAULT_MIXER_MEMORY
    mixer_damping: float = 0.4
    accuracy: float = 1.0
    initial_guess: Literal["sad", "eeq", "eeqbc"] = "sad"

    def __post_init__(self) -> None:
        key = str(self.name).strip().lower()
        if key not in _TBLITE_METHODS:
            raise EngineError(f"XTBEngine name must be gfn1 or gfn2, got {self.name!r}")
        object.__setattr__(self, "name", key)
        if not (math.isfinite(self.electronic_temperature_K) and self.electronic_temperature_K > 0):
            raise InputError(f"electronic_temperature_K must be > 0 K, got {self.electronic_temperature_K}")
        if int(self.max_iterations) < 1:
            raise InputError(f"max_iterations must be >= 1, got {self.max_iterations}")
        if int(self.mixer_memory) < 1:
            raise InputError(f"mixer_memory must be >= 1 (0 means max_iterations in tblite), got {self.mixer_memory}")
        if not 0.0 < self.mixer_damping <= 1.0:
            raise InputError(f"mixer_damping must be in (0, 1], got {self.mixer_damping}")
        if not self.accuracy > 0:
            raise InputError(f"accuracy must be > 0, got {self.accuracy}")
        if self.initial_guess not in ("sad", "eeq", "eeqbc"):
            raise InputError(f"initial_guess must be sad, eeq or eeqbc, got {self.initial_guess!r}")
        object.__setattr__(self, "max_iterations", int(self.max_iterations))
        object.__setattr__(self, "mixer_memory", int(self.mixer_memory))
        object.__setattr__(self, "electronic_temperature_K", float(self.electronic_temperature_K))
        object.__setattr__(self, "mixer_damping", float(self.mixer_damping))
        object.__setattr__(self, "accuracy", float(self.accuracy))

    @property
    def label(self) -> str:
        """``GFN2-xTB(Tel=300K)``."""
        return f"{_TBLITE_METHODS[self.name]}(Tel={self.electronic_temperature_K:g}K)"

    def settings(self) -> dict[str, Any]:
        """Every SCF setting (the same document earlier nanocat versions keyed their cache with)."""
        return asdict(self)

    @property
    def corrections(self) -> str:
        """xTB energies take the ``xtb`` preset (gas references at the same level, anchored)."""
        return "xtb"

    @property
    def handles_charge(self) -> bool:
        """xTB takes a net charge."""
        return True

    @property
    def handles_spin(self) -> bool:
        """xTB takes a spin multiplicity."""
        return True

    def spec(self) -> EngineSpec:
        """Built-in name plus every SCF setting."""
        params = self.settings()
        return EngineSpec(params.pop("name"), params)

    def versions(self) -> dict[str, str | None]:
        """ase and tblite versions."""
        return {"ase": package_version("ase"), "tblite": package_version("tblite")}

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """A ``tblite.ase.TBLite`` with every SCF setting of this engine."""
        if int(multiplicity) < 1:
            raise InputError(f"multiplicity must be >= 1 (2S+1), got {multiplicity}")
        _default_single_thread()
        try:
            from tblite.ase import TBLite
        except ImportError as exc:  # a broken install, not a user error: say how to fix it
            raise EngineError(f"engine {self.name!r} needs tblite: pip install tblite ({exc})") from exc
        return TBLite(method=_TBLITE_METHODS[self.name], charge=int(charge), multiplicity=int(multiplicity),
                      accuracy=self.accuracy, electronic_temperature=self.electronic_temperature_K,
                      max_iterations=self.max_iterations, mixer_memory=self.mixer_memory,
                      mixer_damping=self.mixer_damping, guess=self.initial_guess, verbosity=0)


@dataclass(frozen=True)
class EMTEngine(Engine):
    """ASE's effective-medium theory: Ag Al Au C Cu H N Ni O Pd Pt, no charge, milliseconds; tests only."""

    @property
    def label(self) -> str:
        """``EMT``."""
        return "EMT"

    def settings(self) -> dict[str, Any]:
        """EMT has no settings but its name."""
        return {"name": "emt"}

    @property
    def elements(self) -> frozenset[str]:
        """The elements ASE's EMT has parameters for."""
        from ase.calculators.emt import parameters

        return frozenset(parameters)

    def spec(self) -> EngineSpec:
        """The built-in name."""
        return EngineSpec("emt")

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """A fresh ``ase.calculators.emt.EMT``."""
        if int(charge) != 0:
            raise EngineError(f"engine 'emt' cannot represent a net charge (got charge={charge}); use gfn1/gfn2")
        from ase.calculators.emt import EMT

        return EMT()


def gfn2(**settings: Any) -> XTBEngine:
    """GFN2-xTB with SCF settings (see :class:`XTBEngine`)."""
    return XTBEngine("gfn2", **settings)


def gfn1(**settings: Any) -> XTBEngine:
    """GFN1-xTB with SCF settings (see :class:`XTBEngine`)."""
    return XTBEngine("gfn1", **settings)


def emt(**settings: Any) -> EMTEngine:
    """ASE EMT (takes no settings)."""
    if settings:
        raise InputError(f"engine 'emt' takes no settings, got {sorted(settings)}")
    return EMTEngine()
