"""The recipe of a screen: engine, intermediates, gas references, products, sites and relaxation settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from nanocat.atoms.adsorbates import AdsorbateSpec, GasReference, adsorbate_spec
from nanocat.atoms.engines import Engine, EnginePolicy, EngineSpec, resolve_engine
from nanocat.chem.network import ReactionNetwork, Step, default_network
from nanocat.errors import InputError
from nanocat.thermo import Correction, CorrectionSet, get_preset

#: Intermediates placed by default: the C1 network to CO, HCOOH, CH4 and CH3OH, plus H* for HER.
DEFAULT_ADSORBATES: tuple[str, ...] = ("H", "COOH", "OCHO", "CO", "CHO", "COH", "CH2O", "OCH3", "O", "OH")
#: Gas-phase references computed at the same level as the adsorbates.
GAS_REFERENCES: tuple[str, ...] = ("CO2", "H2", "H2O", "CO", "HCOOH", "CH4", "CH3OH", "CH2O")
#: Clusters with more atoms than this relax only atoms within ``fix_radius_A`` of the site.
LARGE_CLUSTER_ATOMS = 40


@dataclass(frozen=True)
class ScreenSettings:
    """Recipe of a screen: engine policy, intermediates, site kinds and relaxation settings (Å, eV).

    ``engine`` is ``"auto"`` (GFN2 -> GFN2 @ 1000 K -> GFN1), an engine name or ``module:callable``, an
    :class:`~nanocat.atoms.engines.EngineSpec` (name + parameters), an :class:`~nanocat.atoms.engines.Engine`,
    an :class:`~nanocat.atoms.engines.EnginePolicy`, or an ASE calculator instance. ``corrections`` None takes
    the engine's own preset (``xtb`` for xTB, ``peterson2010`` otherwise). ``adsorbates`` are built-in names
    or your own :class:`~nanocat.atoms.adsorbates.AdsorbateSpec`; ``gas_references`` built-in/G2 names or
    :class:`~nanocat.atoms.adsorbates.GasReference`; ``network_steps`` extra reaction steps
    (``"CH3* + CH3* -> C2H6(g) + 2*"``) added to the default network; ``products`` any product name
    (register your own with :func:`nanocat.chem.products.register_product`). ``sites_on`` chooses the geometry
    a bare cluster's adsorbates are placed on: its relaxed geometry (default), or the input geometry, which
    makes every job known before any runs (:meth:`~nanocat.atoms.screening.Screener.plan`). ``refine`` is a
    second engine (same forms as ``engine``, not a policy) that recomputes single points of the geometries each
    diagram uses (``refine_all_sites``: the best one on every site), see :mod:`nanocat.atoms.refine`.
    """

    engine: Any = "auto"
    adsorbates: tuple[str | AdsorbateSpec, ...] = DEFAULT_ADSORBATES
    site_kinds: tuple[str, ...] = ("top", "bridge", "hollow")
    n_orientations: int = 2
    fmax_eV_A: float = 0.05
    max_steps: int = 300
    fix_radius_A: float = 6.0
    optimizer: str = "LBFGS"
    corrections: str | None = None
    products: tuple[str, ...] = ("CO", "HCOOH", "CH4", "CH3OH")
    site_elements: tuple[str, ...] = ()
    max_sites: int | None = None
    workers: int | None = None
    gas_references: tuple[str | GasReference, ...] = GAS_REFERENCES
    network_steps: tuple[str, ...] = ()
    sites_on: Literal["relaxed", "input"] = "relaxed"
    refine: Any = None
    refine_all_sites: bool = False

    def __post_init__(self) -> None:
        for name in ("adsorbates", "site_kinds", "products", "site_elements", "gas_references", "network_steps"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.sites_on not in ("relaxed", "input"):
            raise InputError(f"sites_on must be 'relaxed' or 'input', got {self.sites_on!r}")
        specs = self.adsorbate_specs()  # unknown names fail here, with the list of known ones
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise InputError(f"adsorbates named twice: {sorted({n for n in names if names.count(n) > 1})}")
        gases = [g if isinstance(g, str) else g.name for g in self.gas_references]
        if len(set(gases)) != len(gases):
            raise InputError(f"gas references named twice: {sorted({g for g in gases if gases.count(g) > 1})}")

    def adsorbate_specs(self) -> tuple[AdsorbateSpec, ...]:
        """Every intermediate as an AdsorbateSpec (built-in names looked up)."""
        return tuple(adsorbate_spec(a) for a in self.adsorbates)

    def gas_specs(self) -> tuple[GasReference, ...]:
        """Every gas reference as a GasReference (names looked up in the built-ins and ASE's G2 set)."""
        return tuple(GasReference.named(g) if isinstance(g, str) else g for g in self.gas_references)

    def policy(self) -> EnginePolicy:
        """The engine policy of the screen."""
        return EnginePolicy.from_engine(self.engine)

    def refine_engine(self) -> Engine | None:
        """The refinement engine, built (None without ``refine``); unknown names raise InputError/EngineError."""
        if self.refine is None:
            return None
        if isinstance(self.refine, EnginePolicy):
            raise InputError("refine must be one engine, not an engine policy")
        return resolve_engine(self.refine)

    def network(self) -> ReactionNetwork:
        """The default reaction network plus ``network_steps``."""
        if not self.network_steps:
            return default_network()
        net = ReactionNetwork(default_network().steps)
        for text in self.network_steps:
            net.add_step(Step.parse(text) if isinstance(text, str) else text)
        return net

    def correction_set(self, engine_preset: str) -> CorrectionSet:
        """The preset (``corrections`` or the engine's) plus the corrections carried by user adsorbates and gases."""
        base = get_preset(self.corrections or engine_preset)
        extra: dict[str, Correction] = {s.species: s.correction for s in self.adsorbate_specs()
                                        if s.correction is not None}
        extra.update({f"{g.name}(g)": g.correction for g in self.gas_specs() if g.correction is not None})
        return base.with_corrections(extra) if extra else base

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form (the engine as its name, its spec, or its label if not rebuildable)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["engine"] = _engine_json(self.engine)
        out["refine"] = None if self.refine is None else _engine_json(self.refine)
        out["adsorbates"] = [a if isinstance(a, str) else a.as_dict() for a in self.adsorbates]
        out["gas_references"] = [g if isinstance(g, str) else g.as_dict() for g in self.gas_references]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreenSettings:
        """Inverse of :meth:`as_dict` (an engine that could not be rebuilt raises InputError)."""
        data = dict(data)
        for name in ("engine", "refine"):
            engine = data.get(name)
            if isinstance(engine, Mapping):
                if "engines" in engine:
                    data[name] = EnginePolicy.from_dict(engine)
                elif "name" in engine:
                    data[name] = EngineSpec.from_dict(engine)
                else:
                    raise InputError(f"screen settings: {name} {engine.get('label')!r} was a calculator instance "
                                     "and cannot be rebuilt from JSON; pass the engine again")
        if "adsorbates" in data:
            data["adsorbates"] = [a if isinstance(a, str) else AdsorbateSpec.from_dict(a) for a in data["adsorbates"]]
        if "gas_references" in data:
            data["gas_references"] = [g if isinstance(g, str) else GasReference.from_dict(g)
                                      for g in data["gas_references"]]
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _engine_json(engine: Any) -> Any:
    """JSON form of ScreenSettings.engine: a name stays a name; specs, engines and policies become dicts."""
    if isinstance(engine, str):
        return engine
    if isinstance(engine, EngineSpec | EnginePolicy):
        return engine.as_dict()
    built = resolve_engine(engine)
    spec = built.spec()
    return spec.as_dict() if spec is not None else {"label": built.label}
