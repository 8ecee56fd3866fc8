"""`nanocat experiment analyze|compare`: the issue's JSON keys, figures, --add-to-kb, and bad input -> one line,
exit 2, nothing written to the user database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_experiment_analysis import MINIMAL, write_run  # noqa: I001  (tests/ is on sys.path under pytest)

from nanocat.cli import main
from nanocat.settings import get_settings

DATA = Path(__file__).parent / "data"


def _stored_ids() -> list[str]:
    """Study ids in the (test-isolated) user database; [] when it was never created."""
    path = get_settings().user_db_path
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM studies")]


def test_analyze_json_has_the_issues_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = write_run(tmp_path)
    assert main(["experiment", "analyze", str(run), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    step = doc["steps"][0]
    assert {"potential_V_RHE", "j_total_mA_cm2", "fe_percent", "j_partial_mA_cm2", "fe_sum_percent"} <= set(step)
    assert set(step["fe_percent"]) == {"CO", "H2", "HCOOH"} == set(step["j_partial_mA_cm2"])
    assert step["j_total_mA_cm2"] == pytest.approx(-10.5)
    assert step["fe_sum_percent"] == pytest.approx(sum(step["fe_percent"].values()))


def test_analyze_table_plots_and_adds_to_the_knowledge_base(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    series = DATA / "experiment" / "series.yaml"
    assert main(["experiment", "analyze", str(series), "--plot", str(tmp_path / "figs"), "--add-to-kb"]) == 0
    out = capsys.readouterr().out
    assert "Tafel" in out and "CO" in out and "HCOOH" in out
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "fe_bars.png", "partial_currents.png", "stability.png", "tafel.png"]
    assert _stored_ids() == ["exp-au25-example"]
    assert main(["catalysts", "show", "Au25-example", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["formula"] == "[Au25(PET)18]-" and len(shown["measurements"]) == 15
    co = sorted((m["potential_V_RHE"], m["fe_percent"]) for m in shown["measurements"] if m["product"] == "CO")
    assert co[0][0] == pytest.approx(-0.70, abs=0.002) and co[0][1] == pytest.approx(48.8, abs=0.5)
    # adding the same study again is refused without --replace, and nothing changes
    assert main(["experiment", "analyze", str(series), "--add-to-kb"]) == 2
    assert "already a user study" in capsys.readouterr().err
    assert main(["experiment", "analyze", str(series), "--add-to-kb", "--replace"]) == 0
    assert _stored_ids() == ["exp-au25-example"]


BAD = [
    ("missing unit", MINIMAL.replace("area_cm2: 1.0", "area: 1.0"), {}, "electrode.area"),
    ("negative area", MINIMAL.replace("area_cm2: 1.0", "area_cm2: -1.0"), {}, "electrode.area_cm2"),
    ("FE above 100", MINIMAL.replace("CO: 3000.0", "CO: 6000.0"), {}, "above 100 %"),
    ("no current", MINIMAL, {"current_A": 0.0}, "carries no current"),
    ("wrong file type", MINIMAL.replace("step1.csv", "step1.xlsx"), {}, "unknown potentiostat file type"),
    ("unknown reference", MINIMAL.replace("Ag/AgCl (sat. KCl)", "Pt wire"), {}, "unknown reference electrode"),
    ("unknown product", MINIMAL.replace("H2: 500.0", "Xe: 500.0"), {}, "Xe"),
    ("injection after the record", MINIMAL.replace("time_s: 900", "time_s: 9000"), {}, "outside the potentiostat"),
    ("bad formula", MINIMAL.replace("[Au25(PET)18]-", "[Au25(XYZQ)18]-"), {}, "electrode.catalyst"),
]


@pytest.mark.parametrize(("case", "text", "kwargs", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_one_line_exit_2_nothing_written(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str,
                                                   text: str, kwargs: dict, message: str) -> None:
    run = write_run(tmp_path, text, **kwargs)
    assert main(["experiment", "analyze", str(run), "--add-to-kb"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and message in err, case
    assert "run.yaml" in err or "step1.xlsx" in err  # the file is named
    assert "Traceback" not in err
    assert _stored_ids() == []


def test_kb_rejection_after_analysis_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # FE sum 108.6 % passes the analysis tolerance (10 %) but not the knowledge base's (2 %): nothing is stored
    text = MINIMAL.replace("CO: 3000.0", "CO: 3250.0").replace("HCOOH: 0.1", "HCOOH: 0.2")
    run = write_run(tmp_path, text)
    assert main(["experiment", "analyze", str(run), "--json"]) == 0
    fe_sum = json.loads(capsys.readouterr().out)["steps"][0]["fe_sum_percent"]
    assert 102 < fe_sum < 110
    assert main(["experiment", "analyze", str(run), "--add-to-kb"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--add-to-kb" in err and "adds up to" in err and err.count("\n") == 0
    assert _stored_ids() == []


def _kinetics_json(path: Path) -> Path:
    from nanocat.kinetics.results import KineticsResult

    u = (-0.8, -0.7, -0.6, -0.5, -0.4)
    result = KineticsResult(u, "RHE", 7.2, {"CO": (1.0,) * 5, "H2": (1.0,) * 5}, {}, {"CO(g)": (80, 70, 60, 50, 40),
                            "H2(g)": (20, 30, 40, 50, 60)}, {}, {}, (-5.0,) * 5, (True,) * 5, (0.0,) * 5, ("x",) * 5)
    path.write_text(json.dumps(result.as_dict()))
    return path


def test_compare_with_kinetics_and_screen_results(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = write_run(tmp_path)
    kin = _kinetics_json(tmp_path / "kin.json")
    assert main(["experiment", "compare", str(run), str(kin), "--plot", str(tmp_path / "cmp.png"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["computed"]["kind"] == "kinetics" and doc["computed"]["fe_percent"]["CO"][0] == 80
    assert (tmp_path / "cmp.png").stat().st_size > 1000
    # a screen result: predicted product and limiting potentials (from `nanocat fed --json` energies)
    assert main(["fed", str(DATA / "thermo_synthetic.csv"), "--json"]) == 0
    analysis = json.loads(capsys.readouterr().out)
    screen = {"name": "Au25", "formula": "[Au25(PET)18]-", "charge": -1, "multiplicity": 1, "n_atoms": 1,
              "method": "test", "engine_settings": {}, "settings": {}, "rows": [], "computed": 0, "reused": 0,
              "failed": 0, "predicted_product": "CO", "reason": "synthetic",
              "hosts": [{"name": "bare", "description": "synthetic", "clean_energy_eV": 0.0, "sites": [],
                         "n_site_candidates": 0, "analysis": analysis, "best_species_site": {}}]}
    (tmp_path / "screen.json").write_text(json.dumps(screen))
    assert main(["experiment", "compare", str(run), str(tmp_path / "screen.json"), "--plot",
                 str(tmp_path / "cmp2.png")]) == 0
    out = capsys.readouterr().out
    assert "screen" in out and "limiting potentials" in out and (tmp_path / "cmp2.png").is_file()
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert main(["experiment", "compare", str(run), str(tmp_path / "bad.json"), "--plot", "x.png"]) == 2
