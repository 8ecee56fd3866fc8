"""The engine protocol: what every method that gives energies (xTB, DFT, an MLIP, any ASE calculator) must say.

An :class:`Engine` is a frozen value that knows

- its **label** (the method label stored with every energy, e.g. ``GFN2-xTB(Tel=300K)``,
  ``MorsePotential(epsilon=0.5)``);
- its **settings** (a JSON dict stored with every energy; it enters every cache key, so two settings never
  share a cached result);
- how to make a fresh **ASE calculator** for a charge (e) and spin multiplicity (2S+1);
- how to **check a system** (elements, charge, spin) before any work, raising :class:`EngineError` /
  :class:`InputError` with a message a chemist can act on;
- which free-energy **correction preset** fits it (:mod:`nanocat.thermo.corrections`: ``xtb`` for xTB,
  ``peterson2010`` for DFT, MLIPs and anything else);
- whether and how it can be **rebuilt in another process** (:meth:`Engine.spec`, an importable
  :class:`EngineSpec`, or None: then it runs in the calling process only).

Failure kinds are exception types, never message text: ``ase.calculators.calculator.CalculationFailed`` (and
its subclass ``SCFError``; tblite raises ``CalculationFailed`` when its SCF does not converge) is a failed
calculation that the fallback policy may answer with the next engine; any other exception raised by a
calculator is a broken engine or a system it cannot treat, turned into :class:`EngineError` by
:func:`calculation_errors`.
"""

from __future__ import annotations

import json
import logging
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from ase import Atoms
from ase.calculators.calculator import CalculationFailed, PropertyNotImplementedError

from nanocat._version import __version__
from nanocat.errors import EngineError, InputError, NanocatError

if TYPE_CHECKING:
    from ase.calculators.calculator import BaseCalculator

log = logging.getLogger(__name__)

#: Why a job or single point has no energy: ``scf`` = the calculation failed (``CalculationFailed``/``SCFError``,
#: a reason to try the policy's next engine); ``not_run`` = skipped because another job's SCF failed first;
#: ``pending`` = an engine that does not compute (``external``) has no imported result for it yet (never a failure).
ErrorKind = Literal["scf", "not_run", "pending"]
ERROR_KINDS: tuple[str, ...] = ("scf", "not_run", "pending")


def package_version(package: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON: numpy scalars/arrays to numbers/lists, any other object to ``<module.Class>``.

    Never ``repr``: it can hold a memory address, which would change the cache key from one process to the next.
    """
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def is_json(value: Any) -> bool:
    """True when ``value`` survives a JSON round trip unchanged (so a worker can rebuild from it)."""
    try:
        return json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        return False


def call_label(title: str, params: Mapping[str, Any]) -> str:
    """``Title(k=v, ...)`` with sorted keys, or ``Title`` without parameters (the label of a factory engine)."""
    if not params:
        return title
    parts = [f"{k}={v}" if isinstance(v, bool | int | float | str) else f"{k}={json.dumps(jsonable(v))}"
             for k, v in sorted(params.items())]
    return f"{title}({', '.join(parts)})"


def n_electrons(atoms: Atoms, charge: int) -> int:
    """Electron count of a structure with a net charge (e)."""
    return int(atoms.get_atomic_numbers().sum()) - int(charge)


def check_spin_parity(atoms: Atoms, charge: int, multiplicity: int) -> None:
    """InputError unless the multiplicity (2S+1) matches the parity of the electron count."""
    count = n_electrons(atoms, charge)
    if count < 0:
        raise InputError(f"charge {charge} removes more electrons than {atoms.get_chemical_formula()} has")
    if int(multiplicity) < 1:
        raise InputError(f"multiplicity must be >= 1 (2S+1), got {multiplicity}")
    if (count % 2) == (int(multiplicity) % 2):
        need = "even (2, 4, ...)" if count % 2 else "odd (1, 3, ...)"
        raise InputError(f"{atoms.get_chemical_formula()} with charge {charge} has {count} electrons: "
                         f"multiplicity {multiplicity} is impossible, it must be {need}")


@dataclass(frozen=True, init=False)
class EngineSpec:
    """An importable engine: a registry/entry-point name or ``module:callable``, and JSON parameters.

    ``EngineSpec("gfn2", electronic_temperature_K=1000.0)`` and ``EngineSpec("gfn2", {"electronic_temperature_K":
    1000.0})`` are the same spec. :meth:`build` makes the engine (in any process).
    """

    name: str
    params: Mapping[str, Any]

    def __init__(self, name: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        merged = {**dict(params or {}), **kwargs}
        if not is_json(merged):
            raise InputError(f"engine {name!r}: parameters must be JSON values (numbers, strings, lists, dicts), "
                             f"got {merged!r}")
        text = str(name).strip()
        if not text:
            raise EngineError("empty engine name: give a built-in name (gfn2, gfn1, emt), a plugin name or "
                              "module:callable")
        object.__setattr__(self, "name", text)
        object.__setattr__(self, "params", merged)

    def __hash__(self) -> int:
        return hash((self.name, json.dumps(self.params, sort_keys=True)))

    def build(self) -> Engine:
        """The engine (EngineError if the name is unknown or the factory refuses the parameters)."""
        from nanocat.atoms.engines.registry import get_engine  # the registry imports this module

        return get_engine(self.name, **self.params)

    @property
    def label(self) -> str:
        """Method label of the engine it builds."""
        return self.build().label

    def as_dict(self) -> dict[str, Any]:
        """``{"name", "params"}``."""
        return {"name": self.name, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EngineSpec:
        """Inverse of :meth:`as_dict`."""
        return cls(str(data["name"]), dict(data.get("params") or {}))



class Engine(ABC):
    """A method that gives energies (eV) and forces (eV/Å) through an ASE calculator.

    Subclasses are frozen dataclasses (compared and hashed by value). Implement :attr:`label`,
    :meth:`settings` and :meth:`calculator`; override :meth:`spec` to let parallel workers rebuild the engine,
    and :attr:`corrections`, :attr:`handles_charge`, :attr:`handles_spin`, :attr:`elements` where the
    defaults (``peterson2010``, no charge, no spin, any element) do not fit.
    """

    @property
    @abstractmethod
    def label(self) -> str:
        """Method label stored with every energy (e.g. ``GFN2-xTB(Tel=300K)``)."""

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """Every setting that fixes an energy, as plain JSON (enters the cache key of every job)."""

    @abstractmethod
    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """A fresh ASE calculator for this charge (e) and spin multiplicity (2S+1)."""

    @property
    def corrections(self) -> str:
        """Name of the free-energy correction preset that fits this method (``nanocat.thermo.get_preset``)."""
        return "peterson2010"

    @property
    def handles_charge(self) -> bool:
        """True when the method can represent a net charge."""
        return False

    @property
    def handles_spin(self) -> bool:
        """True when the method takes a spin multiplicity (then it must match the electron parity)."""
        return False

    @property
    def elements(self) -> frozenset[str] | None:
        """Elements the method covers, or None when it does not say (its calculator decides at run time)."""
        return None

    def spec(self) -> EngineSpec | None:
        """The importable spec that rebuilds this engine in another process, or None (runs in-process only)."""
        return None

    @property
    def computes(self) -> bool:
        """False for an engine whose energies are only imported (``external``): its missing jobs are pending."""
        return True

    def versions(self) -> dict[str, str | None]:
        """Versions of the libraries behind the method (stored with every energy, not in the cache key)."""
        return {"ase": package_version("ase")}

    def check_system(self, atoms: Atoms, charge: int = 0, multiplicity: int = 1) -> None:
        """Raise EngineError/InputError if this method cannot treat ``atoms`` at this charge (e) and multiplicity."""
        if len(atoms) == 0:
            raise InputError("empty structure: nothing to compute")
        if self.elements is not None:
            missing = sorted(set(atoms.get_chemical_symbols()) - set(self.elements))
            if missing:
                raise EngineError(f"engine {self.label!r} has no parameters for {', '.join(missing)} "
                                  f"(it covers {' '.join(sorted(self.elements))}); choose another engine")
        if int(charge) != 0 and not self.handles_charge:
            raise EngineError(f"engine {self.label!r} cannot represent a net charge (got charge={charge} on "
                              f"{atoms.get_chemical_formula()}); use an engine that takes a charge (gfn1, gfn2, DFT)")
        if self.handles_spin:
            check_spin_parity(atoms, charge, multiplicity)
        elif n_electrons(atoms, charge) < 0:
            raise InputError(f"charge {charge} removes more electrons than {atoms.get_chemical_formula()} has")


@dataclass(frozen=True)
class EngineResult:
    """One single point: energy (eV), forces (eV/Å), the method label and the settings that made them."""

    energy_eV: float | None
    forces: tuple[tuple[float, float, float], ...] | None
    method_label: str
    converged: bool
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_kind: ErrorKind | None = None

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
    def from_dict(cls, data: Mapping[str, Any]) -> EngineResult:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        forces = data.get("forces")
        data["forces"] = None if forces is None else tuple(tuple(float(x) for x in f) for f in forces)
        return cls(**data)


def engine_settings(engine: Engine, charge: int, multiplicity: int) -> dict[str, Any]:
    """Everything that fixes an energy: engine settings, charge, multiplicity, library versions, threads."""
    settings: dict[str, Any] = {
        "engine": engine.settings(),
        "method_label": engine.label,
        "corrections": engine.corrections,
        "charge": int(charge),
        "multiplicity": int(multiplicity),
        "nanocat_version": __version__,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    settings.update({f"{package}_version": v for package, v in engine.versions().items()})
    return settings


@contextmanager
def calculation_errors(engine: Engine, what: str) -> Iterator[None]:
    """Let ``CalculationFailed`` and nanocat errors through; any other calculator exception becomes EngineError.

    A calculator that raises ``KeyError``, ``NotImplementedError`` (EMT: "No EMT-potential for S") or
    ``PropertyNotImplementedError`` (it returned no energy) is broken for this system: retrying with the same
    settings cannot help, so the run stops with one clear line instead of storing a failure.
    """
    try:
        yield
    except (CalculationFailed, NanocatError):
        raise
    except PropertyNotImplementedError as exc:
        raise EngineError(f"engine {engine.label!r} returned no energy or forces on {what} ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - third-party calculators raise anything; we name it and stop
        raise EngineError(f"engine {engine.label!r} failed on {what}: {type(exc).__name__}: {exc}") from exc


def checked_energy(engine: Engine, energy: Any, what: str) -> float:
    """The energy as a finite float (eV), or EngineError saying the calculator gave none."""
    if energy is None:
        raise EngineError(f"engine {engine.label!r} returned no energy on {what}")
    try:
        value = float(energy)
    except (TypeError, ValueError):
        raise EngineError(f"engine {engine.label!r} returned a non-numeric energy {energy!r} on {what}") from None
    if not math.isfinite(value):
        raise EngineError(f"engine {engine.label!r} returned a non-finite energy ({value}) on {what}")
    return value


def single_point(atoms: Atoms, engine: Any, charge: int = 0, multiplicity: int = 1) -> EngineResult:
    """Energy (eV) and forces (eV/Å) of one geometry; ``converged=False`` (no energy) if the SCF fails.

    ``engine`` is anything :func:`~nanocat.atoms.engines.resolve_engine` accepts (a name, ``module:callable``,
    an :class:`Engine`, an EngineSpec or an ASE calculator instance).
    """
    from nanocat.atoms.engines.registry import resolve_engine  # the registry imports this module

    engine = resolve_engine(engine)
    engine.check_system(atoms, charge, multiplicity)
    what = atoms.get_chemical_formula()
    work = atoms.copy()
    work.calc = engine.calculator(charge, multiplicity)
    settings = engine_settings(engine, charge, multiplicity)
    try:
        with calculation_errors(engine, what):
            energy = checked_energy(engine, work.get_potential_energy(), what)
            try:
                forces: np.ndarray | None = np.asarray(work.get_forces(), dtype=float)
            except PropertyNotImplementedError:  # an energy-only method: the energy still stands
                forces = None
    except CalculationFailed as exc:  # tblite: "SCF not converged in N cycles"
        log.info("%s: calculation failed on %s: %s", engine.label, what, exc)
        return EngineResult(None, None, engine.label, False, settings, error=f"{engine.label}: {exc}",
                            error_kind="scf")
    if forces is not None and not np.isfinite(forces).all():
        raise EngineError(f"engine {engine.label!r} returned non-finite forces on {what}")
    rows = None if forces is None else tuple(tuple(f) for f in forces.tolist())
    return EngineResult(energy, rows, engine.label, True, settings)
