"""Adsorption sites on nanoclusters with symmetry de-duplication, including ligand-vacancy and hydride sites.

:class:`SiteFinder` works on finite clusters (pymatgen's AdsorbateSiteFinder needs a periodic slab):

1. Analyse the structure (:func:`nanocat.atoms.analysis.analyze_structure`): shell metals bonded to no
   ligand are the exposed metals.
2. Candidates: ``top`` on every exposed metal; ``bridge`` on every bonded pair of exposed metals;
   ``hollow`` on every triangle of mutually bonded exposed metals whose plane faces outwards (3-fold only).
   On ligand-protected clusters: ``vacancy`` for each removable ligand (the sites its anchor bound, e.g.
   the dethiolated Au atoms of Au25 after removing one SR: ``Site.removed`` lists the atoms to delete);
   ``ligand`` on each anchor atom (S, P, ...); ``hydride`` on each lattice (surface-exposed) hydride, as
   an H donor (``removed`` is the H).
3. Fingerprint of a site, ``method="geometry"``: for each element, the sorted distances (Å) from the
   site point to all atoms of the metal/anchor framework (R groups are left out: their rotamers would
   break equivalence). Sites of one kind with the same site elements and fingerprints equal within
   ``symmetry_tol_A`` are symmetry-equivalent.
   ``method="graph"``: Weisfeiler-Lehman hashes (networkx) of the site atoms in the bond graph of the
   framework, nodes labelled by element and role (interior/shell/staple metal, anchor, hydride location);
   metal-metal edges are left out for ligand, vacancy and hydride sites and never touch staple metals
   (aurophilic contacts straddle any cutoff). Equal hashes = equivalent. DFT-relaxed ligand-protected
   clusters are distorted by 0.3-0.5 Å from their ideal point group (the shared CP2K [Au25(SCH3)18]-
   needs a 0.5 Å tolerance to merge its 18 S sites geometrically, and then merges wrongly), so
   ``method="auto"`` uses the graph for ligand-protected clusters and the geometry for bare ones.
4. Each class keeps its first member; all members' index tuples go into ``Site.equivalent``.
5. Metal sites carry their generalized coordination number: the CNs of the metal atoms bonded to any
   site atom (site atoms excluded) summed and divided by cn_max = 12/18/22 for top/bridge/hollow
   (Calle-Vallejo et al., Science 2015, 350, 185-189).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
from ase import Atoms

from nanocat.atoms.analysis import Bonds, StructureAnalysis, analyze_structure, find_bonds
from nanocat.atoms.structures import lowest_multiplicity
from nanocat.errors import InputError, StructureError

log = logging.getLogger(__name__)

SiteKind = Literal["top", "bridge", "hollow", "vacancy", "ligand", "hydride"]
SITE_KINDS: tuple[str, ...] = get_args(SiteKind)
METAL_SITE_KINDS = ("top", "bridge", "hollow")
DedupMethod = Literal["auto", "geometry", "graph"]
WL_ITERATIONS = 4
HOLLOW_MIN_COS = 0.5
"""A triangle is a surface hollow only if its outward plane normal is within 60° of the radial direction."""


@dataclass(frozen=True)
class Site:
    """One unique adsorption site (position in Å, unit normal pointing away from the cluster).

    ``indices`` are the metal atoms of the site; ``equivalent`` holds the index tuples of every
    symmetry-equivalent site this one stands for (itself included); ``removed`` the atoms to delete before
    adsorbing (ligand vacancy, donated hydride); ``anchor`` the ligand/hydride atom of the site.
    """

    kind: str
    label: str
    indices: tuple[int, ...]
    position: tuple[float, float, float]
    normal: tuple[float, float, float]
    elements: tuple[str, ...]
    equivalent: tuple[tuple[int, ...], ...] = ()
    removed: tuple[int, ...] = ()
    anchor: int | None = None
    gcn: float | None = None

    @property
    def n_equivalent(self) -> int:
        """How many symmetry-equivalent sites this one stands for."""
        return max(1, len(self.equivalent))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Site:
        """Rebuild from :meth:`as_dict` output."""
        d = dict(data)
        for key in ("indices", "position", "normal", "elements", "removed"):
            if key in d:
                d[key] = tuple(d[key])
        d["equivalent"] = tuple(tuple(e) for e in d.get("equivalent", ()))
        return cls(**d)


@dataclass
class _Candidate:
    kind: str
    indices: tuple[int, ...]
    position: np.ndarray
    normal: np.ndarray
    removed: tuple[int, ...] = ()
    anchor: int | None = None
    tag: str = ""
    fingerprint: dict[str, np.ndarray] = field(default_factory=dict)
    signature: tuple[str, ...] = ()


def _unit(v: np.ndarray) -> np.ndarray:
    """Unit vector (z if ``v`` vanishes)."""
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-8 else np.array([0.0, 0.0, 1.0])


class SiteFinder:
    """Find unique adsorption sites of a cluster; settings here, the structure goes to :meth:`find`.

    Parameters
    ----------
    kinds : site kinds to return (subset of top, bridge, hollow, vacancy, ligand, hydride).
    symmetry_tol_A : two sites are equivalent when their fingerprints differ by at most this (Å).
    method : ``auto`` (graph on ligand-protected clusters, geometry on bare ones), ``geometry`` or
        ``graph`` (see the module docstring, step 3).
    """

    def __init__(self, kinds: tuple[str, ...] = SITE_KINDS, symmetry_tol_A: float = 0.1,
                 method: DedupMethod = "auto") -> None:
        if method not in get_args(DedupMethod):
            raise InputError(f"unknown dedup method {method!r}; choose from {', '.join(get_args(DedupMethod))}")
        self.method = method
        bad = [k for k in kinds if k not in SITE_KINDS]
        if bad:
            raise InputError(f"unknown site kind(s) {bad}; choose from {', '.join(SITE_KINDS)}")
        if symmetry_tol_A < 0:
            raise InputError(f"symmetry_tol_A must be >= 0 Å, got {symmetry_tol_A}")
        self.kinds = tuple(kinds)
        self.symmetry_tol_A = float(symmetry_tol_A)
        self.n_candidates = 0
        self.n_unique = 0
        self.method_used: str | None = None
        self.analysis: StructureAnalysis | None = None

    def find(self, atoms: Atoms, analysis: StructureAnalysis | None = None) -> list[Site]:
        """Unique sites of ``atoms`` (not modified); sets ``n_candidates`` and ``n_unique``."""
        atoms = atoms.copy()
        bonds = find_bonds(atoms)
        an = analysis if analysis is not None else analyze_structure(atoms, bonds=bonds)
        self.analysis = an
        metals = [m.index for m in an.metal_sites]
        centre = atoms.positions[metals].mean(axis=0)
        cands = _metal_candidates(atoms, an, bonds, centre, self.kinds) + \
            _ligand_candidates(atoms, an, bonds, centre, self.kinds)
        framework = sorted(set(metals) | {a for lig in an.ligands for a in lig.anchor_indices})
        method = self.method
        if method == "auto":
            method = "graph" if any(lig.kind != "hydride" for lig in an.ligands) else "geometry"
        self.method_used = method
        if method == "graph":
            _graph_signatures(atoms, cands, framework, an, bonds)
        sites = self._dedup(atoms, cands, framework, an, method, bonds)
        self.n_candidates, self.n_unique = len(cands), len(sites)
        log.info("%d candidate sites, %d unique (%d computations saved)", len(cands), len(sites),
                 len(cands) - len(sites))
        return sites

    def _dedup(self, atoms: Atoms, cands: list[_Candidate], framework: list[int],
               an: StructureAnalysis, method: str, bonds: Bonds) -> list[Site]:
        """Group candidates by fingerprint (see module docstring, steps 3-4)."""
        symbols = np.array(atoms.get_chemical_symbols())
        fw = np.array(framework)
        counts = Counter(s for s in symbols[[m.index for m in an.metal_sites]])
        order = {el: (-n, el) for el, n in counts.items()}
        for c in cands:
            keep = fw[~np.isin(fw, c.removed)] if c.removed else fw
            d = np.linalg.norm(atoms.positions[keep] - c.position, axis=1)
            c.fingerprint = {el: np.sort(d[symbols[keep] == el]) for el in sorted(set(symbols[keep]))}
        classes: list[list[_Candidate]] = []
        for c in cands:
            for group in classes:
                ref = group[0]
                if ref.kind != c.kind or ref.tag != c.tag:
                    continue
                same = ref.signature == c.signature if method == "graph" else self._same(ref, c, symbols)
                if same:
                    group.append(c)
                    break
            else:
                classes.append([c])
        cn = {m.index: m.cn for m in an.metal_sites}
        metal_nn = {m.index: bonds.metal_neighbors(m.index) for m in an.metal_sites}
        role = {m.index: m.role for m in an.metal_sites}
        sites = []
        for group in classes:
            ref = group[0]
            elements = tuple(sorted((str(symbols[i]) for i in ref.indices), key=lambda e: order.get(e, (0, e))))
            head = f"{ref.tag}/" if ref.tag else ""
            body = "-".join(elements)
            if ref.kind in ("vacancy", "ligand", "hydride"):  # the bound metals' roles tell these classes apart
                body = "-".join(sorted(f"{symbols[i]}({role[i]})" for i in ref.indices))
            label = f"{ref.kind}:{head}{body}"
            sites.append(Site(ref.kind, label, ref.indices, tuple(float(x) for x in ref.position),
                              tuple(float(x) for x in ref.normal), elements,
                              tuple(c.indices for c in group), ref.removed, ref.anchor,
                              _site_gcn(ref.indices, cn, metal_nn) if ref.kind in METAL_SITE_KINDS else None))
        seen = Counter(s.label for s in sites)
        numbered: Counter[str] = Counter()
        out = []
        for s in sites:
            if seen[s.label] > 1:
                numbered[s.label] += 1
                s = replace(s, label=f"{s.label}#{numbered[s.label]}")
            out.append(s)
        return out

    def _same(self, a: _Candidate, b: _Candidate, symbols: np.ndarray) -> bool:
        """True when two candidates have the same site elements and matching fingerprints."""
        if sorted(symbols[list(a.indices)]) != sorted(symbols[list(b.indices)]):
            return False
        if a.fingerprint.keys() != b.fingerprint.keys():
            return False
        for el, da in a.fingerprint.items():
            db = b.fingerprint[el]
            if da.shape != db.shape or (da.size and np.abs(da - db).max() > self.symmetry_tol_A):
                return False
        return True


def _metal_candidates(atoms: Atoms, an: StructureAnalysis, bonds: Bonds, centre: np.ndarray,
                      kinds: tuple[str, ...]) -> list[_Candidate]:
    """Top, bridge and 3-fold hollow candidates on the exposed metals (module docstring, step 2)."""
    pos = atoms.positions
    exposed = set(an.exposed_metal_indices)
    cands: list[_Candidate] = []
    if "top" in kinds:
        cands += [_Candidate("top", (m,), pos[m].copy(), _unit(pos[m] - centre)) for m in sorted(exposed)]
    pairs = [(a, b) for a in sorted(exposed) for b in sorted(bonds.metal_neighbors(a)) if b in exposed and a < b]
    if "bridge" in kinds:
        for a, b in pairs:
            mid = (pos[a] + pos[b]) / 2
            cands.append(_Candidate("bridge", (a, b), mid, _unit(mid - centre)))
    if "hollow" in kinds:
        pair_set = set(pairs)
        for a, b in pairs:
            for c in sorted(bonds.metal_neighbors(b)):
                if c > b and c in exposed and (a, c) in pair_set:
                    tri = pos[[a, b, c]]
                    mid = tri.mean(axis=0)
                    n = _unit(np.cross(tri[1] - tri[0], tri[2] - tri[0]))
                    radial = _unit(mid - centre)
                    n = n if n @ radial >= 0 else -n
                    if n @ radial >= HOLLOW_MIN_COS:  # a triangle cutting through the cluster is no hollow
                        cands.append(_Candidate("hollow", (a, b, c), mid, n))
    return cands


def _ligand_candidates(atoms: Atoms, an: StructureAnalysis, bonds: Bonds, centre: np.ndarray,
                       kinds: tuple[str, ...]) -> list[_Candidate]:
    """Vacancy, ligand-anchor and lattice-hydride candidates (module docstring, step 2)."""
    pos = atoms.positions
    cands: list[_Candidate] = []
    for lig in an.ligands:
        if lig.kind == "hydride":
            continue
        anchor_pos = pos[list(lig.anchor_indices)].mean(axis=0)
        if "vacancy" in kinds:
            ms = lig.metal_indices
            cands.append(_Candidate("vacancy", ms, anchor_pos, _unit(anchor_pos - pos[list(ms)].mean(axis=0)),
                                    removed=lig.atom_indices, tag=lig.formula))
        if "ligand" in kinds:
            for a in lig.anchor_indices:
                # point along the anchor's free (lone-pair) direction, away from all its bonds
                away = -sum((_unit(pos[n] - pos[a]) for n in bonds.neighbors[a]), np.zeros(3))
                normal = _unit(away) if np.linalg.norm(away) > 0.3 else _unit(pos[a] - centre)
                ms = tuple(sorted(bonds.metal_neighbors(a)))
                cands.append(_Candidate("ligand", ms, pos[a].copy(), normal, anchor=a, tag=atoms[a].symbol))
    if "hydride" in kinds:
        for h in an.hydrides:
            if h.location != "lattice":
                continue  # interstitial H is not reachable from the electrolyte side
            ms = h.metal_indices
            cands.append(_Candidate("hydride", ms, pos[h.index].copy(),
                                    _unit(pos[h.index] - pos[list(ms)].mean(axis=0)),
                                    removed=(h.index,), anchor=h.index, tag="H"))
    return cands


def _graph_signatures(atoms: Atoms, cands: list[_Candidate], framework: list[int], an: StructureAnalysis,
                      bonds: Bonds) -> None:
    """Set each candidate's Weisfeiler-Lehman signature (module docstring, step 3, graph)."""
    import networkx as nx

    symbols = atoms.get_chemical_symbols()
    role = {m.index: m.role for m in an.metal_sites}
    role.update({h.index: h.location for h in an.hydrides})
    nodes = set(framework) | {h.index for h in an.hydrides}
    metals = set(role) - {h.index for h in an.hydrides}

    def graph(with_metal_edges: bool) -> nx.Graph:
        g = nx.Graph()
        for i in nodes:
            g.add_node(i, label=f"{symbols[i]}:{role.get(i, 'anchor')}")
        for i in nodes:
            for j in bonds.neighbors[i]:
                if j not in nodes or j <= i:
                    continue
                if i in metals and j in metals and (not with_metal_edges or "staple" in (role[i], role[j])):
                    continue
                g.add_edge(i, j)
        return g

    hashes = {}
    for with_mm in (True, False):
        sub = nx.weisfeiler_lehman_subgraph_hashes(graph(with_mm), node_attr="label", iterations=WL_ITERATIONS)
        hashes[with_mm] = {n: h[-1] if h else "" for n, h in sub.items()}
    for c in cands:
        h = hashes[c.kind in METAL_SITE_KINDS]
        extra = [c.anchor] if c.anchor is not None else [i for i in c.removed if i in nodes]
        c.signature = tuple(sorted(h.get(i, symbols[i]) for i in c.indices)) + ("|",) + tuple(
            sorted(h.get(i, symbols[i]) for i in extra))


SITE_CN_MAX = {1: 12, 2: 18, 3: 22}
"""Bulk fcc cn_max of top, bridge and 3-fold hollow sites (Calle-Vallejo et al., Science 2015, 350, 185)."""


def _site_gcn(indices: tuple[int, ...], cn: dict[int, int], metal_nn: dict[int, frozenset[int]]) -> float:
    """Generalized coordination number of a site: sum of CN over the site's metal neighbours / cn_max."""
    shell = set().union(*(metal_nn[i] for i in indices)) - set(indices)
    return round(sum(cn[j] for j in shell) / SITE_CN_MAX[len(indices)], 4)


def reindex(indices: tuple[int, ...], removed: tuple[int, ...]) -> tuple[int, ...]:
    """Indices after deleting ``removed`` atoms (ASE renumbers the atoms that follow a deleted one)."""
    gone = np.array(sorted(removed), dtype=int)
    bad = [i for i in indices if i in set(removed)]
    if bad:
        raise StructureError(f"site atoms {bad} are among the removed atoms")
    return tuple(int(i - np.searchsorted(gone, i)) for i in indices)


def site_structure(atoms: Atoms, site: Site) -> Atoms:
    """New structure on which adsorbates go at ``site``: ``site.removed`` deleted (none: a plain copy).

    A ligand leaves as a neutral radical (SR•, PR3, H•), so the charge is kept and the multiplicity is
    reset to the lowest allowed by the new electron count; ``info`` records what was removed.
    """
    new = atoms.copy()
    if not site.removed:
        new.info["site_label"] = site.label
        return new
    if max(site.removed) >= len(atoms):
        raise StructureError(f"site {site.label} removes atom {max(site.removed)} but the structure has "
                             f"{len(atoms)} atoms: was it found on a different structure?")
    removed_formula = Atoms([atoms[i].symbol for i in site.removed]).get_chemical_formula()
    del new[list(site.removed)]
    charge = int(atoms.info.get("charge", 0))
    new.info.update(
        name=f"{atoms.info.get('name', atoms.get_chemical_formula())}-{removed_formula}",
        charge=charge, multiplicity=lowest_multiplicity(new, charge), site_label=site.label,
        removed_indices=list(site.removed), removed_formula=removed_formula,
        source=f"{atoms.info.get('source', 'structure')}; {removed_formula} removed for site {site.label}")
    return new


def site_indices_after_removal(site: Site) -> tuple[int, ...]:
    """The site's metal indices in :func:`site_structure`'s output."""
    return reindex(site.indices, site.removed) if site.removed else site.indices
