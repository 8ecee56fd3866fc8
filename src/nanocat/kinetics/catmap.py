"""CatMAP models: a ``.mkm`` setup read without executing it, free energies from its energy table.

:func:`read_mkm` parses the setup (see :mod:`nanocat.kinetics.catmap_syntax`), checks every reaction for mass and
site balance, and returns a :class:`CatMAPSetup`. :meth:`CatMAPSetup.free_energies_eV` computes the free energy of
every species and transition state of the network on one surface from the table (formation energies plus CatMAP's
thermal corrections from the table's frequency columns); :meth:`CatMAPSetup.to_model_kwargs` gives the keyword
arguments of ``MicrokineticModel.from_expressions``. Each convention and the CatMAP file it follows is listed in
docs/catmap.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nanocat.errors import InputError
from nanocat.kinetics.catmap_energy import (ADSORBATE_MODES, ECHEM_MODES, GAS_MODES, IDEAL_GAS_PARAMS,
                                            free_energies)
from nanocat.kinetics.catmap_rxn import (ECHEM_GASES, GAS_SITE, CatMAPStep, check_balance, parse_expression,
                                         species_site)
from nanocat.kinetics.catmap_syntax import read_assignments
from nanocat.thermo.io import CatMAPRow, read_catmap_table

log = logging.getLogger(__name__)
Scale = Literal["SHE", "RHE"]

# Names CatMAP's load() gives meaning to; everything else assigned in the .mkm is kept in CatMAPSetup.extra.
_KNOWN = {"rxn_expressions", "species_definitions", "surface_names", "descriptor_names", "descriptor_ranges",
          "resolution", "temperature", "pH", "potential_reference_scale", "voltage", "beta", "prefactor_list",
          "gas_thermo_mode", "adsorbate_thermo_mode", "electrochemical_thermo_mode", "input_file",
          "ideal_gas_params", "estimate_frequencies", "frequency_surface_names"}


@dataclass(frozen=True)
class CatMAPSetup:
    """A CatMAP ``.mkm`` setup as read (no code executed); energies eV, temperature K, pressures bar, V."""

    path: str
    rxn_expressions: tuple[str, ...]
    steps: tuple[CatMAPStep, ...]
    species_definitions: Mapping[str, Mapping[str, Any]]
    surface_names: tuple[str, ...] = ()
    descriptor_names: tuple[str, ...] = ()
    descriptor_ranges: tuple[tuple[float, float], ...] = ()
    resolution: int | tuple[int, ...] | None = None
    temperature: float | None = None
    pH: float = 0.0
    potential_reference_scale: str | None = None
    voltage: float | None = None
    beta: float = 0.5
    prefactor_list: tuple[Any, ...] | None = None
    gas_thermo_mode: str = "ideal_gas"
    adsorbate_thermo_mode: str = "harmonic_adsorbate"
    electrochemical_thermo_mode: str = "simple_electrochemical"
    input_file: str | None = None
    ideal_gas_params: Mapping[str, tuple[int, str, float]] = field(default_factory=dict)
    estimate_frequencies: int = 1
    frequency_surface_names: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)

    # ---- derived views -------------------------------------------------------------------------------------
    def _where(self, key: str) -> str:
        """``FILE:LINE`` of an assignment (or just FILE)."""
        line = self.lines.get(key) or self.lines.get(key.split("[", 1)[0])
        return f"{self.path}:{line}" if line else self.path

    @property
    def species(self) -> tuple[str, ...]:
        """Every species and TS key of the network (no empty sites), in order of appearance."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for key in (*step.initial, *step.transition, *step.final):
                if not key.startswith("*_"):
                    seen[key] = None
        return tuple(seen)

    @property
    def sites(self) -> dict[str, float]:
        """Surface site type -> total (``species_definitions[site]['total']``)."""
        used = {species_site(k)[1] for step in self.steps for k in (*step.initial, *step.transition, *step.final)}
        out = {}
        for site in sorted(used - {GAS_SITE}):
            out[site] = float(self.species_definitions.get(site, {}).get("total", 1.0))
        return out

    @property
    def n_sites(self) -> dict[str, int]:
        """Species -> number of sites, where species_definitions sets ``n_sites``."""
        return {k: int(v["n_sites"]) for k, v in self.species_definitions.items()
                if isinstance(v, Mapping) and "n_sites" in v and k in self.species}

    @property
    def pressures_bar(self) -> dict[str, float]:
        """Gas -> pressure (bar) from species_definitions; CatMAP's fictitious echem gases are left out."""
        return {k: float(self.species_definitions[k]["pressure"]) for k in self.species
                if species_site(k)[1] == GAS_SITE and k not in ECHEM_GASES
                and "pressure" in self.species_definitions.get(k, {})}

    @property
    def scale(self) -> Scale:
        """Potential scale: ``potential_reference_scale`` if set, else SHE with ``H_g``/``ele_g`` (CatMAP's
        pH-dependent proton), RHE with ``pe_g`` (the computational hydrogen electrode)."""
        if self.potential_reference_scale is not None:
            return "SHE" if self.potential_reference_scale == "SHE" else "RHE"
        return "SHE" if any(k in self.species for k in ("H_g", "ele_g", "OH_g")) else "RHE"

    def _descriptor(self, name: str) -> int | None:
        """Index of a descriptor, or None."""
        return self.descriptor_names.index(name) if name in self.descriptor_names else None

    @property
    def potential_range_V(self) -> tuple[float, float] | None:
        """(low, high) potential of the ``voltage`` descriptor, V on :attr:`scale`; None if not a descriptor."""
        i = self._descriptor("voltage")
        if i is None:
            return None
        lo, hi = self.descriptor_ranges[i]
        return (min(lo, hi), max(lo, hi))

    @property
    def points(self) -> int | None:
        """Grid points along the potential (``resolution``; its voltage entry when it is a list)."""
        if self.resolution is None:
            return None
        if isinstance(self.resolution, int):
            return self.resolution
        i = self._descriptor("voltage")
        return self.resolution[i] if i is not None and i < len(self.resolution) else None

    @property
    def temperature_K(self) -> float | None:
        """``temperature``, or a ``temperature`` descriptor with equal bounds (CatMAP's electrochemistry
        tutorials), else None."""
        if self.temperature is not None:
            return self.temperature
        i = self._descriptor("temperature")
        if i is not None and self.descriptor_ranges[i][0] == self.descriptor_ranges[i][1]:
            return float(self.descriptor_ranges[i][0])
        return None

    # ---- energies ------------------------------------------------------------------------------------------
    def _surface(self, surface: str | None) -> str:
        """The surface to use (the only one when not given)."""
        if surface is None:
            if len(self.surface_names) != 1:
                raise InputError(f"{self.path}: surface_names {list(self.surface_names)}: choose one surface")
            return self.surface_names[0]
        if surface not in self.surface_names:
            raise InputError(f"{self.path}: surface {surface!r} not in surface_names {list(self.surface_names)}")
        return surface

    def _table(self) -> tuple[Path, tuple[CatMAPRow, ...]]:
        """The energy table named by ``input_file``."""
        if not self.input_file:
            raise InputError(f"{self.path}: no input_file (the CatMAP energy table) is set")
        table = Path(self.input_file)
        if not table.is_file():
            raise InputError(f"{self._where('input_file')}: input_file {str(table)!r} not found")
        return table, read_catmap_table(table)

    def free_energies_eV(self, temperature_K: float | None = None, surface: str | None = None) -> dict[str, float]:
        """G (eV) of every species and TS key of ``rxn_expressions`` on one surface, at 0 V on :attr:`scale`.

        Formation energy from the table plus the thermo modes' corrections at ``temperature_K`` (gases at 1 bar;
        pressures enter the kinetics as activities). ``pe_g`` is the table's ``pe`` row (0 if absent), ``H_g``
        = ½G(H2_g) and ``OH_g`` = G(H2O_g) − ½G(H2_g) at pH 0 (the model applies pH on the SHE scale), ``ele_g``
        and empty sites are left out. Missing energies raise InputError naming species, surface and table.
        """
        T = temperature_K if temperature_K is not None else self.temperature_K
        if T is None or T <= 0:
            raise InputError(f"{self.path}: no temperature (set 'temperature' or a fixed 'temperature' descriptor)")
        for attr, allowed in (("gas_thermo_mode", GAS_MODES), ("adsorbate_thermo_mode", ADSORBATE_MODES),
                              ("electrochemical_thermo_mode", ECHEM_MODES)):
            if getattr(self, attr) not in allowed:
                raise InputError(f"{self._where(attr)}: {attr} {getattr(self, attr)!r} is not supported by nanocat "
                                 f"(supported: {', '.join(allowed)})")
        surface = self._surface(surface)
        table, rows = self._table()
        return free_energies(self, surface, float(T), table, rows)

    def to_model_kwargs(self, surface: str | None = None, temperature_K: float | None = None) -> dict[str, Any]:
        """Keyword arguments of ``MicrokineticModel.from_expressions`` for one surface (see docs/catmap.md)."""
        T = temperature_K if temperature_K is not None else self.temperature_K
        G = self.free_energies_eV(T, surface)
        missing = [k for k in self.species if species_site(k)[1] == GAS_SITE and k not in ECHEM_GASES
                   and k not in self.pressures_bar]
        if missing:
            raise InputError(f"{self._where('species_definitions')}: no pressure for gas(es) {missing} "
                             "(species_definitions['X_g'] = {'pressure': ...})")
        return {
            "expressions": [step.expression() for step in self.steps],
            "free_energies_eV": G,
            "sites": self.sites,
            "n_sites": self.n_sites or None,
            "pressures_bar": self.pressures_bar,
            "temperature_K": float(T) if T is not None else 298.15,
            "prefactors_per_s": self.prefactors_per_s() or None,
            "beta": self.beta,
            "pH": self.pH,
            "scale": self.scale,
            "source": self.path,
        }

    def prefactors_per_s(self) -> dict[str, float]:
        """Expression index (str) -> prefactor (s-1) from ``prefactor_list`` and ``; prefactor=`` options."""
        out: dict[str, float] = {}
        for i, value in enumerate(self.prefactor_list or ()):
            if value is None or value == "kB*T/h":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise InputError(f"{self._where('prefactor_list')}: prefactor_list[{i}] = {value!r}: only numbers "
                                 "(s-1) or None (kB*T/h) are supported")
            out[str(i)] = float(value)
        for step in self.steps:
            text = step.options.get("prefactor")
            if text is None:
                continue
            if text == "None":
                out.pop(str(step.index), None)
                continue
            try:
                out[str(step.index)] = float(text)
            except ValueError:
                raise InputError(f"{self._where(f'rxn_expressions[{step.index}]')}: prefactor={text!r} is not a "
                                 "number") from None
        return out

    # ---- records -------------------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready record of the setup."""
        return {"path": self.path, "rxn_expressions": list(self.rxn_expressions),
                "steps": [s.as_dict() for s in self.steps], "species_definitions": _plain(self.species_definitions),
                "surface_names": list(self.surface_names), "descriptor_names": list(self.descriptor_names),
                "descriptor_ranges": [list(r) for r in self.descriptor_ranges],
                "resolution": list(self.resolution) if isinstance(self.resolution, tuple) else self.resolution,
                "temperature": self.temperature, "pH": self.pH,
                "potential_reference_scale": self.potential_reference_scale, "voltage": self.voltage,
                "beta": self.beta, "prefactor_list": _plain(self.prefactor_list),
                "gas_thermo_mode": self.gas_thermo_mode, "adsorbate_thermo_mode": self.adsorbate_thermo_mode,
                "electrochemical_thermo_mode": self.electrochemical_thermo_mode, "input_file": self.input_file,
                "ideal_gas_params": {k: list(v) for k, v in self.ideal_gas_params.items()},
                "estimate_frequencies": self.estimate_frequencies,
                "frequency_surface_names": list(self.frequency_surface_names),
                "extra": _plain(self.extra), "lines": dict(self.lines)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatMAPSetup:
        """Rebuild from :meth:`as_dict` output."""
        res = data.get("resolution")
        pl = data.get("prefactor_list")
        return cls(str(data["path"]), tuple(data["rxn_expressions"]),
                   tuple(CatMAPStep.from_dict(s) for s in data["steps"]), dict(data["species_definitions"]),
                   tuple(data["surface_names"]), tuple(data["descriptor_names"]),
                   tuple((float(a), float(b)) for a, b in data["descriptor_ranges"]),
                   tuple(res) if isinstance(res, list) else res, data.get("temperature"), float(data["pH"]),
                   data.get("potential_reference_scale"), data.get("voltage"), float(data["beta"]),
                   tuple(pl) if pl is not None else None, data["gas_thermo_mode"], data["adsorbate_thermo_mode"],
                   data["electrochemical_thermo_mode"], data.get("input_file"),
                   {k: (int(v[0]), str(v[1]), float(v[2])) for k, v in data.get("ideal_gas_params", {}).items()},
                   int(data.get("estimate_frequencies", 1)), tuple(data.get("frequency_surface_names", ())),
                   dict(data.get("extra", {})), dict(data.get("lines", {})))


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively (JSON-ready)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _number(values: Mapping[str, Any], key: str, where: str, default: float | None) -> float | None:
    """A real number setting, or InputError naming it."""
    value = values.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise InputError(f"{where}: {key} = {value!r} must be a number")
    return float(value)


def read_mkm(path: str | Path) -> CatMAPSetup:
    """Read a CatMAP ``.mkm`` setup file without executing it (InputError ``FILE:LINE: ...`` on bad input)."""
    p = Path(path)
    values, lines = read_assignments(p)

    def where(key: str) -> str:
        return f"{p}:{lines[key]}" if key in lines else str(p)

    exprs = values.get("rxn_expressions")
    if not isinstance(exprs, (list, tuple)) or not exprs:
        raise InputError(f"{where('rxn_expressions')}: rxn_expressions must be a non-empty list of reaction strings")
    defs = values.get("species_definitions", {})
    if not isinstance(defs, dict) or not all(isinstance(v, dict) for v in defs.values()):
        raise InputError(f"{where('species_definitions')}: species_definitions must map names to dictionaries")
    steps = []
    for i, text in enumerate(exprs):
        w = where(f"rxn_expressions[{i}]")
        step = parse_expression(i, text, w)
        check_balance(step, defs, w)
        steps.append(CatMAPStep(step.index, step.initial, step.final, step.transition, step.options,
                                lines.get(f"rxn_expressions[{i}]", 0), step.echem_barrier_eV))
    _check_species_definitions(steps, defs, p, lines)
    ranges = values.get("descriptor_ranges", [])
    try:
        desc_ranges = tuple((float(a), float(b)) for a, b in ranges)
    except (TypeError, ValueError):
        raise InputError(f"{where('descriptor_ranges')}: descriptor_ranges must be [[low, high], ...]") from None
    names = tuple(str(n) for n in values.get("descriptor_names", ()))
    if names and len(names) != len(desc_ranges):
        raise InputError(f"{where('descriptor_ranges')}: {len(desc_ranges)} ranges for {len(names)} descriptors")
    res = values.get("resolution")
    if not (res is None or (isinstance(res, int) and res > 0)
            or (isinstance(res, (list, tuple)) and all(isinstance(r, int) and r > 0 for r in res))):
        raise InputError(f"{where('resolution')}: resolution must be a positive integer or a list of them")
    scale = values.get("potential_reference_scale")
    if scale is not None and scale not in ("SHE", "RHE"):
        raise InputError(f"{where('potential_reference_scale')}: potential_reference_scale must be 'SHE' or 'RHE'")
    temperature = _number(values, "temperature", where("temperature"), None)
    if temperature is not None and temperature <= 0:
        raise InputError(f"{where('temperature')}: temperature must be positive (K)")
    beta = _number(values, "beta", where("beta"), 0.5)
    if not 0.0 <= beta <= 1.0:  # type: ignore[operator]
        raise InputError(f"{where('beta')}: beta = {beta} must lie in [0, 1]")
    input_file = values.get("input_file")
    if input_file is not None and not isinstance(input_file, str):
        raise InputError(f"{where('input_file')}: input_file must be a file name")
    pl = values.get("prefactor_list")
    surfaces = values.get("surface_names", [])
    if not isinstance(surfaces, (list, tuple)) or not all(isinstance(x, str) for x in surfaces):
        raise InputError(f"{where('surface_names')}: surface_names must be a list of names")
    est = values.get("estimate_frequencies", 1)
    if isinstance(est, bool):
        est = int(est)
    if not isinstance(est, int) or est not in (0, 1):
        raise InputError(f"{where('estimate_frequencies')}: estimate_frequencies {est!r}: nanocat supports 0 "
                         "(no estimate) and 1 (CatMAP's default: the species' frequencies from other sites)")
    igp = dict(IDEAL_GAS_PARAMS)
    for k, v in dict(values.get("ideal_gas_params", {})).items():
        if not (isinstance(v, (list, tuple)) and len(v) >= 3):
            raise InputError(f"{where('ideal_gas_params')}: ideal_gas_params[{k!r}] must be [symmetry, geometry, spin]")
        igp[k] = (int(v[0]), str(v[1]), float(v[2]))
    modes = {}
    for key, default in (("gas_thermo_mode", "ideal_gas"), ("adsorbate_thermo_mode", "harmonic_adsorbate"),
                         ("electrochemical_thermo_mode", "simple_electrochemical")):
        modes[key] = str(values.get(key, default))
    return CatMAPSetup(
        path=str(p), rxn_expressions=tuple(exprs), steps=tuple(steps), species_definitions=defs,
        surface_names=tuple(surfaces), descriptor_names=names,
        descriptor_ranges=desc_ranges, resolution=tuple(res) if isinstance(res, (list, tuple)) else res,
        temperature=temperature, pH=_number(values, "pH", where("pH"), 0.0) or 0.0,
        potential_reference_scale=scale, voltage=_number(values, "voltage", where("voltage"), None),
        beta=float(beta), prefactor_list=tuple(pl) if isinstance(pl, (list, tuple)) else None,
        input_file=str((p.parent / input_file).resolve()) if input_file else None, ideal_gas_params=igp,
        estimate_frequencies=est,
        frequency_surface_names=tuple(values.get("frequency_surface_names") or ()),
        extra={k: v for k, v in values.items() if k not in _KNOWN}, lines=lines, **modes)


def _check_species_definitions(steps: list[CatMAPStep], defs: Mapping[str, Mapping[str, Any]], p: Path,
                               lines: Mapping[str, int]) -> None:
    """Sites defined with site_names; pressures non-negative numbers; n_sites positive integers."""
    used = {k for s in steps for k in (*s.initial, *s.transition, *s.final)}
    for key, entry in defs.items():
        w = f"{p}:{lines.get(f'species_definitions[{key!r}]', lines.get('species_definitions', '?'))}"
        if "pressure" in entry:
            pr = entry["pressure"]
            if isinstance(pr, bool) or not isinstance(pr, (int, float)) or not np.isfinite(pr) or pr < 0:
                raise InputError(f"{w}: species_definitions[{key!r}]['pressure'] = {pr!r}: pressures must be "
                                 "non-negative numbers (bar)")
        if "n_sites" in entry and (not isinstance(entry["n_sites"], int) or entry["n_sites"] < 1):
            raise InputError(f"{w}: species_definitions[{key!r}]['n_sites'] must be a positive integer")
        if "total" in entry:
            tot = entry["total"]
            if isinstance(tot, bool) or not isinstance(tot, (int, float)) or tot < 0:
                raise InputError(f"{w}: species_definitions[{key!r}]['total'] must be a non-negative number")
    for site in sorted({species_site(k)[1] for k in used} - {GAS_SITE}):
        if not defs.get(site, {}).get("site_names"):
            raise InputError(f"{p}:{lines.get('species_definitions', '?')}: site {site!r} is used in rxn_expressions "
                             f"but species_definitions[{site!r}] = {{'site_names': [...], 'total': ...}} is missing")
