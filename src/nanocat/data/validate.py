"""Validate one study file: schema (pydantic), formulas (nanocat.chem), FE sums; errors name file, line, field."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import ValidationError

from nanocat.data.schema import AGGREGATE_PRODUCTS, FE_SUM_TOLERANCE_PERCENT, Study
from nanocat.data.yamlsrc import Located, load_yaml, load_yaml_file
from nanocat.errors import DataError

_MAX_ERRORS = 3


def pydantic_to_data_error(exc: ValidationError, doc: Located) -> DataError:
    """Turn pydantic's errors into one DataError line naming file, line and field of each (first few)."""
    parts = []
    for err in exc.errors()[:_MAX_ERRORS]:
        loc = tuple(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        line = doc.line(loc)
        field_name = ".".join(str(p) for p in loc) or "<document>"
        parts.append(f"{doc.source}:{line}: field {field_name}: {message}")
    more = len(exc.errors()) - _MAX_ERRORS
    if more > 0:
        parts.append(f"... and {more} more")
    return DataError("; ".join(parts))


def _check_fe_sums(study: Study, doc: Located) -> None:
    """FE of one catalyst at one potential may not add beyond 100 % (+tolerance); aggregates match parts."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, m in enumerate(study.measurements):
        if m.potential_V_RHE is None and m.potential_range_V_RHE is None:
            continue
        key = (m.catalyst, m.potential_V_RHE, m.potential_range_V_RHE, m.cell, m.electrolyte, m.conditions)
        groups[key].append(i)
    for (catalyst, potential, prange, *_), indices in groups.items():
        where = potential if potential is not None else list(prange)
        by_product = {}
        for i in indices:
            product = study.measurements[i].product
            if product in by_product:
                raise doc.error(("measurements", i, "product"),
                                f"{catalyst} has two FE values for {product} at {where} V vs RHE")
            by_product[product] = study.measurements[i]
        total = sum(m.fe_percent for p, m in by_product.items() if p not in AGGREGATE_PRODUCTS)
        if total > 100 + FE_SUM_TOLERANCE_PERCENT:
            raise doc.error(("measurements", indices[-1], "fe_percent"),
                            f"FE of {catalyst} at {where} V vs RHE adds up to {total:g} %, above 100 % "
                            f"(+{FE_SUM_TOLERANCE_PERCENT:g} % tolerance)")
        for aggregate, parts in AGGREGATE_PRODUCTS.items():
            if aggregate in by_product and all(p in by_product for p in parts):
                part_sum = sum(by_product[p].fe_percent for p in parts)
                if abs(by_product[aggregate].fe_percent - part_sum) > FE_SUM_TOLERANCE_PERCENT:
                    i = indices[[study.measurements[j].product for j in indices].index(aggregate)]
                    raise doc.error(("measurements", i, "fe_percent"),
                                    f"{aggregate} FE {by_product[aggregate].fe_percent:g} % differs from the "
                                    f"sum of {'+'.join(parts)} ({part_sum:g} %)")


def _check_unique_ids(study: Study, doc: Located) -> None:
    """A file defines each catalyst id once."""
    here: set[str] = set()
    for i, c in enumerate(study.catalysts):
        if c.id in here:
            raise doc.error(("catalysts", i, "id"), f"catalyst id {c.id!r} is defined twice in this file")
        here.add(c.id)


def check_references(study: Study, doc: Located, known: set[str]) -> None:
    """Every catalyst id a measurement or claim names is defined in this file or in ``known``."""
    ids = {c.id for c in study.catalysts} | set(known)

    def need(path: tuple, cid: str) -> None:
        if cid not in ids:
            from difflib import get_close_matches

            close = get_close_matches(cid, sorted(ids), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise doc.error(path, f"unknown catalyst id {cid!r}{hint}")

    for i, m in enumerate(study.measurements):
        need(("measurements", i, "catalyst"), m.catalyst)
    for i, r in enumerate(study.ratios):
        need(("ratios", i, "numerator"), r.numerator)
        need(("ratios", i, "denominator"), r.denominator)
    for section in ("computed", "findings"):
        for i, claim in enumerate(getattr(study, section)):
            for j, cid in enumerate(claim.catalysts):
                need((section, i, "catalysts", j), cid)
    for j, cid in enumerate(study.plot_order or []):
        need(("plot_order", j), cid)


def validate_study(doc: Located, *, known_catalysts: set[str] | None = None, curated: bool = False) -> Study:
    """Validate a parsed study document.

    ``known_catalysts`` (ids defined elsewhere) turns on the reference check; ``curated`` also requires
    the seed reference number of each citation.
    """
    try:
        study = Study.model_validate(doc.data)
    except ValidationError as exc:
        raise pydantic_to_data_error(exc, doc) from None
    if curated:
        for i, citation in enumerate(study.citations):
            if citation.seed_ref is None:
                raise doc.error(("citations", i, "seed_ref"), "curated citations need the seed reference number")
    _check_unique_ids(study, doc)
    if known_catalysts is not None:
        check_references(study, doc, known_catalysts)
    _check_fe_sums(study, doc)
    return study


def read_study(path: str | Path, *, known_catalysts: set[str] | None = None, curated: bool = False,
               text: str | None = None) -> tuple[Study, Located]:
    """Read and validate one study file (``text`` overrides reading ``path``, which then only names it)."""
    path = Path(path)
    doc = load_yaml_file(path) if text is None else load_yaml(text, str(path))
    return validate_study(doc, known_catalysts=known_catalysts, curated=curated), doc
