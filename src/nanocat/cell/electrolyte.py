"""Bulk electrolyte: parse "0.5 M KHCO3" and speciate CO2/HCO3⁻/CO3²⁻/OH⁻/H⁺ by charge balance at a given pCO2.

The cation is a spectator at its nominal concentration; CO2(aq) follows Henry's law with Sechenov salting-out,
log10(c0/c) = Σ_i (h_i + h_G) c_i over the ions (iterated with the speciation, which sets the ion
concentrations); then [H⁺] solves M⁺ + H⁺ = HCO3⁻ + 2 CO3²⁻ + OH⁻ with HCO3⁻ = Ka1 CO2/H⁺,
CO3²⁻ = Ka2 HCO3⁻/H⁺, OH⁻ = Kw/H⁺ (ideal activities).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from scipy.optimize import brentq

from nanocat.cell.parameters import (
    SECHENOV_CO2_G0_L_MOL,
    SECHENOV_CO2_T_L_MOL_K,
    SECHENOV_ION_L_MOL,
    SPECIES,
    CellParameters,
)
from nanocat.errors import InputError

CATIONS: tuple[str, ...] = ("K", "Na", "Cs")
ANIONS: dict[str, str] = {"HCO3": "HCO3", "OH": "OH", "2CO3": "CO3", "CO3": "CO3"}
DIC_TRACE_M = 1e-9  # a CO2-free electrolyte (fresh KOH) keeps this much inorganic carbon, so ln c stays finite

_RE = re.compile(r"^\s*(?P<c>[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(?P<unit>mM|M)\s+"
                 r"(?P<cat>[A-Z][a-z]?)(?P<an>2CO3|HCO3|OH|CO3)\s*$")


@dataclass(frozen=True)
class Electrolyte:
    """A parsed electrolyte: one salt of a cation (K, Na, Cs) with HCO3⁻, CO3²⁻ or OH⁻, at a concentration (M)."""

    cation: str
    anion: str
    concentration_M: float

    @property
    def label(self) -> str:
        """Text as the user writes it, e.g. ``0.5 M KHCO3``."""
        salt = f"{self.cation}2CO3" if self.anion == "CO3" else f"{self.cation}{self.anion}"
        return f"{self.concentration_M:g} M {salt}"

    @property
    def cation_M(self) -> float:
        """Cation concentration, M (two per carbonate)."""
        return self.concentration_M * (2 if self.anion == "CO3" else 1)

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"cation": self.cation, "anion": self.anion, "concentration_M": self.concentration_M,
                "label": self.label}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Electrolyte:
        """Rebuild from :meth:`as_dict` output."""
        return cls(str(data["cation"]), str(data["anion"]), float(data["concentration_M"]))


def parse_electrolyte(text: str) -> Electrolyte:
    """``"0.1 M KHCO3"``, ``"1 M KOH"``, ``"500 mM CsHCO3"``, ``"0.5 M K2CO3"`` -> :class:`Electrolyte`."""
    m = _RE.match(text or "")
    if not m:
        raise InputError(f"electrolyte {text!r}: write CONCENTRATION UNIT SALT, e.g. '0.1 M KHCO3' or '1 M KOH' "
                         f"(cations {', '.join(CATIONS)}; anions HCO3, OH, CO3)")
    c = float(m["c"]) * (1e-3 if m["unit"] == "mM" else 1.0)
    if not (math.isfinite(c) and c > 0):
        raise InputError(f"electrolyte {text!r}: concentration must be positive, got {m['c']} {m['unit']}")
    if m["cat"] not in CATIONS:
        raise InputError(f"electrolyte {text!r}: unknown cation {m['cat']!r}; known: {', '.join(CATIONS)}")
    return Electrolyte(m["cat"], ANIONS[m["an"]], c)


@dataclass(frozen=True)
class BulkState:
    """Bulk speciation: concentrations (mM = mol m⁻³) of SPECIES, the cation, pH, pCO2 and the CO2 solubility."""

    concentrations_mM: dict[str, float]
    cation_mM: float
    pH: float
    pCO2_bar: float
    co2_saturation_mM: float
    salting_out_factor: float
    temperature_K: float

    def vector(self) -> list[float]:
        """Concentrations in SPECIES order, mol m⁻³."""
        return [self.concentrations_mM[s] for s in SPECIES]

    def as_dict(self) -> dict[str, Any]:
        """Plain record for JSON."""
        return {"concentrations_mM": dict(self.concentrations_mM), "cation_mM": self.cation_mM, "pH": self.pH,
                "pCO2_bar": self.pCO2_bar, "co2_saturation_mM": self.co2_saturation_mM,
                "salting_out_factor": self.salting_out_factor, "temperature_K": self.temperature_K}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BulkState:
        """Rebuild from :meth:`as_dict` output."""
        return cls(dict(d["concentrations_mM"]), float(d["cation_mM"]), float(d["pH"]), float(d["pCO2_bar"]),
                   float(d["co2_saturation_mM"]), float(d["salting_out_factor"]), float(d["temperature_K"]))


def sechenov_factor(ions_M: dict[str, float], temperature_K: float) -> float:
    """c/c0 of CO2 in an electrolyte with these ion concentrations (M): 10^-Σ (h_i + h_G) c_i (Weisenberger 1996)."""
    h_g = SECHENOV_CO2_G0_L_MOL + SECHENOV_CO2_T_L_MOL_K * (temperature_K - 298.15)
    total = 0.0
    for ion, c in ions_M.items():
        if ion not in SECHENOV_ION_L_MOL:
            raise InputError(f"no Sechenov parameter for ion {ion!r}; known: {', '.join(SECHENOV_ION_L_MOL)}")
        total += (SECHENOV_ION_L_MOL[ion] + h_g) * c
    return 10.0 ** (-total)


def _charge_balance_H(co2_M: float, cation_M: float, p: CellParameters) -> float:
    """[H⁺] (M) that balances charge at a fixed CO2(aq) (M)."""
    def f(log_h: float) -> float:
        h = 10.0 ** log_h
        hco3 = p.Ka1_M * co2_M / h
        return cation_M + h - hco3 - 2.0 * p.Ka2_M * hco3 / h - p.Kw_M2 / h

    return 10.0 ** brentq(f, -16.0, 1.0, xtol=1e-14, rtol=1e-14, maxiter=200)


def _charge_balance_dic(dic_M: float, cation_M: float, p: CellParameters) -> float:
    """[H⁺] (M) that balances charge at a fixed total inorganic carbon (M)."""
    def f(log_h: float) -> float:
        h = 10.0 ** log_h
        denom = h * h + p.Ka1_M * h + p.Ka1_M * p.Ka2_M
        hco3 = dic_M * p.Ka1_M * h / denom
        co3 = dic_M * p.Ka1_M * p.Ka2_M / denom
        return cation_M + h - hco3 - 2.0 * co3 - p.Kw_M2 / h

    return 10.0 ** brentq(f, -16.0, 1.0, xtol=1e-14, rtol=1e-14, maxiter=200)


def _speciate(co2_M: float, h_M: float, p: CellParameters) -> dict[str, float]:
    """Concentrations (M) of SPECIES in equilibrium with CO2(aq) ``co2_M`` at [H⁺] ``h_M``."""
    hco3 = p.Ka1_M * co2_M / h_M
    return {"CO2": co2_M, "HCO3": hco3, "CO3": p.Ka2_M * hco3 / h_M, "OH": p.Kw_M2 / h_M, "H": h_M}


def bulk_state(electrolyte: Electrolyte, params: CellParameters, pCO2_bar: float | None = None,
               temperature_K: float | None = None) -> BulkState:
    """Speciate the bulk electrolyte at ``pCO2_bar`` (default 1 bar for HCO3⁻/CO3²⁻ salts, CO2-free for OH⁻)."""
    T = params.temperature_K if temperature_K is None else float(temperature_K)
    if pCO2_bar is None:
        pCO2_bar = 0.0 if electrolyte.anion == "OH" else 1.0
    if not (math.isfinite(pCO2_bar) and pCO2_bar >= 0):
        raise InputError(f"pCO2 must be >= 0 bar, got {pCO2_bar}")
    cat = electrolyte.cation_M
    if pCO2_bar == 0.0:  # not equilibrated with CO2: a trace of carbon, speciated at the charge-balance pH
        h = _charge_balance_dic(DIC_TRACE_M, cat, params)
        denom = h * h + params.Ka1_M * h + params.Ka1_M * params.Ka2_M
        conc = {"CO2": DIC_TRACE_M * h * h / denom, "HCO3": DIC_TRACE_M * params.Ka1_M * h / denom,
                "CO3": DIC_TRACE_M * params.Ka1_M * params.Ka2_M / denom, "OH": params.Kw_M2 / h, "H": h}
        ions = {electrolyte.cation: cat, **{k: v for k, v in conc.items() if k != "CO2"}}
        factor = sechenov_factor(ions, T) if params.salting_out else 1.0
        return BulkState({k: v * 1e3 for k, v in conc.items()}, cat * 1e3, -math.log10(h), 0.0,
                         params.henry_at(T) * 1e3 * factor, factor, T)
    c0 = params.henry_at(T) * pCO2_bar  # M, pure water
    factor, co2 = 1.0, c0
    for _ in range(50):  # the salting-out depends on the speciation it changes: a contraction, a few passes
        conc = _speciate(co2, _charge_balance_H(co2, cat, params), params)
        ions = {electrolyte.cation: cat, **{k: v for k, v in conc.items() if k != "CO2"}}
        new = sechenov_factor(ions, T) if params.salting_out else 1.0
        if abs(new - factor) < 1e-14:
            break
        factor, co2 = new, c0 * new
    h = _charge_balance_H(co2, cat, params)
    conc = _speciate(co2, h, params)
    return BulkState({k: v * 1e3 for k, v in conc.items()}, cat * 1e3, -math.log10(h), float(pCO2_bar),
                     params.henry_at(T) * 1e3 * factor, factor, T)
