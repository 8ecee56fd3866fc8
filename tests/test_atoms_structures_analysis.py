"""Structure analysis on the shared DFT structures (Au25, Ag25, PdAu24, Au38, Au102) and synthetic hydrides."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from ase import Atoms

from nanocat.atoms.analysis import StructureAnalysis, analyze_structure
from nanocat.atoms.structures import build_cluster, read_structure
from nanocat.errors import StructureError

FILES = {
    "Au25": ("NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz", -1),
    "Ag25": ("NC_Database__other__Ag25_methylthiol.xyz", -1),
    "PdAu24": ("NC_Database__other__PdAu24.xyz", 0),
    "Au38": ("NC_Database__sch3_protected__038_24q_cp2k_opt.xyz", 0),
    "Au102": ("NC_Database__sch3_protected__102_44_cp2k_opt.xyz", 0),
}


def _load(structures_dir, key: str) -> Atoms:
    name, q = FILES[key]
    return read_structure(structures_dir / name, charge=q)


@pytest.mark.parametrize(("key", "metal"), [("Au25", "Au"), ("Ag25", "Ag"), ("PdAu24", "Au")])
def test_m25_core_and_dimeric_staples(structures_dir, key: str, metal: str) -> None:
    # M25(SR)18: M13 icosahedral core (1 centre + 12 shell) + 6 dimeric M2(SR)3 staples (seed Fig. 1a, 3a)
    an = analyze_structure(_load(structures_dir, key))
    assert sum(an.metals.values()) == 25
    assert (len(an.core_indices), len(an.interior_indices), len(an.shell_indices)) == (13, 1, 12)
    assert len(an.staple_indices) == 12
    assert Counter(s.formula for s in an.staples) == {f"{metal}2(SR)3": 6}
    assert all(s.kind == "dimeric" for s in an.staples)
    assert Counter(lig.kind for lig in an.ligands) == {"thiolate": 18}
    assert an.ligand_counts == {"SCH3": 18}
    assert not an.hydrides
    assert an.formula_check == "consistent with chem.parse_formula"


def test_au25_formula_and_coordination(structures_dir) -> None:
    an = analyze_structure(_load(structures_dir, "Au25"))
    assert an.implied_formula == "Au25(SCH3)18" and an.charge == -1
    centre = next(m for m in an.metal_sites if m.role == "interior")
    assert centre.cn == 12 and centre.n_ligand_bonds == 0
    shell = [m for m in an.metal_sites if m.role == "shell"]
    assert all(m.n_ligand_bonds == 1 for m in shell)  # each core-surface Au binds one staple S
    staple = [m for m in an.metal_sites if m.role == "staple"]
    assert all(m.n_ligand_bonds == 2 for m in staple)
    # GCN = sum of neighbours' CN / 12 (Calle-Vallejo 2015): the centre sees 12 shell atoms
    assert centre.gcn == pytest.approx(sum(next(m.cn for m in an.metal_sites if m.index == j)
                                           for j in an.shell_indices) / 12)


def test_pdau24_has_pd_at_the_centre(structures_dir) -> None:
    an = analyze_structure(_load(structures_dir, "PdAu24"))
    assert an.implied_formula == "PdAu24(SCH3)18"
    centre = [m for m in an.metal_sites if m.role == "interior"]
    assert [m.element for m in centre] == ["Pd"]


@pytest.mark.parametrize(("key", "core", "staples"), [
    # Au38(SR)24: Au23 face-fused bi-icosahedral core, 3 Au(SR)2 + 6 Au2(SR)3 (Qian et al., JACS 2010, 132, 8280)
    ("Au38", 23, {"Au(SR)2": 3, "Au2(SR)3": 6}),
    # Au102(SR)44: Au79 Marks-decahedral core, 19 Au(SR)2 + 2 Au2(SR)3 (Jadzinsky et al., Science 2007, 318, 430)
    ("Au102", 79, {"Au(SR)2": 19, "Au2(SR)3": 2}),
])
def test_larger_gold_clusters_match_their_crystal_structures(structures_dir, key, core, staples) -> None:
    an = analyze_structure(_load(structures_dir, key))
    assert len(an.core_indices) == core
    assert dict(Counter(s.formula for s in an.staples)) == staples


def test_bare_cu13_cn_gcn_and_cuprophilic_contacts() -> None:
    an = analyze_structure(build_cluster("Cu13"))
    assert an.implied_formula == "Cu13" and not an.ligands
    cn = Counter(m.cn for m in an.metal_sites)
    assert cn == {6: 12, 12: 1}
    vertex = next(m for m in an.metal_sites if m.cn == 6)
    assert vertex.gcn == pytest.approx((12 + 5 * 6) / 12)  # centre (CN 12) + 5 vertex neighbours (CN 6)
    (contact,) = an.contacts
    assert contact.pair == "Cu-Cu" and contact.threshold_A == pytest.approx(2.80)  # 2 x Bondi r_vdW(Cu)
    assert contact.count == 42  # 12 centre-vertex + 30 edges, all at 2.553 Å
    assert contact.min_A == pytest.approx(2.553, abs=1e-3)


def test_cu55_shells() -> None:
    an = analyze_structure(build_cluster("Cu55"))
    assert (len(an.interior_indices), len(an.shell_indices)) == (13, 42)
    assert Counter(m.cn for m in an.metal_sites if m.role == "shell") == {6: 12, 8: 30}


def _synthetic_cu_hydride() -> tuple[Atoms, int, int]:
    """Cu13 with one H in a centre+face tetrahedron (interstitial) and one H capping another face."""
    cu = build_cluster("Cu13")
    d = cu.get_all_distances()
    a, b, c = next((i, j, k) for i in range(1, 13) for j in range(i + 1, 13) for k in range(j + 1, 13)
                   if max(d[i, j], d[i, k], d[j, k]) < 2.9)  # three mutually bonded vertices: a face
    inside = cu.positions[[0, a, b, c]].mean(axis=0)
    opposite = -cu.positions[[a, b, c]].mean(axis=0)  # the face opposite through the centre
    n = opposite / np.linalg.norm(opposite)
    face_h = opposite + 1.0 * n
    atoms = cu + Atoms("H2", positions=[inside, face_h])
    atoms.info.update(cu.info)
    return atoms, 13, 14


def test_hydride_interstitial_vs_lattice() -> None:
    atoms, h_in, h_out = _synthetic_cu_hydride()
    an = analyze_structure(atoms)
    by_index = {h.index: h for h in an.hydrides}
    assert by_index[h_in].location == "interstitial" and by_index[h_in].coordination == 4
    assert by_index[h_out].location == "lattice" and by_index[h_out].coordination == 3
    assert an.implied_formula == "Cu13H2"


def test_round_trip_through_json(structures_dir) -> None:
    an = analyze_structure(_load(structures_dir, "Au25"))
    back = StructureAnalysis.from_dict(json.loads(json.dumps(an.as_dict())))
    assert back == an
    atoms, *_ = _synthetic_cu_hydride()
    an2 = analyze_structure(atoms)
    assert StructureAnalysis.from_dict(json.loads(json.dumps(an2.as_dict()))) == an2


def test_input_not_mutated_and_bad_input(structures_dir) -> None:
    atoms = _load(structures_dir, "Au25")
    before = atoms.positions.copy()
    analyze_structure(atoms)
    assert np.array_equal(before, atoms.positions)
    with pytest.raises(StructureError, match="no metal"):
        analyze_structure(Atoms("CO", positions=[[0, 0, 0], [0, 0, 1.13]]))
    with pytest.raises(StructureError, match="empty"):
        analyze_structure(Atoms())


def test_gcn_of_a_111_terrace_is_7_5() -> None:
    # Calle-Vallejo et al., Science 2015, 350, 185: an fcc(111) terrace atom (CN 9) has GCN 7.5
    from ase.cluster import Octahedron

    an = analyze_structure(Octahedron("Cu", length=7, cutoff=2))
    terrace = [m for m in an.metal_sites if m.role == "shell" and m.gcn == pytest.approx(7.5)]
    assert len(terrace) == 8 and all(m.cn == 9 for m in terrace)  # one per (111) facet
    assert max(m.gcn for m in an.metal_sites if m.role == "shell") == pytest.approx(7.5)


def test_formula_check_uses_the_charge(structures_dir) -> None:
    an = analyze_structure(_load(structures_dir, "Au25"), charge=-3)
    assert an.charge == -3 and an.formula_check == "consistent with chem.parse_formula"


def test_ligand_kinds_on_a_synthetic_au13() -> None:
    """Au13 with a chloride, a PH3 and an alkynyl (C≡C-H) on three vertices."""
    au = build_cluster("Au13")
    p = au.positions

    def out(i: int, d: float) -> np.ndarray:
        return p[i] + d * p[i] / np.linalg.norm(p[i])

    u = p[2] / np.linalg.norm(p[2])
    v = np.cross(u, [0, 0, 1.0])
    v /= np.linalg.norm(v)
    w = np.cross(u, v)
    phos = out(2, 2.3)
    hs = [phos + 0.5 * u + 1.3 * (np.cos(t) * v + np.sin(t) * w) for t in (0.0, 2.094, 4.189)]
    atoms = au + Atoms("Cl", positions=[out(1, 2.3)]) + Atoms("PH3", positions=[phos, *hs]) + \
        Atoms("C2H", positions=[out(3, 2.0), out(3, 3.2), out(3, 4.26)])
    atoms.info.update(au.info, charge=0)
    an = analyze_structure(atoms)
    kinds = {lig.kind: (lig.formula, lig.metal_indices) for lig in an.ligands}
    assert kinds == {"halide": ("Cl", (1,)), "phosphine": ("PH3", (2,)), "alkynyl": ("C2H", (3,))}
    assert an.implied_formula.startswith("Au13") and "Cl" in an.implied_formula and "(Cl)" not in an.implied_formula
    assert not an.hydrides  # H on P or C is not a hydride
    assert len(an.exposed_metal_indices) == 9
