"""Computed predictions to set beside a measured run: FE(U) from ``nanocat kinetics --json``, or the
predicted product and limiting potentials from ``nanocat screen --json`` / ``nanocat analyze --json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanocat.chem.products import get_product
from nanocat.errors import InputError
from nanocat.experiment.references import nernst_slope_V


def _formula(name: str) -> str:
    """'CO(g)' and 'CO' -> 'CO'; names that are not products are kept as given."""
    try:
        return get_product(name).formula
    except InputError:
        return name.split("(")[0]


@dataclass(frozen=True)
class Prediction:
    """A computed result on the RHE scale: FE(U) curves (kinetics) and/or limiting potentials (V_RHE)."""

    kind: str
    source: str
    potential_V_RHE: tuple[float, ...] = ()
    fe_percent: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    limiting_potential_V_RHE: Mapping[str, float] = field(default_factory=dict)
    predicted_product: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"kind": self.kind, "source": self.source, "potential_V_RHE": list(self.potential_V_RHE),
                "fe_percent": {k: list(v) for k, v in self.fe_percent.items()},
                "limiting_potential_V_RHE": dict(self.limiting_potential_V_RHE),
                "predicted_product": self.predicted_product}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Prediction:
        """Inverse of :meth:`as_dict`."""
        return cls(str(d["kind"]), str(d["source"]), tuple(d.get("potential_V_RHE", ())),
                   {k: tuple(v) for k, v in d.get("fe_percent", {}).items()},
                   dict(d.get("limiting_potential_V_RHE", {})), d.get("predicted_product"))


def _from_analysis(analysis: Any) -> dict[str, float]:
    """Limiting potentials (V_RHE) per product formula of a FreeEnergyAnalysis (HER included)."""
    out = {}
    for result in (*analysis.products.values(), analysis.her):
        if result.limiting_potential_V_RHE is not None:
            out[_formula(result.product)] = float(result.limiting_potential_V_RHE)
    return out


def load_prediction(path: str | Path) -> Prediction:
    """Read a kinetics, screen or analyze JSON result (kind detected from its keys)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the result ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON document ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected one JSON object (a kinetics, screen or analyze result)")
    try:
        if "potential_V" in doc and "fe_percent" in doc:
            from nanocat.kinetics.results import KineticsResult

            k = KineticsResult.from_dict(doc)
            # a sweep on the SHE scale is shifted by the Nernst term of its own pH and temperature
            shift = nernst_slope_V(k.temperature_K) * k.pH if k.scale == "SHE" else 0.0
            return Prediction("kinetics", str(path), tuple(u + shift for u in k.potential_V),
                              {_formula(p): tuple(v) for p, v in k.fe_percent.items()})
        if "hosts" in doc:
            from nanocat.atoms.screen_results import ScreenResult

            s = ScreenResult.from_dict(doc)
            if not s.hosts:
                raise InputError(f"{path}: the screen analysed no host (pending jobs?): nothing to compare")
            return Prediction("screen", str(path), limiting_potential_V_RHE=_from_analysis(s.best_host.analysis),
                              predicted_product=s.predicted_product and _formula(s.predicted_product))
        if "products" in doc and "her" in doc:
            from nanocat.thermo.analysis import FreeEnergyAnalysis

            a = FreeEnergyAnalysis.from_dict(doc)
            return Prediction("analysis", str(path), limiting_potential_V_RHE=_from_analysis(a))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: malformed result ({type(exc).__name__}: {exc})") from None
    raise InputError(f"{path}: not a kinetics, screen or analyze result (no potential_V/fe_percent, hosts or "
                     "products/her keys)")
