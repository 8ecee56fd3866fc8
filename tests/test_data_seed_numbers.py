"""Every number the seed review states in sections 2.1-2.3 is in the knowledge base, exactly.

The numbers are read from the seed text itself (shared/seed), not copied into this test: values with %, V,
eV and "N times" must match a measurement, potential, computed energy or ratio (with the same "approximate"
flag); every other number must be either curated (e.g. particle sizes) or on the commented exclusion list.
"""

from __future__ import annotations

import math
import re
from functools import cache

import pytest

from conftest import shared_dir
from nanocat.data import get_catalyst, load_catalysts, list_studies

SEED_FILE = "seed/000_bd7c2ac3b752eb4b.txt"
if not (shared_dir() / SEED_FILE).is_file():  # a bare clone has no shared/ beside it: nothing to read
    pytest.skip(f"the seed review is not at {shared_dir() / SEED_FILE} (set NANOCAT_SHARED_DIR)",
                allow_module_level=True)
_APPROX_WORDS = r"~|≈|approximately|nearly|almost"
_NUMBER_WITH_UNIT = re.compile(
    rf"(?P<qual>{_APPROX_WORDS}|exceeds)?\s*(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>%|eV|V)(?![A-Za-z])")
_TIMES = re.compile(rf"(?P<qual>{_APPROX_WORDS})?\s*(?P<num>\d+(?:\.\d+)?)\s+times\b")

# Numbers in sections 2.1-2.3 that are not measurements, each with why (applied before the number scan).
EXCLUDED = [
    (r"#+ 2\.[123]\. |\*\*2\.2\.[12]\.\*\*", "section numbers"),
    (r"\bFig\.\**\s*\d+\**\s*(\([a-f]\))?\s*[a-f]?(-[a-f])?( and [a-f])?", "figure numbers"),
    (r"ref\. \d+\. Copyright \d{4}", "figure credits: reference number and copyright year"),
    (r"conducted in 2012", "year of the pioneering Au25 study"),
    (r"over 16 different", "number of known Cu CO2RR products, not a measurement"),
    (r"\b\d(,\d)*-(?=[a-z])|-\d-(?=[a-z])", "IUPAC locants: 1-naphthalene..., 2,4-dimethyl..., 5-carboxylic..."),
    (r"thiacalix\[4\]arene", "ligand name"),
    (r"Cu\(0\)", "oxidation state"),
    (r"Cu\s?\((100|111|211)\)", "Miller indices of Cu facets"),
]


def _normalise(text: str) -> str:
    """Strip markup: sub/superscripts (atom counts, charges, citations), LaTeX wrappers, Unicode minus signs."""
    text = re.sub(r"<sup>.*?</sup>|<sub>.*?</sub>", "", text)
    text = re.sub(r"\^\{[^}]*\}|_\{[^}]*\}", "", text)
    text = re.sub(r"_\d+|\^[-+]?\d*[-+]?", "", text)
    text = text.replace("\\text{", "").replace("\\%", "%").replace("\\sim", "~").replace("$", "")
    text = text.replace("{", "").replace("}", "").replace("–", "-").replace("−", "-")
    return re.sub(r"\s+", " ", text)


@cache
def section_2_text() -> str:
    """Sections 2.1 to 2.3 of the seed (up to the conclusions), normalised."""
    raw = (shared_dir() / SEED_FILE).read_text(encoding="utf-8")
    start, end = raw.index("### 2.1. Effect of noble metal NCs"), raw.index("### 3. Conclusions and outlook")
    return _normalise(raw[start:end])


@cache
def kb_values() -> dict[str, list[tuple[float, bool]]]:
    """Numbers in the knowledge base by category, each with its approximate-or-bound flag."""
    out: dict[str, list[tuple[float, bool]]] = {"%": [], "V": [], "eV": [], "times": [], "nm": []}
    for rec in load_catalysts(include_user=False):
        for m in rec.measurements:
            out["%"].append((m.fe_percent, m.approximate or m.fe_bound is not None))
        if rec.size_nm is not None:
            out["nm"].append((rec.size_nm, False))
    for study in list_studies(include_user=False):
        for m in study.measurements:
            if m.potential_V_RHE is not None:
                out["V"].append((m.potential_V_RHE, False))
            out["V"].extend((v, False) for v in (m.potential_range_V_RHE or ()))
        out["V"].extend((c.potential_V_RHE, False) for c in (*study.findings, *study.ratios)
                        if c.potential_V_RHE is not None)
        out["eV"].extend((c.value_eV, c.approximate) for c in study.computed)
        out["times"].extend((r.value, r.approximate) for r in study.ratios)
    return out


def _present(category: str, value: float, approximate: bool | None = None) -> bool:
    """Whether the knowledge base holds ``value`` in ``category`` (with the given flag, if any)."""
    return any(math.isclose(v, value, abs_tol=1e-9) and (approximate is None or flag == approximate)
               for v, flag in kb_values()[category])


def _seed_values_with_units() -> list[tuple[str, float, bool, str]]:
    """(unit, value, approximate, context) for every %, V and eV number of sections 2.1-2.3."""
    text = section_2_text()
    found = []
    for m in _NUMBER_WITH_UNIT.finditer(text):
        context = text[max(0, m.start() - 60): m.end() + 20]
        found.append((m["unit"], float(m["num"]), m["qual"] is not None, context))
    return found


def test_section_text_is_found_and_has_the_expected_amount_of_numbers() -> None:
    values = _seed_values_with_units()
    # counted by hand in the seed: 26 FE values, 18 potentials, 7 energies (1.35 eV appears twice)
    assert sum(u == "%" for u, *_ in values) == 26
    assert sum(u == "V" for u, *_ in values) == 18
    assert sum(u == "eV" for u, *_ in values) == 7


@pytest.mark.parametrize("unit,value,approximate,context", _seed_values_with_units(),
                         ids=lambda v: str(v)[:20] if isinstance(v, str) else None)
def test_every_seed_value_with_unit_is_curated(unit: str, value: float, approximate: bool, context: str) -> None:
    category = {"%": "%", "V": "V", "eV": "eV"}[unit]
    flag = approximate if unit != "V" else None  # potentials carry no approximate flag in the seed
    assert _present(category, value, flag), f"{value} {unit} (approximate={approximate}) missing: ...{context}..."


def test_every_fe_ratio_is_curated() -> None:
    text = section_2_text()
    ratios = [(float(m["num"]), m["qual"] is not None) for m in _TIMES.finditer(text)]
    assert ratios == [(1.2, True), (10.0, False), (80.0, True), (20.0, True)]
    for value, approximate in ratios:
        assert _present("times", value, approximate), value
    assert "almost a double FE" in text and _present("times", 2.0, True)  # Cu8-II vs Cu8-I


def test_every_other_number_is_curated_or_excluded() -> None:
    text = section_2_text()
    for pattern, _why in EXCLUDED:
        text = re.sub(pattern, " ", text)
    text = _NUMBER_WITH_UNIT.sub(" ", text)
    text = _TIMES.sub(" ", text)
    leftovers = []
    for m in re.finditer(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w.]*\d)", text):
        value = float(m.group(0))
        if not any(_present(cat, value) for cat in ("nm", "%", "V", "eV", "times")):
            leftovers.append(text[max(0, m.start() - 40): m.end() + 20])
    assert not leftovers, "numbers neither curated nor excluded:\n" + "\n".join(leftovers)
    assert _present("nm", 1.2) and _present("nm", 2) and _present("nm", 5)  # [Au25]- 1.2 nm; 2 nm and 5 nm NPs


def _fe(catalyst: str, product: str) -> list:
    return [m for m in get_catalyst(catalyst, include_user=False).measurements if m.product == product]


def test_spot_checks() -> None:
    (cu8,) = _fe("Cu8-II", "HCOOH")
    assert (cu8.fe_percent, cu8.potential_V_RHE, cu8.approximate) == (92, -1.0, False)
    (cu58,) = _fe("Cu58-II", "CH3OH")
    assert (cu58.fe_percent, cu58.potential_V_RHE, cu58.approximate) == (44, -0.9, True)
    assert [m.fe_percent for m in _fe("Cu6", "CH4")] == [42.5]
    assert [m.fe_percent for m in _fe("Cu6", "C2H4")] == [23]
    (pd,) = _fe("Pd1Au24", "CO")
    assert (pd.fe_percent, pd.potential_range_V_RHE) == (100, (-1.2, -0.6))
    (cu32,) = _fe("Cu32", "HCOOH")
    assert (cu32.fe_percent, cu32.fe_bound) == (80, "lower")


def test_hydrocarbon_totals_equal_their_parts() -> None:
    for cid in ("Cu6", "Cu38"):
        fe = {m.product: m.fe_percent for m in get_catalyst(cid, include_user=False).measurements}
        assert math.isclose(fe["hydrocarbons"], fe["CH4"] + fe["C2H4"], abs_tol=1e-9), cid


def test_cu26_computed_barriers_with_and_without_hydrides() -> None:
    values = {(c["step"], c["variant"]): c["value_eV"] for c in get_catalyst("Cu26", include_user=False).computed}
    assert values == {("*COOH formation", "as synthesized (with hydrides)"): 1.35,
                      ("HER", "as synthesized (with hydrides)"): 0.16,
                      ("*COOH formation", "hydrides removed"): 0.14, ("HER", "hydrides removed"): 0.72}


def test_qualitative_outcomes_are_rankings_not_numbers() -> None:
    (charge,) = [f for f in get_catalyst("Au25-PET-cation", include_user=False).findings if f["quantity"] == "FE_CO"]
    assert charge["ranking"] == ["Au25-PET", "Au25-PET-neutral", "Au25-PET-cation"]
    assert not get_catalyst("Au25-PET-cation", include_user=False).measurements
    (stab,) = get_catalyst("Cu43", include_user=False).findings
    assert stab["ranking"] == ["Cu38", "Cu43"] and stab["quantity"] == "intrinsic stability"


def test_every_record_cites_its_study_and_the_seed() -> None:
    seed_refs = set()
    for study in list_studies(include_user=False):
        assert study.quoted_from_doi == "10.1039/d5nh00138b"
        assert study.primary.seed_ref is not None and study.primary.authors and study.primary.pages
        seed_refs.update(study.seed_refs)
    # every study the seed cites for a catalyst system in 2.1-2.3
    expected = {66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89,
                99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 118, 119, 120, 121, 122, 123, 124,
                125, 126}
    assert expected <= seed_refs
