"""Faradaic efficiencies -> electrode fluxes of CO2 and OH⁻ per product, from nanocat.chem.products stoichiometry.

In neutral and alkaline electrolytes every electron comes with one OH⁻ from water
(x CO2 + m H2O + m e⁻ -> product + m OH⁻ + ...); a product that is an acid leaves as its anion above its pKa
and takes back one OH⁻ per acidic proton (formic acid -> formate: 1 OH⁻ per 2 e⁻, as in Gupta 2006).
Current densities are positive numbers for cathodic (reduction) current, mA cm⁻².
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scipy.constants import physical_constants

from nanocat.chem.products import ProductError, get_product
from nanocat.errors import InputError

FARADAY_C_MOL: float = physical_constants["Faraday constant"][0]
#: Acidic protons a product gives up at the electrolyte pH (pKa of HCOOH 3.75 < pH); users may add more.
ACIDIC_PROTONS: dict[str, int] = {"HCOOH": 1}
FE_TOLERANCE_PERCENT = 1e-6


def parse_fe(text: str) -> dict[str, float]:
    """``"CO=90,H2=10"`` -> {"CO": 90.0, "H2": 10.0} (percent; checked by :func:`check_fe`)."""
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--fe {text!r}: write product=percent pairs, e.g. CO=90,H2=10") from None
    return check_fe(out)


def check_fe(fe_percent: Mapping[str, float]) -> dict[str, float]:
    """Validate an FE split (percent): known products, each 0..100, summing to 100 (under 100: the rest is H2)."""
    if not fe_percent:
        raise InputError("FE split is empty: give product=percent pairs, e.g. CO=90,H2=10")
    fe: dict[str, float] = {}
    for name, value in fe_percent.items():
        try:
            get_product(name)
        except ProductError as exc:
            raise InputError(f"FE of {name!r}: {exc}") from None
        v = float(value)
        if not (math.isfinite(v) and 0.0 <= v <= 100.0):
            raise InputError(f"FE of {name!r} must lie between 0 and 100 %, got {value}")
        fe[name] = fe.get(name, 0.0) + v
    total = sum(fe.values())
    if total > 100.0 + FE_TOLERANCE_PERCENT:
        raise InputError(f"FE values sum to {total:g} %, over 100 %: {fe}")
    if total < 100.0 - FE_TOLERANCE_PERCENT:
        fe["H2"] = fe.get("H2", 0.0) + 100.0 - total  # unassigned charge is taken as hydrogen evolution
    return fe


def flux_per_current(fe_percent: Mapping[str, float]) -> dict[str, float]:
    """Net electrode production (mol m⁻² s⁻¹ per mA cm⁻²) of CO2 (negative: consumed) and OH⁻ for this FE split."""
    co2 = oh = 0.0
    electrons = 10.0 / FARADAY_C_MOL  # 1 mA cm⁻² = 10 A m⁻²
    for name, pct in fe_percent.items():
        prod = get_product(name)
        molecules = pct / 100.0 * electrons / prod.n_electrons
        co2 -= prod.n_co2 * molecules
        oh += (prod.n_electrons - ACIDIC_PROTONS.get(prod.formula, 0)) * molecules
    return {"CO2": co2, "OH": oh}
