"""Site finding and symmetry de-duplication on bare and ligand-protected clusters."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from ase import Atoms

from nanocat.atoms.sites import Site, SiteFinder, site_indices_after_removal, site_structure
from nanocat.atoms.structures import build_cluster, read_structure
from nanocat.errors import InputError

PROTECTED = {
    "Au25": ("NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz", -1, "Au"),
    "Ag25": ("NC_Database__other__Ag25_methylthiol.xyz", -1, "Ag"),
    "PdAu24": ("NC_Database__other__PdAu24.xyz", 0, "Au"),
}


def _by_kind(sites: list[Site]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for s in sites:
        out.setdefault(s.kind, []).append(s.n_equivalent)
    return {k: sorted(v) for k, v in out.items()}


def test_cu13_one_top_one_bridge_one_hollow() -> None:
    finder = SiteFinder(kinds=("top", "bridge", "hollow"), symmetry_tol_A=0.1)
    sites = finder.find(build_cluster("Cu13"))
    assert _by_kind(sites) == {"top": [12], "bridge": [30], "hollow": [20]}
    assert (finder.n_candidates, finder.n_unique) == (62, 3)
    top = next(s for s in sites if s.kind == "top")
    assert top.label == "top:Cu" and top.elements == ("Cu",)
    assert np.linalg.norm(top.normal) == pytest.approx(1.0)
    assert set(sum(top.equivalent, ())) == set(range(1, 13))  # every vertex, never the centre
    # site GCN (cn_max 12/18/22): top = (12 + 5x6)/12; bridge/hollow see the centre and 6 vertices
    gcn = {s.kind: s.gcn for s in sites}
    assert gcn == pytest.approx({"top": 42 / 12, "bridge": 48 / 18, "hollow": 48 / 22}, abs=1e-4)


def test_cu55_vertex_and_edge_classes() -> None:
    finder = SiteFinder(kinds=("top", "bridge", "hollow"))
    sites = finder.find(build_cluster("Cu55"))
    # Mackay Cu55: 12 vertex + 30 edge atoms; 60 vertex-edge + 60 edge-edge bridges; 60 + 20 hollows
    assert _by_kind(sites) == {"top": [12, 30], "bridge": [60, 60], "hollow": [20, 60]}
    assert finder.n_candidates == 242 and finder.n_unique == 6
    gcn = {s.n_equivalent: s.gcn for s in sites if s.kind == "top"}
    assert gcn[12] == pytest.approx((12 + 5 * 8) / 12, abs=1e-4)  # vertex: 1 inner-shell atom + 5 edge atoms (CN 8)
    assert gcn[12] < gcn[30]  # vertices are the least coordinated sites


def test_cu12co_cobalt_top_is_its_own_class() -> None:
    sites = SiteFinder(kinds=("top", "bridge", "hollow")).find(build_cluster("Cu12Co"))
    co_top = [s for s in sites if s.kind == "top" and "Co" in s.elements]
    assert len(co_top) == 1 and co_top[0].n_equivalent == 1 and co_top[0].label == "top:Co"
    # tops: Co, the Cu opposite to it, and two rings of 5 Cu
    assert Counter(s.n_equivalent for s in sites if s.kind == "top") == {1: 2, 5: 2}
    assert any(s.label == "bridge:Cu-Co" and s.n_equivalent == 5 for s in sites)
    assert sum(s.n_equivalent for s in sites) == 62  # every candidate is accounted for once


def test_centre_dopant_keeps_icosahedral_site_classes() -> None:
    sites = SiteFinder().find(build_cluster("Cu12Ni@centre"))
    assert _by_kind(sites) == {"top": [12], "bridge": [30], "hollow": [20]}


@pytest.mark.parametrize("key", sorted(PROTECTED))
def test_m25_thiolate_sites_fall_into_two_classes(structures_dir, key: str) -> None:
    name, q, metal = PROTECTED[key]
    atoms = read_structure(structures_dir / name, charge=q)
    finder = SiteFinder()
    sites = finder.find(atoms)
    assert finder.method_used == "graph"
    assert _by_kind(sites) == {"vacancy": [6, 12], "ligand": [6, 12]}
    labels = {s.label: s.n_equivalent for s in sites if s.kind == "vacancy"}
    # 12 terminal S bind a core-shell atom and a staple atom; 6 central S bind two staple atoms
    assert labels == {f"vacancy:SCH3/{metal}(shell)-{metal}(staple)": 12,
                      f"vacancy:SCH3/{metal}(staple)-{metal}(staple)": 6}


def test_geometric_dedup_on_a_relaxed_shell_is_too_strict(structures_dir) -> None:
    name, q, _ = PROTECTED["Au25"]
    atoms = read_structure(structures_dir / name, charge=q)
    sites = SiteFinder(kinds=("ligand",), method="geometry", symmetry_tol_A=0.1).find(atoms)
    assert len(sites) > 2  # the DFT geometry is distorted: this is why "auto" uses the bond graph


def test_dethiolated_au25_site_structure(structures_dir) -> None:
    name, q, _ = PROTECTED["Au25"]
    atoms = read_structure(structures_dir / name, charge=q)
    vac = next(s for s in SiteFinder(kinds=("vacancy",)).find(atoms) if s.n_equivalent == 12)
    assert len(vac.removed) == 5 and sorted(atoms[i].symbol for i in vac.removed) == ["C", "H", "H", "H", "S"]
    new = site_structure(atoms, vac)
    assert len(new) == 110 and len(atoms) == 115
    assert new.get_chemical_formula() == "C17H51Au25S17"
    assert new.info["removed_formula"] == "CH3S" and new.info["charge"] == -1
    assert new.info["multiplicity"] == 2  # SR leaves as a radical: odd electron count
    for old_i, new_i in zip(vac.indices, site_indices_after_removal(vac), strict=True):
        assert np.allclose(atoms.positions[old_i], new.positions[new_i])
    assert np.linalg.norm(np.asarray(vac.position) - atoms.positions[[i for i in vac.removed
                                                                      if atoms[i].symbol == "S"][0]]) < 1e-9


def test_lattice_hydride_is_a_site_interstitial_is_not() -> None:
    cu = build_cluster("Cu4")  # tetrahedron: H at its centre is interstitial
    centre = cu.positions.mean(axis=0)
    face = cu.positions[:3].mean(axis=0)
    out = face + 1.0 * (face - centre) / np.linalg.norm(face - centre)
    atoms = cu + Atoms("H2", positions=[centre, out])
    atoms.info.update(cu.info)
    sites = SiteFinder(kinds=("hydride",)).find(atoms)
    assert [s.anchor for s in sites] == [5] and sites[0].removed == (5,)
    assert sites[0].label == "hydride:H/" + "-".join(["Cu(shell)"] * 3)


def test_site_round_trip_and_bad_settings() -> None:
    sites = SiteFinder().find(build_cluster("Cu12Co"))
    for s in sites:
        assert Site.from_dict(json.loads(json.dumps(s.as_dict()))) == s
    with pytest.raises(InputError, match="unknown site kind"):
        SiteFinder(kinds=("atop",))
    with pytest.raises(InputError, match="dedup method"):
        SiteFinder(method="magic")  # type: ignore[arg-type]
