"""Built-in bare clusters (Cu13, Cu55, Cu12M, Cu54M, Cu4, Au13, Ag13) and reading user structure files.

Every function returns a new :class:`ase.Atoms` whose ``info`` holds ``name``, ``charge``,
``multiplicity`` and ``source`` (provenance). Built-in geometries are *starting* geometries: bond
lengths are the bulk nearest-neighbour distances of ``ase.data.reference_states`` (Kittel's lattice
constants); relax them with an engine before reading energies off them.

Naming of the built-ins (case-sensitive element symbols):

- ``Cu13``, ``Au13``, ``Ag13``, ``Cu55``: Mackay icosahedra (``ase.cluster.Icosahedron``).
- ``Cu12M`` / ``Cu54M`` with M in Fe, Co, Ni: one Cu replaced by M at a corner (an outer-shell
  vertex, CN 6) as in Shi et al., Sci. China Mater. 2024, 67, 3602 (seed ref 126), the default; or at
  the centre with the suffix ``@centre`` (``Cu12Co@centre``); ``@corner`` is accepted explicitly.
- ``Cu4``: tetrahedral (Td) Cu4, see :data:`CU4_CHOICE`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, reference_states

from nanocat.errors import StructureError

log = logging.getLogger(__name__)

DOPANTS = ("Fe", "Co", "Ni")
"""Dopants of the Cu12M / Cu54M built-ins (seed ref 126: Fe, Co, Ni at corner sites)."""

MIN_DISTANCE_A = 0.5
"""Two atoms closer than this (Å) are a broken file, not chemistry (shortest real bond, H2, is 0.74 Å)."""

CU4_CHOICE = (
    "Cu4 is built tetrahedral (Td, all six Cu-Cu edges at the bulk distance). Seed ref 110 (Guan et al., "
    "ACS Sustainable Chem. Eng. 2021, 9, 13536) credits the C2H4 selectivity of MWCNT-anchored Cu4 to *CO "
    "dimerisation on neighbouring Cu atoms but gives no geometry here; the tetrahedron is the compact "
    "isomer in which every Cu pair is a neighbour pair and which offers top, bridge and 3-fold hollow "
    "sites. A planar (rhombic) Cu4 can be read from a file with read_structure."
)

_ICOSAHEDRA = {"Cu13": ("Cu", 2), "Au13": ("Au", 2), "Ag13": ("Ag", 2), "Cu55": ("Cu", 3)}
_DOPED = re.compile(r"^Cu(?P<n>12|54)(?P<m>Fe|Co|Ni)(?:@(?P<site>corner|centre|center))?$")


def _builtin_names() -> dict[str, str]:
    """Every built-in name with a one-line description."""
    names = {
        "Cu13": "Cu13 Mackay icosahedron (1 centre + 12 vertices)",
        "Cu55": "Cu55 two-shell Mackay icosahedron",
        "Au13": "Au13 icosahedron",
        "Ag13": "Ag13 icosahedron",
        "Cu4": "Cu4 tetrahedron (seed ref 110)",
    }
    for n, parent in (("12", "Cu13"), ("54", "Cu55")):
        for m in DOPANTS:
            names[f"Cu{n}{m}"] = f"{parent} with one {m} at a corner (vertex) site (seed ref 126)"
            names[f"Cu{n}{m}@centre"] = f"{parent} with {m} at the centre"
    return names


BUILTIN_CLUSTERS: dict[str, str] = _builtin_names()
"""Names accepted by :func:`build_cluster`, each with a description."""


def _bulk_nn_distance_A(symbol: str) -> float:
    """Nearest-neighbour distance of the element's bulk reference state (Å), from ase.data."""
    state = reference_states[atomic_numbers[symbol]]
    a = float(state["a"])
    if state["symmetry"] == "fcc":
        return a / np.sqrt(2.0)
    if state["symmetry"] == "bcc":
        return a * np.sqrt(3.0) / 2.0
    if state["symmetry"] == "hcp":
        return a
    raise StructureError(f"no bulk nearest-neighbour distance for {symbol} ({state['symmetry']})")


def lowest_multiplicity(atoms: Atoms, charge: int = 0) -> int:
    """Lowest spin multiplicity consistent with the electron count's parity (1 if even, 2 if odd)."""
    n_electrons = int(atoms.get_atomic_numbers().sum()) - int(charge)
    if n_electrons < 0:
        raise StructureError(f"charge {charge} leaves a negative electron count")
    return 1 if n_electrons % 2 == 0 else 2


def _finish(atoms: Atoms, name: str, charge: int, multiplicity: int | None, source: str) -> Atoms:
    """Attach name, charge, multiplicity (lowest by parity unless given) and provenance."""
    mult = lowest_multiplicity(atoms, charge) if multiplicity is None else int(multiplicity)
    if mult < 1:
        raise StructureError(f"{name}: multiplicity must be >= 1, got {mult}")
    n_electrons = int(atoms.get_atomic_numbers().sum()) - int(charge)
    if (n_electrons + mult - 1) % 2 != 0:
        raise StructureError(
            f"{name}: multiplicity {mult} is impossible with {n_electrons} electrons (charge {charge}); "
            f"use an {'odd' if n_electrons % 2 == 0 else 'even'} multiplicity")
    atoms.info.update(name=name, charge=int(charge), multiplicity=mult, source=source,
                      multiplicity_rule="lowest by electron parity" if multiplicity is None else "user")
    return atoms


def _icosahedron(symbol: str, noshells: int) -> Atoms:
    """Mackay icosahedron centred at the origin, centre atom first, bulk nearest-neighbour distance."""
    from ase.cluster import Icosahedron

    # ASE sets the centre-vertex distance to latticeconstant/sqrt(2): the fcc nearest-neighbour distance.
    nn = _bulk_nn_distance_A(symbol)
    ico = Icosahedron(symbol, noshells=noshells, latticeconstant=nn * np.sqrt(2.0))
    atoms = Atoms(ico.get_chemical_symbols(), positions=ico.get_positions())
    atoms.translate(-atoms.positions[0])
    return atoms


def _corner_index(atoms: Atoms) -> int:
    """Index of one outer vertex (largest distance from the centre; the lowest index among ties)."""
    r = np.linalg.norm(atoms.positions - atoms.positions[0], axis=1)
    return int(np.flatnonzero(r > r.max() - 1e-3)[0])


def build_cluster(name: str, charge: int = 0, multiplicity: int | None = None) -> Atoms:
    """Build a built-in bare cluster by name (see :data:`BUILTIN_CLUSTERS`); positions in Å.

    Parameters
    ----------
    name : e.g. ``"Cu13"``, ``"Cu12Co"`` (Co at a corner), ``"Cu54Ni@centre"``, ``"Cu4"``.
    charge : net charge (e).
    multiplicity : 2S+1; default the lowest allowed by the electron count's parity.
    """
    key = name.strip()
    if key in _ICOSAHEDRA:
        symbol, shells = _ICOSAHEDRA[key]
        atoms = _icosahedron(symbol, shells)
        source = f"ase.cluster.Icosahedron({symbol!r}, noshells={shells}), bulk NN distance from ase.data"
    elif key == "Cu4":
        d = _bulk_nn_distance_A("Cu")
        tetra = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
        atoms = Atoms("Cu4", positions=tetra * d / (2.0 * np.sqrt(2.0)))
        source = "regular Cu4 tetrahedron, edge = bulk Cu NN distance (ase.data); " + CU4_CHOICE
    elif (match := _DOPED.match(key)) is not None:
        atoms = _icosahedron("Cu", 2 if match["n"] == "12" else 3)
        at_centre = match["site"] in ("centre", "center")
        index = 0 if at_centre else _corner_index(atoms)
        atoms[index].symbol = match["m"]
        key = f"Cu{match['n']}{match['m']}" + ("@centre" if at_centre else "")
        source = (f"Cu{len(atoms)} icosahedron (ase.cluster), {match['m']} at the "
                  f"{'centre' if at_centre else 'corner (vertex, seed ref 126)'}; Cu-Cu bulk NN distance")
    else:
        from difflib import get_close_matches

        close = get_close_matches(key, list(BUILTIN_CLUSTERS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise StructureError(f"unknown built-in cluster {name!r}.{hint} Built-ins: {', '.join(BUILTIN_CLUSTERS)}")
    return _finish(atoms, key, charge, multiplicity, source)


def check_structure(atoms: Atoms, where: str) -> None:
    """Raise StructureError (naming ``where``) for empty structures, unknown elements or overlapping atoms."""
    if len(atoms) == 0:
        raise StructureError(f"{where}: no atoms")
    unknown = [i for i, z in enumerate(atoms.numbers) if z <= 0]
    if unknown:
        raise StructureError(f"{where}: atom(s) {unknown[:5]} have no known element symbol")
    if not np.all(np.isfinite(atoms.positions)):
        raise StructureError(f"{where}: non-finite coordinates")
    if len(atoms) > 1:
        from ase.neighborlist import neighbor_list

        i, j, d = neighbor_list("ijd", atoms, MIN_DISTANCE_A, self_interaction=False)
        if len(d):
            k = int(np.argmin(d))
            raise StructureError(
                f"{where}: atoms {i[k]} ({atoms[i[k]].symbol}) and {j[k]} ({atoms[j[k]].symbol}) are "
                f"{d[k]:.2f} Å apart (< {MIN_DISTANCE_A} Å): overlapping or duplicated atoms")


def read_structure(path: str | Path, charge: int = 0, multiplicity: int | None = None) -> Atoms:
    """Read a structure file in any ase.io format (Å); the last frame of a trajectory is used.

    Raises StructureError naming the file when it is missing, empty, unreadable, has unknown elements
    or overlapping atoms (< 0.5 Å).
    """
    from ase.io import read
    from ase.io.formats import UnknownFileTypeError

    p = Path(path)
    if not p.is_file():
        raise StructureError(f"{p}: no such structure file")
    if p.stat().st_size == 0:
        raise StructureError(f"{p}: file is empty")
    try:
        atoms = read(str(p), index=-1)
    except UnknownFileTypeError as exc:
        raise StructureError(f"{p}: unknown structure format ({exc}); use e.g. .xyz, .extxyz, .cif, .pdb, .traj")
    except Exception as exc:  # noqa: BLE001
        # ase.io's ~80 format readers signal malformed input with any exception type (ValueError,
        # KeyError, StopIteration, sqlite3.DatabaseError, ...): each one means "this file is not readable".
        raise StructureError(f"{p}: cannot read the structure ({type(exc).__name__}: {exc})") from exc
    if isinstance(atoms, list):
        atoms = atoms[-1]
    check_structure(atoms, str(p))
    log.info("read %d atoms (%s) from %s", len(atoms), atoms.get_chemical_formula(), p)
    clean = Atoms(atoms.get_chemical_symbols(), positions=atoms.get_positions(), cell=atoms.get_cell(),
                  pbc=atoms.get_pbc())
    return _finish(clean, p.stem, charge, multiplicity, f"file {p.resolve()}")


def structure_hash(atoms: Atoms, decimals: int = 3) -> str:
    """Stable SHA-256 of elements, positions rounded to ``decimals`` Å, cell/pbc, fixed atoms, charge, multiplicity."""
    positions = np.round(np.asarray(atoms.get_positions(), dtype=float), decimals) + 0.0  # -0.0 -> 0.0
    payload = {
        "symbols": atoms.get_chemical_symbols(),
        "positions": [[f"{x:.{decimals}f}" for x in row] for row in positions],
        "cell": [[f"{x:.{decimals}f}" for x in row] for row in np.round(atoms.cell.array, decimals) + 0.0],
        "pbc": [bool(x) for x in atoms.pbc],
        "fixed": sorted(int(i) for c in atoms.constraints if hasattr(c, "get_indices") for i in c.get_indices()),
        "charge": int(atoms.info.get("charge", 0)),
        "multiplicity": atoms.info.get("multiplicity"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
