"""Pydantic schema of the knowledge base: one study file holds catalysts, FE measurements and claims.

Units live in field names: FE in percent (``fe_percent``), potentials in V vs RHE (``potential_V_RHE``),
current densities in mA cm-2 (``current_density_mA_cm2``), computed energies in eV (``value_eV``).
Numbers are quoted from the review Ghosh et al., Nanoscale Horiz. 2025, 10, 1250 (doi:10.1039/d5nh00138b),
which is recorded with every value as ``quoted_from_doi``; the original study is the ``citations`` entry.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SEED_DOI = "10.1039/d5nh00138b"
"""The review every curated number is quoted from (Ghosh et al., Nanoscale Horiz. 2025, 10, 1250)."""

FE_SUM_TOLERANCE_PERCENT = 2.0
"""How far the FE of one catalyst at one potential may add up beyond 100 % (rounding in the sources), %."""

CatalystKind = Literal["cluster", "nanoparticle", "bulk", "single-atom"]
HydrideLocation = Literal["lattice", "interstitial", "mixed", "unknown", "none"]
Product = Literal["CO", "HCOOH", "H2", "CH4", "C2H4", "CH3OH", "C2H5OH", "hydrocarbons"]
Cell = Literal["H-cell", "flow/GDE", "MEA"]

Evidence = Literal["experiment", "computed"]

AGGREGATE_PRODUCTS: dict[str, tuple[str, ...]] = {"hydrocarbons": ("CH4", "C2H4")}
"""Products that are sums of others (left out of the FE sum, checked against their parts instead)."""

PLAUSIBLE_CHARGES: tuple[int, ...] = (-2, -1, 0, 1, 2)
"""Charge states for which an electron count is listed when the seed states no charge (a window, not a claim)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+()-]{0,39}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, str_strip_whitespace=True)


@lru_cache(maxsize=1024)
def _parse(formula: str) -> Any:
    """Parse a cluster formula with nanocat.chem (cached: curated formulas repeat and parsed results are read-only)."""
    from nanocat.chem import parse_formula

    return parse_formula(formula)


def _check_id(value: str) -> str:
    """Short identifier: letters, digits and ``-_.+()``, at most 40 characters."""
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not a short id (letters, digits, - _ . + ( ), at most 40 characters)")
    return value


def charge_is_stated(formula: str, parsed: Any) -> bool:
    """Whether a formula states its charge: a written charge, counter-ions, or square brackets (neutral)."""
    return parsed.charge_source != "default" or "[" in formula


def _reject_non_rhe(data: Any) -> Any:
    """Refuse potentials given against any reference electrode but RHE (convert them before curating)."""
    if isinstance(data, dict):
        for key in data:
            if isinstance(key, str) and key.startswith("potential") and key not in (
                    "potential_V_RHE", "potential_range_V_RHE"):
                raise ValueError(f"potential given as {key!r}: only potentials vs RHE are accepted "
                                 "(field potential_V_RHE); convert it to the RHE scale first")
        ref = data.get("reference_electrode", "RHE")
        if ref != "RHE":
            raise ValueError(f"reference_electrode {ref!r}: only potentials vs RHE are accepted; "
                             "convert to the RHE scale first")
    return data


class Citation(BaseModel):
    """An original study as the seed's reference list gives it (DOI only where verified)."""

    model_config = _STRICT

    seed_ref: int | None = Field(None, ge=1, description="reference number in the seed review")
    authors: str = Field(min_length=1)
    journal: str = Field(min_length=2)
    year: int = Field(ge=1900, le=2100)
    volume: str | None = None
    pages: str = Field(min_length=1, description="pages or article number")
    doi: str | None = Field(None, description="verified DOI of the original study, else null")
    doi_evidence: str | None = Field(None, description="where the DOI was verified (URL or citation)")
    role: Literal["primary", "synthesis", "related"] = "primary"

    @field_validator("doi")
    @classmethod
    def _doi_shape(cls, value: str | None) -> str | None:
        """A DOI looks like 10.NNNN/suffix."""
        if value is not None and not _DOI.match(value):
            raise ValueError(f"{value!r} is not a DOI (10.NNNN/...)")
        return value

    def text(self) -> str:
        """Full reference as one line: authors, journal, year, volume, pages."""
        volume = f", {self.volume}" if self.volume else ""
        return f"{self.authors}, {self.journal}, {self.year}{volume}, {self.pages}"


class Hydrides(BaseModel):
    """Hydride count and where the hydrides sit (lattice, interstitial, both, unknown, none)."""

    model_config = _STRICT

    count: int | None = Field(None, ge=0)
    location: HydrideLocation = "unknown"
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Hydrides:
        """No hydrides means location 'none', and 'none' means no hydrides."""
        if self.count == 0 and self.location != "none":
            raise ValueError("count is 0, so location must be 'none'")
        if self.location == "none" and self.count not in (0, None):
            raise ValueError(f"location is 'none' but count is {self.count}")
        return self


class Catalyst(BaseModel):
    """A catalyst as curated: identity and structure; composition is derived from the formula by chem."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    id: str
    label: str | None = Field(None, description="how the seed names it, e.g. '[Au25]-'")
    kind: CatalystKind
    formula: str | None = Field(None, description="cluster formula parsed by nanocat.chem; null if unknown")
    formula_note: str | None = Field(None, description="why the formula is null")
    metals: dict[str, int | None] | None = Field(None, description="element -> atom count (null: not given)")
    charge: int | None = Field(None, description="null when the seed does not state it (see charge_stated)")
    charge_stated: bool | None = Field(None, description="derived: a charge, counter-ions or [brackets] written")
    ligands: list[dict[str, Any]] = Field(default_factory=list, description="derived from the formula")
    ligand_note: str | None = None
    electron_count: int | None = Field(None, description="superatom electron count, derived by chem; null "
                                                         "when the charge is not stated")
    electron_counts_by_charge: dict[int, int] | None = Field(
        None, description="charge -> electron count over PLAUSIBLE_CHARGES, when the charge is not stated")
    hydrides: Hydrides | None = None
    morphology: str | None = None
    core: str | None = None
    support: str | None = None
    size_nm: float | None = Field(None, gt=0)
    computational_model: bool = Field(False, description="studied only by theory")
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _short_id(cls, value: str) -> str:
        """Ids are short and shell-friendly."""
        return _check_id(value)

    @field_validator("metals")
    @classmethod
    def _metal_symbols(cls, value: dict[str, int | None] | None) -> dict[str, int | None] | None:
        """Metals are element symbols with positive (or unknown) counts."""
        from ase.data import chemical_symbols

        for symbol, count in (value or {}).items():
            if symbol not in chemical_symbols[1:]:
                raise ValueError(f"{symbol!r} is not an element symbol")
            if count is not None and count < 1:
                raise ValueError(f"count of {symbol} must be at least 1, got {count}")
        return value

    @field_validator("formula")
    @classmethod
    def _formula_parses(cls, value: str | None) -> str | None:
        """The formula must parse with nanocat.chem (unknown ligands are named with close matches)."""
        if value is not None:
            _parse(value)  # FormulaError is a ValueError: pydantic reports it on this field
        return value

    @model_validator(mode="after")
    def _derive_from_formula(self) -> Catalyst:
        """Parse the formula with nanocat.chem and fill metals, ligands, charge, hydride count."""
        if self.formula is None:
            if self.kind == "cluster" and not self.formula_note:
                raise ValueError("a cluster without formula needs formula_note saying why it is unknown")
            if not self.metals:
                raise ValueError("metals must be given when the formula is null")
            return self
        parsed = _parse(self.formula)
        metals = {str(k): int(v) for k, v in dict(parsed.metals).items()}
        if self.metals is not None and self.metals != metals:
            raise ValueError(f"metals {self.metals} disagree with formula {self.formula!r} ({metals})")
        in_formula = charge_is_stated(self.formula, parsed)
        if self.charge is not None and in_formula and self.charge != parsed.charge:
            raise ValueError(f"charge {self.charge} disagrees with formula {self.formula!r} ({parsed.charge})")
        stated = in_formula or self.charge is not None  # a `charge:` field states it for a bare formula
        charge = parsed.charge if in_formula else self.charge
        n_h = int(parsed.hydrides)
        hydrides = self.hydrides or Hydrides(count=n_h, location="none" if n_h == 0 else "unknown")
        if hydrides.count is not None and hydrides.count != n_h:
            raise ValueError(f"hydrides.count {hydrides.count} disagrees with formula {self.formula!r} ({n_h})")
        if hydrides.count is None:
            hydrides = Hydrides(count=n_h, location=hydrides.location, note=hydrides.note)
        object.__setattr__(self, "metals", metals)
        # An unstated charge is not neutral: the count is listed per plausible charge instead of as a fact.
        n_neutral = parsed.electron_count + parsed.charge
        by_charge = None if stated else {q: n_neutral - q for q in PLAUSIBLE_CHARGES if n_neutral - q >= 0}
        object.__setattr__(self, "charge", charge)
        object.__setattr__(self, "charge_stated", stated)
        object.__setattr__(self, "ligands", list(parsed.as_dict().get("ligands", [])))
        object.__setattr__(self, "electron_count", None if charge is None else n_neutral - charge)
        object.__setattr__(self, "electron_counts_by_charge", by_charge)
        object.__setattr__(self, "hydrides", Hydrides.model_validate(hydrides.model_dump()))
        return self


class _VsRHE(BaseModel):
    """Base of every claim that may carry a potential: potentials only vs RHE."""

    model_config = _STRICT

    @model_validator(mode="before")
    @classmethod
    def _vs_rhe(cls, data: Any) -> Any:
        """Potentials only vs RHE."""
        return _reject_non_rhe(data)


class Measurement(_VsRHE):
    """One Faradaic efficiency the seed states for one catalyst and product."""

    catalyst: str
    product: Product
    fe_percent: float = Field(ge=0, le=100)
    fe_bound: Literal["lower", "upper"] | None = Field(None, description="'>80%' is 80 with bound 'lower'")
    approximate: bool = Field(False, description="the seed writes ~, ≈, 'approximately' or 'nearly'")
    maximum: bool = Field(False, description="the seed calls it the maximum FE")
    potential_V_RHE: float | None = Field(None, ge=-5, le=5)
    potential_range_V_RHE: tuple[float, float] | None = None
    reference_electrode: Literal["RHE"] = "RHE"
    current_density_mA_cm2: float | None = None
    cell: Cell | None = None
    electrolyte: str | None = None
    conditions: str | None = None
    note: str | None = None
    evidence: Evidence = Field("experiment", description="measured, or computed (e.g. a microkinetic FE)")

    @property
    def fe_interval_percent(self) -> tuple[float, float]:
        """The FE as an interval in %: '>80' is (80, 100), '<10' is (0, 10), a value v is (v, v)."""
        if self.fe_bound == "lower":
            return (self.fe_percent, 100.0)
        if self.fe_bound == "upper":
            return (0.0, self.fe_percent)
        return (self.fe_percent, self.fe_percent)

    @property
    def potential_interval_V_RHE(self) -> tuple[float, float] | None:
        """The potential as an interval in V vs RHE (a single value is (U, U)); None if not reported."""
        if self.potential_range_V_RHE is not None:
            return self.potential_range_V_RHE
        return None if self.potential_V_RHE is None else (self.potential_V_RHE, self.potential_V_RHE)

    @model_validator(mode="after")
    def _one_potential(self) -> Measurement:
        """Either one potential or an ordered range, not both."""
        if self.potential_V_RHE is not None and self.potential_range_V_RHE is not None:
            raise ValueError("give potential_V_RHE or potential_range_V_RHE, not both")
        if self.potential_range_V_RHE is not None:
            low, high = self.potential_range_V_RHE
            if not (-5 <= low < high <= 5):
                raise ValueError(f"potential_range_V_RHE {list(self.potential_range_V_RHE)} must be "
                                 "[more negative, less negative] within ±5 V")
        return self


class Ratio(_VsRHE):
    """A relative claim: numerator catalyst's quantity is ``value`` times the denominator's."""

    numerator: str
    denominator: str
    quantity: str = Field(min_length=2, description="e.g. 'FE_CO', 'CO mass production'")
    value: float = Field(gt=0)
    approximate: bool = False
    potential_V_RHE: float | None = Field(None, ge=-5, le=5)
    statement: str | None = None


class Computed(BaseModel):
    """An energy the original study computed (barrier or free-energy step), in eV."""

    model_config = _STRICT

    catalysts: list[str] = Field(min_length=1)
    quantity: str = Field(min_length=2, description="e.g. 'free-energy barrier'")
    step: str = Field(min_length=1, description="e.g. '*CO2 -> *COOH', 'HER'")
    value_eV: float = Field(ge=-20, le=20)
    approximate: bool = False
    variant: str | None = Field(None, description="e.g. 'with hydrides', 'hydrides removed'")
    method: str | None = None
    statement: str | None = None


class Finding(_VsRHE):
    """A qualitative outcome the seed states without a number (never turned into one)."""

    catalysts: list[str] = Field(min_length=1)
    statement: str = Field(min_length=5)
    quantity: str | None = Field(None, description="what is compared, e.g. 'FE_CO', 'TOF', 'stability'")
    ranking: list[str] | None = Field(None, description="catalyst ids, highest first")
    product: Product | None = None
    potential_V_RHE: float | None = Field(None, ge=-5, le=5)
    computed: bool = False
    cell: Cell | None = None
    electrolyte: str | None = None

    @model_validator(mode="after")
    def _ranking_within(self) -> Finding:
        """A ranking orders catalysts the finding names, each once."""
        if self.ranking is not None:
            if len(self.ranking) < 2 or len(set(self.ranking)) != len(self.ranking):
                raise ValueError("ranking needs at least two distinct catalyst ids")
            missing = [c for c in self.ranking if c not in self.catalysts]
            if missing:
                raise ValueError(f"ranking names {missing} which are not in catalysts")
        return self


class Study(BaseModel):
    """One curated file: an original study (or the seed's group of studies) and what the seed quotes."""

    model_config = _STRICT

    id: str
    title: str = Field(min_length=3)
    seed_section: Literal["2.1", "2.2", "2.2.1", "2.2.2", "2.3"] | None = None
    citations: list[Citation] = Field(min_length=1)
    quoted_from_doi: str = SEED_DOI
    catalysts: list[Catalyst] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    ratios: list[Ratio] = Field(default_factory=list)
    computed: list[Computed] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    plot_order: list[str] | None = Field(None, description="catalyst ids in the order of the seed's figure")

    @field_validator("id")
    @classmethod
    def _short_id(cls, value: str) -> str:
        """Ids are short and shell-friendly."""
        return _check_id(value)

    @property
    def primary(self) -> Citation:
        """The study's main citation (the first one)."""
        return self.citations[0]

    @property
    def seed_refs(self) -> list[int]:
        """Seed reference numbers of all citations."""
        return [c.seed_ref for c in self.citations if c.seed_ref is not None]
