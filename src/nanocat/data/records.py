"""Loaded records: a catalyst with every measurement and claim the knowledge base holds for it.

The records extend the curated schema (:class:`~nanocat.data.schema.Catalyst`,
:class:`~nanocat.data.schema.Measurement`) with provenance; the fields themselves are declared once, there.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from nanocat.data.schema import Catalyst, Evidence, Measurement

Source = Literal["curated", "user"]

_DERIVED_KEYS = ("fe_interval_percent", "evidence_kinds", "products")
"""Keys :meth:`as_dict` adds for readers (derived, so :meth:`from_dict` drops them)."""


class MeasurementRecord(Measurement):
    """One FE value with its study, original citation, DOI (null if unverified) and the quoting review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    study: str
    seed_ref: int | None = None
    citation: str
    doi: str | None = None
    quoted_from_doi: str
    source: Source = "curated"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (units in the keys), with the FE as an interval ``fe_interval_percent``."""
        return {**self.model_dump(mode="json"), "fe_interval_percent": list(self.fe_interval_percent)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeasurementRecord:
        """Inverse of :meth:`as_dict`."""
        return cls.model_validate({k: v for k, v in data.items() if k not in _DERIVED_KEYS})


class CatalystRecord(Catalyst):
    """A catalyst with composition (from nanocat.chem), its studies, measurements and claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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
        """Products with a measured FE or a product the seed states for it, in first-seen order."""
        seen = [m.product for m in self.measurements] + [f["product"] for f in self.findings if f.get("product")]
        return list(dict.fromkeys(seen))

    @property
    def evidence_kinds(self) -> list[Evidence]:
        """'experiment' and/or 'computed': what kind of evidence the record's claims rest on."""
        kinds: set[str] = {m.evidence for m in self.measurements} | {"computed" for _ in self.computed}
        kinds |= {f.get("evidence", "experiment") for f in (*self.findings, *self.ratios)}
        if self.computational_model:
            kinds = {"computed"}
        return [k for k in ("experiment", "computed") if k in kinds]  # type: ignore[misc]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``nanocat catalysts show --json`` document)."""
        doc = self.model_dump(mode="json")
        doc["measurements"] = [m.as_dict() for m in self.measurements]
        return {**doc, "products": self.products, "evidence_kinds": self.evidence_kinds}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalystRecord:
        """Inverse of :meth:`as_dict`."""
        clean = {k: v for k, v in data.items() if k not in _DERIVED_KEYS}
        clean["measurements"] = [MeasurementRecord.from_dict(m) for m in data.get("measurements", [])]
        return cls.model_validate(clean)
