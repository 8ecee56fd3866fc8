"""Any ASE calculator as an engine: an importable factory (``module:callable`` + params), or a live instance.

:class:`CalculatorEngine` calls its factory afresh for every job, passing the charge and the spin the way the
factory spells them (``charge``; ``multiplicity``/``mult`` as 2S+1, or ``spin`` as 2S, found from its
signature or given at registration). It rebuilds in worker processes from its importable spec.

:class:`InstanceEngine` wraps a calculator object built by the user (``screen(atoms, engine=GPAW(...))``): it
cannot be rebuilt elsewhere, so it runs in the calling process, and it keeps the one charge it was built with.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib.metadata import packages_distributions
from typing import TYPE_CHECKING, Any, Literal

from nanocat.atoms.engines.base import Engine, EngineSpec, call_label, is_json, jsonable, package_version
from nanocat.errors import EngineError, NanocatError

if TYPE_CHECKING:
    from ase.calculators.calculator import BaseCalculator

log = logging.getLogger(__name__)

SpinConvention = Literal["multiplicity", "unpaired"]
#: Keyword names recognised in a factory's signature: charge, and spin as 2S+1 or as 2S (PySCF's ``spin``).
_CHARGE_NAMES = ("charge",)
_SPIN_NAMES: dict[str, SpinConvention] = {"multiplicity": "multiplicity", "mult": "multiplicity",
                                          "spin": "unpaired"}
AUTO = "auto"


def load_object(path: str) -> Any:
    """Import ``module:attribute`` (dots allowed after the colon); EngineError naming what failed."""
    module_name, sep, attribute = str(path).partition(":")
    if not sep or not module_name or not attribute:
        raise EngineError(f"engine {path!r}: expected 'module:callable', e.g. ase.calculators.morse:MorsePotential")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineError(f"engine {path!r}: cannot import module {module_name!r} ({exc})") from exc
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise EngineError(f"engine {path!r}: module {module_name!r} has no attribute {attribute!r}") from None
    return obj


def importable_path(obj: Any) -> str | None:
    """``module:qualname`` that imports back to ``obj`` in a fresh process, or None (``__main__``, lambdas)."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<" in qualname:
        return None
    path = f"{module}:{qualname}"
    try:
        return path if load_object(path) is obj else None
    except EngineError:
        return None


def _keywords(func: Callable[..., Any]) -> set[str]:
    """Named parameters of a callable (a class: of its ``__init__``); empty when it has no signature."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return set()
    return {name for name, p in signature.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


@lru_cache(maxsize=64)
def _distribution_of(module: str) -> str | None:
    """The installed distribution that provides a top-level module, or None.

    Cached: ``packages_distributions`` reads every installed distribution's file list (1.3 s per call measured
    with ~140 packages), and every job's settings ask for it.
    """
    top = module.split(".")[0]
    dists = packages_distributions().get(top)
    return dists[0] if dists else None


@dataclass(frozen=True)
class CalculatorEngine(Engine):
    """An ASE calculator made by an importable factory (a Calculator class or a function returning one).

    Parameters
    ----------
    factory
        ``"module:callable"``, e.g. ``"ase.calculators.morse:MorsePotential"``, or the callable itself (then
        the engine runs in this process only unless ``name`` is found by name everywhere).
    params
        Keyword arguments of the factory (JSON values, so that workers can rebuild it).
    name
        The name it was found under (registry or entry point); it names the engine in its spec. None: the
        factory path does.
    charge_keyword, spin_keyword
        Factory keywords that take the charge (e) and the spin; ``"auto"`` finds them in the signature
        (``charge``; ``multiplicity``/``mult``/``spin``), None says the factory takes none (no net charge,
        multiplicity ignored).
    spin_convention
        ``"multiplicity"`` (2S+1) or ``"unpaired"`` (2S, as PySCF's ``spin``); ``"auto"`` follows the keyword.
    corrections_preset
        Free-energy correction preset (``peterson2010`` for DFT and MLIPs).
    covered_elements
        Elements the method covers, when known (checked before any work).
    title
        Label stem; default the factory's name (``MorsePotential``).
    rebuildable
        False for factories only this process knows (a user registration from ``__main__``).
    """

    factory: str | Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    charge_keyword: str | None = AUTO
    spin_keyword: str | None = AUTO
    spin_convention: str = AUTO
    corrections_preset: str = "peterson2010"
    covered_elements: tuple[str, ...] | None = None
    title: str | None = None
    rebuildable: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", dict(self.params))
        func = self._callable
        names = _keywords(func)
        if self.charge_keyword == AUTO:
            object.__setattr__(self, "charge_keyword", next((n for n in _CHARGE_NAMES if n in names), None))
        if self.spin_keyword == AUTO:
            object.__setattr__(self, "spin_keyword", next((n for n in _SPIN_NAMES if n in names), None))
        if self.spin_convention == AUTO:
            object.__setattr__(self, "spin_convention", _SPIN_NAMES.get(self.spin_keyword or "", "multiplicity"))
        if self.spin_convention not in ("multiplicity", "unpaired"):
            raise EngineError(f"engine {self._path!r}: spin_convention must be 'multiplicity' or 'unpaired', "
                              f"got {self.spin_convention!r}")
        clash = {self.charge_keyword, self.spin_keyword} & set(self.params)
        if clash - {None}:
            raise EngineError(f"engine {self._path!r}: {sorted(clash - {None})} are set by nanocat per system "
                              "(charge and spin of each job); do not pass them as engine parameters")
        if self.covered_elements is not None:
            object.__setattr__(self, "covered_elements", tuple(sorted(self.covered_elements)))

    def __hash__(self) -> int:
        return hash((self._path, repr(sorted(self.params.items())), self.name))

    @cached_property
    def _callable(self) -> Callable[..., Any]:
        """The factory object (imported once)."""
        func = load_object(self.factory) if isinstance(self.factory, str) else self.factory
        if not callable(func):
            raise EngineError(f"engine {self.factory!r} is not callable (a {type(func).__name__})")
        return func

    @property
    def label(self) -> str:
        """``Title(k=v, ...)`` of the factory and its parameters, e.g. ``MorsePotential(epsilon=0.5)``."""
        return call_label(self.title or self._path.rpartition(":")[2].rpartition(".")[2], self.params)

    @property
    def _path(self) -> str:
        """``module:qualname`` of the factory (for a callable given directly, where it was defined)."""
        if isinstance(self.factory, str):
            return self.factory
        return f"{getattr(self.factory, '__module__', '?')}:{getattr(self.factory, '__qualname__', '?')}"

    def settings(self) -> dict[str, Any]:
        """Name, factory path, parameters, and what the calculator itself reports (class, all its parameters
        with their defaults, and its own ``settings()`` where it has one), so a changed default is a new key."""
        return {"name": self.name or self._path, "factory": self._path, "params": jsonable(self.params),
                "calculator": self._calculator_record}

    @cached_property
    def _calculator_record(self) -> dict[str, Any]:
        """Class and parameters of the calculator the factory builds (neutral, lowest spin), as JSON."""
        calc = self.calculator(0, 1)
        cls = type(calc)
        record = {"class": f"{cls.__module__}:{cls.__qualname__}",
                  "parameters": jsonable(dict(getattr(calc, "parameters", None) or {}))}
        own = getattr(calc, "settings", None)
        if callable(own):
            record["settings"] = jsonable(own())
        return record

    @property
    def corrections(self) -> str:
        """The preset given at construction (``peterson2010`` by default)."""
        return self.corrections_preset

    @property
    def handles_charge(self) -> bool:
        """True when the factory takes a charge keyword."""
        return self.charge_keyword is not None

    @property
    def handles_spin(self) -> bool:
        """True when the factory takes a spin keyword."""
        return self.spin_keyword is not None

    @property
    def elements(self) -> frozenset[str] | None:
        """Covered elements, when given."""
        return None if self.covered_elements is None else frozenset(self.covered_elements)

    def spec(self) -> EngineSpec | None:
        """Its name (or factory path) and parameters; None when the parameters are not JSON or it is local."""
        if not self.rebuildable or not is_json(self.params):
            return None
        if self.name is None and not isinstance(self.factory, str):
            return None
        return EngineSpec(self.name or self._path, dict(self.params))

    def versions(self) -> dict[str, str | None]:
        """ase and the factory's distribution."""
        out = {"ase": package_version("ase")}
        dist = _distribution_of(self._path.partition(":")[0])
        if dist and dist != "ase":
            out[dist] = package_version(dist)
        return out

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """Call the factory with the parameters, the charge and the spin; EngineError naming what went wrong."""
        kwargs = dict(self.params)
        if self.charge_keyword is not None:
            kwargs[self.charge_keyword] = int(charge)
        elif int(charge) != 0:
            raise EngineError(f"engine {self.label!r} takes no charge (got charge={charge}); its factory "
                              f"{self._path} has no 'charge' keyword")
        if self.spin_keyword is not None:
            spin = int(multiplicity) if self.spin_convention == "multiplicity" else int(multiplicity) - 1
            kwargs[self.spin_keyword] = spin
        try:
            calc = self._callable(**kwargs)
        except NanocatError:
            raise
        except Exception as exc:  # noqa: BLE001 - a user factory can raise anything; name it
            raise EngineError(f"engine {self.label!r}: {self._path}(...) raised {type(exc).__name__}: {exc}") from exc
        if not callable(getattr(calc, "get_potential_energy", None)):
            raise EngineError(f"engine {self.label!r}: {self._path}(...) returned a {type(calc).__name__}, "
                              "not an ASE calculator")
        return calc


def _nondefault_parameters(calc: Any) -> dict[str, Any]:
    """Parameters of a calculator instance that differ from its class defaults (JSON)."""
    params = dict(getattr(calc, "parameters", None) or {})
    defaults = dict(getattr(calc, "default_parameters", None) or {})
    out = {}
    for key, value in params.items():
        try:
            same = key in defaults and bool(defaults[key] == value)
        except (TypeError, ValueError):  # numpy arrays compare element-wise
            same = False
        if not same:
            out[key] = jsonable(value)
    return out


@dataclass(frozen=True, eq=False)
class InstanceEngine(Engine):
    """A calculator object built by the user; runs in this process only and keeps the charge it was built with."""

    calc: Any

    def __post_init__(self) -> None:
        if not callable(getattr(self.calc, "get_potential_energy", None)):
            raise EngineError(f"engine: a {type(self.calc).__name__} is not an ASE calculator")

    @property
    def _charge(self) -> int:
        """The net charge the instance was built with (0 when it has no charge parameter)."""
        params = getattr(self.calc, "parameters", None) or {}
        return int(params.get("charge", 0) or 0)

    @property
    def label(self) -> str:
        """Class name and its non-default parameters, e.g. ``MorsePotential(epsilon=0.5)``."""
        return call_label(type(self.calc).__name__, _nondefault_parameters(self.calc))

    def settings(self) -> dict[str, Any]:
        """Class path and all parameters of the instance (JSON)."""
        cls = type(self.calc)
        return {"name": "instance", "calculator": f"{cls.__module__}:{cls.__qualname__}",
                "parameters": jsonable(dict(getattr(self.calc, "parameters", None) or {}))}

    @property
    def handles_charge(self) -> bool:
        """The instance takes exactly the charge it was built with (checked per job)."""
        return True

    def check_system(self, atoms: Any, charge: int = 0, multiplicity: int = 1) -> None:
        """Also refuse a charge other than the one the instance was built with."""
        super().check_system(atoms, charge, multiplicity)
        if int(charge) != self._charge:
            raise EngineError(
                f"engine {self.label!r} is a calculator instance built for charge {self._charge}, but "
                f"{atoms.get_chemical_formula()} needs charge {charge}; give an importable factory instead "
                "(--engine module:callable, or register_engine) so nanocat can build one per charge")

    def versions(self) -> dict[str, str | None]:
        """ase and the calculator's distribution."""
        out = {"ase": package_version("ase")}
        dist = _distribution_of(type(self.calc).__module__)
        if dist and dist != "ase":
            out[dist] = package_version(dist)
        return out

    def calculator(self, charge: int = 0, multiplicity: int = 1) -> BaseCalculator:
        """The instance itself (ASE calculators reset when the atoms change)."""
        if int(charge) != self._charge:
            raise EngineError(f"engine {self.label!r} was built for charge {self._charge}, not {charge}")
        return self.calc
