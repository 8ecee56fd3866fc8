"""Did the host survive the adsorbate's relaxation? Metal–metal bond changes of the catalyst (issue 12, item 8).

Why: on GFN1-xTB the built-in Cu12Co icosahedron is not the method's lowest structure. Relaxing H* on a
Cu–Cu bridge moved the centre atom 1.6 Å off-centre (mean centre–surface distance 2.48 → 3.16 Å); the bare
cluster relaxed from that geometry lies 1.47 eV below the icosahedron used as reference (2.04 eV from the
OCHO* geometry), so the screen booked the cluster's own isomerisation as adsorption energy (H* −1.93 eV,
OCHO* −2.49 eV; ``benchmarks/check_cu12co_referencing.py``). ``adsorbate_state`` in the screen checks only
the bonds inside the adsorbate; this module checks the host's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ase import Atoms

from nanocat.errors import InputError

__all__ = ["HostChange", "host_change"]


@dataclass(frozen=True)
class HostChange:
    """Host bonds broken and formed between two structures (pairs of atom indices), and the verdict."""

    broken: tuple[tuple[int, int], ...]
    formed: tuple[tuple[int, int], ...]
    n_host_bonds: int
    max_fraction: float

    @property
    def fraction_changed(self) -> float:
        """Changed bonds (broken + formed) over the initial host bond count."""
        return (len(self.broken) + len(self.formed)) / max(self.n_host_bonds, 1)

    @property
    def reconstructed(self) -> bool:
        """True when more than ``max_fraction`` of the host's bonds changed."""
        return self.fraction_changed > self.max_fraction

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"broken": [list(b) for b in self.broken], "formed": [list(b) for b in self.formed],
                "n_host_bonds": self.n_host_bonds, "max_fraction": self.max_fraction,
                "fraction_changed": self.fraction_changed, "reconstructed": self.reconstructed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HostChange:
        """Inverse of :meth:`as_dict`."""
        return cls(tuple(tuple(b) for b in data["broken"]), tuple(tuple(b) for b in data["formed"]),  # type: ignore[misc]
                   int(data["n_host_bonds"]), float(data["max_fraction"]))


def _bonds(atoms: Atoms, indices: Sequence[int], mult: float) -> set[tuple[int, int]]:
    """Bonded pairs among ``indices`` by ASE natural cutoffs × ``mult``."""
    from ase.neighborlist import natural_cutoffs, neighbor_list

    inside = set(indices)
    first, second = neighbor_list("ij", atoms, natural_cutoffs(atoms, mult=mult))
    return {(int(a), int(b)) for a, b in zip(first, second, strict=True) if a < b and a in inside and b in inside}


def host_change(initial: Atoms, final: Atoms, host_indices: Sequence[int] | None = None,
                max_fraction: float = 0.1, mult: float = 1.15) -> HostChange:
    """Compare host–host bonds (natural cutoffs × ``mult``, Å) of ``initial`` and ``final`` (same atom order).

    ``host_indices`` default to every atom that is not in ``initial.info["adsorbate_indices"]`` (set by
    :func:`nanocat.atoms.adsorbates.adsorbate_candidates`). The host counts as reconstructed when more than
    ``max_fraction`` of its bonds broke or formed (10 % by default: ordinary relaxation around an adsorbate
    changes none or one or two of the 42 bonds of a 13-atom icosahedron; an isomerisation changes many).
    """
    if len(initial) != len(final) or list(initial.numbers) != list(final.numbers):
        raise InputError("host_change: initial and final must be the same atoms in the same order")
    if host_indices is None:
        ads = {int(i) for i in initial.info.get("adsorbate_indices", ())}
        host_indices = [i for i in range(len(initial)) if i not in ads]
    before, after = _bonds(initial, host_indices, mult), _bonds(final, host_indices, mult)
    return HostChange(tuple(sorted(before - after)), tuple(sorted(after - before)), len(before), float(max_fraction))
