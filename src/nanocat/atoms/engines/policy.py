"""An ordered list of engines for the SCF fallback (GFN2 -> GFN2 @ 1000 K -> GFN1 by default).

The policy is data only. The one place that applies it is :func:`nanocat.atoms.workflow.run_with_policy`: the
*whole job set* of a free-energy diagram moves to the next engine at the first SCF failure (any job,
also mid-relaxation), so every energy of one diagram comes from one method (DESIGN.md section 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nanocat.atoms.engines.base import Engine, EngineSpec
from nanocat.atoms.engines.builtin import XTBEngine
from nanocat.atoms.engines.registry import resolve_engine
from nanocat.errors import InputError


@dataclass(frozen=True)
class EnginePolicy:
    """Engines in fallback order."""

    engines: tuple[Engine, ...]

    def __post_init__(self) -> None:
        engines = tuple(resolve_engine(e) for e in self.engines)
        if not engines:
            raise InputError("an engine policy needs at least one engine")
        object.__setattr__(self, "engines", engines)

    @classmethod
    def default(cls) -> EnginePolicy:
        """GFN2 at 300 K, then GFN2 at 1000 K, then GFN1 (what converged where: DESIGN.md section 5)."""
        return cls((XTBEngine("gfn2"), XTBEngine("gfn2", electronic_temperature_K=1000.0), XTBEngine("gfn1")))

    @classmethod
    def single(cls, engine: Any, **params: Any) -> EnginePolicy:
        """A policy of exactly one engine (no fallback)."""
        return cls((resolve_engine(engine, **params),))

    @classmethod
    def from_engine(cls, engine: Any, **params: Any) -> EnginePolicy:
        """``"auto"`` gives :meth:`default`; a policy stays itself; anything else is that one engine."""
        if isinstance(engine, EnginePolicy):
            return engine
        if isinstance(engine, str) and engine.strip().lower() == "auto":
            if params:
                raise InputError("engine parameters need one named engine, not 'auto'")
            return cls.default()
        return cls.single(engine, **params)

    from_name = from_engine

    @property
    def labels(self) -> tuple[str, ...]:
        """Method labels in fallback order."""
        return tuple(engine.label for engine in self.engines)

    def after(self, engine: Engine) -> EnginePolicy:
        """The engines from ``engine`` on (a later fallback never returns to an engine that failed)."""
        engines = list(self.engines)
        return EnginePolicy(tuple(engines[engines.index(engine):])) if engine in engines else EnginePolicy((engine,))

    def with_settings(self, **changes: Any) -> EnginePolicy:
        """The same policy with SCF settings changed on every xTB engine (e.g. ``max_iterations=500``)."""
        return EnginePolicy(tuple(replace(e, **changes) if isinstance(e, XTBEngine) else e for e in self.engines))

    def as_dict(self) -> dict[str, Any]:
        """``{"engines": [spec, ...]}``; an engine that cannot be rebuilt appears as ``{"label": ...}``."""
        out = []
        for engine in self.engines:
            spec = engine.spec()
            out.append(spec.as_dict() if spec is not None else {"label": engine.label})
        return {"engines": out}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnginePolicy:
        """Inverse of :meth:`as_dict` (also reads the older ``{"specs": [xTB settings]}`` form)."""
        if "specs" in data:  # nanocat <= 0.1 wrote every xTB setting flat, with the engine name
            return cls(tuple(XTBEngine(**s) for s in data["specs"]))
        items = data["engines"]
        if any("name" not in item for item in items):
            raise InputError("this policy holds a calculator instance, which cannot be rebuilt from JSON")
        return cls(tuple(EngineSpec.from_dict(item).build() for item in items))
