"""Where engines come from: built-in names, user registrations, the ``nanocat.engines`` entry points, factories.

:func:`get_engine` looks a name up in this order:

1. the registry (built-ins ``gfn2``, ``gfn1``, ``emt``, ``pyscf`` where installed, and every
   :func:`register_engine` call of this process);
2. the entry-point group ``nanocat.engines`` of every installed distribution (a plugin package declares
   ``[project.entry-points."nanocat.engines"] myengine = "mypkg.module:factory"``);
3. a ``module:callable`` path (``ase.calculators.morse:MorsePotential``).

A registered object (or entry point) is either a factory returning an :class:`Engine` (called with the
engine parameters), an :class:`Engine` subclass, or an ASE calculator class or factory, which becomes a
:class:`CalculatorEngine`. An :class:`EngineSpec` (name + JSON parameters) is what crosses process
boundaries: a worker rebuilds the engine from it with :func:`get_engine`.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from nanocat.atoms.engines import builtin
from nanocat.atoms.engines.base import Engine, EngineSpec
from nanocat.atoms.engines.external import external
from nanocat.atoms.engines.calculator import CalculatorEngine, InstanceEngine, importable_path, load_object
from nanocat.errors import EngineError, InputError, NanocatError

log = logging.getLogger(__name__)

#: Entry-point group through which installed packages add engines.
ENTRY_POINT_GROUP = "nanocat.engines"
#: Module of the PySCF calculator (optional extra ``nanocat[dft]``); registered as ``pyscf`` when present.
PYSCF_MODULE = "nanocat.atoms.calculators.pyscf"


@dataclass(frozen=True)
class EngineEntry:
    """One registered engine: its name, the factory, a description, and whether other processes find it by name.

    Built-ins and entry points are found by name in any process (``by_name``); a user registration is not (a
    worker process does not run the user's ``register_engine`` call), so its engines rebuild from the factory's
    ``module:callable`` path where there is one, and run in-process where there is none.
    """

    name: str
    factory: Any
    description: str = ""
    by_name: bool = False


def _is_calculator_factory(obj: Any) -> bool:
    """True for an ASE calculator class (anything with get_potential_energy)."""
    return isinstance(obj, type) and callable(getattr(obj, "get_potential_energy", None))


def make_engine(factory: Any, params: Mapping[str, Any], name: str | None, path: str | None) -> Engine:
    """Turn a registered object into an Engine (see the module docstring); EngineError naming what failed.

    ``name`` is what every process finds it under (None: none does); ``path`` is its ``module:callable`` (None:
    it cannot be imported, so its engine runs in this process only).
    """
    label = name or path or getattr(factory, "__qualname__", repr(factory))
    params = dict(params)
    if isinstance(factory, type) and issubclass(factory, Engine):
        return _call(factory, params, label)
    if _is_calculator_factory(factory):
        return CalculatorEngine(path or factory, params, name=name, rebuildable=bool(name or path))
    if not callable(factory):
        raise EngineError(f"engine {label!r} is a {type(factory).__name__}, not an engine factory or calculator")
    made = _call(factory, params, label)
    if isinstance(made, Engine):
        return made
    if callable(getattr(made, "get_potential_energy", None)):  # a calculator factory: called again per job
        return CalculatorEngine(path or factory, params, name=name, rebuildable=bool(name or path))
    raise EngineError(f"engine {label!r}: the factory returned a {type(made).__name__}, "
                      "not an Engine or an ASE calculator")


def _call(factory: Callable[..., Any], params: Mapping[str, Any], label: str) -> Any:
    """Call a factory with parameters; any exception becomes EngineError naming the engine."""
    try:
        return factory(**params)
    except NanocatError:
        raise
    except TypeError as exc:
        raise EngineError(f"engine {label!r} does not take these parameters {dict(params)}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a plugin factory can raise anything; name it
        raise EngineError(f"engine {label!r}: its factory raised {type(exc).__name__}: {exc}") from exc


def _entry_points() -> dict[str, Any]:
    """Installed ``nanocat.engines`` entry points by (lower-cased) name."""
    return {ep.name.strip().lower(): ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class EngineRegistry:
    """Engines by name: built-ins, user registrations, then installed entry points (case-insensitive)."""

    def __init__(self, entries: tuple[EngineEntry, ...] = ()) -> None:
        """Start with the given entries (none; see :func:`default_registry` for the built-ins)."""
        self._entries: dict[str, EngineEntry] = {}
        for entry in entries:
            self._entries[entry.name] = entry

    def register(self, name: str, factory: Any, *, description: str = "", replace: bool = False,
                 by_name: bool = False) -> EngineEntry:
        """Add an engine: an Engine factory/subclass or an ASE calculator class/factory, under ``name``.

        A name clash is an InputError unless ``replace``. A factory defined in an importable module rebuilds in
        parallel workers; one defined in ``__main__`` or inside a function runs in-process only. ``by_name`` is
        for nanocat's own built-ins, which every process registers.
        """
        key = str(name).strip().lower()
        if not key or ":" in key or key == "auto":
            raise InputError(f"engine name {name!r} is not allowed (empty, 'auto', or containing ':')")
        if not callable(factory):
            raise InputError(f"register_engine({name!r}, ...) needs a callable factory, got {type(factory).__name__}")
        if key in self._entries and not replace:
            raise InputError(f"engine {key!r} is already registered; pass replace=True to overwrite it")
        entry = EngineEntry(key, factory, description or (factory.__doc__ or "").strip().split("\n")[0],
                            by_name=by_name)
        self._entries[key] = entry
        return entry

    def unregister(self, name: str) -> EngineEntry:
        """Remove a registered engine (entry points stay installed); InputError if it is not registered."""
        key = str(name).strip().lower()
        if key not in self._entries:
            raise InputError(f"engine {key!r} is not registered here")
        return self._entries.pop(key)

    def entry(self, name: str) -> EngineEntry | None:
        """The registered or entry-point engine of this name, or None."""
        key = str(name).strip().lower()
        if key in self._entries:
            return self._entries[key]
        ep = _entry_points().get(key)
        if ep is None:
            return None
        try:
            factory = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide behind a traceback
            raise EngineError(f"engine {key!r} (entry point {ep.value} of group {ENTRY_POINT_GROUP}) "
                              f"could not be loaded: {type(exc).__name__}: {exc}") from exc
        return EngineEntry(key, factory, f"entry point {ep.value}", by_name=True)

    def get(self, name: str, **params: Any) -> Engine:
        """The engine called ``name`` (registry, entry point, or ``module:callable``) with parameters."""
        text = str(name).strip()
        entry = self.entry(text) if ":" not in text else None
        if entry is not None:
            return make_engine(entry.factory, params, entry.name if entry.by_name else None,
                               importable_path(entry.factory))
        if ":" in text:
            return make_engine(load_object(text), params, None, text)
        close = difflib.get_close_matches(text.lower(), self.names(), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise EngineError(f"unknown engine {name!r}{hint}; valid engines: {', '.join(self.names())}, 'auto', "
                          "or any ASE calculator factory as module:callable "
                          "(e.g. ase.calculators.morse:MorsePotential)")

    def names(self) -> list[str]:
        """Registered names, then installed entry-point names."""
        return [*self._entries, *(n for n in _entry_points() if n not in self._entries)]

    def descriptions(self) -> dict[str, str]:
        """Name -> one-line description of every engine known here."""
        out = {name: entry.description for name, entry in self._entries.items()}
        for name, ep in _entry_points().items():
            out.setdefault(name, f"entry point {ep.value}")
        return out

    def copy(self) -> EngineRegistry:
        """An independent copy (register into it without touching the original)."""
        return EngineRegistry(tuple(self._entries.values()))


#: Built-in engine names and what they are. "emt" is ASE's effective-medium toy potential: plumbing tests only.
BUILTIN_ENGINES: dict[str, str] = {
    "gfn2": "GFN2-xTB tight binding (tblite)",
    "gfn1": "GFN1-xTB tight binding (tblite)",
    "emt": "ASE effective-medium theory (Ag Al Au C Cu H N Ni O Pd Pt; tests only, never science)",
    "external": "your own program: jobs exported with --export, results read by `nanocat import` (never computes)",
}


@functools.lru_cache(maxsize=64)
def _pyscf_label(params_json: str) -> str:
    """Method label of a PySCF calculator with these settings (e.g. ``PBE/def2-SVP(PySCF,DF)``)."""
    from nanocat.atoms.calculators.pyscf import PySCFCalculator

    return str(PySCFCalculator(**json.loads(params_json)).method_label)


@dataclass(frozen=True)
class PySCFEngine(CalculatorEngine):
    """PySCF Kohn-Sham DFT: a calculator engine whose label is the calculator's own (functional/basis/DF/smearing)."""

    @property
    def label(self) -> str:
        """``PBE/def2-SVP(PySCF,DF)``-style label; defaults included, so two settings never share a label."""
        return _pyscf_label(json.dumps(dict(self.params), sort_keys=True))


def pyscf_engine(**params: Any) -> Engine:
    """PySCF molecular Kohn-Sham DFT (optional extra nanocat[dft]); parameters go to PySCFCalculator."""
    return PySCFEngine(f"{PYSCF_MODULE}:PySCFCalculator", params, name="pyscf", charge_keyword="charge",
                       spin_keyword="multiplicity", spin_convention="multiplicity", corrections_preset="peterson2010",
                       title="PySCF")


def _pyscf_present() -> bool:
    """True when nanocat's PySCF calculator module is part of this install (pyscf itself may still be absent)."""
    try:
        return importlib.util.find_spec(PYSCF_MODULE) is not None
    except ImportError:
        return False


if _pyscf_present():
    BUILTIN_ENGINES["pyscf"] = "PySCF molecular Kohn-Sham DFT (optional extra nanocat[dft])"


def _builtin_registry() -> EngineRegistry:
    """The registry of built-in engines (the registration point of every engine nanocat ships)."""
    factories = {"gfn2": builtin.gfn2, "gfn1": builtin.gfn1, "emt": builtin.emt, "pyscf": pyscf_engine,
                 "external": external}
    registry = EngineRegistry()
    for name, description in BUILTIN_ENGINES.items():
        registry.register(name, factories[name], description=description, by_name=True)
    return registry


_DEFAULT: EngineRegistry | None = None


def default_registry() -> EngineRegistry:
    """The process-wide registry (built-ins plus this process's :func:`register_engine` calls)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = _builtin_registry()
    return _DEFAULT


def register_engine(name: str, factory: Any, *, description: str = "", replace: bool = False) -> EngineEntry:
    """Add an engine to the process-wide registry (see :meth:`EngineRegistry.register`)."""
    return default_registry().register(name, factory, description=description, replace=replace)


def engine_names() -> list[str]:
    """Every engine name known here (built-ins, registrations, entry points)."""
    return default_registry().names()


def get_engine(name: str, **params: Any) -> Engine:
    """The engine called ``name`` with parameters (see the module docstring for the lookup order)."""
    return default_registry().get(name, **params)


def resolve_engine(engine: Any, **params: Any) -> Engine:
    """An Engine from a name, ``module:callable``, EngineSpec, Engine or ASE calculator instance."""
    if isinstance(engine, Engine):
        if params:
            raise InputError(f"engine parameters {sorted(params)} cannot be applied to a built engine {engine.label!r}")
        return engine
    if isinstance(engine, EngineSpec):
        return get_engine(engine.name, **{**engine.params, **params})
    if isinstance(engine, str):
        if engine.strip().lower() == "auto":
            raise InputError("'auto' is an engine policy (GFN2 -> GFN2@1000K -> GFN1), not one engine; "
                             "use EnginePolicy.from_engine('auto') or name one engine")
        return get_engine(engine, **params)
    if callable(getattr(engine, "get_potential_energy", None)):
        if params:
            raise InputError("engine parameters cannot be applied to a calculator instance")
        return InstanceEngine(engine)
    raise InputError(f"engine must be a name, 'module:callable', an Engine or an ASE calculator, "
                     f"got {type(engine).__name__}")


ENGINES = MappingProxyType(BUILTIN_ENGINES)
