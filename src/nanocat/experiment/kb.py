"""Write an analysed run into the user's knowledge base as a validated study (same schema as the curated data).

The study is built and validated in full (schema, FE sums, id clashes, references against the whole
knowledge base) by :func:`nanocat.data.add_user_file` before anything is stored: an error leaves the user
database as it was.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from nanocat.data import Study, add_user_file
from nanocat.data.schema import Product as KBProduct
from nanocat.errors import DataError, InputError
from nanocat.experiment.analysis import ExperimentResult
from nanocat.experiment.run import Run

OWN_MEASUREMENT = "none: own measurement analysed by nanocat experiment"


def _short_id(text: str) -> str:
    """A knowledge-base id from free text (letters, digits, - _ . + ( ), at most 40 characters)."""
    return re.sub(r"[^A-Za-z0-9_.+()-]", "-", text).strip("-")[:40] or "run"


def study_document(result: ExperimentResult, run: Run, run_name: str) -> dict[str, Any]:
    """The study (plain data, schema of nanocat.data) for an analysed run: one catalyst, FE per step and product."""
    info = run.study
    stem = _short_id(Path(run_name).stem)
    catalyst_id = run.electrode.catalyst_id or _short_id(f"{_short_id(run.electrode.catalyst)}-{stem}")
    allowed = set(get_args(KBProduct))
    measurements = []
    for step in result.steps:
        for product, fe in step.fe_percent.items():
            if product not in allowed:
                raise InputError(f"{run_name}: steps.{step.index}: product {product} cannot go into the knowledge base "
                                 f"(its schema knows {', '.join(sorted(allowed))})")
            measurements.append({
                "catalyst": catalyst_id, "product": product, "fe_percent": round(fe, 2),
                "potential_V_RHE": round(step.potential_V_RHE, 3),
                "current_density_mA_cm2": round(step.j_total_mA_cm2, 3), "cell": run.cell,
                "electrolyte": run.electrolyte.name,
                "conditions": f"step {step.index} ({step.label}); iR-corrected, {run.temperature_K:g} K",
                "note": f"partial current {step.j_partial_mA_cm2[product]:.3g} mA cm-2"})
    year = (info.year if info and info.year else datetime.now(UTC).year)
    return {
        "id": (info.id if info and info.id else _short_id(f"exp-{stem}")),
        "title": (info.title if info and info.title else f"CO2 electrolysis run {Path(run_name).name}"),
        "citations": [{"authors": info.authors if info else "unpublished",
                       "journal": info.journal if info else "own measurement", "year": year,
                       "pages": Path(run_name).name, "doi": info.doi if info else None}],
        "quoted_from_doi": OWN_MEASUREMENT,
        "catalysts": [{"id": catalyst_id, "kind": "cluster", "formula": run.electrode.catalyst,
                       "notes": f"loading {run.electrode.loading_ug_cm2:g} ug cm-2 on {run.electrode.area_cm2:g} cm2"}],
        "measurements": measurements,
    }


def add_to_kb(result: ExperimentResult, run: Run, run_name: str, *, replace: bool = False) -> list[str]:
    """Validate the run's study in full, then store it in the user database; returns the catalyst ids."""
    doc = study_document(result, run, run_name)
    try:
        Study.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DataError(f"{run_name}: --add-to-kb: field {where}: {first['msg']}") from None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{doc['id']}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        try:
            return add_user_file(path, replace=replace)
        except DataError as exc:
            raise DataError(f"{run_name}: --add-to-kb: {exc}") from None
