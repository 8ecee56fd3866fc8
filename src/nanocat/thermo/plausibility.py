"""Plausibility windows: flag formation free energies far outside what DFT gives for that intermediate and metal.

A window is the range of reference values of G_f(X*) (eV, 0 V vs RHE, referenced like
:class:`~nanocat.thermo.che.FormationEnergies`: CO2(g), H2(g), H2O(l)) for one intermediate on one metal,
widened by a stated margin. A value outside its window does not mean the number is wrong, only that it is
far from every reference value nanocat knows, so the prediction built on it deserves a DFT check
(``--refine``) before it is believed.

The built-in windows live in ``plausible_windows.yaml`` next to this module; each carries its reference
values, their sources (DOIs, or the nanocat measurement and the script that reproduces it) and a note. Users
add or override windows with :meth:`PlausibilityWindows.register` or :meth:`PlausibilityWindows.load_yaml`
(same schema); ``<data_dir>/plausible_windows.yaml`` is loaded into :func:`default_windows` when present.

Site rule: a binding site made of several elements (Cu12Co bridge Cu–Co) is checked against the union of the
windows of its elements (lowest low, highest high): a value is flagged only when it is implausible for every
element of the site. Elements without a window are named in the flag's message; a species with no window
for any element of its site is not checked (:func:`unchecked_species` lists those).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nanocat.chem.species import SpeciesError, parse_species
from nanocat.errors import DataError, InputError
from nanocat.thermo.che import FormationEnergies, check_number

__all__ = ["PlausibilityFlag", "PlausibilityWindows", "PlausibleWindow", "check_by_site", "check_formation_energies",
           "default_windows", "summarize_flags", "unchecked_species"]

log = logging.getLogger(__name__)

_WINDOW_FIELDS = ("species", "metal", "values_eV", "margin_eV", "low_eV", "high_eV", "dois", "sources", "note")


def _number(value: Any, where: str) -> float:
    """A finite float, else InputError naming ``where``."""
    return check_number(value, where, InputError)


def _metal(symbol: Any, where: str) -> str:
    """A chemical element symbol (as ASE knows them), else InputError."""
    from ase.data import chemical_symbols

    if not isinstance(symbol, str) or symbol not in chemical_symbols[1:]:
        raise InputError(f"{where}: {symbol!r} is not an element symbol (e.g. 'Cu')")
    return symbol


def _adsorbate(name: Any, where: str) -> str:
    """An adsorbate species name such as ``'COOH*'``, else InputError."""
    if not isinstance(name, str):
        raise InputError(f"{where}: species must be a string like 'COOH*', got {name!r}")
    try:
        sp = parse_species(name)
    except SpeciesError as exc:
        raise InputError(f"{where}: {exc}") from None
    if sp.phase != "ads":
        raise InputError(f"{where}: {name!r} is not an adsorbate (write it like 'COOH*')")
    return name


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A string or list of strings as a tuple, else InputError."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not all(isinstance(v, str) and v.strip() for v in items):
        raise InputError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(items)


@dataclass(frozen=True)
class PlausibleWindow:
    """Plausible range [low_eV, high_eV] of G_f(species) (eV, 0 V_RHE) on ``metal``, with its evidence.

    Give either ``values_eV`` (reference values) and ``margin_eV`` (the window is their range widened by the
    margin on both sides) or ``low_eV`` and ``high_eV`` directly. ``dois`` cite the reference values;
    ``sources`` says in words where each value comes from; ``note`` why the margin is what it is.
    """

    species: str
    metal: str
    values_eV: tuple[float, ...] = ()
    margin_eV: float = 0.0
    low_eV: float | None = None
    high_eV: float | None = None
    dois: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        """Validate every field (InputError naming the field) and derive the bounds from values and margin."""
        label = f"window {self.species!r} on {self.metal!r}"
        object.__setattr__(self, "species", _adsorbate(self.species, f"{label}: species"))
        object.__setattr__(self, "metal", _metal(self.metal, f"{label}: metal"))
        values = self.values_eV
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise InputError(f"{label}: values_eV must be a list of numbers, got {values!r}")
        values = tuple(_number(v, f"{label}: values_eV") for v in values)
        object.__setattr__(self, "values_eV", values)
        margin = _number(self.margin_eV, f"{label}: margin_eV")
        if margin < 0:
            raise InputError(f"{label}: margin_eV must be >= 0 eV, got {margin}")
        object.__setattr__(self, "margin_eV", margin)
        low = None if self.low_eV is None else _number(self.low_eV, f"{label}: low_eV")
        high = None if self.high_eV is None else _number(self.high_eV, f"{label}: high_eV")
        if values:
            low = round(min(values) - margin, 6) if low is None else low  # round: -0.41 - 0.5 prints as -0.91
            high = round(max(values) + margin, 6) if high is None else high
        if low is None or high is None:
            raise InputError(f"{label}: give values_eV (with margin_eV) or both low_eV and high_eV")
        if low > high:
            raise InputError(f"{label}: low_eV {low} is above high_eV {high}")
        object.__setattr__(self, "low_eV", low)
        object.__setattr__(self, "high_eV", high)
        object.__setattr__(self, "dois", _strings(self.dois, f"{label}: dois") if self.dois else ())
        object.__setattr__(self, "sources", _strings(self.sources, f"{label}: sources") if self.sources else ())
        if not self.dois and not self.sources:
            raise InputError(f"{label}: a window needs its evidence: give dois and/or sources")
        if not isinstance(self.note, str):
            raise InputError(f"{label}: note must be a string, got {self.note!r}")

    def contains(self, dG_eV: float) -> bool:
        """True when ``dG_eV`` (eV) lies inside the window (bounds included)."""
        return self.low_eV <= dG_eV <= self.high_eV  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form (the YAML schema)."""
        return {"species": self.species, "metal": self.metal, "values_eV": list(self.values_eV),
                "margin_eV": self.margin_eV, "low_eV": self.low_eV, "high_eV": self.high_eV,
                "dois": list(self.dois), "sources": list(self.sources), "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlausibleWindow:
        """Build from the YAML/dict schema; unknown or missing keys are an InputError naming them."""
        if not isinstance(data, Mapping):
            raise InputError(f"a window must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - set(_WINDOW_FIELDS))
        if unknown:
            raise InputError(f"window {data.get('species')!r}: unknown field(s) {unknown}; "
                             f"allowed: {list(_WINDOW_FIELDS)}")
        missing = [f for f in ("species", "metal") if f not in data]
        if missing:
            raise InputError(f"window {data.get('species')!r}: missing field(s) {missing}")
        kwargs = dict(data)
        for key in ("values_eV", "dois", "sources"):
            if key in kwargs and isinstance(kwargs[key], list):
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)


@dataclass(frozen=True)
class PlausibilityFlag:
    """One formation free energy (eV, 0 V_RHE) outside its plausible window [low_eV, high_eV] on ``metal``."""

    species: str
    dG_eV: float
    low_eV: float
    high_eV: float
    metal: str
    dois: tuple[str, ...] = ()
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"species": self.species, "dG_eV": self.dG_eV, "low_eV": self.low_eV, "high_eV": self.high_eV,
                "metal": self.metal, "dois": list(self.dois), "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlausibilityFlag:
        """Inverse of :meth:`as_dict`."""
        return cls(str(data["species"]), float(data["dG_eV"]), float(data["low_eV"]), float(data["high_eV"]),
                   str(data["metal"]), tuple(data.get("dois", ())), str(data.get("message", "")))


class PlausibilityWindows:
    """A registry of plausible windows keyed by (species, metal); users add or override entries."""

    def __init__(self, windows: Iterable[PlausibleWindow] = ()) -> None:
        """Start with the given windows (none by default; see :func:`default_windows`)."""
        self._windows: dict[tuple[str, str], PlausibleWindow] = {}
        for window in windows:
            self.register(window)

    def register(self, window: PlausibleWindow, *, replace: bool = False) -> PlausibleWindow:
        """Add a window; one already there for the same (species, metal) is an InputError unless ``replace``."""
        if not isinstance(window, PlausibleWindow):
            raise InputError(f"register() expects a PlausibleWindow, got {type(window).__name__}")
        key = (window.species, window.metal)
        if key in self._windows and not replace:
            raise InputError(f"a window for {window.species} on {window.metal} is already registered; "
                             "pass replace=True to override it")
        self._windows[key] = window
        return window

    def get(self, species: str, metal: str) -> PlausibleWindow | None:
        """The window of ``species`` on ``metal``, or None."""
        return self._windows.get((species, metal))

    def for_site(self, species: str, elements: str | Sequence[str]) -> tuple[PlausibleWindow, ...]:
        """Windows of ``species`` for each element of a site (a symbol or the site's element list)."""
        symbols = [elements] if isinstance(elements, str) else list(dict.fromkeys(elements))
        return tuple(w for w in (self.get(species, m) for m in symbols) if w is not None)

    def copy(self) -> PlausibilityWindows:
        """An independent copy (register into it without touching the original)."""
        return PlausibilityWindows(self._windows.values())

    def load_yaml(self, path: str | Path, *, replace: bool = True) -> list[PlausibleWindow]:
        """Register every window of a YAML file (``windows:`` list); later entries override (``replace``)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"cannot read plausibility windows file {path}: {exc.strerror or exc}") from None
        return self._load_text(text, str(path), replace=replace)

    def _load_text(self, text: str, source: str, *, replace: bool) -> list[PlausibleWindow]:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"{source}: not valid YAML: {exc}") from None
        entries = doc.get("windows") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise DataError(f"{source}: expected a list of windows under the key 'windows'")
        added = []
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                raise DataError(f"{source}: window entry {i} is not a mapping")
            try:
                added.append(self.register(PlausibleWindow.from_dict(entry), replace=replace))
            except InputError as exc:
                raise DataError(f"{source}: window entry {i}: {exc}") from None
        return added

    def as_dict(self) -> dict[str, Any]:
        """Plain form of every window (the YAML schema)."""
        return {"windows": [w.as_dict() for w in self]}

    def __contains__(self, key: object) -> bool:
        return key in self._windows

    def __iter__(self) -> Iterator[PlausibleWindow]:
        return iter(list(self._windows.values()))

    def __len__(self) -> int:
        return len(self._windows)


@lru_cache(maxsize=1)
def default_windows() -> PlausibilityWindows:
    """The built-in windows (plus ``<data_dir>/plausible_windows.yaml`` if the user has one), one per process.

    Use ``default_windows().copy()`` to add windows without touching the shared registry.
    """
    from importlib.resources import files

    from nanocat.settings import get_settings

    windows = PlausibilityWindows()
    windows._load_text(files("nanocat.thermo").joinpath("plausible_windows.yaml").read_text(encoding="utf-8"),
                       "nanocat/thermo/plausible_windows.yaml", replace=False)
    user_file = get_settings().data_dir / "plausible_windows.yaml"
    if user_file.is_file():
        log.info("loading user plausibility windows from %s", user_file)
        windows.load_yaml(user_file, replace=True)
    return windows


def _energies(fe: FormationEnergies | Mapping[str, float]) -> dict[str, float]:
    """Adsorbate formation energies (eV) of a FormationEnergies or a species -> ΔG mapping."""
    mapping = fe.G_eV if isinstance(fe, FormationEnergies) else fe
    if not isinstance(mapping, Mapping):
        raise InputError(f"formation energies must be a FormationEnergies or a mapping, got {type(fe).__name__}")
    out = {}
    for name, value in mapping.items():
        if value is None:
            continue
        try:
            phase = parse_species(name).phase
        except SpeciesError as exc:
            raise InputError(f"formation energies: {exc}") from None
        if phase == "ads":
            out[name] = _number(value, f"formation energy of {name}")
    return out


def _site_symbols(metal: str | Sequence[str]) -> list[str]:
    """The site's element symbols, validated."""
    symbols = [metal] if isinstance(metal, str) else list(dict.fromkeys(metal))
    if not symbols:
        raise InputError("metal: give the element(s) of the binding site, e.g. 'Cu' or ['Cu', 'Co']")
    return [_metal(s, "metal") for s in symbols]


def check_formation_energies(fe: FormationEnergies | Mapping[str, float], metal: str | Sequence[str],
                             windows: PlausibilityWindows | None = None) -> tuple[PlausibilityFlag, ...]:
    """Flags for every adsorbate formation free energy (eV, 0 V_RHE) outside its window on the site's metal(s).

    Parameters
    ----------
    fe : FormationEnergies, or a mapping ``{"H*": dG_eV, ...}`` (eV; gases and None values are skipped).
    metal : the binding site's element, or the list of its elements (a mixed site is checked against the union
        of its elements' windows; see the module docstring).
    windows : the registry to use; :func:`default_windows` when None.
    """
    registry = default_windows() if windows is None else windows
    symbols = _site_symbols(metal)
    flags = []
    for species, dG in _energies(fe).items():
        found = registry.for_site(species, symbols)
        if not found:
            continue
        low, high = min(w.low_eV for w in found), max(w.high_eV for w in found)  # type: ignore[type-var]
        if low <= dG <= high:
            continue
        covered = [w.metal for w in found]
        missing = [s for s in symbols if s not in covered]
        dois = tuple(dict.fromkeys(d for w in found for d in w.dois))
        side = "below" if dG < low else "above"
        message = (f"{species} at {dG:+.2f} eV is {side} the plausible window [{low:+.2f}, {high:+.2f}] eV "
                   f"for {'/'.join(covered)}")
        if missing:
            message += f" (no window for {'/'.join(missing)})"
        flags.append(PlausibilityFlag(species, float(dG), float(low), float(high), "/".join(symbols), dois,
                                      message))
    return tuple(flags)


def check_by_site(fe: FormationEnergies | Mapping[str, float], site_elements: Mapping[str, Sequence[str]],
                  windows: PlausibilityWindows | None = None) -> tuple[PlausibilityFlag, ...]:
    """Flags (eV, 0 V_RHE) with each species checked on the elements of its own site.

    ``site_elements`` maps a species to the elements of the site its value comes from (a screen's best site
    per intermediate, e.g. ``{"H*": ["Cu", "Cu"], "OCHO*": ["Cu", "Cu", "Co"]}``); species not in it are skipped.
    """
    energies = _energies(fe)
    flags: list[PlausibilityFlag] = []
    for species, elements in site_elements.items():
        if species in energies:
            flags.extend(check_formation_energies({species: energies[species]}, elements, windows))
    return tuple(flags)


def unchecked_species(fe: FormationEnergies | Mapping[str, float], metal: str | Sequence[str],
                      windows: PlausibilityWindows | None = None) -> tuple[str, ...]:
    """Adsorbates of ``fe`` that no window covers on any element of the site (not checked)."""
    registry = default_windows() if windows is None else windows
    symbols = _site_symbols(metal)
    return tuple(s for s in _energies(fe) if not registry.for_site(s, symbols))


def summarize_flags(flags: Sequence[PlausibilityFlag]) -> str:
    """One sentence for a prediction's reason: ``"2 formation energies outside plausible windows: ..."``."""
    if not flags:
        return ""
    n = len(flags)
    listing = "; ".join(f"{f.species} {f.dG_eV:+.2f} eV on {f.metal} (window [{f.low_eV:+.2f}, {f.high_eV:+.2f}])"
                        for f in flags)
    return (f"{n} formation energ{'y' if n == 1 else 'ies'} outside plausible windows: {listing}; "
            "check with DFT (--refine) before trusting this prediction")

