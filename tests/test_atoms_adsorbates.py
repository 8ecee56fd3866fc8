"""Adsorbate library and placement: geometry sanity of every adsorbate on every site kind of Cu13."""

from __future__ import annotations

import numpy as np
import pytest
from ase.data import atomic_numbers, covalent_radii

from nanocat.atoms.adsorbates import (
    ADSORBATE_SPECIES,
    ADSORBATES,
    MIN_CLEARANCE_A,
    adsorbate_candidates,
    gas_molecule,
)
from nanocat.atoms.sites import SiteFinder
from nanocat.atoms.structures import build_cluster, read_structure
from nanocat.errors import InputError

REQUIRED = {"H", "COOH", "OCHO", "CO", "CHO", "COH", "OCH3", "O", "OH", "CH2O", "CHOH", "CH2OH", "CH2", "CH3",
            "CO2", "OCCO"}


def _r(symbol: str) -> float:
    return float(covalent_radii[atomic_numbers[symbol]])


@pytest.fixture(scope="module")
def cu13_sites():
    atoms = build_cluster("Cu13")
    return atoms, {s.kind: s for s in SiteFinder(kinds=("top", "bridge", "hollow")).find(atoms)}


def test_library_covers_the_co2rr_intermediates() -> None:
    assert REQUIRED <= set(ADSORBATES)
    assert ADSORBATE_SPECIES["COOH"] == "COOH*" and ADSORBATE_SPECIES["OCHO"] == "OCHO*"
    compositions = {"COOH": "CHO2", "OCHO": "CHO2", "COH": "CHO", "CHOH": "CH2O", "CH2OH": "CH3O",
                    "OCH3": "CH3O", "OCCO": "C2O2", "CH2O": "CH2O", "CHO": "CHO"}
    for name, formula in compositions.items():
        assert ADSORBATES[name].geometry().get_chemical_formula(mode="hill") == formula, name
    # binding atoms: C for COOH (carboxyl), O for OCHO (formate), C for COH/CHO, O for OCH3
    for name, element in {"COOH": "C", "OCHO": "O", "COH": "C", "CHO": "C", "OCH3": "O", "CO": "C"}.items():
        spec = ADSORBATES[name]
        assert spec.geometry()[spec.binding].symbol == element, name


@pytest.mark.parametrize("kind", ["top", "bridge", "hollow"])
@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_geometry_sanity_on_every_cu13_site(cu13_sites, kind: str, name: str) -> None:
    atoms, sites = cu13_sites
    site = sites[kind]
    before = atoms.positions.copy()
    cands = adsorbate_candidates(atoms, site, name, n_orientations=3)
    assert np.array_equal(before, atoms.positions)
    assert cands, f"no placement of {name} on {kind}"
    internal = ADSORBATES[name].geometry().get_all_distances()
    for c in cands:
        ads = c.info["adsorbate_indices"]
        assert len(c) == 13 + len(ads) and c.info["species"] == ADSORBATE_SPECIES[name]
        assert c.info["site_label"] == site.label
        assert np.allclose(c[ads].get_all_distances(), internal, atol=1e-8)  # rigid placement
        d = c.get_all_distances()[np.ix_(ads, range(13))]
        binding = c.info["binding_indices"]
        for b in ads:
            row = d[ads.index(b)]
            if b in binding:
                target = _r(c[b].symbol) + _r("Cu")
                site_d = row[list(site.indices)]
                # sensible height: within the covalent bond length (+ the retry lift, <= 0.4 Å)
                assert site_d.min() >= 0.7 * target and site_d.min() <= target + 0.45, (name, kind, site_d)
                others = np.delete(row, list(site.indices))
                assert others.min() > MIN_CLEARANCE_A
            else:
                assert row.min() > MIN_CLEARANCE_A, (name, kind, row.min())
        # the adsorbate points away from the cluster: its centre is farther out than the binding atom
        com = c.positions[ads].mean(axis=0)
        assert np.linalg.norm(com) >= np.linalg.norm(c.positions[binding].mean(axis=0)) - 0.5


def test_orientations_are_distinct_rotations(cu13_sites) -> None:
    atoms, sites = cu13_sites
    cands = adsorbate_candidates(atoms, sites["top"], "COOH", n_orientations=4)
    assert [c.info["orientation"] for c in cands] == [0, 1, 2, 3]
    tails = [c.positions[c.info["adsorbate_indices"]] for c in cands]
    assert not np.allclose(tails[0], tails[1])


def test_ocho_bidentate_on_bridge(cu13_sites) -> None:
    atoms, sites = cu13_sites
    bridge = sites["bridge"]
    bi = [c for c in adsorbate_candidates(atoms, bridge, "OCHO") if c.info["mode"] == "bidentate"]
    assert len(bi) == 1
    c = bi[0]
    o1, o2 = c.info["binding_indices"]
    assert c[o1].symbol == c[o2].symbol == "O"
    m1, m2 = bridge.indices
    d = c.get_all_distances()
    # each O sits over its own Cu at about the Cu-O covalent distance (1.98 Å)
    assert sorted([d[o1, m1], d[o2, m2]]) == pytest.approx([_r("O") + _r("Cu")] * 2, abs=0.45) or \
        sorted([d[o1, m2], d[o2, m1]]) == pytest.approx([_r("O") + _r("Cu")] * 2, abs=0.45)
    assert not [c for c in adsorbate_candidates(atoms, sites["top"], "OCHO") if c.info["mode"] == "bidentate"]


def test_adsorbate_on_dethiolated_au25(structures_dir) -> None:
    atoms = read_structure(structures_dir / "NC_Database__sch3_protected__025_18_minus1_cp2k_opt.xyz", charge=-1)
    vac = next(s for s in SiteFinder(kinds=("vacancy",)).find(atoms) if s.n_equivalent == 12)
    cands = adsorbate_candidates(atoms, vac, "COOH")
    modes = {c.info["mode"] for c in cands}
    # bridging the two exposed Au, and on top of each of them pointing into the vacated S position
    assert modes == {"monodentate", *(f"monodentate-top:{i}" for i in vac.indices)}
    for c in cands:
        assert c.get_chemical_formula() == "C18H52Au25O2S17"  # Au25(SCH3)17 + COOH
        assert c.info["charge"] == -1 and c.info["multiplicity"] == 1
        ads = c.info["adsorbate_indices"]
        d = c.get_all_distances()[np.ix_(ads, [i for i in range(len(c)) if i not in ads])]
        b = ads.index(c.info["binding_index"])
        assert np.delete(d, b, axis=0).min() > MIN_CLEARANCE_A


def test_gas_molecules() -> None:
    co2 = gas_molecule("CO2")
    assert co2.get_chemical_formula() == "CO2" and co2.info["multiplicity"] == 1
    assert co2.get_distance(0, 1) == pytest.approx(1.18, abs=0.02)
    assert gas_molecule("O2").info["multiplicity"] == 3
    for name in ("CO", "H2", "H2O", "HCOOH", "CH4", "CH3OH", "C2H4", "C2H5OH"):
        assert len(gas_molecule(name)) > 1
    with pytest.raises(InputError, match="unknown gas molecule"):
        gas_molecule("XeF9")


def test_bad_adsorbate_arguments(cu13_sites) -> None:
    atoms, sites = cu13_sites
    with pytest.raises(InputError, match="unknown adsorbate"):
        adsorbate_candidates(atoms, sites["top"], "COOOH")
    with pytest.raises(InputError, match="n_orientations"):
        adsorbate_candidates(atoms, sites["top"], "CO", n_orientations=0)


def test_occo_binds_through_both_carbons_on_a_bridge(cu13_sites) -> None:
    atoms, sites = cu13_sites
    (c,) = [x for x in adsorbate_candidates(atoms, sites["bridge"], "OCCO") if x.info["mode"] == "bidentate"]
    c1, c2 = c.info["binding_indices"]
    assert c[c1].symbol == c[c2].symbol == "C"
    oxygens = [i for i in c.info["adsorbate_indices"] if c[i].symbol == "O"]
    r = np.linalg.norm(c.positions, axis=1)  # the cluster centre is the origin
    assert min(r[oxygens]) > max(r[[c1, c2]])  # both O point away from the cluster


def test_lattice_hydride_site_donates_its_h() -> None:
    from ase import Atoms

    cu = build_cluster("Cu13")
    face = next(s for s in SiteFinder(kinds=("hollow",)).find(cu))
    h_pos = np.asarray(face.position) + 1.0 * np.asarray(face.normal)
    atoms = cu + Atoms("H", positions=[h_pos])
    atoms.info.update(cu.info)
    (site,) = SiteFinder(kinds=("hydride",)).find(atoms)
    cands = adsorbate_candidates(atoms, site, "OCHO")
    assert cands
    for c in cands:
        assert c.get_chemical_formula() == "CHCu13O2"  # the lattice H left; formate sits where it was
        assert c.info["multiplicity"] == 1  # 377 + 23 electrons
