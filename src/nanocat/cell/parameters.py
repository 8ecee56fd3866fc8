"""Named, cited parameter presets of the carbonate electrolyte: diffusivities, rate constants, Henry, Sechenov.

Every number carries its source (DOI) next to it. A preset is a frozen dataclass: copy it with
:func:`dataclasses.replace` to swap any constant, or add your own with :func:`register_preset`.

Homogeneous reactions (forward as written, concentrations in mol L⁻¹ in the constants below):

- R1  CO2 + OH⁻ ⇌ HCO3⁻                 k1f (M⁻¹ s⁻¹), k1r (s⁻¹)
- R2  HCO3⁻ + OH⁻ ⇌ CO3²⁻ + H2O         k2f (M⁻¹ s⁻¹), k2r (s⁻¹)
- R3  CO2 + H2O ⇌ HCO3⁻ + H⁺            k3f (s⁻¹); k3r = k3f / (K1 Kw) by detailed balance
- R4  HCO3⁻ ⇌ CO3²⁻ + H⁺                k4r (M⁻¹ s⁻¹); k4f = k4r K2 Kw by detailed balance
- R5  H2O ⇌ H⁺ + OH⁻                    kwr (M⁻¹ s⁻¹, recombination); kwf = kwr Kw

K1 = k1f/k1r and K2 = k2f/k2r, so the acid constants are Ka1 = K1 Kw and Ka2 = K2 Kw: one set of
equilibrium constants serves the bulk speciation and every reaction, so zero current is exact equilibrium.
Activities are ideal (concentrations), as in Gupta et al. 2006.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from nanocat.errors import InputError

SPECIES: tuple[str, ...] = ("CO2", "HCO3", "CO3", "OH", "H")
CHARGE: dict[str, int] = {"CO2": 0, "HCO3": -1, "CO3": -2, "OH": -1, "H": 1}
CARBON: dict[str, int] = {"CO2": 1, "HCO3": 1, "CO3": 1, "OH": 0, "H": 0}

GUPTA_2006 = ("N. Gupta, M. Gattrell, B. MacDougall, J. Appl. Electrochem. 36, 161 (2006), "
              "DOI 10.1007/s10800-005-9058-y")
SCHULZ_2006 = ("K. G. Schulz, U. Riebesell, B. Rost, S. Thoms, R. E. Zeebe, Mar. Chem. 100, 53 (2006), "
               "DOI 10.1016/j.marchem.2005.11.001 (seawater, S = 35, 25 °C)")
SANDER_2015 = "R. Sander, Atmos. Chem. Phys. 15, 4399 (2015), DOI 10.5194/acp-15-4399-2015"
WEISENBERGER_1996 = ("S. Weisenberger, A. Schumpe, AIChE J. 42, 298 (1996), DOI 10.1002/aic.690420130")
BANDURA_2006 = "A. V. Bandura, S. N. Lvov, J. Phys. Chem. Ref. Data 35, 15 (2006), DOI 10.1063/1.1928231"
CRC_HANDBOOK = "CRC Handbook of Chemistry and Physics, 97th ed., 'Diffusion coefficients in water' (ISBN 9781498754286)"

# Sechenov (salting-out) ion parameters h_i, L mol⁻¹, WEISENBERGER_1996 Table 2 (ion values).
SECHENOV_ION_L_MOL: dict[str, float] = {
    "H": 0.0, "Na": 0.1143, "K": 0.0922, "Cs": 0.0759,
    "OH": 0.0839, "HCO3": 0.0967, "CO3": 0.1423,
}
# Gas-specific Sechenov parameter of CO2: h_G = h_G0 + h_T (T - 298.15 K), WEISENBERGER_1996 Table 3.
SECHENOV_CO2_G0_L_MOL: float = -0.0172
SECHENOV_CO2_T_L_MOL_K: float = -0.000338


@dataclass(frozen=True)
class CellParameters:
    """Every constant of the transport model, with units in the names and sources in ``sources``."""

    name: str
    # Diffusion coefficients in water, m² s⁻¹.
    D_m2_s: dict[str, float]
    k1f_M_s: float
    k1r_s: float
    k2f_M_s: float
    k2r_s: float
    k3f_s: float
    k4r_M_s: float
    kwr_M_s: float
    Kw_M2: float
    # CO2 solubility in pure water at 298.15 K, mol L⁻¹ bar⁻¹, and its van 't Hoff slope d ln H / d(1/T), K.
    henry_M_bar: float
    henry_vant_hoff_K: float
    salting_out: bool = True
    temperature_K: float = 298.15
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in ("k1f_M_s", "k1r_s", "k2f_M_s", "k2r_s", "k3f_s", "k4r_M_s", "kwr_M_s", "Kw_M2",
                    "henry_M_bar", "temperature_K"):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"cell parameters {self.name!r}: {key} must be positive, got {value}")
        missing = [s for s in SPECIES if s not in self.D_m2_s]
        if missing:
            raise InputError(f"cell parameters {self.name!r}: D_m2_s lacks {missing}")
        for s, d in self.D_m2_s.items():
            if not (math.isfinite(d) and d > 0):
                raise InputError(f"cell parameters {self.name!r}: D_m2_s[{s}] must be positive, got {d}")

    @property
    def K1_per_M(self) -> float:
        """Equilibrium constant of CO2 + OH⁻ ⇌ HCO3⁻, M⁻¹."""
        return self.k1f_M_s / self.k1r_s

    @property
    def K2_per_M(self) -> float:
        """Equilibrium constant of HCO3⁻ + OH⁻ ⇌ CO3²⁻ + H2O, M⁻¹."""
        return self.k2f_M_s / self.k2r_s

    @property
    def Ka1_M(self) -> float:
        """First acid constant of carbonic acid, K1 Kw, M."""
        return self.K1_per_M * self.Kw_M2

    @property
    def Ka2_M(self) -> float:
        """Second acid constant of carbonic acid, K2 Kw, M."""
        return self.K2_per_M * self.Kw_M2

    def henry_at(self, temperature_K: float) -> float:
        """CO2 solubility in pure water at ``temperature_K``, mol L⁻¹ bar⁻¹ (van 't Hoff, SANDER_2015)."""
        return self.henry_M_bar * math.exp(self.henry_vant_hoff_K * (1.0 / temperature_K - 1.0 / 298.15))

    def with_changes(self, **changes: Any) -> CellParameters:
        """A copy with some constants swapped (name gets a ``+custom`` suffix unless given)."""
        changes.setdefault("name", f"{self.name}+custom")
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Plain record of every constant (and the derived Ka1, Ka2) for JSON."""
        d = asdict(self)
        d["derived"] = {"K1_per_M": self.K1_per_M, "K2_per_M": self.K2_per_M, "pKa1": -math.log10(self.Ka1_M),
                        "pKa2": -math.log10(self.Ka2_M), "pKw": -math.log10(self.Kw_M2)}
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellParameters:
        """Rebuild from :meth:`as_dict` output (derived values are recomputed)."""
        d = {k: v for k, v in data.items() if k != "derived"}
        return cls(**d)


_COMMON_SOURCES = {
    "D_m2_s": f"CO2, HCO3, CO3, OH: {GUPTA_2006} Table 2; H: {CRC_HANDBOOK}",
    "k1f_M_s, k1r_s, k2f_M_s, k2r_s": GUPTA_2006,
    "k3f_s, k4r_M_s, kwr_M_s": f"{SCHULZ_2006}, values as transcribed in LLNL echemfem examples/carbonate_homog_params.py",
    "Kw_M2": f"pKw = 13.995 at 25 °C, 1 bar: {BANDURA_2006}",
    "henry_M_bar": f"Hcp = 3.3e-4 mol m⁻³ Pa⁻¹ = 0.033 M bar⁻¹, d ln H / d(1/T) = 2400 K: {SANDER_2015}",
    "salting_out": f"Sechenov: log10(c0/c) = sum_i (h_i + h_G) c_i, {WEISENBERGER_1996}",
}

_D_GUPTA = {"CO2": 1.91e-9, "HCO3": 9.23e-10, "CO3": 1.19e-9, "OH": 5.27e-9,  # GUPTA_2006 Table 2
            "H": 9.31e-9}  # CRC_HANDBOOK

GUPTA2006 = CellParameters(
    name="gupta2006",
    D_m2_s=dict(_D_GUPTA),
    k1f_M_s=5.93e3, k1r_s=1.34e-4,   # GUPTA_2006, DOI 10.1007/s10800-005-9058-y
    k2f_M_s=1.0e8, k2r_s=2.15e4,     # GUPTA_2006, DOI 10.1007/s10800-005-9058-y
    k3f_s=3.71e-2,                   # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    k4r_M_s=5.0e10,                  # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    kwr_M_s=2.31e10,                 # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    Kw_M2=10 ** -13.995,             # BANDURA_2006, DOI 10.1063/1.1928231
    henry_M_bar=0.033,               # SANDER_2015, DOI 10.5194/acp-15-4399-2015
    henry_vant_hoff_K=2400.0,        # SANDER_2015, DOI 10.5194/acp-15-4399-2015
    salting_out=True,
    sources=dict(_COMMON_SOURCES),
)

#: Gupta 2006 as published: the CO2 solubility of pure water (no salting-out), as the paper's bulk CO2 of 34.2 mM.
GUPTA2006_PAPER = replace(GUPTA2006, name="gupta2006_paper", salting_out=False,
                          sources={**_COMMON_SOURCES, "salting_out": "off, as in GUPTA_2006 (pure-water CO2 solubility)"})

#: Schulz 2006 seawater constants (S = 35, 25 °C) for every reaction; Kw = kwf/kwr of the same source.
SCHULZ2006_SEAWATER = CellParameters(
    name="schulz2006_seawater",
    D_m2_s=dict(_D_GUPTA),
    k1f_M_s=2.23e3, k1r_s=9.71e-5,   # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    k2f_M_s=6.0e9, k2r_s=3.06e5,     # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    k3f_s=3.71e-2,                   # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    k4r_M_s=5.0e10,                  # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    kwr_M_s=2.31e10,                 # SCHULZ_2006, DOI 10.1016/j.marchem.2005.11.001
    Kw_M2=1.4e-3 / 2.31e10,          # SCHULZ_2006 kwf / kwr, DOI 10.1016/j.marchem.2005.11.001
    henry_M_bar=0.033,               # SANDER_2015, DOI 10.5194/acp-15-4399-2015
    henry_vant_hoff_K=2400.0,        # SANDER_2015, DOI 10.5194/acp-15-4399-2015
    salting_out=True,
    sources={**_COMMON_SOURCES, "k1f_M_s, k1r_s, k2f_M_s, k2r_s, Kw_M2": SCHULZ_2006},
)

_PRESETS: dict[str, CellParameters] = {p.name: p for p in (GUPTA2006, GUPTA2006_PAPER, SCHULZ2006_SEAWATER)}


def register_preset(params: CellParameters, *, replace_existing: bool = False) -> CellParameters:
    """Add a parameter preset under ``params.name`` (an InputError on a clash unless ``replace_existing``)."""
    if params.name in _PRESETS and not replace_existing:
        raise InputError(f"cell parameter preset {params.name!r} exists; pass replace_existing=True")
    _PRESETS[params.name] = params
    return params


def get_preset(name: str) -> CellParameters:
    """A preset by name (``gupta2006``, ``gupta2006_paper``, ``schulz2006_seawater`` or a registered one)."""
    try:
        return _PRESETS[name]
    except KeyError:
        raise InputError(f"unknown cell parameter preset {name!r}; known: {', '.join(sorted(_PRESETS))}") from None


def list_presets() -> list[str]:
    """Names of every preset."""
    return sorted(_PRESETS)
