"""Ask the knowledge base questions: filters on catalysts and on their measurements and claims.

Catalyst filters (metal, hydrides, ligands, charge, kind) keep or drop a whole record. Claim filters
(product, cell, FE, potential, evidence, study) act on each measurement and claim: a record is kept when at
least one of them passes every claim filter, and the record returned carries only the ones that pass, so
``cell="flow/GDE"`` never returns an FE measured in an H-cell. Bounds are intervals: ">80 %" is [80, 100],
"<10 %" is [0, 10]; ``min_fe`` keeps an FE whose interval starts at or above it, ``max_fe`` one whose interval
ends at or below it, and a potential range [U1, U2] passes ``min_potential`` when U1 >= it and
``max_potential`` when U2 <= it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

from nanocat.data.records import CatalystRecord
from nanocat.data.schema import Cell, Evidence, HydrideLocation, Product
from nanocat.data.store import get_study, load_catalysts
from nanocat.errors import InputError

PRODUCT_ALIASES: dict[str, Product] = {
    "co": "CO", "carbon monoxide": "CO",
    "hcooh": "HCOOH", "formate": "HCOOH", "formic acid": "HCOOH", "hcoo-": "HCOOH", "hcoo": "HCOOH",
    "h2": "H2", "hydrogen": "H2", "her": "H2",
    "ch4": "CH4", "methane": "CH4",
    "c2h4": "C2H4", "ethylene": "C2H4", "ethene": "C2H4",
    "ch3oh": "CH3OH", "methanol": "CH3OH", "meoh": "CH3OH",
    "c2h5oh": "C2H5OH", "ethanol": "C2H5OH", "etoh": "C2H5OH",
    "hydrocarbons": "hydrocarbons", "hydrocarbon": "hydrocarbons",
}
"""Spellings chemists use for each product (keys normalised: case-folded, Unicode minus as '-')."""

HYDRIDE_MATCHES: dict[str, tuple[str, ...]] = {"lattice": ("lattice", "mixed"),
                                                "interstitial": ("interstitial", "mixed")}
"""A cluster with both kinds ('mixed', e.g. Cu32H20) has lattice hydrides and has interstitial ones."""

CATALYST_KINDS = ("cluster", "nanoparticle", "bulk", "single-atom")


def _key(text: str) -> str:
    """Normalised spelling: NFKC, case-folded, any dash or minus as '-', single spaces, no '^'."""
    s = unicodedata.normalize("NFKC", text).casefold().replace("^", "")
    s = s.translate(dict.fromkeys(map(ord, "\u2212\u2013\u2010\u2011"), "-"))
    return " ".join(s.split())


def product_name(text: str) -> Product:
    """Canonical product for a name or alias ('formate' -> 'HCOOH'); InputError listing choices if unknown."""
    found = PRODUCT_ALIASES.get(_key(text))
    if found is None:
        raise InputError(f"product {text!r} is not one of: {', '.join(get_args(Product))} "
                         "(aliases: formate, formic acid, carbon monoxide, methane, ethylene, methanol, ...)")
    return found


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Check a filter value against its fixed set (case-insensitive), returning the canonical spelling."""
    for option in allowed:
        if option.lower() == value.strip().lower():
            return option
    raise InputError(f"{name} {value!r} is not one of: {', '.join(allowed)}")


def parse_charge(value: int | str) -> int:
    """Charge from 0, -1, '+2', '2+', '-' (InputError if unreadable)."""
    if isinstance(value, int):
        return value
    s = _key(value).replace(" ", "")
    try:
        if s in ("+", "-"):
            return 1 if s == "+" else -1
        if s[-1:] in "+-" and s[:-1].isdigit():
            return int(s[:-1]) * (1 if s[-1] == "+" else -1)
        return int(s)
    except ValueError:
        raise InputError(f"charge {value!r} is not a charge (write e.g. 0, -1, +2 or 2+)") from None


@lru_cache(maxsize=1)
def _anchor_elements() -> tuple[str, ...]:
    """Donor elements of the ligand library (what --ligand-anchor accepts)."""
    from nanocat.chem.ligands import default_library

    return tuple(sorted({a for lig in default_library() for a in lig.anchor}))


def ligand_name(text: str) -> str:
    """Canonical ligand name for a name or alias ('SCH2CH2Ph' -> 'PET'); InputError if unknown."""
    from nanocat.chem.ligands import default_library
    from nanocat.errors import NanocatError

    try:
        return default_library().get(text).name
    except (NanocatError, ValueError) as exc:
        raise InputError(f"ligand {text!r}: {exc}") from None


def _metal(text: str) -> str:
    """Element symbol, case-insensitive ('cu' -> 'Cu')."""
    from ase.data import chemical_symbols

    symbol = text.strip().capitalize()
    if symbol not in chemical_symbols[1:]:
        raise InputError(f"metal {text!r} is not an element symbol (e.g. Cu, Au, Ag)")
    return symbol


@dataclass(frozen=True)
class ClaimFilter:
    """The claim-level filters of one query (None: not filtered); see the module docstring for bounds."""

    product: str | None = None
    cell: str | None = None
    evidence: str | None = None
    study: str | None = None
    min_fe: float | None = None
    max_fe: float | None = None
    min_potential: float | None = None
    max_potential: float | None = None

    @property
    def active(self) -> bool:
        """Whether any claim filter is set."""
        return any(v is not None for v in vars(self).values())

    def passes(self, item: dict[str, Any], computed_model: bool) -> bool:
        """Whether one measurement or claim (as a dict with the record keys) passes every filter."""
        evidence = "computed" if computed_model else item.get("evidence", "experiment")
        if self.product is not None and item.get("product") != self.product:
            return False
        if self.cell is not None and item.get("cell") != self.cell:
            return False
        if self.evidence is not None and evidence != self.evidence:
            return False
        if self.study is not None and item.get("study") != self.study:
            return False
        if self.min_fe is not None or self.max_fe is not None:
            fe = item.get("fe_interval_percent")
            if fe is None or (self.min_fe is not None and fe[0] < self.min_fe) or (
                    self.max_fe is not None and fe[1] > self.max_fe):
                return False
        if self.min_potential is not None or self.max_potential is not None:
            u = item.get("potential_range_V_RHE") or (
                None if item.get("potential_V_RHE") is None else (item["potential_V_RHE"],) * 2)
            if u is None or (self.min_potential is not None and u[0] < self.min_potential) or (
                    self.max_potential is not None and u[1] > self.max_potential):
                return False
        return True


def narrow(record: CatalystRecord, claims: ClaimFilter) -> CatalystRecord | None:
    """The record with only the measurements and claims that pass, or None if none does."""
    if not claims.active:
        return record
    cm = record.computational_model
    measurements = [m for m in record.measurements if claims.passes(m.as_dict(), cm)]
    kept = {k: [c for c in getattr(record, k) if claims.passes(c, cm)] for k in ("findings", "computed", "ratios")}
    if not measurements and not any(kept.values()):
        return None
    return record.model_copy(update={"measurements": measurements, **kept})


def query(metal: str | None = None, product: str | None = None, hydride_location: str | None = None,
          ligand_kind: str | None = None, cell: str | None = None, kind: str | None = None,
          include_user: bool = True, *, min_fe: float | None = None, max_fe: float | None = None,
          min_potential: float | None = None, max_potential: float | None = None, evidence: str | None = None,
          study: str | None = None, ligand_anchor: str | None = None, ligand: str | None = None,
          charge: int | str | None = None) -> list[CatalystRecord]:
    """Catalysts matching every filter, each carrying only its measurements and claims that match.

    FE in percent, potentials in V vs RHE. ``product`` takes aliases ('formate', 'carbon monoxide');
    ``hydride_location`` 'lattice' also matches 'mixed' (both kinds), as does 'interstitial'; ``evidence``
    is 'experiment' or 'computed' (theory-only records are 'computed'); ``ligand_kind`` 'X' or 'L';
    ``ligand_anchor`` a donor element (S, Se, P, C, N, O, ...); ``ligand`` a ligand name or alias;
    ``charge`` an integer or '2+' (records whose charge the seed does not state never match).
    """
    claims = ClaimFilter(
        product=None if product is None else product_name(product),
        cell=None if cell is None else _choice("cell", cell, get_args(Cell)),
        evidence=None if evidence is None else _choice("evidence", evidence, get_args(Evidence)),
        study=None if study is None else get_study(study, include_user).id,
        min_fe=min_fe, max_fe=max_fe, min_potential=min_potential, max_potential=max_potential)
    metal = None if metal is None else _metal(metal)
    if hydride_location is not None:
        hydride_location = _choice("hydride location", hydride_location, get_args(HydrideLocation))
    hydrides_ok = HYDRIDE_MATCHES.get(hydride_location or "", (hydride_location,))
    ligand_kind = None if ligand_kind is None else _choice("ligand kind", ligand_kind, ("X", "L"))
    anchor = None if ligand_anchor is None else _choice("ligand anchor", ligand_anchor, _anchor_elements())
    ligand = None if ligand is None else ligand_name(ligand)
    kind = None if kind is None else _choice("kind", kind, CATALYST_KINDS)
    charge = None if charge is None else parse_charge(charge)
    out = []
    for rec in load_catalysts(include_user):
        if metal is not None and metal not in rec.metals:
            continue
        if hydride_location is not None and (rec.hydrides is None or rec.hydrides.location not in hydrides_ok):
            continue
        if ligand_kind is not None and not any(lig.get("kind") == ligand_kind for lig in rec.ligands):
            continue
        if anchor is not None and not any(anchor in lig.get("anchor", ()) for lig in rec.ligands):
            continue
        if ligand is not None and not any(lig.get("name") == ligand for lig in rec.ligands):
            continue
        if kind is not None and rec.kind != kind:
            continue
        if charge is not None and rec.charge != charge:
            continue
        narrowed = narrow(rec, claims)
        if narrowed is not None:
            out.append(narrowed)
    return out
