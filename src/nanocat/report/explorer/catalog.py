"""The knowledge base as the explorer's table: one plain-JSON row per catalyst, with its measurements.

FE bounds are intervals (:attr:`~nanocat.data.schema.Measurement.fe_interval_percent`, the one ``nanocat catalysts
list --min-fe`` filters on): ">80" is [80, 100], "<10" is [0, 10], an exact value v is [v, v]. A filter "FE ≥ X"
keeps a measurement whose interval's lower end is ≥ X.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nanocat.data import CatalystRecord, MeasurementRecord, get_study, load_catalysts
from nanocat.errors import DataError


def fe_interval_percent(m: MeasurementRecord) -> tuple[float, float]:
    """The FE of a measurement as an interval (%, low, high): the schema's own, the one ``--min-fe`` filters on."""
    return m.fe_interval_percent


def fe_text(m: MeasurementRecord) -> str:
    """FE as the seed writes it: ">80", "<10", "~60", "95"."""
    prefix = {"lower": ">", "upper": "<"}.get(m.fe_bound or "", "~" if getattr(m, "approximate", False) else "")
    return f"{prefix}{m.fe_percent:g}"


def potential_text(m: MeasurementRecord) -> str:
    """Potential (V vs RHE) as short text; a range as "a to b"; "n.r." when the seed gives none."""
    if m.potential_range_V_RHE is not None:
        low, high = m.potential_range_V_RHE
        return f"{high:+.2f} to {low:+.2f}"
    return "n.r." if m.potential_V_RHE is None else f"{m.potential_V_RHE:+.2f}"


def theory_or_experiment(record: CatalystRecord) -> str:
    """``"computed"`` for a computational model (DFT cluster, bulk facet), else ``"experiment"``."""
    return "computed" if record.computational_model else "experiment"


def hydride_tag(record: CatalystRecord) -> str:
    """Hydride location tag of a record (``"none"``, ``"lattice"``, ...; ``"unknown"`` when not recorded)."""
    return "unknown" if record.hydrides is None else str(record.hydrides.location)


def measurement_row(m: MeasurementRecord) -> dict[str, Any]:
    """One measurement as the page's JSON (FE interval in %, potential in V vs RHE)."""
    low, high = fe_interval_percent(m)
    return {"product": m.product, "fe_percent": m.fe_percent, "fe_low": low, "fe_high": high, "fe_text": fe_text(m),
            "bound": m.fe_bound, "potential_V_RHE": m.potential_V_RHE, "potential": potential_text(m),
            "cell": m.cell, "electrolyte": m.electrolyte, "study": m.study, "citation": m.citation, "doi": m.doi}


def catalyst_row(record: CatalystRecord, href: str) -> dict[str, Any]:
    """One catalyst as the index table's JSON row (``href``: its page, relative to the index)."""
    meas = [measurement_row(m) for m in record.measurements]
    best = max(meas, key=lambda m: (m["fe_low"], m["fe_high"]), default=None)
    text = " ".join(str(x) for x in (record.id, record.label, record.formula, *record.studies,
                                     *(m["citation"] for m in meas)) if x)
    return {"id": record.id, "href": href, "label": record.label or "", "formula": record.formula or "",
            "kind": record.kind, "model": theory_or_experiment(record), "metals": sorted(record.metals),
            "charge": record.charge, "electron_count": record.electron_count, "hydrides": hydride_tag(record),
            "products": sorted({m["product"] for m in meas}), "cells": sorted({m["cell"] for m in meas if m["cell"]}),
            "best": None if best is None else f"{best['fe_text']} % {best['product']}",
            "best_fe": None if best is None else best["fe_low"], "n_measurements": len(meas),
            "n_studies": len(record.studies), "measurements": meas, "search": text.lower()}


def citations(record: CatalystRecord) -> list[dict[str, Any]]:
    """Every study of a record with its citations (text, DOI or None)."""
    out = []
    for study_id in record.studies:
        try:
            study = get_study(study_id)
        except DataError:  # a user record naming a study that is not loaded: show the id alone
            out.append({"study": study_id, "title": "", "citations": []})
            continue
        out.append({"study": study_id, "title": study.title,
                    "citations": [{"text": c.text(), "doi": c.doi, "role": c.role, "seed_ref": c.seed_ref}
                                  for c in study.citations]})
    return out


def catalogue(records: Sequence[CatalystRecord] | None = None) -> list[CatalystRecord]:
    """The records the explorer shows (the whole knowledge base, user records included, by default)."""
    return list(load_catalysts() if records is None else records)
