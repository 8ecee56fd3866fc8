"""Load the curated study files (and the user's SQLite records), join them per catalyst, query them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, get_args

from nanocat.data.records import CatalystRecord, MeasurementRecord, Source
from nanocat.data.schema import Cell, HydrideLocation, Product, Study
from nanocat.data.validate import check_references, read_study
from nanocat.data.yamlsrc import Located
from nanocat.errors import DataError, InputError

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

Entry = tuple[Study, Located, Source]


@dataclass(frozen=True)
class KnowledgeBase:
    """Validated studies and the catalyst records assembled from them."""

    studies: dict[str, Study]
    sources: dict[str, Source]
    catalysts: dict[str, CatalystRecord]


def curated_files() -> list[Any]:
    """The packaged study files (``nanocat/data/catalysts/*.yaml``), sorted by name."""
    folder = files("nanocat.data").joinpath("catalysts")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def _claims(study: Study, section: str, cid: str) -> list[dict[str, Any]]:
    """Claims of one kind in a study that involve catalyst ``cid``, with their citation attached."""
    out = []
    for claim in getattr(study, section):
        names = claim.catalysts if hasattr(claim, "catalysts") else [claim.numerator, claim.denominator]
        if cid in names:
            out.append({**claim.model_dump(mode="json"), "study": study.id, "seed_ref": study.primary.seed_ref,
                        "citation": study.primary.text(), "doi": study.primary.doi,
                        "quoted_from_doi": study.quoted_from_doi})
    return out


def build(entries: list[Entry]) -> KnowledgeBase:
    """Join validated studies: catalyst ids defined once, references resolved, records assembled."""
    studies: dict[str, Study] = {}
    sources: dict[str, Source] = {}
    defined: dict[str, tuple[Study, Located, int, Source]] = {}
    for study, doc, source in entries:
        if study.id in studies:
            kind = "a curated" if sources[study.id] == "curated" else "another"
            raise doc.error(("id",), f"study id {study.id!r} clashes with {kind} study; choose another id")
        studies[study.id], sources[study.id] = study, source
        for i, catalyst in enumerate(study.catalysts):
            if catalyst.id in defined:
                other_study, other_doc, j, other_source = defined[catalyst.id]
                line = other_doc.line(("catalysts", j, "id"))
                what = "clashes with a curated record" if other_source == "curated" else "is already defined"
                raise doc.error(("catalysts", i, "id"),
                                f"catalyst id {catalyst.id!r} {what} ({other_doc.source}:{line}); choose another id")
            defined[catalyst.id] = (study, doc, i, source)
    ids = set(defined)
    for study, doc, _ in entries:
        check_references(study, doc, ids)

    catalysts: dict[str, CatalystRecord] = {}
    for cid, (home, _, i, source) in defined.items():
        involved = [s for s in studies.values() if _involves(s, cid)]
        measurements = [
            MeasurementRecord(**m.model_dump(exclude={"reference_electrode"}), study=s.id,
                              seed_ref=s.primary.seed_ref, citation=s.primary.text(), doi=s.primary.doi,
                              quoted_from_doi=s.quoted_from_doi, source=sources[s.id])
            for s in involved for m in s.measurements if m.catalyst == cid]
        base = home.catalysts[i].model_dump()
        catalysts[cid] = CatalystRecord(
            **base, defined_in=home.id, studies=[s.id for s in involved],
            seed_refs=sorted({r for s in involved for r in s.seed_refs}), source=source,
            measurements=measurements,
            findings=[c for s in involved for c in _claims(s, "findings", cid)],
            computed=[c for s in involved for c in _claims(s, "computed", cid)],
            ratios=[c for s in involved for c in _claims(s, "ratios", cid)])
    return KnowledgeBase(studies=studies, sources=sources, catalysts=catalysts)


def _involves(study: Study, cid: str) -> bool:
    """Whether a study defines, measures or makes a claim about catalyst ``cid``."""
    return (any(c.id == cid for c in study.catalysts)
            or any(m.catalyst == cid for m in study.measurements)
            or any(cid in (r.numerator, r.denominator) for r in study.ratios)
            or any(cid in c.catalysts for c in (*study.computed, *study.findings)))


@lru_cache(maxsize=1)
def _curated_entries() -> tuple[Entry, ...]:
    """Every packaged study file, validated (cached: the package data does not change at run time)."""
    entries = []
    for resource in curated_files():
        study, doc = read_study(f"nanocat/data/catalysts/{resource.name}", curated=True,
                                text=resource.read_text(encoding="utf-8"))
        entries.append((study, doc, "curated"))
    log.info("loaded %d curated study files", len(entries))
    return tuple(entries)


@lru_cache(maxsize=1)
def _curated_kb() -> KnowledgeBase:
    """The curated knowledge base alone (cached)."""
    return build(list(_curated_entries()))


def knowledge_base(include_user: bool = True) -> KnowledgeBase:
    """Curated studies plus (by default) the user's records from the SQLite database."""
    if not include_user:
        return _curated_kb()
    from nanocat.data.userdb import user_entries

    extra = user_entries()
    return build([*_curated_entries(), *extra]) if extra else _curated_kb()


def load_catalysts(include_user: bool = True) -> list[CatalystRecord]:
    """Every catalyst record, curated first then the user's, in definition order."""
    return list(knowledge_base(include_user).catalysts.values())


def get_catalyst(catalyst_id: str, include_user: bool = True) -> CatalystRecord:
    """One catalyst record by id (DataError listing close ids if unknown)."""
    kb = knowledge_base(include_user)
    if catalyst_id in kb.catalysts:
        return kb.catalysts[catalyst_id]
    from difflib import get_close_matches

    close = get_close_matches(catalyst_id, list(kb.catalysts), n=4, cutoff=0.5)
    hint = f"; close matches: {', '.join(close)}" if close else "; see `nanocat catalysts list`"
    raise DataError(f"unknown catalyst id {catalyst_id!r}{hint}")


def list_studies(include_user: bool = True) -> list[Study]:
    """Every study (curated first), as validated pydantic models."""
    return list(knowledge_base(include_user).studies.values())


def get_study(study_id: str, include_user: bool = True) -> Study:
    """One study by id (DataError listing close ids if unknown)."""
    kb = knowledge_base(include_user)
    if study_id in kb.studies:
        return kb.studies[study_id]
    from difflib import get_close_matches

    close = get_close_matches(study_id, list(kb.studies), n=4, cutoff=0.4)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise DataError(f"unknown study id {study_id!r}{hint}")


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    """Check a filter value against its fixed set (case-insensitive), returning the canonical spelling."""
    if value is None:
        return None
    for option in allowed:
        if option.lower() == value.lower():
            return option
    raise InputError(f"{name} {value!r} is not one of: {', '.join(allowed)}")


def query(metal: str | None = None, product: str | None = None, hydride_location: str | None = None,
          ligand_kind: str | None = None, cell: str | None = None, kind: str | None = None,
          include_user: bool = True) -> list[CatalystRecord]:
    """Catalysts matching every given filter.

    ``product`` and ``cell`` match a measured FE or a qualitative claim of the record; ``ligand_kind`` is
    'X' or 'L' (records whose formula has such a ligand); ``metal`` is an element symbol.
    """
    product = _choice("product", product, get_args(Product))
    cell = _choice("cell", cell, get_args(Cell))
    hydride_location = _choice("hydride location", hydride_location, get_args(HydrideLocation))
    ligand_kind = _choice("ligand kind", ligand_kind, ("X", "L"))
    kind = _choice("kind", kind, ("cluster", "nanoparticle", "bulk", "single-atom"))
    out = []
    for rec in load_catalysts(include_user):
        if metal is not None and metal.strip().capitalize() not in rec.metals:
            continue
        if product is not None and product not in rec.products:
            continue
        if cell is not None and cell not in {m.cell for m in rec.measurements} | {f.get("cell") for f in rec.findings}:
            continue
        if hydride_location is not None and (rec.hydrides is None or rec.hydrides.location != hydride_location):
            continue
        if ligand_kind is not None and not any(lig.get("kind") == ligand_kind for lig in rec.ligands):
            continue
        if kind is not None and rec.kind != kind:
            continue
        out.append(rec)
    return out


def to_dataframe(records: list[CatalystRecord] | None = None) -> pd.DataFrame:
    """One row per FE measurement (catalyst identity columns first); all records if none given."""
    import pandas as pd

    records = load_catalysts() if records is None else records
    rows = []
    for rec in records:
        metals = ",".join(f"{el}{'' if n is None else n}" for el, n in rec.metals.items())
        for m in rec.measurements:
            row = {"id": rec.id, "kind": rec.kind, "formula": rec.formula, "metals": metals, "charge": rec.charge,
                   "hydride_location": rec.hydrides.location if rec.hydrides else None}
            row.update(m.as_dict())
            if m.potential_range_V_RHE is not None:
                row["potential_range_V_RHE"] = f"{m.potential_range_V_RHE[0]} to {m.potential_range_V_RHE[1]}"
            rows.append(row)
    columns = ["id", "kind", "formula", "metals", "charge", "hydride_location",
               *MeasurementRecord.model_fields.keys()]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))
