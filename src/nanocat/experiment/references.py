"""Reference electrodes: potentials vs SHE at 25 °C (with a temperature coefficient where the source gives one).

An open registry, like :class:`nanocat.chem.LigandLibrary`: users add their own electrode with
:meth:`ReferenceLibrary.register` (or ``default_references().register(...)``) without editing nanocat.
The RHE is special: its potential vs SHE is ``-(ln 10 RT/F)·pH``, so a potential measured against an RHE
needs no pH term.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from scipy.constants import R

from nanocat.chem.products import FARADAY_C_MOL, T_STANDARD_K
from nanocat.errors import InputError

T_REFERENCE_K: float = T_STANDARD_K  # the tables give reference potentials at 25 °C

IJC_2010 = ("Reference electrodes in metal corrosion, Int. J. Corros. 2010, 756950, Table 2 "
            "(doi:10.1155/2010/756950)")
KAHLERT_2010 = ("H. Kahlert, 'Reference electrodes', in F. Scholz (ed.), Electroanalytical Methods, 2nd ed., "
                "Springer 2010, ch. II.7 (doi:10.1007/978-3-642-02915-8_15)")
BARD_1985 = ("A. J. Bard, R. Parsons, J. Jordan, Standard Potentials in Aqueous Solution, IUPAC/Marcel Dekker "
             "1985, HgO/Hg E° = 0.0977 V (doi:10.1201/9780203738764)")


def nernst_slope_V(temperature_K: float) -> float:
    """ln(10)·RT/F at ``temperature_K``: V per pH unit (0.05916 V at 298.15 K)."""
    return math.log(10.0) * R * temperature_K / FARADAY_C_MOL


@dataclass(frozen=True)
class ReferenceElectrode:
    """A reference electrode: potential vs SHE at 25 °C (V), dE/dT (V K⁻¹, None if not given), source."""

    name: str
    potential_V_SHE: float
    source: str
    dE_dT_V_K: float | None = None
    aliases: tuple[str, ...] = ()
    is_rhe: bool = False

    def potential_at_V_SHE(self, temperature_K: float, pH: float) -> float:
        """Potential vs SHE at ``temperature_K`` (K); an RHE follows the pH (``-(ln10 RT/F)·pH``)."""
        if self.is_rhe:
            return -nernst_slope_V(temperature_K) * pH
        slope = self.dE_dT_V_K or 0.0
        return self.potential_V_SHE + slope * (temperature_K - T_REFERENCE_K)

    def as_dict(self) -> dict[str, object]:
        """Plain record for JSON."""
        return {"name": self.name, "potential_V_SHE": self.potential_V_SHE, "dE_dT_V_K": self.dE_dT_V_K,
                "source": self.source, "aliases": list(self.aliases), "is_rhe": self.is_rhe}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ReferenceElectrode:
        """Inverse of :meth:`as_dict`."""
        slope = data.get("dE_dT_V_K")
        return cls(str(data["name"]), float(data["potential_V_SHE"]), str(data["source"]),  # type: ignore[arg-type]
                   None if slope is None else float(slope), tuple(data.get("aliases", ())),  # type: ignore[arg-type]
                   bool(data.get("is_rhe", False)))


def _key(name: str) -> str:
    """Spelling-insensitive key: 'Ag/AgCl (sat. KCl)' == 'ag/agcl sat kcl' == 'Ag|AgCl, saturated KCl'."""
    text = name.lower().replace("saturated", "sat").replace("|", "/").replace("mol/l", "m")
    return re.sub(r"[^a-z0-9/.]", "", text).replace(".", "")


@dataclass
class ReferenceLibrary:
    """Open registry of reference electrodes, looked up by name or alias (case and punctuation ignored)."""

    _by_key: dict[str, ReferenceElectrode] = field(default_factory=dict)

    def register(self, electrode: ReferenceElectrode, *, replace: bool = False) -> ReferenceElectrode:
        """Add an electrode; a name or alias clash is an InputError unless ``replace``."""
        if not math.isfinite(electrode.potential_V_SHE) or abs(electrode.potential_V_SHE) > 3:
            raise InputError(f"reference electrode {electrode.name!r}: potential_V_SHE must be within ±3 V")
        if not electrode.source.strip():
            raise InputError(f"reference electrode {electrode.name!r}: give the source of its potential (DOI)")
        keys = {_key(electrode.name), *(_key(a) for a in electrode.aliases)}
        clash = [k for k in keys if k in self._by_key and self._by_key[k].name != electrode.name]
        if (clash or _key(electrode.name) in self._by_key) and not replace:
            raise InputError(f"reference electrode {electrode.name!r} is already known; pass replace=True")
        for k in keys:
            self._by_key[k] = electrode
        return electrode

    def get(self, name: str) -> ReferenceElectrode:
        """Look up an electrode by name or alias; unknown names list the known ones."""
        try:
            return self._by_key[_key(name)]
        except KeyError:
            raise InputError(f"unknown reference electrode {name!r}; known: {', '.join(self.names())} "
                             "(register your own with ReferenceLibrary.register)") from None

    def names(self) -> list[str]:
        """Canonical names of every electrode."""
        return sorted({e.name for e in self._by_key.values()})

    def __iter__(self) -> Iterator[ReferenceElectrode]:
        return iter(sorted({e.name: e for e in self._by_key.values()}.values(), key=lambda e: e.name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _key(name) in self._by_key


BUILTIN: tuple[ReferenceElectrode, ...] = (
    ReferenceElectrode("SHE", 0.0, "definition", 0.0, ("NHE",)),
    ReferenceElectrode("RHE", 0.0, "definition: E_RHE = E_SHE + (ln10 RT/F)·pH", None, ("reversible hydrogen",),
                       is_rhe=True),
    ReferenceElectrode("Ag/AgCl (sat. KCl)", 0.1970, IJC_2010, None, ("Ag/AgCl sat KCl",)),
    ReferenceElectrode("Ag/AgCl (3 M KCl)", 0.210, KAHLERT_2010, None, ("Ag/AgCl 3M KCl",)),
    ReferenceElectrode("Ag/AgCl (1 M KCl)", 0.2360, IJC_2010, None, ("Ag/AgCl 1M KCl",)),
    ReferenceElectrode("SCE", 0.2410, IJC_2010, None, ("Hg/Hg2Cl2 (sat. KCl)", "saturated calomel")),
    ReferenceElectrode("Hg/HgO (1 M KOH)", 0.098, BARD_1985, None, ("Hg/HgO 1M KOH",)),
    ReferenceElectrode("Hg/HgO (0.1 M NaOH)", 0.165, IJC_2010, None, ("Hg/HgO 0.1M NaOH",)),
)


@lru_cache(maxsize=1)
def default_references() -> ReferenceLibrary:
    """The shared library with the built-in electrodes (register your own on it)."""
    lib = ReferenceLibrary()
    for electrode in BUILTIN:
        lib.register(electrode)
    return lib
