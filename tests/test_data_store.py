"""Query API, DataFrame export, record round trips and the user's SQLite records."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nanocat.data import (CatalystRecord, MeasurementRecord, add_user_file, get_catalyst, get_study, list_studies,
                          load_catalysts, query, to_dataframe)
from nanocat.data.store import knowledge_base
from nanocat.errors import DataError, InputError

USER_STUDY = """\
id: my-lab-2026
title: "Our Cu14 batch and a new Cu cluster"
citations:
  - {authors: "Our Lab", journal: "unpublished", year: 2026, pages: "notebook 12"}
catalysts:
  - {id: MyCu15, kind: cluster, formula: "[Cu15(PET)3(PPh3)8H10]+", hydrides: {count: 10, location: lattice}}
measurements:
  - {catalyst: MyCu15, product: HCOOH, fe_percent: 55.5, potential_V_RHE: -1.1, cell: H-cell, electrolyte: 0.5 M KHCO3}
  - {catalyst: Cu14-PET, product: HCOOH, fe_percent: 41, potential_V_RHE: -1.1, cell: flow/GDE}
"""


def test_counts_and_ids_are_unique() -> None:
    records = load_catalysts(include_user=False)
    assert len(records) == len({r.id for r in records}) == 64
    assert sum(len(r.measurements) for r in records) == 26
    assert len(list_studies(include_user=False)) == 38


def test_load_is_cached() -> None:
    assert knowledge_base(include_user=False) is knowledge_base(include_user=False)


def test_query_filters() -> None:
    hcooh_cu = {r.id for r in query(metal="Cu", product="HCOOH")}
    assert {"Cu8-II", "Cu14-PET", "Cu18-PTT", "Cu32", "Ag9Cu6"} <= hcooh_cu
    assert "Au25-PET" not in hcooh_cu
    assert {r.id for r in query(hydride_location="interstitial")} >= {"Cu26", "Cu18-PTT", "Cu58-I"}
    # Cu32H20 has both kinds ("mixed"): it counts as a lattice-hydride and as an interstitial-hydride cluster
    assert {r.id for r in query(hydride_location="lattice")} == {"Cu25", "Cu32"}
    assert {r.id for r in query(hydride_location="mixed")} == {"Cu32"}
    assert all(any(lig["kind"] == "L" for lig in r.ligands) for r in query(ligand_kind="L"))
    assert "Cu25" in {r.id for r in query(ligand_kind="l")}  # case-insensitive
    assert {r.id for r in query(cell="flow/GDE")} == {"Au25-PET"}
    assert {r.id for r in query(kind="single-atom")} == {"Cu1-MWCNT"}
    with pytest.raises(InputError, match="product 'CO3' is not one of"):
        query(product="CO3")


def test_get_catalyst_unknown_suggests() -> None:
    with pytest.raises(DataError, match="close matches: .*Cu58-II"):
        get_catalyst("Cu58-2")
    assert get_study("liu2022-cu8").primary.seed_ref == 108


def test_au25_pet_gathers_all_studies() -> None:
    rec = get_catalyst("Au25-PET")
    assert rec.electron_count == 8 and rec.charge == -1
    assert {"kauffman2012-au25", "kauffman2014-au25-charge", "kim2020-au25-gde", "li2021-au25-ligands",
            "zhao2018-au25-sphere-rod", "seong2022-ag25-vs-au25"} <= set(rec.studies)
    ratios = {r["denominator"]: (r["value"], r["approximate"]) for r in rec.ratios}
    assert ratios == {"Au-NP-2nm": (1.2, True), "Au-NP-5nm": (10, False), "Au-bulk": (80, True)}


def test_dataframe_one_row_per_measurement() -> None:
    df = to_dataframe(load_catalysts(include_user=False))
    assert len(df) == 26
    row = df[(df.id == "Cu38") & (df["product"] == "C2H4")].iloc[0]
    assert row.fe_percent == 34.03 and row.potential_V_RHE == -1.57 and row.seed_ref == 109
    assert row.quoted_from_doi == "10.1039/d5nh00138b"
    assert df.fe_percent.between(0, 100).all()
    assert math.isnan(df[df.id == "Au8Cu1"].potential_V_RHE.iloc[0])


def test_record_round_trip() -> None:
    for rec in load_catalysts(include_user=False):
        assert CatalystRecord.from_dict(rec.as_dict()) == rec
    m = get_catalyst("Cu6").measurements[0]
    assert MeasurementRecord.from_dict(m.as_dict()) == m


def test_user_records_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(USER_STUDY, encoding="utf-8")
    assert add_user_file(path) == ["MyCu15"]
    rec = get_catalyst("MyCu15")
    assert rec.source == "user" and rec.metals == {"Cu": 15} and rec.measurements[0].fe_percent == 55.5
    cu14 = get_catalyst("Cu14-PET")
    assert [m.fe_percent for m in cu14.measurements if m.source == "user"] == [41]
    assert "MyCu15" in {r.id for r in query(cell="H-cell")}
    with pytest.raises(DataError, match="unknown catalyst id 'MyCu15'"):
        get_catalyst("MyCu15", include_user=False)
    with pytest.raises(DataError, match="already a user study.*--replace"):
        add_user_file(path)
    assert add_user_file(path, replace=True) == ["MyCu15"]


def test_user_id_clashing_with_curated_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "clash.yaml"
    path.write_text(USER_STUDY.replace("id: MyCu15", "id: Cu8-II").replace("catalyst: MyCu15", "catalyst: Cu8-II"),
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"clash.yaml:6: field catalysts.0.id: catalyst id 'Cu8-II' clashes with "
                                        r"a curated record \(nanocat/data/catalysts/108_liu2022_cu8.yaml:\d+\)"):
        add_user_file(path)
    path.write_text(USER_STUDY.replace("id: my-lab-2026", "id: liu2022-cu8"), encoding="utf-8")
    with pytest.raises(DataError, match="already a curated study"):
        add_user_file(path)


def test_bad_user_file_is_not_stored(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(USER_STUDY.replace("fe_percent: 55.5", "fe_percent: 155.5"), encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.yaml:8: field measurements.0.fe_percent"):
        add_user_file(path)
    assert len(load_catalysts()) == 64
