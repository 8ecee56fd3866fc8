"""Load the curated study files (and the user's SQLite records), join them per catalyst, query them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from nanocat.data.records import CatalystRecord, MeasurementRecord, Source
from nanocat.data.schema import Study
from nanocat.data.userdb import store_user_text, user_entries
from nanocat.data.validate import check_references, read_study
from nanocat.data.yamlsrc import Located
from nanocat.errors import DataError

T = TypeVar("T")

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
    for i, claim in enumerate(getattr(study, section)):
        names = claim.catalysts if hasattr(claim, "catalysts") else [claim.numerator, claim.denominator]
        if cid in names:
            evidence = "computed" if section == "computed" or getattr(claim, "computed", False) else "experiment"
            out.append({**claim.model_dump(mode="json"), "evidence": evidence, "claim": f"{study.id}/{section}/{i}",
                        "study": study.id,
                        "seed_ref": study.primary.seed_ref,
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
            MeasurementRecord(**m.model_dump(), study=s.id,
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
    extra = user_entries()
    return build([*_curated_entries(), *extra]) if extra else _curated_kb()


def load_catalysts(include_user: bool = True) -> list[CatalystRecord]:
    """Every catalyst record, curated first then the user's, in definition order."""
    return list(knowledge_base(include_user).catalysts.values())


def lookup(what: str, key: str, table: dict[str, T], cutoff: float = 0.5, see: str = "") -> T:
    """``table[key]``, else the one case-insensitive match, else DataError naming up to four close ids."""
    if key in table:
        return table[key]
    folded = {k.casefold(): k for k in table}
    if key.strip().casefold() in folded:
        return table[folded[key.strip().casefold()]]
    from difflib import get_close_matches

    close = [folded[c] for c in get_close_matches(key.casefold(), list(folded), n=4, cutoff=cutoff)]
    hint = f"; close matches: {', '.join(close)}" if close else (f"; see {see}" if see else "")
    raise DataError(f"unknown {what} id {key!r}{hint}")


def get_catalyst(catalyst_id: str, include_user: bool = True) -> CatalystRecord:
    """One catalyst record by id, case-insensitive (DataError listing close ids if unknown)."""
    return lookup("catalyst", catalyst_id, knowledge_base(include_user).catalysts, see="`nanocat catalysts list`")


def list_studies(include_user: bool = True) -> list[Study]:
    """Every study (curated first), as validated pydantic models."""
    return list(knowledge_base(include_user).studies.values())


def get_study(study_id: str, include_user: bool = True) -> Study:
    """One study by id, case-insensitive (DataError listing close ids if unknown)."""
    return lookup("study", study_id, knowledge_base(include_user).studies, cutoff=0.4,
                  see="`nanocat catalysts studies`")


def add_user_file(path: str | Path, replace: bool = False) -> list[str]:
    """Validate a study file against the whole knowledge base and store it; returns its catalyst ids."""
    path = Path(path)
    kb = knowledge_base(include_user=True)
    study, doc = read_study(path)
    if study.id in kb.studies and not (replace and kb.sources[study.id] == "user"):
        owner = "a curated" if kb.sources[study.id] == "curated" else "a user"
        hint = "" if owner == "a curated" else " (use --replace to overwrite it)"
        raise doc.error(("id",), f"study id {study.id!r} is already {owner} study{hint}")
    others = [e for e in user_entries() if e[0].id != study.id]
    build([*_curated_entries(), *others, (study, doc, "user")])  # id clashes and references, with file lines
    store_user_text(study.id, path.name, path.read_text(encoding="utf-8"))
    log.info("stored study %s (%d catalysts)", study.id, len(study.catalysts))
    return [c.id for c in study.catalysts]
