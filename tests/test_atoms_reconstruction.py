"""Host reconstruction check: metal–metal bonds of the catalyst before and after an adsorbate's relaxation."""

from __future__ import annotations

import numpy as np
import pytest

from nanocat.atoms.reconstruction import HostChange, host_change
from nanocat.atoms.structures import build_cluster
from nanocat.errors import InputError


def test_icosahedron_has_42_bonds_and_small_noise_changes_none() -> None:
    ico = build_cluster("Cu13")
    noisy = ico.copy()
    noisy.positions += np.random.default_rng(0).normal(0.0, 0.03, noisy.positions.shape)
    change = host_change(ico, noisy)
    assert change.n_host_bonds == 42  # 12 centre-vertex + 30 edges of the icosahedron
    assert change.broken == () and change.formed == () and not change.reconstructed


def test_centre_atom_pushed_out_is_a_reconstruction() -> None:
    """As GFN1 does to Cu12Co under H* (centre atom 1.6 Å off-centre, benchmarks/check_cu12co_referencing.py)."""
    ico = build_cluster("Cu12Co")
    moved = ico.copy()
    vertex = moved.positions[1] / np.linalg.norm(moved.positions[1])
    moved.positions[0] -= 1.6 * vertex
    change = host_change(ico, moved)
    assert change.reconstructed and len(change.broken) >= 5
    assert HostChange.from_dict(change.as_dict()) == change


def test_adsorbate_indices_are_left_out_by_default() -> None:
    from nanocat.atoms.adsorbates import adsorbate_candidates
    from nanocat.atoms.sites import SiteFinder

    cu13 = build_cluster("Cu13")
    site = SiteFinder(kinds=("top",)).find(cu13)[0]
    cand = adsorbate_candidates(cu13, site, "CO", 1)[0]
    far = cand.copy()
    far.positions[list(cand.info["adsorbate_indices"])] += 5.0  # the adsorbate leaves: the host is unchanged
    change = host_change(cand, far)
    assert change.n_host_bonds == 42 and not change.reconstructed


def test_different_atoms_are_refused() -> None:
    with pytest.raises(InputError, match="same atoms"):
        host_change(build_cluster("Cu13"), build_cluster("Cu12Co"))
