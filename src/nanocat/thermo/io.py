"""Read energy files into FormationEnergies.

Accepted formats (chosen from the content, not the extension):

- CSV ``species,G_eV``: formation free energies at 0 V_RHE relative to CO2(g), H2(g), H2O(l).
- CSV ``species,E_eV``: electronic energies; ``*`` is the clean catalyst, ``X*`` adsorbates, ``X(g)`` gases
  (CO2(g), H2(g), H2O(g) required); a correction preset turns them into free energies.
- YAML with either ``G_eV: {species: value}`` or ``clean_eV``, ``adsorbed_eV``, ``gas_eV`` (and optional
  ``method``, ``corrections``).
- CatMAP's tab-separated energy table (``surface_name, site_name, species_name, formation_energy,
  frequencies, reference``; gases have site ``gas``). Frequencies given for an adsorbate replace the preset's
  ZPE/TS (HarmonicThermo); transition states (names with ``-``), the pseudo-species ``pe``/``ele`` and
  CatMAP's fictitious gases ``H``/``OH`` (proton, hydroxide) are skipped.
"""

from __future__ import annotations

import ast
import csv
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nanocat.chem.species import SpeciesError, parse_species
from nanocat.errors import EnergyInputError
from nanocat.thermo.che import FormationEnergies, check_number, formation_energies_from_electronic
from nanocat.thermo.corrections import CorrectionSet, adsorbate_correction, get_preset

log = logging.getLogger(__name__)
CATMAP_COLUMNS = ("surface_name", "site_name", "species_name", "formation_energy")
_CATMAP_PSEUDO = {"pe", "ele"}  # CatMAP's proton-electron pair and electron: the CHE handles them
#: Gas rows CatMAP treats as fictitious electrochemical species, never as molecules (their free energies are set
#: by CatMAP itself: catmap/thermodynamics/enthalpy_entropy.py, ``ideal_gas`` and ``_get_echem_corrections``).
CATMAP_GAS_PSEUDO = frozenset({"pe", "ele", "H", "OH"})


def _species(name: str, where: str) -> str:
    """Validated species name, or EnergyInputError naming file/line/field."""
    try:
        return parse_species(name).name
    except SpeciesError as exc:
        raise EnergyInputError(f"{where}: field 'species': {exc}") from None


def _from_electronic(entries: dict[str, float], where: str, corrections: CorrectionSet | str,
                     method: str) -> FormationEnergies:
    """Split species -> E into clean / adsorbed / gas and build formation energies."""
    if "*" not in entries:
        raise EnergyInputError(f"{where}: no energy for the clean catalyst (a row with species '*')")
    ads = {k: v for k, v in entries.items() if k.endswith("*") and k != "*"}
    gas = {k: v for k, v in entries.items() if k.endswith("(g)")}
    other = set(entries) - set(ads) - set(gas) - {"*"}
    if other:
        raise EnergyInputError(f"{where}: electronic energies must be adsorbates or gases, not {sorted(other)}")
    try:
        return formation_energies_from_electronic(entries["*"], ads, gas, corrections, method)
    except EnergyInputError as exc:
        raise EnergyInputError(f"{where}: {exc}") from None


def _read_csv(path: Path, corrections: CorrectionSet | str, method: str | None) -> FormationEnergies:
    """CSV of formation free energies (G_eV) or electronic energies (E_eV)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.reader(line for line in handle if not line.lstrip().startswith("#")) if r]
    if not rows:
        raise EnergyInputError(f"{path}: empty energies file")
    header = [h.strip() for h in rows[0]]
    if header[:1] != ["species"] or len(header) < 2 or header[1] not in ("G_eV", "E_eV"):
        raise EnergyInputError(f"{path}, line 1: header must be 'species,G_eV' or 'species,E_eV', got {header}")
    values: dict[str, float] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        where = f"{path}, line {lineno}"
        if len(row) < 2:
            raise EnergyInputError(f"{where}: expected two fields 'species,{header[1]}'")
        name = _species(row[0].strip(), where)
        if name in values:
            raise EnergyInputError(f"{where}: species {name!r} given twice")
        values[name] = check_number(row[1].strip(), f"{where}, field '{header[1]}'")
    if header[1] == "G_eV":
        return FormationEnergies(values, method or "unknown", "as given", {k: f"{path}" for k in values})
    return _from_electronic(values, str(path), corrections, method or "unknown")


def _read_yaml(path: Path, corrections: CorrectionSet | str, method: str | None) -> FormationEnergies:
    """YAML with G_eV, or clean_eV/adsorbed_eV/gas_eV."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EnergyInputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise EnergyInputError(f"{path}: expected a mapping with 'G_eV' or 'clean_eV'/'adsorbed_eV'/'gas_eV'")
    meth = method or str(data.get("method", "unknown"))
    if "G_eV" in data:
        values = {_species(str(k), f"{path}, G_eV"): check_number(v, f"{path}, field 'G_eV.{k}'")
                  for k, v in (data["G_eV"] or {}).items()}
        return FormationEnergies(values, meth, "as given", {k: str(path) for k in values})
    for key in ("clean_eV", "adsorbed_eV", "gas_eV"):
        if key not in data:
            raise EnergyInputError(f"{path}: missing field '{key}' (or give 'G_eV')")
    corr = data.get("corrections", corrections)
    try:
        return formation_energies_from_electronic(data["clean_eV"], data["adsorbed_eV"] or {}, data["gas_eV"] or {},
                                                  corr, meth)
    except EnergyInputError as exc:
        raise EnergyInputError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class CatMAPRow:
    """One line of a CatMAP energy table (catmap/parsers/table_parser.py columns); energies eV, frequencies cm-1."""

    line: int
    surface_name: str
    site_name: str
    species_name: str
    formation_energy_eV: float
    frequencies_cm: tuple[float, ...]
    reference: str = ""

    @property
    def is_gas(self) -> bool:
        """True for gas-phase rows (CatMAP's site name ``gas``, surface ``None``)."""
        return self.site_name == "gas"

    def as_dict(self) -> dict[str, Any]:
        """Plain record of the row."""
        return {"line": self.line, "surface_name": self.surface_name, "site_name": self.site_name,
                "species_name": self.species_name, "formation_energy_eV": self.formation_energy_eV,
                "frequencies_cm": list(self.frequencies_cm), "reference": self.reference}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CatMAPRow:
        """Rebuild from :meth:`as_dict` output."""
        return cls(int(data["line"]), str(data["surface_name"]), str(data["site_name"]), str(data["species_name"]),
                   float(data["formation_energy_eV"]), tuple(float(f) for f in data["frequencies_cm"]),
                   str(data.get("reference", "")))


def read_catmap_table(path: str | Path) -> tuple[CatMAPRow, ...]:
    """Every row of a CatMAP tab-separated energy table; a malformed line raises EnergyInputError naming it.

    Frequencies are read with ``ast.literal_eval`` (CatMAP itself ``eval``s them) and kept in cm-1.
    """
    path = Path(path)
    if not path.is_file():
        raise EnergyInputError(f"CatMAP energy table not found: {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise EnergyInputError(f"{path}: empty CatMAP energy table")
    header = [h.strip() for h in lines[0].split("\t")]
    missing = [c for c in CATMAP_COLUMNS if c not in header]
    if missing:
        raise EnergyInputError(f"{path}, line 1: CatMAP table lacks column(s) {missing}")
    col = {h: i for i, h in enumerate(header)}
    rows: list[CatMAPRow] = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"{path}, line {lineno}"
        fields = line.split("\t")
        if len(fields) < max(col[c] for c in CATMAP_COLUMNS) + 1:
            raise EnergyInputError(f"{where}: expected tab-separated fields {list(header)}, got {len(fields)}")
        r = {h: (fields[i].strip() if i < len(fields) else "") for h, i in col.items()}
        energy = check_number(r["formation_energy"], f"{where}, field 'formation_energy'")
        freqs_text = r.get("frequencies", "") or "[]"
        try:
            freqs = tuple(float(f) for f in ast.literal_eval(freqs_text))
        except (ValueError, SyntaxError, TypeError):
            raise EnergyInputError(f"{where}, field 'frequencies': {freqs_text!r} is not a list of numbers") from None
        rows.append(CatMAPRow(lineno, r["surface_name"], r["site_name"], r["species_name"], energy, freqs,
                              r.get("reference", "")))
    return tuple(rows)


def _read_catmap(path: Path, corrections: CorrectionSet | str, method: str | None,
                 surface: str | None) -> FormationEnergies:
    """CatMAP energy table: re-referenced to CO2/H2/H2O(l) with the table's own gas entries."""
    rows = read_catmap_table(path)
    surfaces = sorted({r.surface_name for r in rows if not r.is_gas})
    if surface is None:
        if len(surfaces) > 1:
            raise EnergyInputError(f"{path}: several surfaces {surfaces}; choose one with surface=")
        surface = surfaces[0] if surfaces else None
    elif surface not in surfaces:
        raise EnergyInputError(f"{path}: surface {surface!r} not in the table (have {surfaces})")
    cs = get_preset(corrections) if isinstance(corrections, str) else corrections
    gas: dict[str, float] = {}
    ads: dict[str, float] = {}
    extra = {}
    for r in rows:
        where = f"{path}, line {r.line}"
        name = r.species_name
        if "-" in name or name in _CATMAP_PSEUDO or (r.is_gas and name in CATMAP_GAS_PSEUDO):
            log.info("%s: skipping %s (transition state or CatMAP pseudo-species)", where, name)
            continue
        if r.is_gas:
            gas[_species(f"{name}(g)", where)] = r.formation_energy_eV
            continue
        if r.surface_name != surface:
            continue
        key = _species(f"{name}*", where)
        ads[key] = r.formation_energy_eV
        if r.frequencies_cm:
            base = cs.corrections.get(key)
            try:
                corr = adsorbate_correction(r.frequencies_cm,
                                            source=f"HarmonicThermo (ASE) from {path} frequencies")
            except EnergyInputError as exc:
                raise EnergyInputError(f"{where}, field 'frequencies': {exc}") from None
            if base is not None:
                corr = type(corr)(corr.zpe_eV, corr.ts_eV, base.solvation_eV, 0.0, f"{corr.source}; {base.source}")
            extra[key] = corr
    cs = cs.with_corrections(extra) if extra else cs
    # CatMAP formation energies are relative to the clean surface: E(*) = 0
    fe = _from_electronic({"*": 0.0, **ads, **gas}, str(path), cs, method or f"CatMAP table ({surface})")
    return fe


def load_energies(path: str | Path, corrections: CorrectionSet | str = "peterson2010", method: str | None = None,
                  surface: str | None = None) -> FormationEnergies:
    """Read a CSV, YAML or CatMAP energy file into formation free energies (eV, 0 V_RHE)."""
    p = Path(path)
    if not p.is_file():
        raise EnergyInputError(f"energies file not found: {p}")
    first = p.read_text(encoding="utf-8").lstrip().split("\n", 1)[0]
    if first.startswith("surface_name") and "\t" in first:
        return _read_catmap(p, corrections, method, surface)
    if p.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(p, corrections, method)
    if p.suffix.lower() in (".csv", ".txt", ""):
        return _read_csv(p, corrections, method)
    raise EnergyInputError(f"{p}: unknown energies format (use .csv, .yaml or a CatMAP tab-separated table)")

