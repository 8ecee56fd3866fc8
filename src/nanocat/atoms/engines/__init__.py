"""Engines: the open protocol every energy method follows, and where engines come from.

- :mod:`~nanocat.atoms.engines.base`: the :class:`Engine` protocol, :class:`EngineResult`, :func:`single_point`.
- :mod:`~nanocat.atoms.engines.builtin`: GFN1/GFN2-xTB (:class:`XTBEngine`) and EMT (:class:`EMTEngine`).
- :mod:`~nanocat.atoms.engines.calculator`: any ASE calculator, from an importable factory
  (:class:`CalculatorEngine`) or a live instance (:class:`InstanceEngine`).
- :mod:`~nanocat.atoms.engines.registry`: built-in names, :func:`register_engine`, the ``nanocat.engines``
  entry points and ``module:callable`` factories; :class:`EngineSpec` rebuilds an engine in another process.
- :mod:`~nanocat.atoms.engines.policy`: :class:`EnginePolicy`, the ordered engines of the SCF fallback (applied
  by :func:`nanocat.atoms.workflow.run_with_policy`, the one fallback implementation).
"""

from nanocat.atoms.engines.base import (
    ERROR_KINDS,
    Engine,
    EngineResult,
    ErrorKind,
    calculation_errors,
    check_spin_parity,
    checked_energy,
    engine_settings,
    single_point,
)
from nanocat.atoms.engines.builtin import EMTEngine, XTBEngine
from nanocat.atoms.engines.calculator import CalculatorEngine, InstanceEngine
from nanocat.atoms.engines.external import ExternalEngine
from nanocat.atoms.engines.policy import EnginePolicy
from nanocat.atoms.engines.registry import (
    BUILTIN_ENGINES,
    ENGINES,
    ENTRY_POINT_GROUP,
    EngineRegistry,
    EngineSpec,
    default_registry,
    engine_names,
    get_engine,
    register_engine,
    resolve_engine,
)


def get_calculator(engine: object, charge: int = 0, multiplicity: int = 1):  # noqa: ANN201 - an ASE calculator
    """A fresh ASE calculator of an engine (anything :func:`resolve_engine` takes) for a charge (e) and multiplicity."""
    return resolve_engine(engine).calculator(charge, multiplicity)


def check_system(atoms: object, engine: object, charge: int = 0, multiplicity: int = 1) -> None:
    """Raise EngineError/InputError if ``engine`` cannot treat ``atoms`` at this charge (e) and multiplicity."""
    resolve_engine(engine).check_system(atoms, charge, multiplicity)


__all__ = [
    "BUILTIN_ENGINES", "ENGINES", "ENTRY_POINT_GROUP", "ERROR_KINDS", "CalculatorEngine", "EMTEngine", "Engine",
    "EnginePolicy", "EngineRegistry", "EngineResult", "EngineSpec", "ErrorKind", "ExternalEngine", "InstanceEngine",
    "XTBEngine",
    "calculation_errors", "check_spin_parity", "check_system", "checked_energy", "default_registry",
    "engine_names", "engine_settings", "get_calculator", "get_engine", "register_engine", "resolve_engine",
    "single_point",
]
