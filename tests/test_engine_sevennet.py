"""The SevenNet plugin (plugins/nanocat-sevennet): a real machine-learned potential plugged in by entry point.

The first test reads the plugin's metadata and runs everywhere. The others need ``sevenn`` (torch, ~1 GB) and
the plugin installed (``pip install 'nanocat[mlip]' ./plugins/nanocat-sevennet``) and skip otherwise; they were
run on CPU in the mlip venv (torch 2.13+cpu, sevenn 0.13.0).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

from nanocat.atoms.structures import build_cluster
from nanocat.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "plugins" / "nanocat-sevennet"


def test_plugin_metadata_declares_the_entry_point() -> None:
    # cheap and torch-free: the installable package says where nanocat finds its engine
    meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "nanocat-sevennet"
    assert meta["project"]["entry-points"]["nanocat.engines"] == {"sevennet": "nanocat_sevennet:make_engine"}
    assert any(dep.startswith("sevenn") for dep in meta["project"]["dependencies"])
    module, _, name = meta["project"]["entry-points"]["nanocat.engines"]["sevennet"].partition(":")
    init = PLUGIN / "src" / module / "__init__.py"
    exported = {alias.asname or alias.name for node in ast.walk(ast.parse(init.read_text()))
                if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert name in exported  # the entry point resolves to a name the package exports
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("sevenn") for dep in extras["mlip"])


@pytest.fixture(scope="module")
def plugin():  # noqa: ANN201 - the plugin module
    """The installed plugin, or skip (sevenn and torch are an optional extra)."""
    pytest.importorskip("sevenn")
    return pytest.importorskip("nanocat_sevennet")


@pytest.fixture(scope="module")
def cu13() -> Atoms:
    """The built-in Cu13 icosahedron (non-periodic)."""
    return build_cluster("Cu13")


def test_engine_is_found_by_entry_point_name(plugin) -> None:  # noqa: ANN001
    from nanocat.atoms.engines import EngineSpec, engine_names, get_engine

    engine = get_engine("sevennet")
    assert isinstance(engine, plugin.SevenNetEngine) and "sevennet" in engine_names()
    assert engine.label == "SevenNet-0(11Jul2024)" and engine.corrections == "peterson2010"
    assert engine.spec() == EngineSpec("sevennet", {"model": "7net-0"})
    assert engine.spec().build() == engine  # what a worker does
    assert engine.handles_charge is False


def test_only_checkpoints_inside_the_wheel_are_used(plugin) -> None:  # noqa: ANN001
    import sevenn
    import sevenn._const as const

    package = Path(sevenn.__file__).resolve().parent
    library_paths = {"7net-0": const.SEVENNET_0_11Jul2024, "7net-0_22may2024": const.SEVENNET_0_22May2024,
                     "7net-l3i5": const.SEVENNET_l3i5}
    assert set(plugin.SHIPPED_MODELS) == set(library_paths)
    for model, path in library_paths.items():
        resolved = plugin.shipped_checkpoint(model)
        assert resolved == Path(path).resolve() and resolved.is_relative_to(package) and resolved.is_file()
    engine = plugin.make_engine()
    settings = engine.settings()
    assert settings["checkpoint_sha256"] == hashlib.sha256(Path(const.SEVENNET_0_11Jul2024).read_bytes()).hexdigest()
    assert settings["device"] == "cpu" and settings["model"] == "7net-0"
    other = plugin.make_engine(model="7net-l3i5")
    assert other.label == "SevenNet-l3i5" and other.settings()["checkpoint_sha256"] != settings["checkpoint_sha256"]


@pytest.mark.parametrize("model", ["7net-omat", "7net-mf-ompa", "mace-mp-0", "../../etc/passwd"])
def test_a_model_not_shipped_is_refused(plugin, model: str) -> None:  # noqa: ANN001
    from nanocat.atoms.engines import get_engine
    from nanocat.errors import EngineError

    with pytest.raises(EngineError, match="ship in the sevenn wheel"):
        get_engine("sevennet", model=model)


def test_single_point_equals_sevenn_called_directly_without_network(  # noqa: ANN001 - plugin is a module
        plugin, cu13: Atoms, monkeypatch: pytest.MonkeyPatch) -> None:
    import sevenn.util
    from sevenn.calculator import SevenNetCalculator

    from nanocat.atoms.engines import get_engine, single_point

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", no_network)
        patch.setattr(sevenn.util, "download_checkpoint", no_network)
        plugin.engine.loaded_calculator.cache_clear()  # load the weights again, under the patch
        result = single_point(cu13, get_engine("sevennet"), charge=0, multiplicity=2)
    direct = cu13.copy()
    direct.calc = SevenNetCalculator("7net-0", device="cpu")
    assert result.converged and result.method_label == "SevenNet-0(11Jul2024)"
    assert result.energy_eV == pytest.approx(direct.get_potential_energy(), abs=1e-6)
    forces = np.asarray(result.forces)
    assert forces.shape == (13, 3)
    np.testing.assert_allclose(forces, direct.get_forces(), atol=1e-5)
    assert result.settings["sevenn_version"] == sevenn.__version__ and result.settings["torch_version"]


def test_a_cluster_needs_no_periodic_box(plugin, cu13: Atoms) -> None:  # noqa: ANN001
    # SevenNet's graph has a 5 Å cutoff: with 10 Å of vacuum the periodic images never see each other
    from nanocat.atoms.engines import single_point

    boxed = cu13.copy()
    boxed.center(vacuum=10.0)
    boxed.pbc = True
    free = single_point(cu13, "sevennet", 0, 2)
    periodic = single_point(boxed, "sevennet", 0, 2)
    assert free.energy_eV == pytest.approx(periodic.energy_eV, abs=1e-5)
    np.testing.assert_allclose(np.asarray(free.forces), np.asarray(periodic.forces), atol=1e-5)


def test_cli_refuses_a_net_charge_in_one_line(plugin, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["singlepoint", "Cu13", "--engine", "sevennet", "--charge", "-1", "--json"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "cannot represent a net charge" in err and len(err.splitlines()) == 1 and captured.out == ""


def test_cli_refuses_a_spin_above_the_lowest(plugin, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    # Cu13 has 377 electrons: multiplicity 2 is the lowest, 4 a spin state an MLIP cannot tell apart
    assert main(["singlepoint", "Cu13", "--engine", "sevennet", "--multiplicity", "4"]) == 2
    err = capsys.readouterr().err.strip()
    assert "has no spin" in err and "lowest (2)" in err and len(err.splitlines()) == 1


def test_cli_refuses_an_element_outside_the_training_set(plugin, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    path = tmp_path / "cupo.xyz"
    Atoms("Cu3Po", positions=[(0, 0, 0), (2.5, 0, 0), (1.25, 2.2, 0), (1.25, 0.7, 2.0)]).write(path)
    assert main(["singlepoint", str(path), "--engine", "sevennet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "no parameters for Po" in err and len(err.splitlines()) == 1


def test_cli_singlepoint_json(plugin, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert main(["singlepoint", "Cu13", "--engine", "sevennet", "--engine-param", "model=7net-l3i5", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["method"] == "SevenNet-l3i5" and document["converged"] and document["n_atoms"] == 13
    assert document["settings"]["engine"]["model"] == "7net-l3i5"
    assert document["settings"]["corrections"] == "peterson2010"


@pytest.mark.slow
def test_screen_end_to_end_in_parallel_workers(plugin, tmp_path: Path) -> None:  # noqa: ANN001
    # a fresh process: the workers find the engine by its entry-point name (~2 min on 2 shared cores)
    args = ["screen", "Cu4", "--engine", "sevennet", "--adsorbates", "H,CO", "--max-sites", "1",
            "--orientations", "1", "--workers", "2", "--json", "--no-progress", "--db", str(tmp_path / "s.db"),
            "--out", str(tmp_path / "out")]
    out = subprocess.run([sys.executable, "-m", "nanocat", *args], cwd=tmp_path, env=dict(os.environ),
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["method"] == "SevenNet-0(11Jul2024)" and document["engine_settings"]["name"] == "sevennet"
    assert document["notes"] == []  # rebuilt in the workers: no "ran in this process" note
    assert document["computed"] == 1 + 8 + 2 and document["failed"] == 0  # host, 8 gas references, H and CO
    assert {r["adsorbate"] for r in document["rows"]} == {"H", "CO"}
    assert document["hosts"][0]["analysis"]["corrections"] == "peterson2010"
