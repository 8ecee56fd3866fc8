"""Engines: ASE calculators by name, SCF settings recorded with every energy, and an SCF fallback policy.

Only this module knows engine names (:data:`ENGINES`). Every energy nanocat computes is an
:class:`EngineResult` that carries the method label *and* the full SCF settings that produced it, because on
metal clusters two xTB settings can converge to solutions 0.7 eV apart (DESIGN.md section 5).

SCF failure is real failure: tblite raises ``ase.calculators.calculator.CalculationFailed`` ("SCF not
converged in N cycles") when its self-consistent iterations do not converge; :func:`single_point` turns that
into ``converged=False`` with no energy, never into a number.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from ase.calculators.calculator import CalculationFailed

from nanocat._version import __version__
from nanocat.errors import EngineError, InputError

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

log = logging.getLogger(__name__)

#: Engine names and what they are. "emt" is ASE's effective-medium toy potential: plumbing tests only.
ENGINES: MappingProxyType[str, str] = MappingProxyType(
    {
        "gfn2": "GFN2-xTB tight binding (tblite)",
        "gfn1": "GFN1-xTB tight binding (tblite)",
        "emt": "ASE effective-medium theory (Ag Al Au C Cu H N Ni O Pd Pt; tests only, never science)",
    }
)

_TBLITE_METHODS = {"gfn2": "GFN2-xTB", "gfn1": "GFN1-xTB"}
_LABEL_METHODS = {"gfn2": "GFN2-xTB", "gfn1": "GFN1-xTB", "emt": "EMT"}
#: tblite's own default: mixer memory 0 means "as many vectors as max_iterations" (the 2000-iteration trap).
_DEFAULT_MIXER_MEMORY = 250


def _check_engine_name(name: str) -> str:
    """Return ``name`` lower-cased, or raise EngineError listing the valid engine names."""
    key = str(name).strip().lower()
    if key not in ENGINES:
        valid = ", ".join(ENGINES)
        raise EngineError(f"unknown engine {name!r}; valid engines: {valid} (policy names also accept 'auto')")
    return key


@dataclass(frozen=True)
class EngineSpec:
    """One engine with fixed SCF settings (temperatures in K, accuracy dimensionless).

    Parameters
    ----------
    name
        Engine name, one of :data:`ENGINES`.
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

    name: str
    electronic_temperature_K: float = 300.0
    max_iterations: int = 250
    mixer_memory: int = _DEFAULT_MIXER_MEMORY
    mixer_damping: float = 0.4
    accuracy: float = 1.0
    initial_guess: Literal["sad", "eeq", "eeqbc"] = "sad"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _check_engine_name(self.name))
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

    @property
    def is_xtb(self) -> bool:
        """True for the tblite engines (which have an SCF, a charge and a spin)."""
        return self.name in _TBLITE_METHODS

    @property
    def label(self) -> str:
        """Method label stored with every energy, e.g. ``GFN2-xTB(Tel=300K)``."""
        method = _LABEL_METHODS[self.name]
        if not self.is_xtb:
            return method
        return f"{method}(Tel={self.electronic_temperature_K:g}K)"

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (every SCF setting)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineSpec:
        """Inverse of :meth:`as_dict`."""
        return cls(**data)


@dataclass(frozen=True)
class EngineResult:
    """One single point: energy (eV), forces (eV/Å), the method label and the settings that made them."""

    energy_eV: float | None
    forces: tuple[tuple[float, float, float], ...] | None
    method_label: str
    converged: bool
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def fmax_eV_A(self) -> float | None:
        """Largest atomic force, eV/Å (None without forces)."""
        if self.forces is None or len(self.forces) == 0:
            return None
        return float(np.linalg.norm(np.asarray(self.forces), axis=1).max())

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        out = asdict(self)
        out["forces"] = None if self.forces is None else [list(f) for f in self.forces]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        forces = data.get("forces")
        data["forces"] = None if forces is None else tuple(tuple(float(x) for x in f) for f in forces)
        return cls(**data)


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


def as_spec(spec_or_name: EngineSpec | str) -> EngineSpec:
    """Accept an EngineSpec or an engine name (default settings)."""
    if isinstance(spec_or_name, EngineSpec):
        return spec_or_name
    return EngineSpec(name=str(spec_or_name))


def get_calculator(spec_or_name: EngineSpec | str, charge: int = 0, multiplicity: int = 1) -> Calculator:
    """Build a fresh ASE calculator for an engine (charge in e, spin multiplicity 2S+1)."""
    spec = as_spec(spec_or_name)
    charge, multiplicity = int(charge), int(multiplicity)
    if multiplicity < 1:
        raise InputError(f"multiplicity must be >= 1 (2S+1), got {multiplicity}")
    if spec.name == "emt":
        if charge != 0:
            raise EngineError(f"engine 'emt' cannot represent a net charge (got charge={charge}); use gfn1/gfn2")
        from ase.calculators.emt import EMT

        return EMT()
    _default_single_thread()
    try:
        from tblite.ase import TBLite
    except ImportError as exc:  # a broken install, not a user error: say how to fix it
        raise EngineError(f"engine {spec.name!r} needs tblite: pip install tblite ({exc})") from exc
    return TBLite(
        method=_TBLITE_METHODS[spec.name],
        charge=charge,
        multiplicity=multiplicity,
        accuracy=spec.accuracy,
        electronic_temperature=spec.electronic_temperature_K,
        max_iterations=spec.max_iterations,
        mixer_memory=spec.mixer_memory,
        mixer_damping=spec.mixer_damping,
        guess=spec.initial_guess,
        verbosity=0,
    )


def check_system(atoms: Atoms, spec: EngineSpec, charge: int = 0, multiplicity: int = 1) -> None:
    """Raise if this engine cannot treat these atoms with this charge (e) and multiplicity.

    EMT covers only its parameterised elements and no charge; for xTB the electron count parity must match
    the multiplicity (core shells hold even numbers of electrons, so the parity of Z_total - q decides).
    """
    symbols = sorted(set(atoms.get_chemical_symbols()))
    if len(atoms) == 0:
        raise InputError("empty structure: nothing to compute")
    if spec.name == "emt":
        from ase.calculators.emt import parameters

        missing = [s for s in symbols if s not in parameters]
        if missing:
            raise EngineError(
                f"engine 'emt' has no parameters for {', '.join(missing)} "
                f"(EMT covers {' '.join(sorted(parameters))}); use gfn1 or gfn2"
            )
        if charge != 0:
            raise EngineError(f"engine 'emt' cannot represent a net charge (got charge={charge})")
        return
    n_electrons = int(atoms.get_atomic_numbers().sum()) - int(charge)
    if n_electrons < 0:
        raise InputError(f"charge {charge} removes more electrons than {atoms.get_chemical_formula()} has")
    if (n_electrons % 2) == (int(multiplicity) % 2):
        need = "even (2, 4, ...)" if n_electrons % 2 else "odd (1, 3, ...)"
        raise InputError(
            f"{atoms.get_chemical_formula()} with charge {charge} has {n_electrons} electrons: "
            f"multiplicity {multiplicity} is impossible, it must be {need}"
        )


def engine_settings(spec: EngineSpec, charge: int, multiplicity: int) -> dict[str, Any]:
    """Everything that fixes an energy: engine settings, charge, multiplicity, library versions, threads."""
    settings: dict[str, Any] = {
        "engine": spec.as_dict(),
        "method_label": spec.label,
        "charge": int(charge),
        "multiplicity": int(multiplicity),
        "nanocat_version": __version__,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    from importlib.metadata import PackageNotFoundError, version

    for package in ("ase", "tblite") if spec.is_xtb else ("ase",):
        try:
            settings[f"{package}_version"] = version(package)
        except PackageNotFoundError:
            settings[f"{package}_version"] = None
    return settings


def single_point(atoms: Atoms, spec: EngineSpec | str, charge: int = 0, multiplicity: int = 1) -> EngineResult:
    """Energy (eV) and forces (eV/Å) of one geometry; ``converged=False`` (no energy) if the SCF fails."""
    spec = as_spec(spec)
    check_system(atoms, spec, charge, multiplicity)
    work = atoms.copy()
    work.calc = get_calculator(spec, charge, multiplicity)
    settings = engine_settings(spec, charge, multiplicity)
    try:
        energy = float(work.get_potential_energy())
        forces = np.asarray(work.get_forces(), dtype=float)
    except CalculationFailed as exc:  # tblite: "SCF not converged in N cycles"
        log.info("%s: SCF failed on %s: %s", spec.label, atoms.get_chemical_formula(), exc)
        return EngineResult(None, None, spec.label, False, settings, error=f"{spec.label}: {exc}")
    if not (math.isfinite(energy) and np.isfinite(forces).all()):
        return EngineResult(None, None, spec.label, False, settings, error=f"{spec.label}: non-finite energy")
    return EngineResult(energy, tuple(tuple(f) for f in forces.tolist()), spec.label, True, settings)


@dataclass(frozen=True)
class EnginePolicy:
    """Ordered engine specs: :meth:`resolve` returns the first whose SCF converges on a structure."""

    specs: tuple[EngineSpec, ...]

    def __post_init__(self) -> None:
        if not self.specs:
            raise InputError("an engine policy needs at least one engine spec")
        object.__setattr__(self, "specs", tuple(self.specs))

    @classmethod
    def default(cls) -> EnginePolicy:
        """GFN2 at 300 K, then GFN2 at 1000 K, then GFN1 (what converged where: DESIGN.md section 5)."""
        return cls(
            (
                EngineSpec("gfn2"),
                EngineSpec("gfn2", electronic_temperature_K=1000.0),
                EngineSpec("gfn1"),
            )
        )

    @classmethod
    def single(cls, spec_or_name: EngineSpec | str) -> EnginePolicy:
        """A policy of exactly one engine spec (no fallback)."""
        return cls((as_spec(spec_or_name),))

    @classmethod
    def from_name(cls, name: str) -> EnginePolicy:
        """``auto`` gives :meth:`default`; an engine name gives that engine alone at default settings."""
        if str(name).strip().lower() == "auto":
            return cls.default()
        return cls.single(_check_engine_name(name))

    @property
    def labels(self) -> tuple[str, ...]:
        """Method labels in fallback order."""
        return tuple(spec.label for spec in self.specs)

    def attempts(self, atoms: Atoms, charge: int = 0, multiplicity: int = 1) -> list[EngineResult]:
        """Single points in policy order, stopping at the first converged one (the last item)."""
        results: list[EngineResult] = []
        for spec in self.specs:
            result = single_point(atoms, spec, charge, multiplicity)
            results.append(result)
            if result.converged:
                break
            log.warning("%s did not converge on %s; trying the next engine", spec.label, atoms.get_chemical_formula())
        return results

    def resolve(self, atoms: Atoms, charge: int = 0, multiplicity: int = 1) -> EngineSpec:
        """First spec whose SCF converges on ``atoms``; EngineError listing every attempt if none does."""
        tried = self.attempts(atoms, charge, multiplicity)
        if tried[-1].converged:
            return self.specs[len(tried) - 1]
        listing = "; ".join(r.error or r.method_label for r in tried)
        raise EngineError(
            f"no engine converged on {atoms.get_chemical_formula()} (charge {charge}, multiplicity "
            f"{multiplicity}); tried {len(tried)}: {listing}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"specs": [spec.as_dict() for spec in self.specs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnginePolicy:
        """Inverse of :meth:`as_dict`."""
        return cls(tuple(EngineSpec.from_dict(s) for s in data["specs"]))

    def with_settings(self, **changes: Any) -> EnginePolicy:
        """The same policy with some SCF settings changed on every spec (e.g. ``max_iterations=500``)."""
        return EnginePolicy(tuple(replace(spec, **changes) for spec in self.specs))
