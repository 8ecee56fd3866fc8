"""The knowledge base as tidy tables (pandas): one row per measurement, per claim and catalyst, or per catalyst.

Tables: ``measurements`` (FE values), ``ratios``, ``computed`` (energies, eV), ``findings`` (qualitative) and
``catalysts``. Rows of an aggregate product ("hydrocarbons" = CH4 + C2H4) name their parts in
``aggregate_of``: leave those rows out when summing FE, or CH4 and C2H4 are counted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from nanocat.data.records import CatalystRecord, MeasurementRecord
from nanocat.data.schema import AGGREGATE_PRODUCTS

if TYPE_CHECKING:
    import pandas as pd

Table = Literal["measurements", "ratios", "computed", "findings", "catalysts"]
TABLES: tuple[str, ...] = get_args(Table)

_PROVENANCE = ["evidence", "study", "seed_ref", "citation", "doi", "quoted_from_doi"]
_COLUMNS: dict[str, list[str]] = {
    "ratios": ["claim", "numerator", "denominator", "quantity", "value", "approximate", "potential_V_RHE",
               "statement", *_PROVENANCE],
    "computed": ["claim", "catalyst", "quantity", "step", "value_eV", "approximate", "variant", "method",
                 "statement", *_PROVENANCE],
    "findings": ["claim", "catalyst", "rank", "quantity", "product", "potential_V_RHE", "cell", "electrolyte",
                 "statement", *_PROVENANCE],
}


def _identity(rec: CatalystRecord) -> dict[str, Any]:
    """Catalyst columns shared by the measurement and catalyst tables."""
    metals = ",".join(f"{el}{'' if n is None else n}" for el, n in rec.metals.items())
    return {"id": rec.id, "kind": rec.kind, "formula": rec.formula, "metals": metals, "charge": rec.charge,
            "hydride_location": rec.hydrides.location if rec.hydrides else None}


def to_dataframe(records: list[CatalystRecord] | None = None) -> pd.DataFrame:
    """One row per FE measurement (catalyst identity columns first, FE in %); all records if none given."""
    import pandas as pd

    from nanocat.data.store import load_catalysts

    records = load_catalysts() if records is None else records
    rows = []
    for rec in records:
        for m in rec.measurements:
            row = {**_identity(rec), **m.model_dump(mode="json")}
            row["fe_low_percent"], row["fe_high_percent"] = m.fe_interval_percent
            row["aggregate_of"] = "+".join(AGGREGATE_PRODUCTS.get(m.product, ())) or None
            if m.potential_range_V_RHE is not None:
                row["potential_range_V_RHE"] = f"{m.potential_range_V_RHE[0]} to {m.potential_range_V_RHE[1]}"
            rows.append(row)
    columns = [*_identity_columns(), *MeasurementRecord.model_fields.keys(), "fe_low_percent", "fe_high_percent",
               "aggregate_of"]
    return pd.DataFrame(rows, columns=list(dict.fromkeys(columns)))


def _identity_columns() -> list[str]:
    return ["id", "kind", "formula", "metals", "charge", "hydride_location"]


def table(name: str, records: list[CatalystRecord] | None = None) -> pd.DataFrame:
    """One tidy table of ``records`` (all if None): see the module docstring for the names."""
    import pandas as pd

    from nanocat.data.store import load_catalysts
    from nanocat.errors import InputError

    if name not in TABLES:
        raise InputError(f"table {name!r} is not one of: {', '.join(TABLES)}")
    records = load_catalysts() if records is None else records
    if name == "measurements":
        return to_dataframe(records)
    if name == "catalysts":
        rows = [{**_identity(r), "charge_stated": r.charge_stated, "electron_count": r.electron_count,
                 "label": r.label, "computational_model": r.computational_model,
                 "products": ";".join(r.products), "evidence": ";".join(r.evidence_kinds),
                 "n_measurements": len(r.measurements), "studies": ";".join(r.studies), "source": r.source}
                for r in records]
        return pd.DataFrame(rows)
    seen: set[tuple[str, str]] = set()
    rows = []
    for rec in records:
        for claim in getattr(rec, name):
            if name == "ratios":
                key = (claim["claim"], "")
                row = dict(claim)
            else:  # one row per (claim, catalyst): tidy, and a filter on catalyst keeps its rows
                key = (claim["claim"], rec.id)
                ranking = claim.get("ranking") or []
                row = {**claim, "catalyst": rec.id, "rank": ranking.index(rec.id) + 1 if rec.id in ranking else None}
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS[name])
