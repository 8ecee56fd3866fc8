"""CO2RR intermediates and their placement on cluster sites; gas-phase reference molecules.

Internal geometries come from ASE's G2 set (``ase.build.molecule``; MP2/6-31G* geometries of Curtiss et
al., J. Chem. Phys. 1997, 106, 1063) with atoms deleted where the adsorbate is a fragment (COOH = HCOOH
minus its C-H hydrogen, OCHO = HCOOH minus its O-H hydrogen, COH/CHOH = CH3OH minus C-H hydrogens,
OCCO = cis-glyoxal minus both H, so that both O point away from a C,C-bound bridge). They are starting
geometries: relax before reading energies.

Placement (:func:`adsorbate_candidates`): the binding atom sits on the site normal at the height that
puts it ``r_cov(binding) + r_cov(site atom)`` (ASE covalent radii) from the site atoms; the rest of the
molecule points away from the cluster; orientations are rotations about the normal; bidentate modes
(OCHO, CH2O, OCCO) span a two-metal site. A placement with any other atom pair closer than
:data:`MIN_CLEARANCE_A` is tilted about the binding atom (up to 40°) and then lifted (up to 0.4 Å);
if none of these clears, that orientation is dropped. ``info`` records the tilt and lift used.

Your own adsorbate: :meth:`AdsorbateSpec.from_atoms` (an ``Atoms`` with the binding atom marked by
``info["binding_index"]`` or by tag 1) or :meth:`AdsorbateSpec.from_file` (any file ``ase.io`` reads; extxyz
keeps ``binding_index`` in its comment line, tags travel in ``tags``); your own gas reference:
:meth:`GasReference.from_atoms` or a G2 name (``"C2H6"``). Both may carry their free-energy
:class:`~nanocat.thermo.Correction` (ZPE, TS), which the screen adds to its correction preset.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import molecule
from ase.collections import g2
from ase.data import atomic_numbers, covalent_radii

from nanocat.atoms.sites import Site, site_indices_after_removal, site_structure
from nanocat.atoms.structures import lowest_multiplicity
from nanocat.chem.species import SpeciesError, parse_species
from nanocat.errors import InputError, StructureError
from nanocat.thermo.corrections import Correction

log = logging.getLogger(__name__)

MIN_CLEARANCE_A = 1.2
"""Smallest allowed distance (Å) between an adsorbate atom and a cluster atom, the binding bond excepted."""
_RETRIES = tuple((tilt, lift) for lift in (0.0, 0.2, 0.4) for tilt in (0.0, 20.0, -20.0, 40.0, -40.0))
"""Tilts (deg, about the binding atom) and lifts (Å) tried in turn when a placement clashes."""
MIN_HEIGHT_A = 0.5
"""Lowest height (Å) of the binding atom above a bridge/hollow plane (wide sites would sink it)."""


def _positions(atoms: Atoms) -> tuple[tuple[float, float, float], ...]:
    """Positions (Å) as a tuple of float triples (hashable, JSON-ready)."""
    return tuple((float(x), float(y), float(z)) for x, y, z in atoms.get_positions())


def _marked_index(atoms: Atoms, key: str, tag: int, what: str) -> int | None:
    """Index marked by ``atoms.info[key]`` or by the one atom with tag ``tag``; None when unmarked."""
    if key in atoms.info:
        index = int(atoms.info[key])
    else:
        tagged = [int(i) for i in np.flatnonzero(atoms.get_tags() == tag)]
        if len(tagged) > 1:
            raise InputError(f"{what}: {len(tagged)} atoms carry tag {tag}; mark exactly one (or set info[{key!r}])")
        if not tagged:
            return None
        index = tagged[0]
    if not 0 <= index < len(atoms):
        raise InputError(f"{what}: {key} {index} is outside 0..{len(atoms) - 1}")
    return index


@dataclass(frozen=True)
class AdsorbateSpec:
    """An adsorbate: its geometry (a G2 parent minus deleted atoms, or the user's own), binding atom(s), species.

    ``symbols``/``positions`` (Å) hold a user geometry and replace ``parent``; ``correction`` (ZPE, TS in eV)
    is added to the screen's correction preset for ``species`` (needed for species the preset does not cover).
    """

    name: str
    species: str
    parent: str = ""
    delete: tuple[int, ...] = ()
    binding: int = 0
    bidentate: int | None = None
    mirror_x: tuple[int, ...] = ()
    symbols: tuple[str, ...] = ()
    positions: tuple[tuple[float, float, float], ...] = ()
    correction: Correction | None = None

    def __post_init__(self) -> None:
        if not self.parent and not self.symbols:
            raise InputError(f"adsorbate {self.name!r}: give a G2 parent molecule or its own geometry")
        try:
            species = parse_species(self.species)
        except SpeciesError as exc:
            raise InputError(f"adsorbate {self.name!r}: species {self.species!r}: {exc}") from None
        if species.phase != "ads":
            raise InputError(f"adsorbate {self.name!r}: species {self.species!r} must be adsorbed (end in '*')")
        n = len(self.symbols) if self.symbols else None
        for field_name, index in (("binding", self.binding), ("bidentate", self.bidentate)):
            if index is not None and n is not None and not 0 <= index < n:
                raise InputError(f"adsorbate {self.name!r}: {field_name} index {index} is outside 0..{n - 1}")

    @classmethod
    def from_atoms(cls, name: str, atoms: Atoms, species: str | None = None, binding_index: int | None = None,
                   correction: Correction | None = None) -> AdsorbateSpec:
        """An adsorbate from a molecule (Å); the binding atom is ``binding_index``, ``info["binding_index"]``
        or the atom with tag 1; a second binding atom (bidentate) is ``info["bidentate_index"]`` or tag 2."""
        if len(atoms) == 0:
            raise InputError(f"adsorbate {name!r}: empty structure")
        what = f"adsorbate {name!r}"
        binding = binding_index if binding_index is not None else _marked_index(atoms, "binding_index", 1, what)
        if binding is None:
            raise InputError(f"{what}: mark the atom that binds to the cluster (info['binding_index'] or tag 1)")
        bidentate = _marked_index(atoms, "bidentate_index", 2, what)
        return cls(name, species or f"{name}*", binding=int(binding), bidentate=bidentate,
                   symbols=tuple(atoms.get_chemical_symbols()), positions=_positions(atoms), correction=correction)

    @classmethod
    def from_file(cls, path: str | Path, name: str | None = None, species: str | None = None,
                  binding_index: int | None = None, correction: Correction | None = None) -> AdsorbateSpec:
        """An adsorbate from a structure file ``ase.io`` reads (see :meth:`from_atoms` for the binding atom)."""
        from ase.io import read

        p = Path(path)
        try:
            atoms = read(p)
        except (OSError, ValueError, KeyError, StopIteration) as exc:
            raise StructureError(f"{p}: cannot read an adsorbate structure ({exc})") from None
        return cls.from_atoms(name or p.stem, atoms, species, binding_index, correction)

    def as_dict(self) -> dict[str, Any]:
        """JSON record (geometry as lists, correction as its terms)."""
        return {"name": self.name, "species": self.species, "parent": self.parent, "delete": list(self.delete),
                "binding": self.binding, "bidentate": self.bidentate, "mirror_x": list(self.mirror_x),
                "symbols": list(self.symbols), "positions": [list(p) for p in self.positions],
                "correction": None if self.correction is None else self.correction.as_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AdsorbateSpec:
        """Rebuild from :meth:`as_dict` output."""
        corr = d.get("correction")
        return cls(d["name"], d["species"], d.get("parent", ""), tuple(d.get("delete", ())), int(d.get("binding", 0)),
                   d.get("bidentate"), tuple(d.get("mirror_x", ())), tuple(d.get("symbols", ())),
                   tuple(tuple(float(x) for x in p) for p in d.get("positions", ())),
                   None if corr is None else Correction.from_dict(corr))

    def geometry(self) -> Atoms:
        """Internal geometry (Å) as a new Atoms, atoms ordered as in the parent minus the deleted ones."""
        if self.symbols:
            return Atoms(self.symbols, positions=self.positions)
        mol = molecule(self.parent)
        if self.mirror_x:  # parent numbering: flips these atoms through the yz plane (trans -> cis)
            pos = mol.get_positions()
            pos[list(self.mirror_x), 0] *= -1
            mol.set_positions(pos)
        if self.delete:
            del mol[list(self.delete)]
        return Atoms(mol.get_chemical_symbols(), positions=mol.get_positions())


ADSORBATES: dict[str, AdsorbateSpec] = {s.name: s for s in (
    AdsorbateSpec("H", "H*", "H", (), 0),
    AdsorbateSpec("O", "O*", "O", (), 0),
    AdsorbateSpec("OH", "OH*", "OH", (), 0),
    AdsorbateSpec("CO", "CO*", "CO", (), 1),
    AdsorbateSpec("CO2", "CO2*", "CO2", (), 0),
    AdsorbateSpec("COOH", "COOH*", "HCOOH", (4,), 1),
    AdsorbateSpec("OCHO", "OCHO*", "HCOOH", (3,), 0, bidentate=2),
    AdsorbateSpec("CHO", "CHO*", "HCO", (), 0),
    AdsorbateSpec("COH", "COH*", "CH3OH", (2, 4, 5), 0),
    AdsorbateSpec("CH2O", "CH2O*", "H2CO", (), 0, bidentate=1),
    AdsorbateSpec("CHOH", "CHOH*", "CH3OH", (4, 5), 0),
    AdsorbateSpec("CH2OH", "CH2OH*", "H2COH", (), 0),
    AdsorbateSpec("OCH3", "OCH3*", "CH3O", (), 1),
    AdsorbateSpec("CH2", "CH2*", "CH2_s1A1d", (), 0),
    AdsorbateSpec("CH3", "CH3*", "CH3", (), 0),
    AdsorbateSpec("OCCO", "OCCO*", "OCHCHO", (3, 5), 0, bidentate=1, mirror_x=(4,)),
)}
"""Adsorbates by name (H, O, OH, CO, CO2, COOH, OCHO, CHO, COH, CH2O, CHOH, CH2OH, OCH3, CH2, CH3, OCCO)."""

ADSORBATE_SPECIES: dict[str, str] = {name: spec.species for name, spec in ADSORBATES.items()}
"""Thermochemistry species name of each adsorbate (``"COOH" -> "COOH*"``)."""

GAS_MOLECULES: dict[str, tuple[str, int]] = {
    "CO2": ("CO2", 1), "CO": ("CO", 1), "H2": ("H2", 1), "H2O": ("H2O", 1), "HCOOH": ("HCOOH", 1),
    "CH4": ("CH4", 1), "CH3OH": ("CH3OH", 1), "C2H4": ("C2H4", 1), "C2H5OH": ("CH3CH2OH", 1),
    "CH3CHO": ("CH3CHO", 1), "CH2O": ("H2CO", 1), "O2": ("O2", 3), "N2": ("N2", 1),
}
"""Gas-phase molecules: G2 name and ground-state spin multiplicity (O2 is a triplet)."""


def gas_molecule(name: str) -> Atoms:
    """Gas-phase molecule (Å) from ``ase.build.molecule``, with name, charge 0 and multiplicity in info.

    Names of :data:`GAS_MOLECULES` first, then any molecule of ASE's G2 set (``"C2H6"``) at its lowest spin.
    """
    if name in GAS_MOLECULES:
        g2_name, mult = GAS_MOLECULES[name]
    elif name in g2.names:
        g2_name, mult = name, 0
    else:
        raise InputError(f"unknown gas molecule {name!r}; known: {', '.join(GAS_MOLECULES)}, any molecule of ASE's "
                         "G2 set, or your own GasReference.from_atoms(...)")
    mol = molecule(g2_name)
    atoms = Atoms(mol.get_chemical_symbols(), positions=mol.get_positions())
    atoms.info.update(name=name, charge=0, multiplicity=mult or lowest_multiplicity(atoms, 0),
                      source=f"ase.build.molecule({g2_name!r}) (G2 set)")
    return atoms


@dataclass(frozen=True)
class GasReference:
    """A gas-phase molecule computed at the screen's level: name (formula, e.g. ``C2H6``), geometry (Å), spin.

    ``correction`` (ZPE, TS in eV) is added to the screen's correction preset for ``<name>(g)``.
    """

    name: str
    symbols: tuple[str, ...]
    positions: tuple[tuple[float, float, float], ...]
    multiplicity: int = 1
    correction: Correction | None = None

    def __post_init__(self) -> None:
        try:
            parse_species(f"{self.name}(g)")
        except SpeciesError as exc:
            raise InputError(f"gas reference {self.name!r}: {exc}") from None

    @classmethod
    def from_atoms(cls, name: str, atoms: Atoms, multiplicity: int | None = None,
                   correction: Correction | None = None) -> GasReference:
        """A gas reference from a molecule (Å); multiplicity default ``info["multiplicity"]`` or the lowest."""
        mult = multiplicity or int(atoms.info.get("multiplicity") or lowest_multiplicity(atoms, 0))
        return cls(name, tuple(atoms.get_chemical_symbols()), _positions(atoms), int(mult), correction)

    @classmethod
    def named(cls, name: str, correction: Correction | None = None) -> GasReference:
        """A gas reference from :func:`gas_molecule` (built-in name or any G2 molecule)."""
        return cls.from_atoms(name, gas_molecule(name), correction=correction)

    def molecule(self) -> Atoms:
        """The molecule (Å) with name, charge 0 and multiplicity in info."""
        atoms = Atoms(self.symbols, positions=self.positions)
        atoms.info.update(name=self.name, charge=0, multiplicity=self.multiplicity, source="user gas reference")
        return atoms

    def as_dict(self) -> dict[str, Any]:
        """JSON record."""
        return {"name": self.name, "symbols": list(self.symbols), "positions": [list(p) for p in self.positions],
                "multiplicity": self.multiplicity,
                "correction": None if self.correction is None else self.correction.as_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GasReference:
        """Rebuild from :meth:`as_dict` output."""
        corr = d.get("correction")
        return cls(d["name"], tuple(d["symbols"]), tuple(tuple(float(x) for x in p) for p in d["positions"]),
                   int(d.get("multiplicity", 1)), None if corr is None else Correction.from_dict(corr))


def adsorbate_spec(adsorbate: str | AdsorbateSpec) -> AdsorbateSpec:
    """The spec of a built-in adsorbate name, or the user's own spec as given."""
    if isinstance(adsorbate, AdsorbateSpec):
        return adsorbate
    if adsorbate not in ADSORBATES:
        raise InputError(f"unknown adsorbate {adsorbate!r}; known: {', '.join(ADSORBATES)}, or your own "
                         "AdsorbateSpec.from_atoms(...) / from_file(...)")
    return ADSORBATES[adsorbate]


def _rotation_to(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation matrix turning unit vector ``a`` onto unit vector ``b`` (Rodrigues)."""
    v = np.cross(a, b)
    c = float(a @ b)
    if np.linalg.norm(v) < 1e-9:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        perp /= np.linalg.norm(perp)
        return 2 * np.outer(perp, perp) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def _local_frame(mol: Atoms, binding: tuple[int, ...]) -> np.ndarray:
    """Adsorbate positions with the binding atom(s) centred at the origin, the rest pointing to +z.

    Bidentate: the two binding atoms lie on the x axis. A molecule with nothing to point up (CO2 bound
    through its central C) lies flat along x.
    """
    pos = mol.get_positions().copy()
    origin = pos[list(binding)].mean(axis=0)
    pos -= origin
    rest = [i for i in range(len(mol)) if i not in binding]
    up = pos[rest].mean(axis=0) if rest else np.zeros(3)
    if len(binding) == 2:
        axis = pos[binding[1]] - pos[binding[0]]
        axis /= np.linalg.norm(axis)
        up = up - (up @ axis) * axis
        if np.linalg.norm(up) > 1e-3:
            z = up / np.linalg.norm(up)
        else:  # the rest sits symmetric about the binding axis (eta2-CH2O): stand the molecular plane up
            perp = pos - np.outer(pos @ axis, axis)
            k = int(np.argmax(np.linalg.norm(perp, axis=1)))
            ref = perp[k] if np.linalg.norm(perp[k]) > 1e-3 else np.cross(axis, [1.0, 0.3, 0.1])
            z = np.cross(axis, ref)
            z /= np.linalg.norm(z)
        y = np.cross(z, axis)
        return pos @ np.vstack([axis, y, z]).T
    if np.linalg.norm(up) < 0.1:  # linear molecule bound at its centre: lay it along x
        axis = pos[rest[0]] if rest else np.array([1.0, 0, 0])
        return pos @ _rotation_to(axis / np.linalg.norm(axis), np.array([1.0, 0, 0])).T
    return pos @ _rotation_to(up / np.linalg.norm(up), np.array([0, 0, 1.0])).T


def _site_frame(normal: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Rows x, y, z of a right-handed frame with z = site normal and x along ``ref`` projected."""
    z = normal / np.linalg.norm(normal)
    x = ref - (ref @ z) * z
    if np.linalg.norm(x) < 1e-6:
        x = np.cross(z, [1.0, 0, 0] if abs(z[0]) < 0.9 else [0, 1.0, 0])
    x /= np.linalg.norm(x)
    return np.vstack([x, np.cross(z, x), z])


def _radius(symbol: str) -> float:
    return float(covalent_radii[atomic_numbers[symbol]])


def adsorbate_candidates(atoms: Atoms, site: Site, adsorbate: str | AdsorbateSpec,
                         n_orientations: int = 3) -> list[Atoms]:
    """Adsorbate placements on ``site`` of ``atoms`` (the structure the site was found on), as new Atoms.

    Sites with ``removed`` atoms (ligand vacancy, donated hydride) are first turned into
    :func:`~nanocat.atoms.sites.site_structure`. Returns monodentate placements rotated by
    360°/``n_orientations`` about the normal; on such sites with several exposed metals also
    monodentate placements on top of each of them, pointing into the vacancy (mode
    ``monodentate-top:<index>``); and bidentate ones on two-metal sites where the adsorbate has a
    bidentate mode. ``info`` holds adsorbate, species, site_label, orientation, mode, adsorbate_indices,
    binding_index (and binding_indices, bound_to), tilt_deg, lift_A, charge and multiplicity.
    """
    spec = adsorbate_spec(adsorbate)
    adsorbate = spec.name
    if n_orientations < 1:
        raise InputError(f"n_orientations must be >= 1, got {n_orientations}")
    host = site_structure(atoms, site)
    if site.kind == "ligand":
        if site.anchor is None:
            raise StructureError(f"ligand site {site.label} has no anchor atom")
        targets: tuple[int, ...] = (site.anchor,)
    else:
        targets = site_indices_after_removal(site)
    if max(targets) >= len(host):
        raise StructureError(f"site {site.label} refers to atom {max(targets)}; the structure has {len(host)}")
    tpos = host.positions[list(targets)]
    base = tpos.mean(axis=0)
    normal = np.asarray(site.normal, dtype=float)
    ref = tpos[1] - tpos[0] if len(targets) > 1 else np.cross(normal, [0.0, 0.0, 1.0]) + np.cross(normal, [1.0, 0, 0])
    mol = spec.geometry()
    r_site = float(np.mean([_radius(host[i].symbol) for i in targets]))
    placements: list[_Placement] = []

    local = _local_frame(mol, (spec.binding,))
    d = _radius(mol[spec.binding].symbol) + r_site
    spread = float(np.max(np.linalg.norm(tpos - base, axis=1))) if len(targets) > 1 else 0.0
    h = float(np.sqrt(max(d * d - spread * spread, MIN_HEIGHT_A ** 2)))
    frame = _site_frame(normal, ref)
    placements += [_Placement("monodentate", k, 360.0 * k / n_orientations, (spec.binding,), targets, local, h,
                              base, frame) for k in range(n_orientations)]
    if site.removed and len(targets) > 1:
        # a vacated anchor exposes each metal it bound: also bind on top of each, pointing at the vacancy
        hole = np.asarray(site.position, dtype=float)
        for t in targets:
            pos_t = host.positions[t]
            top_frame = _site_frame(_unit_or(hole - pos_t, normal), ref)
            d_t = _radius(mol[spec.binding].symbol) + _radius(host[t].symbol)
            placements += [_Placement(f"monodentate-top:{t}", k, 360.0 * k / n_orientations, (spec.binding,), (t,),
                                      local, d_t, pos_t, top_frame) for k in range(n_orientations)]
    if spec.bidentate is not None and len(targets) == 2:
        pair = (spec.binding, spec.bidentate)
        local2 = _local_frame(mol, pair)
        span = float(np.linalg.norm(mol.positions[pair[1]] - mol.positions[pair[0]]))
        d_mm = float(np.linalg.norm(tpos[1] - tpos[0]))
        d2 = _radius(mol[spec.bidentate].symbol) / 2 + _radius(mol[spec.binding].symbol) / 2 + r_site
        h2 = float(np.sqrt(max(d2 * d2 - ((d_mm - span) / 2) ** 2, MIN_HEIGHT_A ** 2)))
        flips = (0.0,) if mol[pair[0]].symbol == mol[pair[1]].symbol else (0.0, 180.0)
        placements += [_Placement("bidentate", k, angle, pair, targets, local2, h2, base, frame)
                       for k, angle in enumerate(flips)]

    out = [new for p in placements if (new := _realise(host, mol, p, adsorbate, spec, site)) is not None]
    if not out:
        log.warning("no clash-free placement of %s on %s", adsorbate, site.label)
    return out


@dataclass(frozen=True)
class _Placement:
    """One placement recipe: mode, orientation, binding atoms, the atoms they bind, local geometry, frame."""

    mode: str
    orientation: int
    angle_deg: float
    binding: tuple[int, ...]
    targets: tuple[int, ...]
    local: np.ndarray
    height: float
    base: np.ndarray
    frame: np.ndarray


def _realise(host: Atoms, mol: Atoms, p: _Placement, adsorbate: str, spec: AdsorbateSpec, site: Site) -> Atoms | None:
    """The placed structure (retrying tilts and lifts on clashes), or None when every retry clashes."""
    for tilt, lift in _RETRIES:
        new = host.copy()
        n0 = len(new)
        new += Atoms(mol.get_chemical_symbols(), positions=_place(p.local, p.frame, p.base, p.height + lift,
                                                                  p.angle_deg, tilt))
        if not _clear(new, n0, [n0 + b for b in p.binding], list(p.targets)):
            continue
        charge = int(host.info.get("charge", 0))
        new.info.update(
            adsorbate=adsorbate, species=spec.species, site_label=site.label, orientation=p.orientation,
            rotation_deg=p.angle_deg, mode=p.mode, tilt_deg=tilt, lift_A=lift,
            adsorbate_indices=list(range(n0, len(new))), binding_index=n0 + p.binding[0],
            binding_indices=[n0 + b for b in p.binding], bound_to=list(p.targets), charge=charge,
            multiplicity=lowest_multiplicity(new, charge),
            name=f"{host.info.get('name', host.get_chemical_formula())}+{adsorbate}@{site.label}",
            source=f"{host.info.get('source', 'structure')}; {adsorbate} placed by nanocat.atoms.adsorbates")
        return new
    log.debug("%s on %s (%s, %.0f°) clashes with the cluster: dropped", adsorbate, site.label, p.mode, p.angle_deg)
    return None


def _unit_or(v: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Unit vector along ``v``, or ``fallback`` when ``v`` vanishes."""
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-6 else fallback


def _place(local: np.ndarray, frame: np.ndarray, base: np.ndarray, height: float, angle_deg: float,
           tilt_deg: float = 0.0) -> np.ndarray:
    """Local positions tilted about x (``tilt_deg``), turned about z (``angle_deg``), lifted (Å), in the site frame."""
    t, u = np.radians(angle_deg), np.radians(tilt_deg)
    rz = np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(u), -np.sin(u)], [0.0, np.sin(u), np.cos(u)]])
    lifted = local @ rx.T @ rz.T + np.array([0.0, 0.0, height])
    return base + lifted @ frame


def _clear(atoms: Atoms, n0: int, binding: list[int], targets: list[int]) -> bool:
    """True when no adsorbate-cluster pair is closer than MIN_CLEARANCE_A, the binding bonds excepted."""
    d = np.linalg.norm(atoms.positions[n0:, None, :] - atoms.positions[None, :n0, :], axis=2)
    for b in binding:
        d[b - n0, targets] = np.inf
    return bool(d.min() > MIN_CLEARANCE_A)
