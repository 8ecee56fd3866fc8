"""nanocat cell hcell/gde on the command line, and the kinetics / FE-table coupling behind --kinetics/--fe-table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nanocat.cell import HCell
from nanocat.cell.coupling import CoupledSweep, FETable, couple_fe_table, couple_kinetics
from nanocat.cli import main
from nanocat.errors import InputError
from nanocat.kinetics import MicrokineticModel

DATA = Path(__file__).parent / "data"
SURFACE_KEYS = {"pH", "CO2_mM", "HCO3_mM", "CO3_mM", "OH_mM"}


def test_hcell_json_keys_exactly_as_in_the_issue(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plot = tmp_path / "profiles.png"
    assert main(["cell", "hcell", "--electrolyte", "0.1 M KHCO3", "--boundary-layer-um", "100", "--j", "5",
                 "--fe", "CO=90,H2=10", "--json", "--plot", str(plot)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["surface"]) == SURFACE_KEYS
    assert doc["co2_limiting_current_mA_cm2"] > 5
    assert {"x_um", "CO2_mM", "pH"} <= set(doc["profiles"]) and doc["parameters"]["boundary_layer_um"] == 100
    assert doc["surface"]["pH"] > 7.5 and plot.is_file() and plot.stat().st_size > 1000
    assert doc["profiles"]["x_um"][0] == 0 and doc["profiles"]["x_um"][-1] == pytest.approx(100)


def test_hcell_table_and_formate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cell", "hcell", "--electrolyte", "0.1 M CsHCO3", "--j", "2", "--fe", "HCOOH=100"]) == 0
    out = capsys.readouterr().out
    assert "surface" in out and "CO2 limiting current" in out


def test_hcell_sweep_as_in_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cell", "hcell", "--electrolyte", "0.5 M KHCO3", "--j-sweep", "0.5:30:50", "--fe", "CO=90,H2=10",
                 "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert len(doc["j_mA_cm2"]) == 50 and set(doc["surface"]) == SURFACE_KEYS
    lim = doc["co2_limiting_current_mA_cm2"]
    for j, ph, beyond in zip(doc["j_mA_cm2"], doc["surface"]["pH"], doc["above_limit"], strict=True):
        assert beyond == (j >= lim) and (ph is None) == beyond
    if any(doc["above_limit"]):
        assert "limiting current" in captured.err


@pytest.mark.parametrize("args, needle", [
    (["--electrolyte", "-0.1 M KHCO3", "--j", "5"], "concentration must be positive"),
    (["--electrolyte", "0.1 M KHCO3", "--j", "5", "--fe", "CO=90,H2=20"], "over 100"),
    (["--electrolyte", "0.1 M KHCO3", "--j", "500", "--fe", "CO=100"], "limiting current"),
    (["--electrolyte", "0.1 M KHCO3"], "give --j"),
    (["--electrolyte", "0.1 M KHCO3", "--j-sweep", "5:1:3"], "--j-sweep"),
])
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    assert main(["cell", "hcell", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_gde_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cell", "gde", "--electrolyte", "1 M KOH", "--j", "200", "--fe", "CO=90,H2=10", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["surface"]) == SURFACE_KEYS and "co2_limiting_current_mA_cm2" in doc
    assert doc["reaction_diffusion_length_um"] < doc["parameters"]["catalyst_layer_um"]
    assert doc["co2_consumed_within_layer"] is True


def test_gde_sweep_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cell", "gde", "--electrolyte", "0.5 M KHCO3", "--j-sweep", "10:100:3"]) == 0
    assert "L_R" in capsys.readouterr().out


# -- coupling -----------------------------------------------------------------------------------------------------
def _co_model() -> MicrokineticModel:
    exprs = ["CO2_g + *_t <-> CO2_t", "CO2_t + pe_g <-> CO2-pe_t <-> COOH_t",
             "COOH_t + pe_g <-> COOH-pe_t <-> CO_t + H2O_g", "CO_t <-> CO_g + *_t",
             "*_t + pe_g <-> H_t; Ea=0.9", "H_t + pe_g <-> H2_g + *_t; Ea=1.05"]
    G = {"CO2_g": 0.0, "CO2_t": 0.1, "COOH_t": 0.45, "CO_t": -0.2, "CO_g": 0.2, "H2O_g": 0.0, "H2_g": 0.0,
         "H_t": 0.15, "CO2-pe_t": 0.85, "COOH-pe_t": 0.7}
    return MicrokineticModel.from_expressions(exprs, G, pressures_bar={"CO_g": 0.0, "H2_g": 0.0})


def test_with_conditions_equals_a_fresh_model() -> None:
    m = _co_model()
    fresh = MicrokineticModel.from_expressions(
        [e.text for e in m.expressions], dict(zip(m.tokens, m.free_energies_eV, strict=True)),
        pressures_bar={"CO_g": 0.0, "H2_g": 0.0, "CO2_g": 0.3})
    G = m.energy_matrix(2)
    u = np.array([-0.6, -0.3])
    a, b = m.with_conditions({"CO2_g": 0.3}).log_rate_constants(G, u), fresh.log_rate_constants(G, u)
    assert np.allclose(a[0], b[0], atol=1e-12) and np.allclose(a[1], b[1], atol=1e-12)
    with pytest.raises(InputError):
        m.with_conditions({"XX_g": 1.0})


def test_kinetic_coupling_is_self_consistent_and_lowers_the_current() -> None:
    m = _co_model()
    cell = HCell("0.1 M KHCO3", 100)
    sweep = couple_kinetics(cell, m, [-0.5, -0.7], tol=1e-8)
    bare = m.sweep([-0.5, -0.7])
    for p, j_bare in zip(sweep.points, bare.j_total_mA_cm2, strict=True):
        assert p.converged
        # the fixed point: the cell at the kinetic current/FE gives back the surface state the kinetics saw
        again = cell.solve(p.j_mA_cm2, p.fe_percent).surface
        assert again["pH"] == pytest.approx(p.surface["pH"], abs=1e-6)
        assert again["CO2_mM"] == pytest.approx(p.surface["CO2_mM"], rel=1e-6)
        # local alkalisation shifts the local RHE potential positive and CO2 depletes: less current than bare
        assert p.j_mA_cm2 < -j_bare
    assert CoupledSweep.from_dict(sweep.as_dict()) == sweep


def test_fe_table_coupling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "fe.csv"
    table.write_text("j_mA_cm2,CO,H2\n1,90,10\n10,50,50\n")
    t = FETable.read_csv(table)
    assert t.at(5.5) == pytest.approx({"CO": 70.0, "H2": 30.0})
    sweep = couple_fe_table(HCell("0.5 M KHCO3", 100), t, [1.0, 5.5])
    assert sweep.points[1].fe_percent == pytest.approx({"CO": 70.0, "H2": 30.0})
    assert main(["cell", "hcell", "--electrolyte", "0.5 M KHCO3", "--fe-table", str(table), "--j-sweep", "1:10:3",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "fe_table" and len(doc["points"]) == 3
    assert doc["points"][0]["potential_V"] is None  # no potential in a table coupling (NaN -> null in JSON)
    assert math.isnan(sweep.points[0].potential_V)
    bad = tmp_path / "bad.csv"
    bad.write_text("j_mA_cm2,CO,H2\n1,90,20\n")
    assert main(["cell", "hcell", "--electrolyte", "0.5 M KHCO3", "--fe-table", str(bad), "--j", "1"]) == 2


def test_cli_kinetics_coupling(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cell", "hcell", "--electrolyte", "0.1 M KHCO3", "--kinetics", str(DATA / "thermo_synthetic.csv"),
                 "--mechanism", "CO,HCOOH", "--barrier", "0.9", "--potential-range", "-0.9:-0.5", "--points", "2",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "kinetics" and all(p["converged"] for p in doc["points"])
    assert doc["points"][0]["surface"]["pH"] > doc["points"][1]["surface"]["pH"]  # more current, more alkaline
