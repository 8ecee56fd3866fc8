"""Campaigns (many clusters as one job set), the campaign file, and `nanocat status`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import ase.io
import pytest

from nanocat.atoms import build_cluster
from nanocat.atoms.campaign import Campaign, load_campaign
from nanocat.atoms.screening import Screener, ScreenSettings
from nanocat.atoms.store import ResultStore
from nanocat.atoms.store_status import ClusterStatus, StoreStatus, store_status
from nanocat.cli import main
from nanocat.errors import InputError

EMT = ScreenSettings(engine="emt", adsorbates=("H", "CO"), site_kinds=("top", "bridge"), n_orientations=1, workers=1,
                     max_steps=60)


def test_one_job_set_gives_the_results_of_separate_screens(tmp_path: Path) -> None:
    """Screening Cu13 and Cu12Ni together changes nothing but the scheduling: same jobs, same ΔG."""
    emt = replace(EMT, site_kinds=("top",))
    together = Screener(emt, tmp_path / "set.db", progress=False).screen_many(
        [(build_cluster("Cu13"), "Cu13", None), (build_cluster("Cu12Ni"), "Cu12Ni", replace(emt, n_orientations=2))])
    alone = [Screener(emt, tmp_path / "a.db", progress=False).screen(build_cluster("Cu13"), "Cu13"),
             Screener(replace(emt, n_orientations=2), tmp_path / "b.db", progress=False).screen(
                 build_cluster("Cu12Ni"), "Cu12Ni")]
    for joint, single in zip(together, alone, strict=True):
        assert joint.name == single.name and joint.method == "EMT"
        assert {(r.site, r.species): r.dG_eV for r in joint.rows} == pytest.approx(
            {(r.site, r.species): r.dG_eV for r in single.rows}, abs=1e-9)
        assert joint.predicted_product == single.predicted_product
    # the gas references are shared: computed for the first cluster, reused by the second
    assert together[0].computed == alone[0].computed and together[1].reused == 8 and alone[1].reused == 0
    assert together[1].settings["n_orientations"] == 2 and together[0].settings["n_orientations"] == 1


def test_a_target_cannot_change_the_engine(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="same engine"):
        Screener(EMT, progress=False).screen_many([(build_cluster("Cu4"), "Cu4", replace(EMT, engine="gfn1"))])
    with pytest.raises(InputError, match="named twice"):
        Screener(EMT, progress=False).screen_many([(build_cluster("Cu4"), "a", None), (build_cluster("Cu4"), "a", None)])


def write_campaign(tmp_path: Path, text: str) -> Path:
    """A campaign file in tmp_path."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_campaign_file_cli_ranks_every_target_in_one_report(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    cu13 = build_cluster("Cu13")
    ase.io.write(tmp_path / "mycluster.xyz", cu13)
    path = write_campaign(tmp_path, """
engine: emt
adsorbates: [H, CO]
sites: [top]
orientations: 1
workers: 1
db: results/c.db
out: report
targets:
  - Cu4
  - {structure: mycluster.xyz, name: file-Cu13, adsorbates: [H]}
""")
    assert main(["campaign", str(path), "--json", "--no-progress"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert sorted(document["ranking"]) == ["Cu4", "file-Cu13"]
    assert Path(document["report"]) == tmp_path / "report" / "report.html" and Path(document["report"]).exists()
    by_name = {r["name"]: r for r in document["results"]}
    assert {r["species"] for r in by_name["file-Cu13"]["rows"]} == {"H*"}  # the per-target override
    assert {r["species"] for r in by_name["Cu4"]["rows"]} == {"H*", "CO*"}
    assert len(json.loads((tmp_path / "report" / "results.json").read_text())) == 2
    assert (tmp_path / "results" / "c.db").exists()  # relative to the campaign file

    assert main(["status", "--db", str(tmp_path / "results" / "c.db"), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [c["cluster"] for c in status["clusters"]] == ["Cu4", "file-Cu13"]
    for cluster in status["clusters"]:
        assert cluster["missing"] == 0 and cluster["failed"] == 0 and cluster["plan_complete"]
        assert cluster["done"] == cluster["planned"] == by_name[cluster["cluster"]]["computed"] + \
            by_name[cluster["cluster"]]["reused"]


@pytest.mark.parametrize(("text", "message"), [
    ("targets: [Cu4]\nengine: emt\ncolour: red\n", "colour: Extra inputs are not permitted"),
    ("engine: emt\n", "targets: Field required"),
    ("targets: []\n", "targets: List should have at least 1 item"),
    ("targets: [{structure: Cu4, charge: one}]\n", "targets.0.charge"),
    ("targets: [{structure: Cu4, engine: gfn1}]\n", "targets.0.engine: Extra inputs"),
    ("targets: [Cu4\n", "not valid YAML"),
    ("- Cu4\n", "expected a mapping"),
])
def test_bad_campaign_file_is_one_line_naming_file_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             text: str, message: str) -> None:
    path = write_campaign(tmp_path, text)
    assert main(["campaign", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and message in err


def test_unknown_target_names_its_position(tmp_path: Path) -> None:
    campaign, folder = load_campaign(write_campaign(tmp_path, "engine: emt\ntargets: [Cu4, Cu999]\n"))
    with pytest.raises(InputError, match=r"target 2 \(Cu999\).*neither a structure file nor a built-in"):
        campaign.structures(campaign.settings(), folder)
    assert isinstance(campaign, Campaign) and campaign.settings().policy().engines[0].label == "EMT"


def test_screen_of_several_targets_is_one_campaign(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu4", "Cu13", "--engine", "emt", "--adsorbates", "H", "--sites", "top", "--workers", "1",
                 "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "best first" in out and "Cu4" in out and "Cu13" in out and f"report: {tmp_path / 'report.html'}" in out


def test_status_counts_missing_and_failed_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # external: every job is planned, none computed -> all missing
    db = tmp_path / "ext.db"
    assert main(["screen", "Cu4", "Cu13", "--engine", "external", "--adsorbates", "H", "--sites", "top",
                 "--db", str(db), "--out", str(tmp_path / "o1"), "--no-progress", "--json"]) == 0
    capsys.readouterr()
    found = store_status(db)
    assert [c.cluster for c in found.clusters] == ["Cu13", "Cu4"]
    assert all(c.done == 0 and c.failed == 0 and c.missing == c.planned > 8 for c in found.clusters)
    # an engine whose SCF fails on every Cu+C system: the CO* jobs are failed, the rest done
    db2 = tmp_path / "scf.db"
    assert main(["screen", "Cu4", "--engine", "toy_engines:SCFFailsOnCuC", "--adsorbates", "H,CO", "--sites", "top",
                 "--workers", "1", "--db", str(db2), "--out", str(tmp_path / "o2"), "--no-progress", "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)
    (cu4,) = store_status(db2).clusters
    failed = [r for r in ResultStore(db2).results() if not r.ok]
    assert failed and {(r.kind, r.adsorbate) for r in failed} == {("adsorbate", "CO")}
    assert cu4.failed == len(failed) == reported["failed"] and cu4.missing == 0
    assert cu4.done == cu4.planned - len(failed) == reported["computed"] - len(failed)
    assert cu4.method == "SCFFailsOnCuC"
    assert StoreStatus.from_dict(store_status(db2).as_dict()) == store_status(db2)
    assert ClusterStatus.from_dict(cu4.as_dict()) == cu4
    assert main(["status", "--db", str(db2)]) == 0
    assert "Cu4" in capsys.readouterr().out


def test_status_of_a_missing_store_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", str(tmp_path / "nothing.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no such results database" in err
