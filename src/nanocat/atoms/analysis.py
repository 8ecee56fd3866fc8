"""Structure analysis of metal nanoclusters: core/shell/staples, CN and GCN, ligands, hydrides, M···M contacts.

Algorithm (all distances in Å, neighbours from ``ase.neighborlist`` with ``natural_cutoffs``):

1. Bonds: a pair is bonded below ``f * (r_i + r_j)`` with ASE's covalent radii ``r`` and
   ``f`` = :data:`METAL_METAL_FACTOR` for metal-metal pairs (metal-metal distances in clusters run up to
   ~1.2x the covalent sum: 3.1-3.3 Å inside the Au13 core of Au25), :data:`METAL_H_FACTOR` for metal-H
   (μ4-μ5 hydrides sit up to ~2.0 Å from Cu) and :data:`COVALENT_FACTOR` otherwise (1.2: ASE radii put
   H-H at 0.62 Å, H2 is 0.74 Å).
2. Ligands are the connected components of the non-metal bond graph that touch a metal; their anchor
   atoms (S, Se, P, C, O, N, halide) are the atoms bonded to metals. A lone H bonded only to metals is a
   hydride.
3. Staple metals are metals bonded to exactly two chalcogen anchors in a near-linear X-M-X unit (angle >
   :data:`STAPLE_ANGLE_DEG`), the M(I) of -SR-M-SR- staples; connected staple metals with their anchors
   form a motif (1 metal: monomeric M(SR)2, 2: dimeric M2(SR)3, ...). All other metals are the core.
4. Core atoms on the convex hull of the core (within :data:`HULL_TOL_A`) are its shell, the rest its
   interior.
5. CN counts metal neighbours; GCN(i) = sum over metal neighbours j of CN(j)/12 (Calle-Vallejo et al.,
   Science 2015, 350, 185-189; CN_max = 12 for an fcc-derived top site).
6. A hydride enclosed by the convex hull of its coordinating metals (>= 4 of them) is interstitial; any
   other (μ2/μ3 face-capping, or μ4 outside its metals' hull) is a lattice (surface-exposed) hydride.
7. M···M contacts: pairs closer than the sum of Bondi van der Waals radii (Bondi, J. Phys. Chem. 1964,
   68, 441, doi:10.1021/j100785a001; ``ase.data.vdw_radii``): 2.80 Å for Cu···Cu (cuprophilic).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, vdw_radii

from nanocat._version import __version__
from nanocat.errors import StructureError

log = logging.getLogger(__name__)

METALS = frozenset(
    "Li Na K Rb Cs Be Mg Ca Sr Ba Sc Ti V Cr Mn Fe Co Ni Cu Zn Y Zr Nb Mo Tc Ru Rh Pd Ag Cd Hf Ta W Re Os Ir "
    "Pt Au Hg Al Ga In Tl Sn Pb Bi La Ce".split())
"""Elements treated as cluster metals."""
METAL_METAL_FACTOR = 1.2
METAL_H_FACTOR = 1.25
COVALENT_FACTOR = 1.2
STAPLE_ANGLE_DEG = 150.0
HULL_TOL_A = 0.3
CN_MAX_TOP = 12
CHALCOGENS = frozenset({"S", "Se", "Te"})
HALIDES = frozenset({"F", "Cl", "Br", "I"})


@dataclass(frozen=True)
class Bonds:
    """Bond graph of a structure: per-atom neighbour sets (indices) and the metal indices."""

    neighbors: tuple[frozenset[int], ...]
    metals: tuple[int, ...]

    def metal_neighbors(self, i: int) -> frozenset[int]:
        """Metal atoms bonded to atom ``i``."""
        return frozenset(j for j in self.neighbors[i] if j in self._metal_set)

    @cached_property
    def _metal_set(self) -> frozenset[int]:
        return frozenset(self.metals)


def find_bonds(atoms: Atoms) -> Bonds:
    """Bond graph from ``ase.neighborlist`` with natural (covalent) cutoffs scaled per pair type."""
    from ase.neighborlist import natural_cutoffs, neighbor_list

    symbols = atoms.get_chemical_symbols()
    is_metal = np.array([s in METALS for s in symbols])
    radii = np.array(natural_cutoffs(atoms, mult=1.0))
    cutoff = float(2 * radii.max() * max(METAL_METAL_FACTOR, METAL_H_FACTOR, COVALENT_FACTOR))
    i, j, d = neighbor_list("ijd", atoms, cutoff, self_interaction=False)
    is_h = np.array([s == "H" for s in symbols])
    factor = np.full(len(i), COVALENT_FACTOR)
    factor[is_metal[i] & is_metal[j]] = METAL_METAL_FACTOR
    factor[(is_metal[i] & is_h[j]) | (is_h[i] & is_metal[j])] = METAL_H_FACTOR
    keep = d < factor * (radii[i] + radii[j])
    neighbors: list[set[int]] = [set() for _ in range(len(atoms))]
    for a, b in zip(i[keep], j[keep], strict=True):
        neighbors[int(a)].add(int(b))
    return Bonds(tuple(frozenset(n) for n in neighbors), tuple(int(k) for k in np.flatnonzero(is_metal)))


def hull_surface(points: np.ndarray, tol_A: float = HULL_TOL_A) -> np.ndarray:
    """Boolean mask of points lying on the convex hull of ``points`` (within ``tol_A``, Å)."""
    from scipy.spatial import ConvexHull, QhullError

    points = np.asarray(points, dtype=float)
    if len(points) < 5:
        return np.ones(len(points), dtype=bool)
    try:
        hull = ConvexHull(points)
    except QhullError:  # coplanar or collinear: every atom is on the surface
        return np.ones(len(points), dtype=bool)
    # equations: n.x + c <= 0 inside; distance to the nearest facet plane
    depth = -(points @ hull.equations[:, :3].T + hull.equations[:, 3])
    return depth.min(axis=1) < tol_A


def _inside_hull(point: np.ndarray, vertices: np.ndarray, margin_A: float = 0.05) -> bool:
    """True when ``point`` lies inside the convex hull of ``vertices`` by more than ``margin_A`` (Å)."""
    from scipy.spatial import ConvexHull, QhullError

    if len(vertices) < 4:
        return False
    try:
        hull = ConvexHull(vertices)
    except QhullError:
        return False
    depth = -(hull.equations[:, :3] @ point + hull.equations[:, 3])
    return bool(depth.min() > margin_A)


@dataclass(frozen=True)
class MetalSite:
    """One metal atom: role (interior/shell/staple), CN (metal neighbours), GCN and ligand bonds."""

    index: int
    element: str
    role: str
    cn: int
    gcn: float
    n_ligand_bonds: int


@dataclass(frozen=True)
class Ligand:
    """One ligand (or hydride): kind, formula written anchor first, atom indices, bonded metals."""

    kind: str
    formula: str
    atom_indices: tuple[int, ...]
    anchor_indices: tuple[int, ...]
    metal_indices: tuple[int, ...]


@dataclass(frozen=True)
class StapleMotif:
    """A -X-M-X- staple: n metals and n+1 anchors (``kind`` monomeric/dimeric/...); ``formula`` e.g. Au2(SR)3."""

    kind: str
    formula: str
    metal_indices: tuple[int, ...]
    anchor_indices: tuple[int, ...]


@dataclass(frozen=True)
class Hydride:
    """A hydride: index, location (``lattice`` = surface-exposed, or ``interstitial``), coordinating metals."""

    index: int
    location: str
    metal_indices: tuple[int, ...]

    @property
    def coordination(self) -> int:
        """Number of metals bonded to the hydride (μn)."""
        return len(self.metal_indices)


@dataclass(frozen=True)
class Contact:
    """M···M contacts below ``threshold_A`` (sum of Bondi vdW radii): count, shortest and mean distance (Å)."""

    pair: str
    threshold_A: float
    count: int
    min_A: float | None
    mean_A: float | None


_NESTED = {"metal_sites": MetalSite, "ligands": Ligand, "staples": StapleMotif, "hydrides": Hydride,
           "contacts": Contact}


def _tuplify(value: Any) -> Any:
    """Lists (from JSON) back to tuples, recursively."""
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    return value


@dataclass(frozen=True)
class StructureAnalysis:
    """Result of :func:`analyze_structure` (indices refer to the analysed structure; distances in Å)."""

    name: str
    charge: int
    n_atoms: int
    metals: dict[str, int]
    core_indices: tuple[int, ...]
    interior_indices: tuple[int, ...]
    shell_indices: tuple[int, ...]
    staple_indices: tuple[int, ...]
    metal_sites: tuple[MetalSite, ...]
    staples: tuple[StapleMotif, ...]
    ligands: tuple[Ligand, ...]
    ligand_counts: dict[str, int]
    hydrides: tuple[Hydride, ...]
    contacts: tuple[Contact, ...]
    implied_formula: str
    formula_check: str
    nanocat_version: str = field(default=__version__)

    @property
    def exposed_metal_indices(self) -> tuple[int, ...]:
        """Shell metals bonded to no ligand anchor (bare surface metal atoms)."""
        bound = {m for lig in self.ligands for m in lig.metal_indices}
        return tuple(i for i in self.shell_indices if i not in bound)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StructureAnalysis:
        """Rebuild from :meth:`as_dict` output (e.g. after a JSON round trip)."""
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in _NESTED:
                kind = _NESTED[f.name]
                value = tuple(kind(**{k: _tuplify(v) for k, v in item.items()}) for item in value)
            elif isinstance(value, list):
                value = _tuplify(value)
            kwargs[f.name] = value
        return cls(**kwargs)


def _fragment_formula(symbols: list[str], anchors: list[str]) -> str:
    """Formula written anchor first, then C, H, then the rest alphabetically (e.g. ``SCH3``)."""
    counts = Counter(symbols)
    order = list(dict.fromkeys(sorted(anchors)))
    order += [el for el in ("C", "H") if el not in order]
    order += sorted(el for el in counts if el not in order)
    return "".join(f"{el}{counts[el] if counts[el] > 1 else ''}" for el in order if counts.get(el))


def _ligand_kind(atoms: Atoms, bonds: Bonds, frag: list[int], anchors: list[int]) -> str:
    """Chemical kind of a metal-bound fragment from its anchor atoms and composition."""
    symbols = [atoms[i].symbol for i in frag]
    anchor_el = {atoms[i].symbol for i in anchors}
    if len(frag) == 1 and symbols[0] == "H":
        return "hydride"
    if len(frag) == 1 and symbols[0] in HALIDES:
        return "halide"
    if "S" in anchor_el and "P" in symbols:
        return "dithiophosphate"
    if "S" in anchor_el:
        return "thiolate"
    if "Se" in anchor_el:
        return "selenolate"
    if "P" in anchor_el:
        return "diphosphine" if symbols.count("P") >= 2 else "phosphine"
    if "C" in anchor_el:
        for a in anchors:
            if any(atoms[n].symbol == "C" and atoms.get_distance(a, n) < 1.30 for n in bonds.neighbors[a]):
                return "alkynyl"  # C≡C ~1.20 Å vs C=C 1.34 Å
        return "carbon-bound"
    if "O" in anchor_el:
        carbons = [i for i in frag if atoms[i].symbol == "C"]
        if any(sum(atoms[n].symbol == "O" for n in bonds.neighbors[c]) >= 2 for c in carbons):
            return "carboxylate"
        return "alkoxide" if carbons else "oxo/hydroxo"
    if "N" in anchor_el:
        return "N-donor"
    return "other"


def _metal_formula(counts: dict[str, int]) -> str:
    """Metal part of a formula, minority metals first (``PdAu24``, ``Au25``)."""
    items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return "".join(f"{el}{n if n > 1 else ''}" for el, n in items)


def _check_formula(formula: str, charge: int, composition: dict[str, int]) -> str:
    """Compare the implied formula with the chem parser's composition (when chem can parse it)."""
    try:
        from nanocat.chem import parse_formula
    except ImportError:
        return "unchecked: nanocat.chem.parse_formula not available"
    from nanocat.errors import FormulaError

    sign = "-" if charge < 0 else "+"
    text = f"[{formula}]" + ("" if charge == 0 else f"{abs(charge) if abs(charge) > 1 else ''}{sign}")
    try:
        parsed = parse_formula(text)
    except FormulaError as exc:
        return f"unchecked: chem cannot parse {text!r} ({exc})"
    parsed_comp = getattr(parsed, "composition", None)
    if not parsed_comp:
        return "unchecked: chem gives no composition for this formula"
    if {k: int(v) for k, v in dict(parsed_comp).items() if v} == composition:
        return "consistent with chem.parse_formula"
    return f"mismatch: chem composition {dict(parsed_comp)} vs structure {composition}"


def analyze_structure(atoms: Atoms, charge: int | None = None, bonds: Bonds | None = None) -> StructureAnalysis:
    """Analyse a cluster (Å): core/shell/staples, CN/GCN, ligands, implied formula, hydrides, contacts.

    ``charge`` (e) defaults to ``atoms.info["charge"]`` (0 when absent); ``bonds`` is
    :func:`find_bonds` of the same structure when the caller already has it. See the module docstring
    for the numbered algorithm.
    """
    atoms = atoms.copy()
    if len(atoms) == 0:
        raise StructureError("cannot analyse an empty structure")
    q = int(atoms.info.get("charge", 0) if charge is None else charge)
    symbols = atoms.get_chemical_symbols()
    if bonds is None or len(bonds.neighbors) != len(atoms):
        bonds = find_bonds(atoms)
    metals = list(bonds.metals)
    if not metals:
        raise StructureError(f"{atoms.info.get('name', 'structure')}: no metal atoms ({atoms.get_chemical_formula()})")
    metal_set = set(metals)

    # ligands: components of the non-metal graph that touch a metal
    graph = nx.Graph()
    nonmetal = [i for i in range(len(atoms)) if i not in metal_set]
    graph.add_nodes_from(nonmetal)
    graph.add_edges_from((a, b) for a in nonmetal for b in bonds.neighbors[a] if b not in metal_set)
    ligands: list[Ligand] = []
    for comp in sorted(nx.connected_components(graph), key=min):
        frag = sorted(comp)
        anchors = [a for a in frag if bonds.metal_neighbors(a)]
        if not anchors:
            continue
        kind = _ligand_kind(atoms, bonds, frag, anchors)
        bound = sorted({m for a in anchors for m in bonds.metal_neighbors(a)})
        formula = "H" if kind == "hydride" else _fragment_formula([symbols[i] for i in frag],
                                                                   [symbols[a] for a in anchors])
        ligands.append(Ligand(kind, formula, tuple(frag), tuple(anchors), tuple(bound)))
    unbound = len(atoms) - len(metals) - sum(len(lig.atom_indices) for lig in ligands)
    if unbound:
        log.info("%d non-metal atoms are bound to no metal (counter-ions or solvent?)", unbound)

    # staples: M bonded to exactly two chalcogen anchors in a near-linear X-M-X unit
    chalcogen_anchor = {a for lig in ligands if lig.kind != "hydride" for a in lig.anchor_indices
                        if symbols[a] in CHALCOGENS}
    staple_metals = []
    for m in metals:
        xs = sorted(n for n in bonds.neighbors[m] if n in chalcogen_anchor)
        if len(xs) == 2 and atoms.get_angle(xs[0], m, xs[1]) > STAPLE_ANGLE_DEG:
            staple_metals.append(m)
    staple_graph = nx.Graph()
    staple_graph.add_nodes_from(staple_metals)
    staple_graph.add_edges_from((m, x) for m in staple_metals for x in bonds.neighbors[m] if x in chalcogen_anchor)
    staples = []
    for comp in sorted(nx.connected_components(staple_graph), key=min):
        ms = tuple(sorted(i for i in comp if i in metal_set))
        xs = tuple(sorted(i for i in comp if i not in metal_set))
        names = {1: "monomeric", 2: "dimeric", 3: "trimeric", 4: "tetrameric"}
        el = Counter(symbols[i] for i in ms).most_common(1)[0][0]
        x_el = Counter(symbols[i] for i in xs).most_common(1)[0][0]
        formula = f"{el}{len(ms) if len(ms) > 1 else ''}({x_el}R){len(xs)}"
        staples.append(StapleMotif(names.get(len(ms), f"{len(ms)}-meric"), formula, ms, xs))

    core = [m for m in metals if m not in set(staple_metals)]
    on_hull = hull_surface(atoms.positions[core]) if core else np.zeros(0, dtype=bool)
    shell = [m for m, s in zip(core, on_hull, strict=True) if s]
    interior = [m for m, s in zip(core, on_hull, strict=True) if not s]

    cn = {m: len(bonds.metal_neighbors(m)) for m in metals}
    ligand_bonds = {m: len(bonds.neighbors[m] - metal_set) for m in metals}
    role = {**{m: "interior" for m in interior}, **{m: "shell" for m in shell},
            **{m: "staple" for m in staple_metals}}
    metal_sites = tuple(
        MetalSite(m, symbols[m], role[m], cn[m], round(sum(cn[j] for j in bonds.metal_neighbors(m)) / CN_MAX_TOP, 4),
                  ligand_bonds[m]) for m in metals)

    hydrides = []
    for lig in ligands:
        if lig.kind != "hydride":
            continue
        h = lig.atom_indices[0]
        ms = lig.metal_indices
        inside = _inside_hull(atoms.positions[h], atoms.positions[list(ms)])
        hydrides.append(Hydride(h, "interstitial" if inside else "lattice", ms))

    contacts = _contacts(atoms, metals)

    metal_counts = dict(sorted(Counter(symbols[m] for m in metals).items()))
    ligand_counts = dict(Counter(lig.formula for lig in ligands if lig.kind != "hydride").most_common())
    n_h = sum(1 for lig in ligands if lig.kind == "hydride")
    implied = _metal_formula(metal_counts) + (f"H{n_h if n_h > 1 else ''}" if n_h else "")
    # single-atom ligands (halides) are written bare, as in [Au25(PPh3)10(SR)5Cl2]2+
    implied += "".join(f"{f if f.isalpha() and sum(c.isupper() for c in f) == 1 else f'({f})'}{n if n > 1 else ''}"
                       for f, n in ligand_counts.items())
    composition = dict(sorted(Counter(symbols).items()))
    check = _check_formula(implied, q, composition) if not unbound else "unchecked: unbound atoms present"
    return StructureAnalysis(
        name=str(atoms.info.get("name", atoms.get_chemical_formula())), charge=q, n_atoms=len(atoms),
        metals=metal_counts, core_indices=tuple(core), interior_indices=tuple(interior),
        shell_indices=tuple(shell), staple_indices=tuple(staple_metals), metal_sites=metal_sites,
        staples=tuple(staples), ligands=tuple(ligands), ligand_counts=ligand_counts, hydrides=tuple(hydrides),
        contacts=contacts, implied_formula=implied, formula_check=check)


def _contacts(atoms: Atoms, metals: list[int]) -> tuple[Contact, ...]:
    """Metal···metal contacts below the sum of Bondi vdW radii, per element pair."""
    symbols = atoms.get_chemical_symbols()
    elements = sorted({symbols[m] for m in metals})
    distances = atoms.get_all_distances()
    out = []
    for ia, a in enumerate(elements):
        for b in elements[ia:]:
            ra, rb = vdw_radii[atomic_numbers[a]], vdw_radii[atomic_numbers[b]]
            if not (np.isfinite(ra) and np.isfinite(rb)):
                continue  # no tabulated vdW radius (e.g. Fe, Co): no contact threshold to apply
            threshold = round(float(ra + rb), 3)
            ia_idx = [m for m in metals if symbols[m] == a]
            ib_idx = [m for m in metals if symbols[m] == b]
            d = distances[np.ix_(ia_idx, ib_idx)]
            if a == b:
                d = d[np.triu_indices(len(ia_idx), 1)]
            d = d[(d > 0) & (d < threshold)].ravel()
            out.append(Contact(f"{a}-{b}", threshold, int(d.size),
                               round(float(d.min()), 4) if d.size else None,
                               round(float(d.mean()), 4) if d.size else None))
    return tuple(out)
