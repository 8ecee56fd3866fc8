"""Tafel slopes from partial current densities: a straight line of E_RHE vs log10|j| (mV dec⁻¹)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import linregress

from nanocat.errors import InputError


@dataclass(frozen=True)
class TafelFit:
    """A Tafel fit: slope (mV dec⁻¹, positive), intercept log10|j| at 0 V_RHE, window (V_RHE), r² and n points."""

    product: str
    slope_mV_dec: float
    window_V_RHE: tuple[float, float]
    r_squared: float
    n_points: int
    log10_j0_mA_cm2: float

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        d = asdict(self)
        d["window_V_RHE"] = list(self.window_V_RHE)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TafelFit:
        """Inverse of :meth:`as_dict`."""
        return cls(str(data["product"]), float(data["slope_mV_dec"]), tuple(data["window_V_RHE"]),  # type: ignore[arg-type]
                   float(data["r_squared"]), int(data["n_points"]), float(data["log10_j0_mA_cm2"]))


def fit_tafel(potential_V_RHE: Sequence[float], j_mA_cm2: Sequence[float], product: str = "total",
              window_V_RHE: tuple[float, float] | None = None) -> TafelFit:
    """Fit E = a + b·log10|j| over ``window_V_RHE`` (all points if None); slope b reported as |b| in mV dec⁻¹."""
    e = np.asarray(potential_V_RHE, dtype=float)
    j = np.abs(np.asarray(j_mA_cm2, dtype=float))
    keep = np.isfinite(e) & np.isfinite(j) & (j > 0)
    if window_V_RHE is not None:
        low, high = sorted(window_V_RHE)
        keep &= (e >= low) & (e <= high)
    if keep.sum() < 3:
        raise InputError(f"Tafel fit of {product}: need at least 3 points with current in the window, "
                         f"have {int(keep.sum())}")
    x, y = np.log10(j[keep]), e[keep]
    fit = linregress(x, y)
    slope_V_dec = float(fit.slope)
    # log10|j| where the line crosses 0 V_RHE: the extrapolated exchange current on the RHE scale
    log_j0 = float(-fit.intercept / slope_V_dec) if slope_V_dec != 0 else float("nan")
    return TafelFit(product, abs(slope_V_dec) * 1e3, (float(y.min()), float(y.max())), float(fit.rvalue ** 2),
                    int(keep.sum()), log_j0)
