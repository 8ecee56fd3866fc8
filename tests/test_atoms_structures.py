"""Built-in clusters, reading structure files (and their failures), structure hashes."""

from __future__ import annotations

import numpy as np
import pytest

from nanocat.atoms.structures import BUILTIN_CLUSTERS, build_cluster, read_structure, structure_hash
from nanocat.errors import StructureError

AU25 = "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz"


def test_cu13_is_icosahedron_at_bulk_distance() -> None:
    atoms = build_cluster("Cu13")
    r = np.linalg.norm(atoms.positions - atoms.positions[0], axis=1)
    # fcc Cu a = 3.61 Å (ase.data reference state) -> nearest-neighbour 3.61/sqrt(2) = 2.553 Å
    assert np.allclose(r[1:], 3.61 / np.sqrt(2), atol=1e-3)
    assert atoms.info["charge"] == 0
    assert atoms.info["multiplicity"] == 2  # 13 x 29 = 377 electrons: odd -> doublet
    assert "Icosahedron" in atoms.info["source"]


@pytest.mark.parametrize("dopant", ["Fe", "Co", "Ni"])
def test_corner_doping_puts_dopant_on_a_vertex(dopant: str) -> None:
    for parent, n in (("Cu12", 13), ("Cu54", 55)):
        atoms = build_cluster(f"{parent}{dopant}")
        assert len(atoms) == n
        i = atoms.get_chemical_symbols().index(dopant)
        r = np.linalg.norm(atoms.positions - atoms.positions[0], axis=1)
        assert r[i] == pytest.approx(r.max())  # outermost shell vertex (CN 6), as in seed ref 126
        d = np.delete(atoms.get_all_distances()[i], i)
        assert int((d < 2.8).sum()) == 6


def test_centre_doping_and_parity_multiplicity() -> None:
    atoms = build_cluster("Cu12Ni@centre")
    assert atoms[0].symbol == "Ni" and np.allclose(atoms.positions[0], 0)
    assert atoms.info["multiplicity"] == 1  # 12 x 29 + 28 = 376 electrons
    assert build_cluster("Cu12Ni@center").info["name"] == "Cu12Ni@centre"
    assert build_cluster("Cu13", charge=-1).info["multiplicity"] == 1
    assert build_cluster("Cu13", multiplicity=4).info["multiplicity"] == 4
    with pytest.raises(StructureError, match="impossible"):
        build_cluster("Cu13", multiplicity=3)


def test_cu4_tetrahedron_and_all_builtins_build() -> None:
    atoms = build_cluster("Cu4")
    d = atoms.get_all_distances()[np.triu_indices(4, 1)]
    assert np.allclose(d, 3.61 / np.sqrt(2), atol=1e-6)
    for name in BUILTIN_CLUSTERS:
        assert build_cluster(name).info["name"] == name


def test_unknown_builtin_suggests_close_names() -> None:
    with pytest.raises(StructureError, match="Cu12Co"):
        build_cluster("Cu12Cu")


def test_read_shared_au25(structures_dir) -> None:
    atoms = read_structure(structures_dir / AU25, charge=-1)
    assert len(atoms) == 115 and atoms.info["charge"] == -1
    assert atoms.info["multiplicity"] == 1  # closed-shell 8-electron superatom anion
    assert AU25 in atoms.info["source"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xyz", "", "empty"),
        ("garbage.xyz", "this is not\na structure file at all\n", "cannot read"),
        ("overlap.xyz", "2\n\nCu 0 0 0\nCu 0.1 0 0\n", "overlapping"),
        ("unknown.xyz", "2\n\nCu 0 0 0\nQq 2.5 0 0\n", "cannot read"),
        ("weird.nosuchformat", "hello\n", "unknown structure format"),
    ],
)
def test_bad_files_raise_structure_error_naming_the_file(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(StructureError, match=message) as err:
        read_structure(path)
    assert name in str(err.value)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(StructureError, match="no such"):
        read_structure(tmp_path / "absent.xyz")


def test_structure_hash_is_stable_and_sensitive() -> None:
    a, b = build_cluster("Cu13"), build_cluster("Cu13")
    assert structure_hash(a) == structure_hash(b)
    b.positions[3] += 1e-5  # below the rounding: same hash
    assert structure_hash(a) == structure_hash(b)
    b.positions[3] += 0.01
    assert structure_hash(a) != structure_hash(b)
    assert structure_hash(build_cluster("Cu13", charge=1)) != structure_hash(a)
    assert structure_hash(build_cluster("Cu13", multiplicity=4)) != structure_hash(a)
    assert structure_hash(build_cluster("Cu12Co")) != structure_hash(a)


@pytest.mark.parametrize("suffix", ["cif", "traj", "vasp", "json", "db", "pdb"])
def test_garbage_in_any_format_is_a_structure_error(tmp_path, suffix: str) -> None:
    path = tmp_path / f"garbage.{suffix}"
    path.write_text("garbage line 1\n2 3 four\n")
    with pytest.raises(StructureError, match=f"garbage.{suffix}"):
        read_structure(path)


def test_binary_junk_is_a_structure_error(tmp_path) -> None:
    path = tmp_path / "image.xyz"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    with pytest.raises(StructureError, match="image.xyz"):
        read_structure(path)


def test_round_trip_through_an_ase_file(tmp_path) -> None:
    from ase.io import write

    cu = build_cluster("Cu12Co")
    write(tmp_path / "cu12co.extxyz", cu)
    back = read_structure(tmp_path / "cu12co.extxyz", charge=1)
    assert back.get_chemical_symbols() == cu.get_chemical_symbols()
    assert np.allclose(back.positions, cu.positions)
    assert back.info["charge"] == 1 and back.info["multiplicity"] == 1  # 375 - 1 electrons
