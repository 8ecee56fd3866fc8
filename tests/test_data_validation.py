"""Bad records fail as DataError naming file, line and field; random mutations never raise anything else."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanocat.data import read_study
from nanocat.data.store import curated_files
from nanocat.errors import DataError

GOOD = """\
id: my-study
title: "My Cu cluster"
citations:
  - {seed_ref: 103, authors: "A. Author and B. Author", journal: "Small", year: 2024, pages: "2409910"}
catalysts:
  - id: My-Cu14
    kind: cluster
    formula: "[Cu14(PET)3(PPh3)8H10]+"
    hydrides: {count: 10, location: unknown}
measurements:
  - catalyst: My-Cu14
    product: HCOOH
    fe_percent: 39
    potential_V_RHE: -1.2
  - catalyst: My-Cu14
    product: CO
    fe_percent: 2
    potential_V_RHE: -1.2
"""


def _error(text: str, name: str = "bad.yaml") -> str:
    with pytest.raises(DataError) as info:
        read_study(name, text=text, known_catalysts=set())
    return str(info.value)


def test_good_record_loads_with_composition_from_chem() -> None:
    study, _ = read_study("good.yaml", text=GOOD, known_catalysts=set())
    (cat,) = study.catalysts
    assert cat.metals == {"Cu": 14} and cat.charge == 1 and cat.hydrides.count == 10
    assert {lig["name"]: lig["kind"] for lig in cat.ligands} == {"PET": "X", "PPh3": "L"}


def test_fe_above_100_names_file_line_and_field() -> None:
    message = _error(GOOD.replace("fe_percent: 39", "fe_percent: 139"))
    assert message.startswith("bad.yaml:13: field measurements.0.fe_percent:")
    assert "100" in message


def test_negative_fe_is_refused() -> None:
    assert "bad.yaml:17: field measurements.1.fe_percent" in _error(GOOD.replace("fe_percent: 2", "fe_percent: -2"))


def test_fe_sum_above_100_at_one_potential() -> None:
    message = _error(GOOD.replace("fe_percent: 2\n", "fe_percent: 70\n"))
    assert "bad.yaml:17: field measurements.1.fe_percent" in message and "109 %" in message


def test_fe_sum_at_different_potentials_is_fine() -> None:
    text = GOOD.replace("fe_percent: 2\n    potential_V_RHE: -1.2", "fe_percent: 70\n    potential_V_RHE: -0.8")
    read_study("ok.yaml", text=text, known_catalysts=set())


def test_unknown_ligand_names_the_formula_line() -> None:
    message = _error(GOOD.replace("(PET)3", "(XYZ)3"))
    assert message.startswith("bad.yaml:8: field catalysts.0.formula:") and "XYZ" in message


def test_potential_not_vs_rhe() -> None:
    message = _error(GOOD.replace("potential_V_RHE: -1.2\n  - catalyst", "potential_V_SHE: -1.2\n  - catalyst"))
    assert "bad.yaml:11: field measurements.0:" in message and "vs RHE" in message
    message = _error(GOOD.replace("fe_percent: 39\n", "fe_percent: 39\n    reference_electrode: Ag/AgCl\n"))
    assert "measurements.0" in message and "RHE" in message


def test_missing_citation() -> None:
    text = re.sub(r"citations:\n  - \{[^}]*\}\n", "", GOOD)
    assert "field citations: Field required" in _error(text)
    assert "citations" in _error(GOOD.replace('journal: "Small", ', ""))


def test_curated_citations_need_the_seed_reference_number() -> None:
    text = GOOD.replace("seed_ref: 103, ", "")
    read_study("user.yaml", text=text, known_catalysts=set())  # fine for a user's own data
    with pytest.raises(DataError, match=r"curated.yaml:4: field citations.0.seed_ref"):
        read_study("curated.yaml", text=text, known_catalysts=set(), curated=True)


def test_unknown_catalyst_reference_suggests_close_ids() -> None:
    message = _error(GOOD.replace("  - catalyst: My-Cu14\n    product: CO", "  - catalyst: My-Cu41\n    product: CO"))
    assert "bad.yaml:15: field measurements.1.catalyst" in message and "My-Cu14" in message


def test_hydride_count_must_match_formula() -> None:
    assert "hydrides.count 12 disagrees" in _error(GOOD.replace("count: 10", "count: 12"))


def test_yaml_syntax_error_gives_the_line() -> None:
    message = _error(GOOD.replace("    product: CO", "    product: [CO"))
    assert re.match(r"bad\.yaml:\d+: YAML syntax error", message)


def test_duplicate_key_and_non_mapping_documents() -> None:
    assert "bad.yaml:8: field 'kind' appears twice" in _error(GOOD.replace("    kind: cluster",
                                                                           "    kind: cluster\n    kind: bulk"))
    assert "must be a mapping" in _error("- just\n- a list\n")
    assert "empty" in _error("")


def test_cluster_without_formula_must_say_why() -> None:
    text = GOOD.replace('    formula: "[Cu14(PET)3(PPh3)8H10]+"\n    hydrides: {count: 10, location: unknown}\n',
                        "    metals: {Cu: 14}\n")
    assert "bad.yaml:6: field catalysts.0: a cluster without formula needs formula_note" in _error(text)
    read_study("ok.yaml", text=text.replace("{Cu: 14}\n", "{Cu: 14}\n    formula_note: not given\n"),
               known_catalysts=set())


# --- random mutations of the curated files: only DataError may come out -------------------------------------

def _curated_docs() -> list[dict]:
    return [yaml.safe_load(f.read_text(encoding="utf-8")) for f in curated_files()]


_DOCS = _curated_docs()
_KNOWN = {c["id"] for d in _DOCS for c in d.get("catalysts", [])}
_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                  st.text(max_size=30), st.just("[Au25(PET)18]-"), st.just("Cu8-II"), st.just("HCOOH"))
_value = st.recursive(_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def _paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc_index=st.integers(0, len(_DOCS) - 1), pick=st.integers(0, 10**6),
       action=st.sampled_from(["replace", "delete", "add"]), value=_value)
def test_random_mutations_raise_only_data_error(doc_index: int, pick: int, action: str, value: object) -> None:
    doc = copy.deepcopy(_DOCS[doc_index])
    paths = _paths(doc)
    path = paths[pick % len(paths)]
    if not path:
        doc = value
    else:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if action == "replace":
            parent[path[-1]] = value
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent["unexpected_field"] = value
        else:
            parent.append(value)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    try:
        read_study(Path("mutated.yaml"), text=text, known_catalysts=_KNOWN, curated=True)
    except DataError as exc:
        assert str(exc).startswith("mutated.yaml"), str(exc)


def test_given_metals_and_charge_must_agree_with_the_formula() -> None:
    text = GOOD.replace("    kind: cluster\n", "    kind: cluster\n    metals: {Cu: 13}\n", 1)
    assert "metals {'Cu': 13} disagree with formula" in _error(text)
    text = GOOD.replace("    kind: cluster\n", "    kind: cluster\n    charge: -1\n", 1)
    assert "charge -1 disagrees with formula" in _error(text)


def test_every_curated_study_round_trips() -> None:
    from nanocat.data import Study, list_studies

    for study in list_studies(include_user=False):
        assert Study.model_validate(study.model_dump()) == study
