"""Loaded records: a catalyst with every measurement and claim the knowledge base holds for it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nanocat.data.schema import Cell, Hydrides, Product

Source = Literal["curated", "user"]


class MeasurementRecord(BaseModel):
    """One FE value with its study, original citation, DOI (null if unverified) and the quoting review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    catalyst: str
    product: Product
    fe_percent: float
    fe_bound: Literal["lower", "upper"] | None = None
    approximate: bool = False
    maximum: bool = False
    potential_V_RHE: float | None = None
    potential_range_V_RHE: tuple[float, float] | None = None
    current_density_mA_cm2: float | None = None
    cell: Cell | None = None
    electrolyte: str | None = None
    conditions: str | None = None
    note: str | None = None
    study: str
    seed_ref: int | None = None
    citation: str
    doi: str | None = None
    quoted_from_doi: str
    source: Source = "curated"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (units in the keys)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeasurementRecord:
        """Inverse of :meth:`as_dict`."""
        return cls.model_validate(data)


class CatalystRecord(BaseModel):
    """A catalyst with composition (from nanocat.chem), its studies, measurements and claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str | None = None
    kind: Literal["cluster", "nanoparticle", "bulk", "single-atom"]
    formula: str | None = None
    formula_note: str | None = None
    metals: dict[str, int | None]
    charge: int | None = None
    ligands: list[dict[str, Any]] = Field(default_factory=list)
    ligand_note: str | None = None
    electron_count: int | None = None
    hydrides: Hydrides | None = None
    morphology: str | None = None
    core: str | None = None
    support: str | None = None
    size_nm: float | None = None
    computational_model: bool = False
    notes: str | None = None
    defined_in: str
    studies: list[str]
    seed_refs: list[int]
    source: Source = "curated"
    measurements: list[MeasurementRecord] = Field(default_factory=list)
    findings: list[dict[str, Any]] = Field(default_factory=list)
    computed: list[dict[str, Any]] = Field(default_factory=list)
    ratios: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def products(self) -> list[str]:
        """Products with a measured FE or a qualitative product claim, in first-seen order."""
        seen = [m.product for m in self.measurements] + [f["product"] for f in self.findings if f.get("product")]
        return list(dict.fromkeys(seen))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``nanocat catalysts show --json`` document)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalystRecord:
        """Inverse of :meth:`as_dict`."""
        return cls.model_validate(data)
