"""Screen results: relaxations that rebuilt the catalyst are excluded; implausible ΔG is flagged (issue 12 item 8)."""

from __future__ import annotations

import numpy as np

from nanocat.atoms import build_cluster
from nanocat.atoms.engines import get_engine
from nanocat.atoms.screen_results import AdsorptionRow, HostResult, ScreenResult, host_rearrangement_note, host_rows
from nanocat.atoms.screen_settings import ScreenSettings
from nanocat.atoms.screening import Screener
from nanocat.atoms.store import JobResult
from nanocat.thermo.plausibility import check_formation_energies
from nanocat.thermo.selectivity import predict


GAS = {"H2(g)": -7.0, "CO2(g)": -23.0, "H2O(g)": -14.2}


def _plan():
    settings = ScreenSettings(engine="emt", adsorbates=("H",), max_sites=1, n_orientations=1, sites_on="input")
    plan = Screener(settings).plan(build_cluster("Cu13"), name="Cu13")
    return settings, plan, get_engine("emt")


def _result(job, engine, atoms, energy_eV: float) -> JobResult:  # noqa: ANN001
    return JobResult(job.key(engine), job.system, job.site, job.adsorbate, job.orientation, job.kind, energy_eV,
                     engine.label, atoms=atoms, converged=True)


def test_a_relaxation_that_rebuilt_the_host_is_excluded_and_noted() -> None:
    settings, plan, engine = _plan()
    (host,) = plan.hosts
    (job,) = plan.adsorbate_jobs
    intact = job.atoms.copy()
    rebuilt = job.atoms.copy()
    # the centre atom pushed 2 Å off-centre (8 of 42 bonds broken; GFN1 changed 14 on Cu12Co under H*)
    centre = int(np.argmin(np.linalg.norm(rebuilt.positions[:13] - rebuilt.positions[:13].mean(axis=0), axis=1)))
    rebuilt.positions[centre] += [2.0, 0.0, 0.0]
    species = {"H": "H*"}
    rows = host_rows(host, -10.0, GAS, engine, species, [job], {job.key(engine): _result(
        job, engine, rebuilt, -99.0)}, settings.correction_set(engine.corrections))
    (row,) = rows
    assert row.energy_eV is None and row.n_host_rearranged == 1 and row.n_rearranged == 1
    assert "rearranged" in host_rearrangement_note("Cu13", rows)
    rows = host_rows(host, -10.0, GAS, engine, species, [job], {job.key(engine): _result(
        job, engine, intact, -17.5)}, settings.correction_set(engine.corrections))
    assert rows[0].energy_eV == -17.5 and rows[0].n_host_rearranged == 0
    assert host_rearrangement_note("Cu13", rows) is None


def test_the_issue_cu12co_numbers_are_flagged_and_the_prediction_warns() -> None:
    # issue 12: GFN1 put H* at -1.93 eV on a Cu-Cu bridge of Cu12Co
    flags = check_formation_energies({"H*": -1.93}, ["Cu", "Cu"])
    assert len(flags) == 1 and flags[0].species == "H*"
    row = AdsorptionRow("Cu12Co", "s1:bridge", "H", "H*", -1.0, -1.93, 0, 1, 0, 0, "k", 0, flags)
    assert AdsorptionRow.from_dict(row.as_dict()) == row
    from nanocat.thermo import analyze, load_energies
    from pathlib import Path

    analysis = analyze(load_energies(Path(__file__).parent / "data" / "thermo_synthetic.csv"))
    host = HostResult("Cu12Co", "bare cluster", -1.0, [], 1, analysis, {"H*": "s1:bridge"}, None, flags)
    plain = predict(analysis)
    warned = host.prediction
    assert warned.product == plain.product
    assert warned.warnings and "H*" in warned.warnings[0]
    assert "outside plausible windows" in warned.reason
    assert HostResult.from_dict(host.as_dict()).flags == flags
    assert HostResult("x", "", -1.0, [], 1, analysis, {}, None).prediction == plain
    assert ScreenResult.__dataclass_fields__  # the result type carries rows and hosts with their flags
