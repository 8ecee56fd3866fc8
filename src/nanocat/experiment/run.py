"""The run description (YAML): electrode, reference, electrolyte, resistance, and per step the potentiostat
file, GC injections and liquid-product analysis. Every unit is in the field name; paths are relative to
the YAML file. Errors name the file, the line and the field (the knowledge base's YAML reader).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy.constants import atm, zero_Celsius

from nanocat.chem.products import T_STANDARD_K
from nanocat.data.validate import pydantic_to_data_error
from nanocat.data.yamlsrc import Located, load_yaml_file

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, str_strip_whitespace=True)


def _check_non_negative(*values_by_product: dict[str, float]) -> None:
    """ValueError naming the first product whose ppm, area, mM or NMR ratio is negative."""
    for values in values_by_product:
        for key, value in values.items():
            if value < 0:
                raise ValueError(f"{key}: {value} is negative")


class Electrode(BaseModel):
    """Working electrode: geometric area (cm²), catalyst loading (µg cm⁻²) and cluster formula."""

    model_config = _STRICT
    area_cm2: float = Field(gt=0)
    loading_ug_cm2: float = Field(gt=0)
    catalyst: str = Field(min_length=1, description="cluster formula parsed by nanocat.chem")
    catalyst_id: str | None = Field(None, description="id for the knowledge base (default: from the file name)")
    molar_mass_g_mol: float | None = Field(None, gt=0, description="overrides the mass computed from the formula")


class Reference(BaseModel):
    """Reference electrode by name (see nanocat.experiment.references)."""

    model_config = _STRICT
    electrode: str = Field(min_length=1)


class Electrolyte(BaseModel):
    """Electrolyte name and bulk pH."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    pH: float = Field(ge=-1, le=15)


class Resistance(BaseModel):
    """Uncompensated resistance R_u (Ω, from EIS or current interrupt) and the fraction compensated online."""

    model_config = _STRICT
    R_u_ohm: float = Field(ge=0)
    compensated_fraction: float = Field(0.0, ge=0, le=1)


class Calibration(BaseModel):
    """Linear calibration of a detector: value = slope × area + intercept."""

    model_config = _STRICT
    slope: float = Field(gt=0, description="ppm (GC) or mM (HPLC) per unit peak area")
    intercept: float = 0.0


class InternalStandard(BaseModel):
    """Inert gas fed at a known fraction (ppm) to measure the outlet flow."""

    model_config = _STRICT
    species: str = Field(min_length=1)
    inlet_ppm: float = Field(gt=0, le=1e6)


class Injection(BaseModel):
    """One GC injection: time (s from the start of the step's file) and ppm or peak area per product."""

    model_config = _STRICT
    time_s: float = Field(ge=0)
    ppm: dict[str, float] = Field(default_factory=dict)
    area: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something(self) -> Injection:
        """An injection reports at least one product; values are non-negative."""
        if not self.ppm and not self.area:
            raise ValueError("give ppm or area (with a calibration) for at least one product")
        _check_non_negative(self.ppm, self.area)
        return self


class Gas(BaseModel):
    """Gas analysis of one step: inlet flow (sccm at the stated T and p), injections, calibrations."""

    model_config = _STRICT
    flow_sccm: float = Field(gt=0)
    reference_T_K: float = Field(zero_Celsius, gt=0)
    reference_p_kPa: float = Field(atm / 1e3, gt=0)
    injections: list[Injection] = Field(min_length=1)
    calibration: dict[str, Calibration] = Field(default_factory=dict)
    internal_standard: InternalStandard | None = None
    current_window_s: float = Field(60.0, gt=0, description="current averaged over t_inj ± window/2")
    feed_co2_fraction: float = Field(1.0, gt=0, le=1, description="CO2 mole fraction of the feed")


class NMRStandard(BaseModel):
    """NMR internal standard: concentration (mM) and number of protons in its integrated peak."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    concentration_mM: float = Field(gt=0)
    n_H: int = Field(gt=0)


class Liquid(BaseModel):
    """Liquid products: concentration (mM), NMR ratio to an internal standard, or HPLC area + calibration."""

    model_config = _STRICT
    volume_mL: float = Field(gt=0)
    sampled_at_s: float = Field(gt=0)
    concentration_mM: dict[str, float] = Field(default_factory=dict)
    internal_standard: NMRStandard | None = None
    peak_area_ratio: dict[str, float] = Field(default_factory=dict)
    n_H: dict[str, int] = Field(default_factory=dict)
    area: dict[str, float] = Field(default_factory=dict)
    calibration: dict[str, Calibration] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Liquid:
        """NMR ratios need the standard and proton counts; HPLC areas need calibrations."""
        if self.peak_area_ratio:
            if self.internal_standard is None:
                raise ValueError("peak_area_ratio needs internal_standard {name, concentration_mM, n_H}")
            missing = [p for p in self.peak_area_ratio if p not in self.n_H]
            if missing:
                raise ValueError(f"n_H (protons in the integrated peak) missing for {', '.join(missing)}")
        missing = [p for p in self.area if p not in self.calibration]
        if missing:
            raise ValueError(f"area given without calibration for {', '.join(missing)}")
        if not (self.concentration_mM or self.peak_area_ratio or self.area):
            raise ValueError("give concentration_mM, peak_area_ratio (NMR) or area (HPLC) for a product")
        _check_non_negative(self.concentration_mM, self.peak_area_ratio, self.area)
        return self


class Step(BaseModel):
    """One potential step: its potentiostat file (relative to the YAML) and product analyses."""

    model_config = _STRICT
    potentiostat: str = Field(min_length=1)
    gas: Gas | None = None
    liquid: Liquid | None = None
    label: str | None = None


class StudyInfo(BaseModel):
    """Optional citation for --add-to-kb (default: an unpublished measurement of this run)."""

    model_config = _STRICT
    id: str | None = None
    title: str | None = None
    authors: str = "unpublished"
    journal: str = "own measurement"
    year: int | None = None
    doi: str | None = None


class Run(BaseModel):
    """A CO2-electrolysis run: electrode, reference, electrolyte, iR, cell, temperature (K), steps."""

    model_config = _STRICT
    electrode: Electrode
    reference: Reference
    electrolyte: Electrolyte
    resistance: Resistance | None = Field(None, description="omitted: no iR correction (warned)")
    cell: Literal["H-cell", "flow/GDE", "MEA"] = "H-cell"
    temperature_K: float = Field(T_STANDARD_K, gt=250, lt=400)
    fe_sum_tolerance_percent: float = Field(10.0, ge=0, le=50)
    steps: list[Step] = Field(min_length=1)
    study: StudyInfo | None = None


def load_run(path: str | Path) -> tuple[Run, Located]:
    """Read and validate a run YAML; errors name the file, line and field."""
    path = Path(path)
    doc = load_yaml_file(path, "run file")
    try:
        run = Run.model_validate(doc.data)
    except ValidationError as exc:
        raise pydantic_to_data_error(exc, doc) from None
    return run, doc
