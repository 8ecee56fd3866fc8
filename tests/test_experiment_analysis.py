"""nanocat.experiment readers and run analysis: real export layouts, the issue's minimal YAML, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nanocat.errors import InputError
from nanocat.experiment import ExperimentResult, analyze_file, read_potentiostat

DATA = Path(__file__).parent / "data" / "experiment"
F = 96485.33212
R = 8.314462618
MINIMAL = """electrode: {area_cm2: 1.0, loading_ug_cm2: 100.0, catalyst: "[Au25(PET)18]-"}
reference: {electrode: "Ag/AgCl (sat. KCl)"}
electrolyte: {name: "0.5 M KHCO3", pH: 7.2}
resistance: {R_u_ohm: 8.0, compensated_fraction: 0.85}
temperature_K: 298.15
steps:
  - potentiostat: step1.csv
    gas: {flow_sccm: 20.0, reference_T_K: 273.15, reference_p_kPa: 101.325,
          injections: [{time_s: 900, ppm: {CO: 3000.0, H2: 500.0}}]}
    liquid: {volume_mL: 30.0, sampled_at_s: 1800, concentration_mM: {HCOOH: 0.1}}
"""


def write_run(folder: Path, yaml_text: str = MINIMAL, current_A: float = -0.0105, potential_V: float = -1.2) -> Path:
    """The minimal run with a constant current and potential (hand-computable)."""
    t = np.arange(0, 1801, 10.0)
    rows = ["time_s,current_A,potential_V", *(f"{x:g},{current_A:g},{potential_V:g}" for x in t)]
    (folder / "step1.csv").write_text("\n".join(rows) + "\n")
    path = folder / "run.yaml"
    path.write_text(yaml_text)
    return path


def test_the_issues_minimal_run_by_hand(tmp_path: Path) -> None:
    result = analyze_file(write_run(tmp_path))
    step = result.steps[0]
    nernst = math.log(10) * R * 298.15 / F
    # -1.2 + 0.197 + 7.2·0.0591597 − (−0.0105 A)(8 Ω)(0.15)
    assert step.potential_V_RHE == pytest.approx(-1.2 + 0.197 + 7.2 * nernst + 0.0105 * 8 * 0.15, abs=1e-9)
    assert step.j_total_mA_cm2 == pytest.approx(-10.5)
    n_in = 101325 * 20e-6 / 60 / (R * 273.15)
    assert step.fe_percent["CO"] == pytest.approx(100 * 2 * F * 3000e-6 * n_in / 0.0105, rel=1e-8)
    assert step.fe_percent["H2"] == pytest.approx(100 * 2 * F * 500e-6 * n_in / 0.0105, rel=1e-8)
    # 0.1 mM × 30 mL = 3 µmol HCOOH over 0.0105 A × 1800 s = 18.9 C
    assert step.fe_percent["HCOOH"] == pytest.approx(100 * 3e-6 * 2 * F / 18.9, rel=1e-8)
    assert step.fe_sum_percent == pytest.approx(sum(step.fe_percent.values()))
    for p, fe in step.fe_percent.items():
        assert step.j_partial_mA_cm2[p] == pytest.approx(fe / 100 * -10.5)
        assert step.tof_per_metal_atom_per_s[p] == pytest.approx(step.tof_per_s[p] / 25)
    assert result.molar_mass_g_mol == pytest.approx(7394.12, abs=0.01)
    assert ExperimentResult.from_dict(json.loads(json.dumps(result.as_dict()))) == result


def test_internal_standard_and_gc_calibration_and_nmr_in_the_yaml(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "injections: [{time_s: 900, ppm: {CO: 3000.0, H2: 500.0}}]}",
        "internal_standard: {species: N2, inlet_ppm: 50000},\n"
        "          calibration: {CO: {slope: 2.0, intercept: 0.0}},\n"
        "          injections: [{time_s: 900, ppm: {H2: 500.0, N2: 52500}, area: {CO: 1500}}]}").replace(
        "concentration_mM: {HCOOH: 0.1}",
        "internal_standard: {name: DMSO, concentration_mM: 0.5, n_H: 6},\n"
        "            peak_area_ratio: {HCOOH: 0.1}, n_H: {HCOOH: 1}")
    step = analyze_file(write_run(tmp_path, text)).steps[0]
    n_out = 101325 * 20e-6 / 60 / (R * 273.15) * 0.05 / 0.0525
    assert step.fe_percent["CO"] == pytest.approx(100 * 2 * F * 3000e-6 * n_out / 0.0105, rel=1e-8)
    assert "N2" not in step.fe_percent
    assert step.fe_percent["HCOOH"] == pytest.approx(100 * 9e-6 * 2 * F / 18.9, rel=1e-8)


def test_example_series_reads_every_format_and_recovers_its_tafel_slopes() -> None:
    result = analyze_file(DATA / "series.yaml")
    assert [s.potentiostat[-4:].lower() for s in result.steps] == [".mpt", ".dta", ".txt", ".csv", ".tsv"]
    assert [round(s.potential_V_RHE, 2) for s in result.steps] == [-0.5, -0.55, -0.6, -0.65, -0.7]
    # make_examples.py generated CO at 118 and H2 at 150 mV/dec (1 % current noise, GC rounded to 0.1 ppm)
    assert result.tafel["CO"].slope_mV_dec == pytest.approx(118, rel=0.01)
    assert result.tafel["H2"].slope_mV_dec == pytest.approx(150, rel=0.01)
    assert all(abs(s.fe_sum_percent - 100) < 2 for s in result.steps)


def test_readers_give_si_columns_with_the_instruments_units() -> None:
    mpt = read_potentiostat(DATA / "s1.mpt")  # <I>/mA -> A
    dta = read_potentiostat(DATA / "s2.DTA")
    chi = read_potentiostat(DATA / "s3.txt")  # potential from 'Init E (V) ='
    for df in (mpt, dta, chi):
        assert list(df.columns) == ["time_s", "current_A", "potential_V_ref"] and len(df) == 181
        assert -0.1 < df["current_A"].mean() < 0
    assert chi["potential_V_ref"].nunique() == 1


def test_mpr_needs_the_optional_galvani(tmp_path: Path) -> None:
    galvani = pytest.importorskip("galvani")  # GPL: optional extra [biologic]
    bad = tmp_path / "x.mpr"
    bad.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b"\x00" * 64)
    assert galvani
    with pytest.raises(InputError, match="x.mpr"):
        read_potentiostat(bad)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.xlsx", "x", "unknown potentiostat file type"),
    ("a.csv", "time,current_A,potential_V\n0,1,1\n1,1,1\n", "has no unit"),
    ("a.csv", "time_s,current_A,potential_V\n0,-1,1\n1,abc,1\n", r"a.csv:3: column 'current_A'"),
    ("a.csv", "time_s,current_furlongs,potential_V\n0,1,1\n1,1,1\n", "unknown unit"),
    ("a.mpt", "EC-Lab ASCII FILE\nNb header lines : 4\n\ntime/s\tEwe/V\n0\t1\n", "no current_A"),
    ("a.mpt", "not an ec-lab file\n", "not an EC-Lab text export"),
    ("a.DTA", "EXPLAIN\nTAG\tCHRONOA\n", "no CURVE TABLE"),
    ("a.txt", "hello\n", "not a CH Instruments"),
])
def test_bad_files_name_file_and_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_potentiostat(path)


def test_low_fe_sum_and_carbon_balance_warn(tmp_path: Path) -> None:
    # 0.1 sccm of a feed with 50 % CO2; 60 % CO at the outlet needs 120 % of the CO2 fed; FE sum 1.7 % < 90 %
    text = MINIMAL.replace("flow_sccm: 20.0", "flow_sccm: 0.1, feed_co2_fraction: 0.5").replace(
        "CO: 3000.0, H2: 500.0", "CO: 600000.0")
    text = text.replace("    liquid: {volume_mL: 30.0, sampled_at_s: 1800, concentration_mM: {HCOOH: 0.1}}\n", "")
    result = analyze_file(write_run(tmp_path, text, current_A=-0.5))
    step = result.steps[0]
    n_in = 101325 * 0.1e-6 / 60 / (R * 273.15)
    assert step.fe_percent["CO"] == pytest.approx(100 * 2 * F * 0.6 * n_in / 0.5, rel=1e-8)
    assert step.co2_conversion_percent == pytest.approx(120.0, rel=1e-8)
    assert any("below 100" in w for w in result.warnings)
    assert any("carbon balance" in w for w in result.warnings)


def test_prediction_round_trip() -> None:
    from nanocat.experiment.compare import Prediction

    p = Prediction("kinetics", "k.json", (-0.8, -0.6), {"CO": (70.0, None)}, {"CO": -0.5}, "CO")
    assert Prediction.from_dict(json.loads(json.dumps(p.as_dict()))) == p


def test_without_resistance_there_is_no_ir_correction_and_a_warning(tmp_path: Path) -> None:
    text = MINIMAL.replace("resistance: {R_u_ohm: 8.0, compensated_fraction: 0.85}\n", "")
    result = analyze_file(write_run(tmp_path, text))
    nernst = math.log(10) * R * 298.15 / F
    assert result.steps[0].potential_V_RHE == pytest.approx(-1.2 + 0.197 + 7.2 * nernst, abs=1e-9)
    assert any("not iR-corrected" in w for w in result.warnings)
