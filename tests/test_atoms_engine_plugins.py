"""Every way an engine plugs in: module:callable factories, calculator instances, register_engine, entry points.

Also the bad-input contract: unknown engine, a factory that raises, a calculator that returns no energy,
elements a method cannot do, a database path that cannot be opened -> one clear line, exit 2, nothing lost.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import toy_engines
from ase.build import molecule
from ase.calculators.emt import EMT
from ase.calculators.morse import MorsePotential
from ase.cluster import Icosahedron

from nanocat.atoms.engines import (
    CalculatorEngine,
    Engine,
    EngineRegistry,
    EngineSpec,
    InstanceEngine,
    XTBEngine,
    get_engine,
    register_engine,
    resolve_engine,
    single_point,
)
from nanocat.atoms.workflow import RelaxJob, ResultStore, run_jobs
from nanocat.cli import main
from nanocat.errors import EngineError, InputError

ROOT = Path(__file__).resolve().parents[1]
MORSE = "ase.calculators.morse:MorsePotential"
#: Morse parameters loosely fitted to Cu-Cu (well depth eV, equilibrium distance Å, stiffness): plumbing only.
MORSE_CU = {"epsilon": 0.34, "r0": 2.55, "rho0": 4.0}


def cu_jobs(n: int) -> list[RelaxJob]:
    """n rattled Cu13 clean-cluster jobs (neutral; multiplicity 2 for 377 electrons)."""
    jobs = []
    for i in range(n):
        atoms = Icosahedron("Cu", 2)
        atoms.rattle(0.05, seed=i)
        jobs.append(RelaxJob(atoms, "Cu13", f"site{i}", "none", kind="clean", multiplicity=2, max_steps=20))
    return jobs


def run_cli(args: list[str], cwd: Path, extra_path: list[Path] = ()) -> subprocess.CompletedProcess[str]:
    """``nanocat ARGS`` in a fresh process (so imports and entry points are looked up from scratch)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in [*extra_path, ROOT / "tests", ROOT / "src"])
    return subprocess.run([sys.executable, "-m", "nanocat", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


# --- module:callable factories ---------------------------------------------------------------------------

def test_factory_engine_label_settings_and_spec() -> None:
    engine = get_engine(MORSE, epsilon=0.5)
    assert isinstance(engine, CalculatorEngine)
    assert engine.label == "MorsePotential(epsilon=0.5)"
    settings = engine.settings()
    assert (settings["name"], settings["factory"], settings["params"]) == (MORSE, MORSE, {"epsilon": 0.5})
    # the calculator's own parameters, defaults included: a changed default in ASE would be a new cache key
    assert settings["calculator"] == {"class": MORSE, "parameters": {"epsilon": 0.5, "rho0": 6.0, "r0": 1.0,
                                                                      "rcut1": 1.9, "rcut2": 2.7}}
    assert engine.corrections == "peterson2010"
    assert engine.spec() == EngineSpec(MORSE, epsilon=0.5) and engine.spec().build() == engine
    assert not engine.handles_charge  # MorsePotential has no charge keyword
    calc = engine.calculator(0, 2)  # the multiplicity of a method without spin is ignored
    assert isinstance(calc, MorsePotential) and calc.parameters["epsilon"] == 0.5
    with pytest.raises(EngineError, match="net charge"):
        engine.check_system(molecule("CO"), charge=1)
    # the same physics as calling the calculator directly
    direct = molecule("CO")
    direct.calc = MorsePotential(epsilon=0.5)
    assert single_point(molecule("CO"), engine).energy_eV == pytest.approx(direct.get_potential_energy(), abs=1e-12)


def test_factory_charge_and_pyscf_style_spin_reach_the_calculator() -> None:
    engine = get_engine("toy_engines:SpinEMT")
    assert engine.handles_charge and engine.handles_spin and engine.spin_convention == "unpaired"
    calc = engine.calculator(charge=-1, multiplicity=3)
    assert (calc.parameters["charge"], calc.parameters["spin"]) == (-1, 2)  # PySCF's spin is 2S = multiplicity - 1
    with pytest.raises(InputError, match="multiplicity 1 is impossible"):
        engine.check_system(Icosahedron("Cu", 2), 0, 1)
    with pytest.raises(EngineError, match="set by nanocat"):
        get_engine("toy_engines:SpinEMT", charge=2)


def test_a_plain_factory_function_is_called_again_per_job() -> None:
    engine = get_engine("toy_engines:emt_factory")
    assert isinstance(engine, CalculatorEngine) and engine.label == "emt_factory"
    assert engine.calculator() is not engine.calculator()
    assert single_point(Icosahedron("Cu", 2), engine).energy_eV == pytest.approx(
        single_point(Icosahedron("Cu", 2), "emt").energy_eV)


def test_factory_workers_rebuild_the_engine_and_match_serial(tmp_path: Path) -> None:
    jobs = cu_jobs(3)
    spec = EngineSpec(MORSE, MORSE_CU)
    serial = run_jobs(jobs, spec, store=tmp_path / "s.db", workers=1, progress=False)
    parallel = run_jobs(jobs, spec, store=tmp_path / "p.db", workers=2, progress=False)
    assert parallel.computed == 3 and parallel.notes == ()
    assert np.allclose([r.energy_eV for r in parallel.results], [r.energy_eV for r in serial.results], atol=1e-8)
    assert {r.method_label for r in parallel.results} == {"MorsePotential(epsilon=0.34, r0=2.55, rho0=4.0)"}


# --- calculator instances ----------------------------------------------------------------------------------

def test_instance_engine_runs_in_process_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calc = MorsePotential(**MORSE_CU)
    engine = resolve_engine(calc)
    assert isinstance(engine, InstanceEngine) and engine.spec() is None
    assert engine.label == "MorsePotential(epsilon=0.34, r0=2.55, rho0=4.0)"  # only the non-default parameters
    summary = run_jobs(cu_jobs(2), calc, store=tmp_path / "i.db", workers=2, progress=False)
    assert summary.computed == 2 and summary.failed == 0
    assert len(summary.notes) == 1 and "in this process" in summary.notes[0]
    assert "cannot be rebuilt" in caplog.text
    factory = run_jobs(cu_jobs(2), EngineSpec(MORSE, MORSE_CU), workers=1, progress=False)
    assert [r.energy_eV for r in summary.results] == pytest.approx([r.energy_eV for r in factory.results], abs=1e-10)


def test_instance_keeps_its_one_charge() -> None:
    with pytest.raises(EngineError, match="built for charge 0"):
        resolve_engine(EMT()).check_system(Icosahedron("Cu", 2), charge=-1, multiplicity=1)
    with pytest.raises(InputError, match="not one engine"):
        resolve_engine("auto")


# --- the user's registry -----------------------------------------------------------------------------------

def test_register_engine_by_class_engine_factory_and_local_function() -> None:
    registry = EngineRegistry()
    registry.register("morse-cu", MorsePotential, description="Morse for Cu")
    engine = registry.get("Morse-Cu", **MORSE_CU)
    assert isinstance(engine, CalculatorEngine) and engine.label.startswith("MorsePotential(")
    assert engine.spec() == EngineSpec(MORSE, MORSE_CU)  # a worker rebuilds it from the class path, not the name
    assert registry.descriptions()["morse-cu"] == "Morse for Cu"
    with pytest.raises(InputError, match="already registered"):
        registry.register("morse-cu", EMT)
    registry.register("hot-gfn1", lambda **p: XTBEngine("gfn1", electronic_temperature_K=1000.0, **p))
    assert registry.get("hot-gfn1").label == "GFN1-xTB(Tel=1000K)"
    registry.register("local", lambda **p: EMT())
    local = registry.get("local")
    assert isinstance(local, CalculatorEngine) and local.spec() is None  # runs in-process only
    with pytest.raises(InputError):
        registry.register("auto", EMT)


def test_process_registry_is_used_by_names(tmp_path: Path) -> None:
    from nanocat.atoms.engines import default_registry

    register_engine("toy-spin", toy_engines.SpinEMT, description="EMT with a spin keyword", replace=True)
    try:
        assert get_engine("toy-spin").label == "SpinEMT"
        assert "toy-spin" in default_registry().names()
    finally:
        default_registry().unregister("toy-spin")
    with pytest.raises(EngineError, match="unknown engine 'toy-spin'"):
        get_engine("toy-spin")


# --- entry points (a real installed distribution) ------------------------------------------------------------

def make_plugin(root: Path) -> Path:
    """A minimal installed plugin: a package and its dist-info declaring a ``nanocat.engines`` entry point."""
    package = root / "nanocat_toyplugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent('''
        """A third-party engine package."""
        from ase.calculators.morse import MorsePotential


        class CuMorse(MorsePotential):
            """Morse potential with Cu-like defaults."""

            default_parameters = {**MorsePotential.default_parameters, "epsilon": 0.34, "r0": 2.55, "rho0": 4.0}
        '''))
    dist = root / "nanocat_toyplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nanocat-toyplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[nanocat.engines]\ncumorse = nanocat_toyplugin:CuMorse\n")
    (dist / "RECORD").write_text("nanocat_toyplugin/__init__.py,,\nnanocat_toyplugin-1.0.dist-info/METADATA,,\n")
    return root


def test_entry_point_plugin_is_found_and_rebuilt_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(make_plugin(tmp_path / "site")))
    engine = get_engine("cumorse")
    assert isinstance(engine, CalculatorEngine) and engine.label == "CuMorse"
    assert engine.spec() == EngineSpec("cumorse")  # found by name in any process with the plugin installed
    assert "cumorse" in EngineRegistry().names()
    result = single_point(Icosahedron("Cu", 2), "cumorse")
    assert result.converged and result.settings["engine"]["factory"] == "nanocat_toyplugin:CuMorse"
    assert result.settings["engine"]["calculator"]["parameters"]["r0"] == 2.55  # the plugin's own default
    assert result.settings["nanocat-toyplugin_version"] == "1.0"


def test_entry_point_plugin_from_the_command_line(tmp_path: Path) -> None:
    site = make_plugin(tmp_path / "site")
    out = run_cli(["singlepoint", "Cu13", "--engine", "cumorse", "--json"], tmp_path, [site])
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert set(document) == {"energy_eV", "converged", "method", "settings", "n_atoms"}
    assert document["method"] == "CuMorse" and document["n_atoms"] == 13 and document["converged"]


# --- bad input: one clear line, exit 2, nothing lost -------------------------------------------------------

@pytest.mark.parametrize(
    ("engine", "message"),
    [
        ("nosuch", "unknown engine 'nosuch'"),
        ("toy_engines:raising_factory", "licence server not reachable"),
        ("toy_engines:NoEnergy", "no energy"),
        ("toy_engines:NotThere", "has no attribute"),
    ],
)
def test_singlepoint_bad_engine_is_one_line(engine: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["singlepoint", "Cu13", "--engine", engine, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_engine_without_parameters_for_an_element(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h2s.xyz"
    molecule("SH2").write(path)
    assert main(["singlepoint", str(path), "--engine", "emt"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no parameters for S" in err and len(err.splitlines()) == 1


def test_singlepoint_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["singlepoint", "Cu13", "--engine", MORSE, "--engine-param", "epsilon=0.34",
                 "--engine-param", "r0=2.55", "--engine-param", "rho0=4", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"energy_eV", "converged", "method", "settings", "n_atoms"}
    assert document["method"] == "MorsePotential(epsilon=0.34, r0=2.55, rho0=4)"
    assert document["settings"]["engine"]["params"] == {"epsilon": 0.34, "r0": 2.55, "rho0": 4}
    assert document["settings"]["multiplicity"] == 2  # Cu13: 377 electrons


def test_screen_with_an_unknown_engine_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", "Cu13", "--engine", "gfn3", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown engine 'gfn3'" in err and "gfn2" in err
    assert not (tmp_path / "screen.db").exists()  # refused before any work


def test_engine_param_needs_key_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["singlepoint", "Cu13", "--engine", MORSE, "--engine-param", "epsilon"]) == 2
    assert "key=value" in capsys.readouterr().err


def test_screen_with_an_unopenable_database_is_one_line(tmp_path: Path) -> None:
    out = run_cli(["screen", "Cu13", "--engine", "emt", "--db", "/proc/x.db", "--no-progress"], tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot open result database '/proc/x.db'" in lines[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_calculator_failing_mid_screen_stops_and_keeps_what_finished(tmp_path: Path, workers: str) -> None:
    db = tmp_path / "screen.db"
    out = run_cli(["screen", "Cu4", "--engine", "toy_engines:NoOxygenEMT", "--db", str(db), "--workers", workers,
                   "--adsorbates", "H", "--no-progress", "--out", str(tmp_path / "out")], tmp_path)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no parameters for O" in lines[0]
    # one worker meets CO2 first; with two, whichever O-containing job fails first stops the screen
    failed = re.search(r"on gas job gas/gas/(\S+) ", lines[0])
    assert failed and (failed.group(1) == "CO2" if workers == "1" else "O" in failed.group(1)), lines[0]
    stored = ResultStore(db).results()
    assert all(r.ok for r in stored) and not any("O" in r.adsorbate for r in stored)  # no failure stored
    if workers == "1":  # in order: the host relaxed before CO2 failed, and stays cached
        assert [r.kind for r in stored] == ["clean"]


def test_engine_subclass_from_python() -> None:
    class Doubled(Engine):
        """A user Engine: EMT energies doubled (checks the protocol is enough to run single points)."""

        label = "2xEMT"

        def settings(self) -> dict:
            return {"name": "2xEMT"}

        def calculator(self, charge: int = 0, multiplicity: int = 1):  # noqa: ANN202
            from ase.calculators.mixing import LinearCombinationCalculator

            return LinearCombinationCalculator([EMT(), EMT()], [1.0, 1.0])

    cu = Icosahedron("Cu", 2)
    assert single_point(cu, Doubled()).energy_eV == pytest.approx(2 * single_point(cu, "emt").energy_eV)
    assert Doubled().spec() is None and Doubled().corrections == "peterson2010"


def test_screen_with_a_factory_engine_in_parallel_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the example, kept fast: one site, one orientation, a loose force criterion
    args = ["screen", "Cu13", "--engine", MORSE, "--adsorbates", "H,CO", "--json", "--workers", "2",
            "--max-sites", "1", "--orientations", "1", "--fmax", "0.5", "--no-progress", "--out", str(tmp_path)]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["method"] == "MorsePotential"
    assert document["engine_settings"]["params"] == {} and document["engine_settings"]["factory"] == MORSE
    assert document["settings"]["engine"] == {"name": MORSE, "params": {}}
    assert document["notes"] == []  # rebuilt in the workers: no "ran in this process" note
    assert document["computed"] == 1 + 8 + 2 and document["failed"] == 0  # host, 8 gas references, H and CO
    assert {r["adsorbate"] for r in document["rows"]} == {"H", "CO"}
    assert document["hosts"][0]["analysis"]["corrections"] == "peterson2010"
    stored = ResultStore(tmp_path / "screen.db").results()
    assert {r.method_label for r in stored} == {"MorsePotential"}


def test_screen_with_a_calculator_instance_in_python(tmp_path: Path) -> None:
    from nanocat.atoms.screening import ScreenSettings, screen
    from nanocat.atoms.structures import build_cluster

    settings = ScreenSettings(engine=MorsePotential(**MORSE_CU), adsorbates=("H",), n_orientations=1, max_sites=1,
                              fmax_eV_A=0.5, workers=2)
    result = screen(build_cluster("Cu13"), settings, store=tmp_path / "i.db", progress=False)
    assert result.method == "MorsePotential(epsilon=0.34, r0=2.55, rho0=4.0)"
    assert any("in this process" in note for note in result.notes)
    assert result.settings["engine"] == {"label": result.method}
