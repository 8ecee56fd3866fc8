"""CLI: nanocat kinetics (energies + mechanism, expression files, screen results, .mkm), fed's ignored species."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nanocat.cli import main
from nanocat.kinetics.readers import model_from_free_energies, model_from_screen
from nanocat.thermo import analyze, load_energies

DATA = Path(__file__).parent / "data"
KEYS = {"potential_V", "scale", "tof_per_s", "coverages", "fe_percent", "j_partial_mA_cm2", "tafel_mV_dec",
        "converged", "max_residual"}


def test_kinetics_energies_file_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plot = tmp_path / "k.png"
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "--mechanism", "CO,HCOOH",
                 "--potential-range", "-1.2:-0.2", "--points", "11", "--json", "--plot", str(plot)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert KEYS <= set(doc)
    assert len(doc["potential_V"]) == 11 and doc["potential_V"][0] == -1.2 and doc["scale"] == "RHE"
    assert set(doc["fe_percent"]) == {"CO", "H2", "HCOOH"} and all(doc["converged"])
    assert doc["max_residual"] < 1e-10 and plot.is_file()
    for i in range(11):
        assert sum(doc["fe_percent"][p][i] for p in doc["fe_percent"]) == pytest.approx(100.0)
    assert "*_t" in doc["coverages"] and "COOH_t" in doc["coverages"]


def test_kinetics_table_and_expression_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mech = tmp_path / "her.txt"
    mech.write_text("# Volmer-Heyrovsky\n*_t + pe_g <-> H_t; Ea=0.5\nH_t + pe_g <-> H2_g + *_t; Ea=0.7\n")
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "-m", str(mech), "--points", "5"]) == 0
    out = capsys.readouterr().out
    assert "FE H2 %" in out and "converged: 5/5" in out


def test_kinetics_rate_control_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "--points", "3", "--potential-range", "-1:-0.6",
                 "--rate-control", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["rate_determining_step"]) == 3 and doc["rate_control"]


def test_screen_result_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fe = load_energies(DATA / "thermo_synthetic.csv")
    weak = type(fe)({**fe.G_eV, "COOH*": 1.2, "OCHO*": 1.2}, "test")
    doc = {"name": "x", "hosts": [{"name": "weak", "analysis": analyze(weak).as_dict()},
                                  {"name": "good", "analysis": analyze(fe).as_dict()}], "rows": []}
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(doc))
    model = model_from_screen(path)
    assert "host good" in model.source  # the host with the better CO2RR limiting potential
    assert model.sweep([-0.8]).tof_per_s == model_from_free_energies(fe).sweep([-0.8]).tof_per_s
    assert main(["kinetics", str(path), "--points", "3", "--json"]) == 0
    assert KEYS <= set(json.loads(capsys.readouterr().out))


def test_kinetics_mkm_without_catmap_or_with(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mkm = tmp_path / "model.mkm"
    mkm.write_text("import os\nos.system('echo hacked')\n")
    assert main(["kinetics", str(mkm)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model.mkm" in err


@pytest.mark.parametrize(("mech", "match"), [
    ("CO2_g + *_t + pe_g <-> CO_t\n", "unbalanced"),
    ("FOO_g + *_t <-> FOO_t\n", "missing free energy for FOO_g"),
    ("CO_g + *_q <-> CO_q\n", "site type 'q'"),
])
def test_kinetics_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], mech: str, match: str) -> None:
    path = tmp_path / "mech.txt"
    path.write_text(mech)
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "-m", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err and "mech.txt" in err
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "--potential-range", "x"]) == 2
    assert main(["kinetics", str(tmp_path / "missing.csv")]) == 2


def test_fed_lists_ignored_species_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "e.csv"
    path.write_text("species,G_eV\nH*,0.1\nFOO*,0.3\n")
    assert main(["fed", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ignored_species"] == ["FOO*"]
    assert "FOO*" in captured.err and captured.err.count("\n") == 1
    assert main(["fed", str(path), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "FOO*" in err and "e.csv" in err and err.count("\n") == 1
    assert main(["fed", str(DATA / "thermo_synthetic.csv"), "--strict", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ignored_species"] == []


def test_tafel_in_json_is_finite_or_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kinetics", str(DATA / "thermo_synthetic.csv"), "--points", "7", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(v is None or (isinstance(v, float) and math.isfinite(v) and v > 0)
               for vals in doc["tafel_mV_dec"].values() for v in vals)


CATMAP = Path(__file__).parent / "data" / "catmap"


def _mkm(capsys: pytest.CaptureFixture[str], name: str, surface: str) -> dict:
    assert main(["kinetics", str(CATMAP / name), "--surface", surface, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_catmap_co2r_example_runs_with_the_mkm_defaults_and_gives_the_cooh_trend(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The .mkm's descriptor_ranges/resolution/scale set the sweep; Au (stronger COOH*) beats Ag at every U."""
    runs = {s: _mkm(capsys, "CO2R.mkm", s) for s in ("Au", "Ag", "Cu")}
    for doc in runs.values():
        assert doc["scale"] == "RHE" and len(doc["potential_V"]) == 21
        assert doc["potential_V"][0] == pytest.approx(-1.0) and doc["potential_V"][-1] == pytest.approx(0.0)
        assert all(doc["converged"]) and doc["max_residual"] < 1e-10
        assert doc["fe_percent"]["CO"] == pytest.approx([100.0] * 21)
    j_au, j_ag = (np.abs(runs[s]["j_partial_mA_cm2"]["CO"]) for s in ("Au", "Ag"))
    assert (j_au > j_ag).all()  # CO2 -> COOH* is 0.30 eV easier on Au (CO2R_energies.txt, by hand in docs)
    # near equilibrium the COOH* step (beta = 0.5) controls: Tafel slope ~ 2.303 kT/(beta e) = 118 mV/dec on Ag
    tafel_ag = [t for t in runs["Ag"]["tafel_mV_dec"]["CO"][:8] if t is not None]
    assert 100 < np.median(tafel_ag) < 140


def test_catmap_her_example_on_the_she_scale_reverses_sign_at_the_equilibrium_potential(
        capsys: pytest.CaptureFixture[str]) -> None:
    """'H_g + ele_g' (SHE, pH 7): cathodic below -0.414 V_SHE, anodic above; Pt (|dG_H| smallest) leads near it."""
    runs = {s: _mkm(capsys, "HER.mkm", s) for s in ("Pt", "Cu", "Au")}
    u_eq = -0.05916 * 7  # V_SHE at pH 7 and 298.15 K
    for doc in runs.values():
        assert doc["scale"] == "SHE" and all(doc["converged"])
        u, j = np.array(doc["potential_V"]), np.array(doc["j_partial_mA_cm2"]["H2"])
        assert (j[u < u_eq - 0.02] < 0).all() and (j[u > u_eq + 0.02] > 0).all()
    i = int(np.argmin(np.abs(np.array(runs["Pt"]["potential_V"]) - (u_eq - 0.1))))
    assert abs(runs["Pt"]["j_partial_mA_cm2"]["H2"][i]) > abs(runs["Cu"]["j_partial_mA_cm2"]["H2"][i]) > abs(
        runs["Au"]["j_partial_mA_cm2"]["H2"][i])
